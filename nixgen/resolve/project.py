"""The library entry point: read and resolve a project directory into the model; which Mix
project is released, and the deps closure of its release."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nixgen.constants import DEFAULT_SYSTEMS, Libc
from nixgen.errors import InputError, Position, ResolveError
from nixgen.model import (
    Dynamic,
    GivenLock,
    MixLock,
    MixProject,
    ModuleHint,
    NifSource,
    PathDep,
    Project,
)
from nixgen.paths import join
from nixgen.readers.project import read_inputs
from nixgen.resolve.beam import choose_beam
from nixgen.resolve.closure import Closure, GitEdges, release_closure
from nixgen.resolve.nifs import resolve
from nixgen.settings import Settings


def load_project(
    root: Path,
    env: str = "prod",
    system_env: Mapping[str, str] | None = None,
    all_cargo_locks: bool = True,
    hints: tuple[ModuleHint, ...] = (),
) -> Project:
    """`system_env` answers `System.get_env/1,2` in project code; by default all are unset."""
    check_root(root)
    inputs = read_inputs(root.resolve(), env, system_env)
    return resolve(inputs, env, all_cargo_locks, hints)


def check_root(root: Path) -> None:
    """The project path names a directory (said differently when it does not exist at all)."""
    if not root.exists():
        raise InputError(
            "no such directory", Position(str(root)), "check the path: it does not exist"
        )
    if not root.is_dir():
        raise InputError(
            "not a directory", Position(str(root)), "pass the directory that holds your mix.exs"
        )


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


@dataclass(frozen=True)
class DepsRequest:
    """What to plan: one Mix project tree (an umbrella or an app) and the env to build for."""

    project: Project
    top: MixProject
    env: str = "prod"
    provided: frozenset[str] = frozenset()  # deps the user defines in nix/overrides.nix
    # What NIF dependencies' artifacts are chosen for: the flake's systems, libc and BEAM
    # (nixgen.toml's `otp`/`elixir` pins, else the project's; chosen only when needed).
    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    libc: Libc = "musl"
    otp_pin: str | None = None
    elixir_pin: str | None = None
    all_entries: bool = False  # every lock entry, not only the release closure (`deps --all`)
    nif_sources: tuple[tuple[str, NifSource], ...] = ()  # nixgen.toml [nif_deps.<app>] source
    given_locks: tuple[tuple[str, GivenLock], ...] = ()  # --nif-dep-lock APP=PATH

    def nif_source(self, app: str) -> NifSource | None:
        """How the user asked for `app`'s library; None: nixgen chooses (README)."""
        return dict(self.nif_sources).get(app)

    def given_lock(self, app: str) -> GivenLock | None:
        return dict(self.given_locks).get(app)

    def nif_targets(self) -> NifTargets:
        beam = choose_beam(self.project.tool_versions, self.top, self.otp_pin, self.elixir_pin)
        return NifTargets(self.systems, self.libc, beam.otp)


@dataclass(frozen=True)
class NifTargets:
    """Where NIF dependencies must load: each system, with this libc and OTP major."""

    systems: tuple[str, ...]
    libc: Libc
    otp: int


def deps_request(
    project: Project, settings: Settings, given_locks: tuple[tuple[str, GivenLock], ...] = ()
) -> DepsRequest:
    """The Mix project released and its deps, as the fetch stage and planning see them."""
    return DepsRequest(
        project, choose_top(project), settings.mix_env, settings.provided_deps,
        settings.systems, settings.libc, settings.otp, settings.elixir, False,
        settings.nif_sources, given_locks,
    )  # fmt: skip


def lock_of(project: Project, top: MixProject) -> MixLock:
    """The project's lock; none on disk reads as empty (Mix writes none for path-only deps):
    a Hex or git dep missing from it is then reported by the closure, with the fix."""
    lockfile = top.lockfile
    if isinstance(lockfile, Dynamic):
        raise InputError(
            f"the lock file is chosen by code: `{lockfile.source}`",
            lockfile.where,
            "set `lockfile:` literally in mix.exs",
        )
    lock = next((lk for lk in project.locks if lk.path == lockfile), None)
    return lock if lock is not None else MixLock(lockfile, ())


def deps_closure(
    project: Project, top: MixProject, env: str, git_edges: GitEdges, take_all: bool = False
) -> Closure:
    """The lock entries `top`'s release needs (every entry with `take_all`); a git dep's own
    deps come from `git_edges`."""
    path_projects = {p.dir: p for p in project.all_mix_projects()}
    lock = lock_of(project, top)
    return release_closure(top.walk(), lock, env, git_edges, path_projects, take_all)


def request_closure(request: DepsRequest, git_edges: GitEdges) -> Closure:
    """The lock entries `request` plans."""
    return deps_closure(
        request.project, request.top, request.env, git_edges, take_all=request.all_entries
    )
