"""The commands' library side: read the project, generate every file, plan the writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from nixgen.depsnix import DEPS_FILE
from nixgen.errors import InputError, Position
from nixgen.gateway import SubprocessRunner
from nixgen.generate import NIFS_FILE, Tools, generate, read_from
from nixgen.nifs import generate_lockfiles
from nixgen.prefetch import CachedPrefetcher, GitPrefetcher, hex_tarball_sha256
from nixgen.project import load_known_sources, load_project
from nixgen.settings import SETTINGS_FILE, Settings, load_settings
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
    project = load_project(root, env=settings.mix_env, all_cargo_locks=False)
    if options.generate_lockfiles:
        generate_lockfiles(project, SubprocessRunner(), root)
        project = load_project(root, env=settings.mix_env, all_cargo_locks=False)
    output = generate(project, settings, tools or default_tools(root), read_from(root))
    return plan_changes(root, output.generated, output.created, output.edited, force)


def plan_update(root: Path, *, force: bool, tools: Tools | None = None) -> list[Change]:
    """Regenerate from the current inputs and nixgen.toml (which `init` created)."""
    settings = load_settings(root)
    if settings is None:
        raise InputError(
            "no nixgen.toml: this project was not set up by nixgen",
            Position(SETTINGS_FILE),
            "run `nixgen init` first",
        )
    project = load_project(root, env=settings.mix_env, all_cargo_locks=False)
    output = generate(project, settings, tools or default_tools(root), read_from(root))
    return plan_changes(root, output.generated, output.created, output.edited, force)


def out_of_date(changes: list[Change]) -> list[Change]:
    """Changes `check` reports: anything `update` would write."""
    return [c for c in changes if c.action != "unchanged"]


_DEP = re.compile(
    r'^    (?P<attr>\S+) = \w+ \{\n      name = "(?P<name>[^"]*)";\n'
    r'      version = "(?P<version>[^"]*)";',
    re.MULTILINE,
)
_CRATE = re.compile(r"^    (?P<attr>\S+) = buildNif \{", re.MULTILINE)


def summarize(changes: list[Change]) -> list[str]:
    """One line per dep added/removed/bumped, crate added/removed and file rewritten."""
    lines: list[str] = []
    for change in changes:
        if change.path == DEPS_FILE:
            lines.extend(_dep_changes(change.old or "", change.new))
        elif change.path == NIFS_FILE:
            old = set(_CRATE.findall(change.old or ""))
            new = set(_CRATE.findall(change.new))
            lines += [f"crate added: {c}" for c in sorted(new - old)]
            lines += [f"crate removed: {c}" for c in sorted(old - new)]
    lines += [f"{c.action}: {c.path}" for c in changes if c.action != "unchanged"]
    return lines


def _dep_changes(old_text: str, new_text: str) -> list[str]:
    old = {m["name"]: m["version"] for m in _DEP.finditer(old_text)}
    new = {m["name"]: m["version"] for m in _DEP.finditer(new_text)}
    lines = [f"dep added: {n} {new[n]}" for n in sorted(set(new) - set(old))]
    lines += [f"dep removed: {n} {old[n]}" for n in sorted(set(old) - set(new))]
    lines += [
        f"dep bumped: {n} {old[n]} -> {new[n]}"
        for n in sorted(set(old) & set(new))
        if old[n] != new[n]
    ]
    return lines
