"""Read every input file of a project (as found by discover) into model values."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nixgen.errors import InputError, Position
from nixgen.model import (
    CargoConfig,
    CargoLock,
    CargoPackage,
    CargoWorkspace,
    Dynamic,
    MixLock,
    MixProject,
    PathDep,
    RustlerModule,
    Skipped,
    Toolchain,
    ToolVersions,
)
from nixgen.paths import join, outside
from nixgen.readers.cargo import read_cargo_tree
from nixgen.readers.cargo_lock import read_cargo_config, read_cargo_lock, read_toolchain
from nixgen.readers.discover import SKIP_DIRS, Layout, discover
from nixgen.readers.elixir import Source, parse_file, parse_text
from nixgen.readers.mix_exs import read_mix_exs
from nixgen.readers.mix_lock import read_mix_lock
from nixgen.readers.rustler import rustler_modules
from nixgen.readers.terms import Term
from nixgen.readers.text import is_special, read_text, rel
from nixgen.readers.versions import read_mise, read_tool_versions


@dataclass(frozen=True)
class Inputs:
    """Everything read from disk, before resolution."""

    mix_projects: tuple[MixProject, ...]
    path_projects: tuple[MixProject, ...]
    locks: tuple[MixLock, ...]
    cargo_packages: tuple[CargoPackage, ...]
    workspaces: tuple[CargoWorkspace, ...]
    cargo_lock_files: tuple[str, ...]  # every Cargo.lock found, read on demand
    read_cargo_lock: Callable[[str], CargoLock]  # cached: each file is parsed at most once
    cargo_configs: tuple[CargoConfig, ...]
    toolchains: tuple[Toolchain, ...]
    tool_versions: ToolVersions | None
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class _Context:
    root: Path
    env: str
    system_env: Mapping[str, str]
    skipped: list[Skipped] = field(default_factory=list)


def read_inputs(
    root: Path, env: str = "prod", system_env: Mapping[str, str] | None = None
) -> Inputs:
    layout = discover(root)
    ctx = _Context(root, env, dict(system_env or {}))
    mix_projects = tuple(_mix_project(ctx, d) for d in layout.mix_roots)
    _check_inside(mix_projects)
    path_projects = _path_projects(ctx, mix_projects)
    packages, workspaces = read_cargo_tree(root, list(layout.cargo_manifests))
    return Inputs(
        mix_projects=mix_projects,
        path_projects=path_projects,
        locks=_locks(root, mix_projects),
        cargo_packages=packages,
        workspaces=workspaces,
        cargo_lock_files=tuple(rel(root, p) for p in layout.cargo_locks),
        read_cargo_lock=cache(lambda path: read_cargo_lock(root, root / path)),
        cargo_configs=tuple(read_cargo_config(root, p) for p in layout.cargo_configs),
        toolchains=tuple(read_toolchain(root, p) for p in layout.toolchains),
        tool_versions=_tool_versions(root, layout),
        skipped=tuple(ctx.skipped),
    )


def _mix_project(ctx: _Context, directory: Path) -> MixProject:
    exs = read_mix_exs(parse_file(ctx.root, directory / "mix.exs"), ctx.env, ctx.system_env)
    here = rel(ctx.root, directory)
    config = join(here, exs.config_path) if isinstance(exs.config_path, str) else None
    config_dir = config.rsplit("/", 1)[0] if config and "/" in config else None
    return MixProject(
        dir=here,
        app=exs.app,
        version=exs.version,
        elixir=exs.elixir,
        deps=exs.deps,
        releases=exs.releases,
        apps_path=exs.apps_path,
        aliases=exs.aliases,
        lockfile=join(here, exs.lockfile) if isinstance(exs.lockfile, str) else exs.lockfile,
        config_dir=config_dir if config_dir and (ctx.root / config_dir).is_dir() else None,
        rustler_modules=_rustler_modules(ctx, directory, exs.config),
        children=_children(ctx, directory, exs.apps_path, exs.apps),
        project_extra=exs.project_extra,
    )


def _rustler_modules(ctx: _Context, directory: Path, config: Term) -> tuple[RustlerModule, ...]:
    found: list[RustlerModule] = []
    _check_readable(ctx.root, directory / "lib")
    for path in sorted((directory / "lib").glob("**/*.ex")):
        if SKIP_DIRS.isdisjoint(path.relative_to(directory).parts) and _input(path):
            source = _parse_module(ctx, path)
            if source is not None:
                found.extend(rustler_modules(source, ctx.env, ctx.system_env, config))
    return tuple(found)


def _parse_module(ctx: _Context, path: Path) -> Source | None:
    """The parsed file; None (and a note) for one tree-sitter-elixir cannot parse but that
    cannot hold a Rustler module: the grammar rejects some code Elixir accepts (a keyword list
    in an access, `x[at: 0]`), and such a file must not stop nixgen."""
    text = read_text(ctx.root, path)
    try:
        return parse_text(rel(ctx.root, path), text)
    except InputError as error:
        if "Rustler" in text or error.where is None:
            raise
        reason = f"{error.message}; it does not mention Rustler, so no NIF is lost"
        ctx.skipped.append(Skipped(error.where, reason))
        return None


def _children(
    ctx: _Context,
    directory: Path,
    apps_path: str | Dynamic | None,
    apps: tuple[str, ...] | Dynamic | None,
) -> tuple[MixProject, ...]:
    if not isinstance(apps_path, str):
        return ()
    apps_dir = directory / apps_path
    candidates = sorted(p.parent for p in apps_dir.glob("*/mix.exs")) if apps_dir.is_dir() else []
    if isinstance(apps, tuple):
        candidates = [c for c in candidates if c.name in apps]
    return tuple(_mix_project(ctx, c) for c in candidates)


def _path_projects(ctx: _Context, tops: tuple[MixProject, ...]) -> tuple[MixProject, ...]:
    """Mix projects that in-repository path deps point at and that were not read already."""
    read = {p.dir for top in tops for p in top.walk()}
    queue = [p for top in tops for p in top.walk()]
    found: list[MixProject] = []
    while queue:
        project = queue.pop(0)
        for dep in project.deps if isinstance(project.deps, tuple) else ():
            if not isinstance(dep, PathDep) or not isinstance(dep.path, str):
                continue
            directory = join(project.dir, dep.path)
            if directory in read or outside(directory):
                continue
            if not (ctx.root / directory).resolve().is_relative_to(ctx.root.resolve()):
                continue  # a link out of the repository: the closure reports the dep
            if (ctx.root / directory / "mix.exs").is_file():
                read.add(directory)
                found.append(_mix_project(ctx, ctx.root / directory))
                queue.append(found[-1])
    return tuple(sorted(found, key=lambda p: p.dir))


def _check_inside(projects: tuple[MixProject, ...]) -> None:
    """A lockfile above the project root means nixgen was started in an umbrella child."""
    for project in projects:
        if isinstance(project.lockfile, str) and project.lockfile.startswith("../"):
            top = project.lockfile.rsplit("/", 1)[0]
            raise InputError(
                f"the lock file {project.lockfile} is outside this directory",
                Position(f"{project.dir}/mix.exs".removeprefix("./")),
                f"this looks like an umbrella child app: run nixgen in {top}, the umbrella root",
            )


def _check_readable(root: Path, lib: Path) -> None:
    """Every directory under `lib` can be listed: glob skips one it cannot read, and nixgen
    would then report no NIF where there is one."""

    def fail(error: OSError) -> None:
        if isinstance(error, FileNotFoundError | NotADirectoryError):
            return
        where = Position(rel(root, Path(error.filename or lib)))
        raise InputError(
            f"cannot list directory: {error.strerror or type(error).__name__}",
            where,
            "make it readable: nixgen looks for Rustler modules in every file under lib/",
        )

    for _, dirs, _ in os.walk(lib, onerror=fail):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]


def _input(path: Path) -> bool:
    """A file to read: a regular one, or a pipe or device in its place (which the reader
    refuses instead of skipping it silently)."""
    return path.is_file() or is_special(path)


def _locks(root: Path, projects: tuple[MixProject, ...]) -> tuple[MixLock, ...]:
    paths = sorted(
        {
            p.lockfile
            for top in projects
            for p in top.walk()
            if isinstance(p.lockfile, str)
            and not p.lockfile.startswith("../")
            and _input(root / p.lockfile)
        }
    )
    return tuple(read_mix_lock(root, root / p) for p in paths)


def _tool_versions(root: Path, layout: Layout) -> ToolVersions | None:
    for path in layout.version_files:
        versions = (
            read_tool_versions(root, path)
            if path.name == ".tool-versions"
            else read_mise(root, path)
        )
        if versions.erlang or versions.elixir:
            return versions
    return None
