"""Project + settings → every file nixgen writes, as {path: text}; no I/O beyond reading."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from nixgen.constants import (
    DEPS_FILE,
    FLAKE_FILE,
    NIFS_FILE,
    OVERRIDES_FILE,
    REGENERATE,
    RELEASE_FILE,
    SETTINGS_FILE,
)
from nixgen.emit.deps import DepsRequest, HexHasher, known_hex_hashes, plan_deps, render_deps
from nixgen.emit.glue import (
    MACRO,
    GlueNif,
    config_block,
    macro_module,
    needs_config,
    with_config_block,
)
from nixgen.emit.nifs import crate_attr, nifs_warnings, plan_nifs, render_nifs
from nixgen.emit.release import (
    ReleaseNifs,
    plan_release,
    release_nifs,
    render_flake,
    render_release,
)
from nixgen.errors import ResolveError
from nixgen.fetch.cargo_git import known_cargo_hashes
from nixgen.fetch.checkouts import GitSources
from nixgen.fetch.git import Prefetcher
from nixgen.model import Dynamic, HexLockEntry, MixProject, Nif, PathDep, Project, RustlerModule
from nixgen.paths import join
from nixgen.readers.config_exs import config_string
from nixgen.resolve.assets import AssetTool, plan_assets
from nixgen.resolve.beam import choose_beam
from nixgen.settings import Settings, default_text
from nixgen.write import read_existing, with_header

OVERRIDES_TEXT = """# Your hand fixes for the generated Nix. nixgen created this file once and never
# rewrites it. Each entry is optional.
{
  # Mix deps (nix/deps.nix), e.g.
  #   some_dep = prev.some_dep.overrideAttrs (old: { buildInputs = [ ... ]; });
  deps = final: prev: { };

  # NIF crates (nix/nifs.nix), same shape, e.g. extra C libraries for a -sys crate.
  nifs = final: prev: { };

  # The release derivation: old: { ... } as for overrideAttrs.
  release = old: { };
}
"""

log = logging.getLogger(__name__)


class ReadFile(Protocol):
    def __call__(self, path: str) -> str | None: ...


@dataclass(frozen=True)
class Generated:
    """What a run would write. `generated` files carry nixgen's header and are rewritten;
    `created` ones are the user's, written only when absent; `edited` are user files with a
    nixgen block changed in place."""

    generated: dict[str, str]
    created: dict[str, str]
    edited: dict[str, str]
    notes: tuple[str, ...] = field(default=())
    # Inputs the flake reads that nixgen does not write: each NIF crate's Cargo.lock.
    lockfiles: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Tools:
    sources: GitSources
    prefetcher: Prefetcher | None
    hex_hasher: HexHasher | None


def choose_top(project: Project) -> MixProject:
    """The Mix project whose release is built: the only top-level one, or the only one that no
    other depends on by path."""
    tops = project.mix_projects
    if len(tops) == 1:
        return tops[0]
    used = {
        join(top.dir, dep.path)
        for top in tops
        for dep in (top.deps if isinstance(top.deps, tuple) else ())
        if isinstance(dep, PathDep) and isinstance(dep.path, str)
    }
    roots = [t for t in tops if t.dir not in used]
    if len(roots) == 1:
        return roots[0]
    raise ResolveError(
        f"several Mix projects: {', '.join(t.dir for t in tops)}",
        None,
        "run nixgen in the directory of the one to release",
    )


def generate(project: Project, settings: Settings, tools: Tools, read: ReadFile) -> Generated:
    top = choose_top(project)
    notes: list[str] = [skipped.note() for skipped in project.skipped]
    previous_deps = read(DEPS_FILE) or ""
    deps = plan_deps(
        DepsRequest(project, top, settings.mix_env, settings.provided_deps),
        tools.sources,
        tools.hex_hasher,
        known_hex_hashes(previous_deps),
    )
    nifs_plan = plan_nifs(
        project,
        libc=settings.libc,
        prefetcher=tools.prefetcher,
        known=known_cargo_hashes(read(NIFS_FILE) or ""),
    )
    notes.extend(nifs_warnings(nifs_plan))
    attrs = {p.manifest: crate_attr(p) for p in project.cargo_packages}
    config_path = _config_path(top)
    assets = plan_assets(
        top,
        deps.closure.included,
        {p.dir for p in top.walk() if read(join(p.dir, "assets/package.json"))},
        (
            config_string(config_path, read(config_path), "tailwind", "version")
            if "tailwind" in deps.closure.included
            else None
        ),
    )
    notes.extend(assets.notes)
    beam = choose_beam(project.tool_versions, top, settings.otp, settings.elixir)
    elixir = ".".join(map(str, beam.elixir))
    log.info("Erlang/OTP %s, Elixir %s (from %s)", beam.otp, elixir, beam.source)
    nifs = release_nifs(project, top, {d: name for name, d in deps.closure.path_deps})
    release = plan_release(project, top, beam, attrs, assets, nifs)
    generated = {
        FLAKE_FILE: with_header(
            render_flake(_description(top), settings.systems, settings.nixpkgs), REGENERATE
        ),
        RELEASE_FILE: with_header(render_release(release), REGENERATE),
        NIFS_FILE: render_nifs(nifs_plan),
    }
    created = {OVERRIDES_FILE: OVERRIDES_TEXT, SETTINGS_FILE: default_text(settings)}
    edited: dict[str, str] = {}
    if settings.elixir_glue:
        _glue(project, top, nifs, assets.tools, read, created, edited, notes)
    elif assets.tools:
        notes.append(
            "elixir_glue = false: point the Hex packages at the binaries the build provides "
            "yourself: "
            + "; ".join(
                f'config :{t.package}, path: System.get_env("{t.variable}")' for t in assets.tools
            )
        )
    if config_path in edited and deps.app_config is None:
        # The config directory is created by this run: plan deps.nix for the state after the
        # writes, so that `check` right after `init` agrees.
        deps = replace(deps, app_config=config_path.rsplit("/", 1)[0])
    generated[DEPS_FILE] = render_deps(deps)
    notes.extend(deps.closure.notes)
    if isinstance(top.version, Dynamic):
        notes.append(
            f"{top.version.where}: the version is computed by code "
            f"(`{top.version.source}`): the release is versioned 0.0.0; write it "
            "literally in mix.exs to change that"
        )
    lockfiles = tuple(sorted({n.cargo_lock for n in project.nifs if n.cargo_lock}))
    return Generated(generated, created, edited, tuple(notes), lockfiles)


def _description(top: MixProject) -> str:
    name = top.app if isinstance(top.app, str) else "release"
    return f"{name}: Elixir release with Rust NIFs (generated by nixgen)"


def _config_path(top: MixProject) -> str:
    return f"{top.config_dir or join(top.dir, 'config')}/config.exs"


def _glue(
    project: Project,
    top: MixProject,
    nifs: ReleaseNifs,
    tools: tuple[AssetTool, ...],
    read: ReadFile,
    created: dict[str, str],
    edited: dict[str, str],
    notes: list[str],
) -> None:
    entries: list[GlueNif] = []
    for nif in nifs.all():
        module = _module(project, nif)
        if module is not None and module.reads_precompiled_nif:
            notes.append(f"{nif.module} already reads PRECOMPILED_NIF: left as it is")
            continue
        if nif.kind == "precompiled":
            _require_rustler(project, top, nif)
        assert nif.otp_app and nif.load_app and nif.load_path and nif.crate
        glue = GlueNif(nif.otp_app, nif.module, nif.load_app, nif.load_path)
        if needs_config(nif):
            entries.append(glue)
        else:
            _old_rustler(project, nif, glue, created, notes)
    if entries or tools:
        path = _config_path(top)
        block = config_block(entries, [(t.package, t.variable) for t in tools])
        edited[path] = with_config_block(read(path), block, path)


def _module(project: Project, nif: Nif) -> RustlerModule | None:
    return next(
        (
            m
            for p in project.all_mix_projects()
            for m in p.rustler_modules
            if m.module == nif.module and m.where == nif.where
        ),
        None,
    )


def _require_rustler(project: Project, top: MixProject, nif: Nif) -> None:
    lock = next((lk for lk in project.locks if lk.path == top.lockfile), None)
    if lock is None or not isinstance(lock.get("rustler"), HexLockEntry):
        raise ResolveError(
            f"{nif.module} uses RustlerPrecompiled for its own crate: building it from source "
            "needs :rustler in mix.lock",
            nif.where,
            'add `{:rustler, ">= 0.0.0", optional: true}` to deps in mix.exs and run '
            "`mix deps.get`",
        )


def _old_rustler(
    project: Project, nif: Nif, glue: GlueNif, created: dict[str, str], notes: list[str]
) -> None:
    app_module = "".join(part.capitalize() for part in glue.app.split("_"))
    path = join(nif.mix_dir, f"lib/{glue.app}/nixgen_rustler.ex")  # beside the module
    created[path] = macro_module(app_module)
    module = _module(project, nif)
    if module is not None and module.via_macro:
        return  # the change below is made
    notes.append(
        f"rustler {nif.rustler_version or '(unknown version)'} ignores application config: "
        f"{path} holds a macro; in {nif.where.path} replace `use Rustler, <options>` with "
        f"`require {app_module}.NixgenRustler` and "
        f"`{app_module}.NixgenRustler.{MACRO}(<options>)`"
    )


def read_from(root: Path) -> ReadFile:
    return lambda path: read_existing(root, path)
