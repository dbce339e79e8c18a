"""mix.lock + mix.exs → the per-package plan of nix/deps.nix, and its rendering."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from nixgen.constants import REGENERATE
from nixgen.emit.render import check_store_name, render
from nixgen.errors import InputError, NixgenError, ResolveError
from nixgen.fetch.checkouts import GitSourceInfo, GitSources
from nixgen.model import (
    Dynamic,
    DynamicDep,
    GitLockEntry,
    HexLockEntry,
    MixLock,
    MixProject,
    Project,
)
from nixgen.resolve.closure import Closure, release_closure
from nixgen.write import with_header

HEXPM = "hexpm"
# The beamPackages function that builds a dependency; sourceOnly: files only (`compile: false`).
DepBuilder = Literal["buildMix", "buildRebar3", "buildErlangMk", "sourceOnly"]
_HEX_LINE = re.compile(
    r"^\s*# nixgen-hex: (?P<pkg>\S+) (?P<version>\S+) (?P<sha>[0-9a-f]{64})$", re.MULTILINE
)

# sha256 of https://repo.hex.pm/tarballs/<pkg>-<version>.tar, for 7-element lock entries.
HexHasher = Callable[[str, str], str]


@dataclass(frozen=True)
class HexPackage:
    kind: ClassVar[str] = "hex"
    name: str
    package: str
    version: str
    sha256: str  # base16
    builder: DepBuilder
    beam_deps: tuple[str, ...]
    prefetched: bool = False  # sha256 came from the prefetcher (old 7-element entry)


@dataclass(frozen=True)
class GitPackage:
    kind: ClassVar[str] = "git"
    name: str
    source: GitSourceInfo
    builder: DepBuilder
    beam_deps: tuple[str, ...]

    @property
    def version(self) -> str:
        return self.source.version


Package = HexPackage | GitPackage


@dataclass(frozen=True)
class DepsPlan:
    packages: tuple[Package, ...]  # sorted by name
    closure: Closure
    app_config: str | None  # config directory relative to the root, for appConfigPath


@dataclass(frozen=True)
class DepsRequest:
    """What to plan: one Mix project tree (an umbrella or an app) and the env to build for."""

    project: Project
    top: MixProject
    env: str = "prod"
    provided: frozenset[str] = frozenset()  # deps the user defines in nix/overrides.nix


def plan_deps(
    request: DepsRequest,
    sources: GitSources,
    hex_hasher: HexHasher | None = None,
    known_hex: dict[tuple[str, str], str] | None = None,
) -> DepsPlan:
    lock = lock_of(request.project, request.top)
    path_projects = _path_projects(request.project)
    closure = release_closure(
        request.top.walk(), lock, request.env, lambda e: sources.info(e).deps, path_projects
    )
    flags = _declared_flags(request.project)
    # In-repository path deps are built by Mix inside the release, not here
    # (docs/UPSTREAM.md U-MIX-DEPS-COMPILE-PATH): no attribute, and no edge to one.
    included = set(closure.included)
    packages: list[Package] = []
    for name in closure.included:
        if name in request.provided:
            continue
        entry = lock.get(name)
        assert entry is not None
        if isinstance(entry, HexLockEntry):
            packages.append(
                _hex(entry, included, flags.get(name, False), hex_hasher, known_hex or {})
            )
        else:
            packages.append(_git(entry, sources.info(entry), included, flags.get(name, False)))
    return DepsPlan(tuple(sorted(packages, key=lambda p: p.name)), closure, request.top.config_dir)


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


def _path_projects(project: Project) -> dict[str, MixProject]:
    return {p.dir: p for p in project.all_mix_projects()}


def _declared_flags(project: Project) -> dict[str, bool]:
    """Names declared with `app: false` or `compile: false`: provided as sources only."""
    flags: dict[str, bool] = {}
    for mix in project.all_mix_projects():
        for dep in mix.deps if isinstance(mix.deps, tuple) else ():
            if not isinstance(dep, DynamicDep):
                source_only = dep.options.app is False or dep.options.compile is False
                flags[dep.name] = flags.get(dep.name, False) or source_only
    return flags


# mix2nix's per-package builders, which nixpkgs' generated mix.nix files follow (cowboy's
# Erlang.mk build, ssl_verify_fun's rebar3 one): docs/UPSTREAM.md U-MIX2NIX-BUILDERS.
_BUILDER_EXCEPTIONS: dict[str, DepBuilder] = {
    "cowboy": "buildErlangMk",
    "ssl_verify_fun": "buildRebar3",
    "jose": "buildMix",
}


def builder_for(managers: Iterable[str], package: str | None = None) -> DepBuilder | None:
    """mix2nix's rule: the exceptions, then mix, rebar3/rebar, make (U-MIX2NIX-BUILDERS)."""
    if package in _BUILDER_EXCEPTIONS:
        return _BUILDER_EXCEPTIONS[package]
    names = set(managers)
    if "mix" in names:
        return "buildMix"
    if names & {"rebar3", "rebar"}:
        return "buildRebar3"
    if names & {"make", "erlang.mk"}:
        return "buildErlangMk"
    return None


