"""The commands' library side: read the project, generate every file, plan the writes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from nixgen.gateway import SubprocessRunner
from nixgen.generate import Tools, generate, read_from
from nixgen.nifs import generate_lockfiles
from nixgen.prefetch import CachedPrefetcher, GitPrefetcher, hex_tarball_sha256
from nixgen.project import load_known_sources, load_project
from nixgen.settings import Settings, load_settings
from nixgen.sources import GitSources
from nixgen.write import Change, plan_changes

NEXT_STEPS = """
Next steps:
  # flakes see only files git tracks: add the generated files and every Cargo.lock
  git add flake.nix nix/ nixgen.toml config/config.exs
  nix build            # the release, in ./result
  nix flake check      # builds the NIFs and loads them into the release
"""


@dataclass(frozen=True)
class InitOptions:
    mix_env: str = "prod"
    libc: str | None = None
    elixir_glue: bool = True
    generate_lockfiles: bool = False


def default_tools(root: Path) -> Tools:
    fetcher = GitPrefetcher(SubprocessRunner(), use_nix_prefetch_git=False)
    return Tools(
        sources=GitSources(fetcher, load_known_sources(root)),
        prefetcher=CachedPrefetcher(fetcher),
        hex_hasher=hex_tarball_sha256,
    )


def plan_init(
    root: Path, options: InitOptions, *, force: bool, tools: Tools | None = None
) -> list[Change]:
    settings = load_settings(root) or Settings()
    settings = replace(
        settings,
        mix_env=options.mix_env,
        elixir_glue=options.elixir_glue,
        libc=options.libc or settings.libc,
    )
    project = load_project(root, env=settings.mix_env)
    if options.generate_lockfiles:
        generate_lockfiles(project, SubprocessRunner(), root)
        project = load_project(root, env=settings.mix_env)
    output = generate(project, settings, tools or default_tools(root), read_from(root))
    return plan_changes(root, output.generated, output.created, output.edited, force)