def _hex(
    entry: HexLockEntry,
    included: set[str],
    source_only: bool,
    hasher: HexHasher | None,
    known: dict[tuple[str, str], str],
) -> HexPackage:
    if entry.repo != HEXPM:
        raise ResolveError(
            f"{entry.name!r} comes from the Hex repository {entry.repo!r}, which needs "
            "authentication nixgen does not have",
            entry.where,
            f"build it yourself in nix/overrides.nix (`{entry.name} = beamPackages.buildMix "
            "{ ... };`) and list it in nixgen.toml under [deps] provided = "
            f'["{entry.name}"]',
        )
    builder = "sourceOnly" if source_only else builder_for(entry.managers, entry.package)
    if builder is None:
        raise ResolveError(
            f"{entry.name!r} names no build tool nixgen knows "
            f"({', '.join(entry.managers) or 'none'})",
            entry.where,
            "provide it through nix/overrides.nix",
        )
    sha256, prefetched = entry.outer_checksum, False
    if sha256 is None:
        sha256, prefetched = _old_entry_hash(entry, hasher, known), True
    deps = tuple(sorted({d.name for d in entry.deps if d.name in included}))
    check_store_name(entry.name, "the dependency name", entry.where)
    check_store_name(entry.version, f"the version of {entry.name!r}", entry.where)
    return HexPackage(
        entry.name, entry.package, entry.version, sha256.lower(), builder, deps, prefetched
    )


def _old_entry_hash(
    entry: HexLockEntry, hasher: HexHasher | None, known: dict[tuple[str, str], str]
) -> str:
    cached = known.get((entry.package, entry.version))
    if cached is not None:
        return cached
    if hasher is None:
        raise InputError(
            f"{entry.name!r} is an old 7-element lock entry without the tarball checksum",
            entry.where,
            f"run `{REGENERATE}` with network access, or `mix deps.get` with a "
            "recent Mix to rewrite the lock",
        )
    return hasher(entry.package, entry.version)


def _git(
    entry: GitLockEntry, info: GitSourceInfo, included: set[str], source_only: bool
) -> GitPackage:
    builders: dict[str, DepBuilder] = {
        "mix": "buildMix",
        "rebar3": "buildRebar3",
        "make": "buildErlangMk",
    }
    builder = "sourceOnly" if source_only else builders.get(info.builder)
    if builder is None:
        raise ResolveError(
            f"git dependency {entry.name!r} has no mix.exs, rebar.config or Makefile",
            entry.where,
            "if it is only needed as files, declare it with `app: false, "
            "compile: false` in mix.exs",
        )
    deps = tuple(sorted({d for d in (*info.deps, *info.optional_deps) if d in included}))
    check_store_name(entry.name, "the dependency name", entry.where)
    check_store_name(info.version, f"the version of {entry.name!r}", entry.where)
    return GitPackage(entry.name, info, builder, deps)


def known_hex_hashes(text: str) -> dict[tuple[str, str], str]:
    return {(m["pkg"], m["version"]): m["sha"] for m in _HEX_LINE.finditer(text)}


def render_deps(plan: DepsPlan) -> str:
    """The complete nix/deps.nix, header included."""
    body = render("deps.nix.j2", plan=plan, packages=plan.packages)
    return with_header(body, REGENERATE)


@dataclass(frozen=True)
class DepsReport:
    """What `show` says about one Mix project tree's deps, computed without any network."""

    app_dir: str
    lock: str
    closure: Closure | None
    error: str | None = None


def deps_reports(
    project: Project, known: Iterable[GitSourceInfo] = (), env: str = "prod"
) -> tuple[DepsReport, ...]:
    """The release closure of each top-level Mix project that has a lock. Git deps that were
    never fetched contribute no edges, and say so in the closure's notes."""
    sources = GitSources(None, known)
    reports = []
    for top in project.mix_projects:
        if isinstance(top.lockfile, Dynamic):
            continue
        lock = lock_of(project, top)
        unknown: list[str] = []

        def edges(entry: GitLockEntry, unknown: list[str] = unknown) -> tuple[str, ...]:
            info = sources.known(entry)
            if info is None:
                unknown.append(entry.name)
                return ()
            return info.deps

        try:
            closure = release_closure(top.walk(), lock, env, edges, _path_projects(project))
        except NixgenError as error:
            reports.append(DepsReport(top.dir, lock.path, None, str(error)))
            continue
        if unknown:
            note = (
                f"git dependencies {', '.join(sorted(unknown))} are not fetched yet: their "
                f"own deps are counted once `{REGENERATE}` has fetched them"
            )
            closure = replace(closure, notes=(*closure.notes, note))
        reports.append(DepsReport(top.dir, lock.path, closure))
    return tuple(reports)
