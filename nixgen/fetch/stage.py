"""The fetch stage: every source the plans need that no record knows is fetched here, before
planning, so the planners are pure functions of the project, the settings and the known sources.

What is needed: the git deps of mix.lock in the release closure (and the old 7-element Hex
entries in it, which lack the tarball checksum), and the Cargo git sources of the NIF crates'
locks. A git dep's own deps are only known once it is fetched, and may bring more into the
closure: the stage repeats until nothing needed is unknown. NIF dependencies (Hex packages that
use RustlerPrecompiled) of the closure are read from their verified Hex tarball once per locked
version, OTP major and libc (nixgen/fetch/nifdeps.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nixgen.constants import HEXPM
from nixgen.fetch.cargo_git import git_sources
from nixgen.fetch.checkouts import GitCheckouts, fetch_mix_git
from nixgen.fetch.gateway import SubprocessRunner
from nixgen.fetch.git import GitPrefetcher, Prefetcher
from nixgen.fetch.hex import HexConfig, fetch_hex_package, tarball_sha256
from nixgen.fetch.nifdeps import choose_source, lacks_lock, read_nif_dep
from nixgen.fetch.records import CargoGitSource, HexSource, Known, KnownSources
from nixgen.model import GitLockEntry, GivenLock, HexLockEntry, Project
from nixgen.readers.hex_tarball import HexPackage
from nixgen.resolve.cargo import cargo_lock_path, nif_packages
from nixgen.resolve.precompiled import nif_dependencies
from nixgen.resolve.project import DepsRequest, NifTargets, lock_of, request_closure

# sha256 (base16) of https://repo.hex.pm/tarballs/<pkg>-<version>.tar
HexHasher = Callable[[str, str], str]
Progress = Callable[[int, int, str], None]  # (n, m, what): the n-th of m fetches starts
# The verified Hex package a mix.lock entry pins (nixgen/fetch/hex.py).
HexPackages = Callable[[HexLockEntry], HexPackage]


def no_hex_packages(entry: HexLockEntry) -> HexPackage:
    raise AssertionError(f"no Hex package fetcher given (needed for {entry.name})")


@dataclass(frozen=True)
class Fetchers:
    """What the stage fetches with (tests pass offline fakes)."""

    checkouts: GitCheckouts  # git deps of mix.lock: hash and a checkout to read
    prefetcher: Prefetcher  # Cargo git sources: hash only
    hex_hasher: HexHasher  # old 7-element mix.lock entries
    hex_packages: HexPackages = no_hex_packages  # NIF dependencies' packages


def default_fetchers() -> Fetchers:
    git = GitPrefetcher(SubprocessRunner(), use_nix_prefetch_git=False)
    config = HexConfig.from_env()
    return Fetchers(
        checkouts=git,
        prefetcher=git,
        hex_hasher=lambda package, version: tarball_sha256(config, package, version),
        hex_packages=lambda entry: fetch_hex_package(entry, config),
    )


@dataclass(frozen=True)
class MixGitNeed:
    entry: GitLockEntry

    @property
    def what(self) -> str:
        return self.entry.name

    def fetch(self, fetchers: Fetchers) -> tuple[Known, ...]:
        return (fetch_mix_git(fetchers.checkouts, self.entry),)


@dataclass(frozen=True)
class CargoGitNeed:
    url: str
    rev: str

    @property
    def what(self) -> str:
        return self.url

    def fetch(self, fetchers: Fetchers) -> tuple[Known, ...]:
        # Submodules and LFS, as crane fetches (docs/UPSTREAM.md U-CRANE-GIT-FETCH).
        hash_ = fetchers.prefetcher.prefetch_git(self.url, self.rev, submodules=True, lfs=True)
        return (CargoGitSource(self.url, self.rev, hash_),)


@dataclass(frozen=True)
class HexNeed:
    entry: HexLockEntry

    @property
    def what(self) -> str:
        return f"{self.entry.package} {self.entry.version}"

    def fetch(self, fetchers: Fetchers) -> tuple[Known, ...]:
        sha256 = fetchers.hex_hasher(self.entry.package, self.entry.version)
        return (HexSource(self.entry.name, self.entry.version, self.entry.package, sha256),)


@dataclass(frozen=True)
class NifDepNeed:
    entry: HexLockEntry
    targets: NifTargets
    given: GivenLock | None = None  # --nif-dep-lock

    @property
    def what(self) -> str:
        return f"{self.entry.package} {self.entry.version} (NIF artifacts)"

    def fetch(self, fetchers: Fetchers) -> tuple[Known, ...]:
        package = fetchers.hex_packages(self.entry)
        record, locks = read_nif_dep(self.entry, package, self.targets, self.given)
        return (record, *locks)


Need = MixGitNeed | CargoGitNeed | HexNeed | NifDepNeed


def fetch_sources(
    project: Project,
    request: DepsRequest | None,
    known: KnownSources,
    fetchers: Fetchers,
    progress: Progress | None = None,
    *,
    crates: bool = True,
) -> KnownSources:
    """`known` and every source the plans of `project` need, fetched once each (the deps of
    `request`; None: only the NIF crates'; `crates=False`: not the NIF crates', for
    `nixgen deps`)."""
    done = 0
    while needed := unknown_sources(project, request, known, crates=crates):
        fetched: list[Known] = []
        for n, need in enumerate(needed, start=done + 1):
            if progress is not None:
                progress(n, done + len(needed), need.what)
            fetched.extend(need.fetch(fetchers))
        known = known.adding(fetched)
        done += len(needed)
    return known


def unknown_sources(
    project: Project, request: DepsRequest | None, known: KnownSources, *, crates: bool = True
) -> list[Need]:
    """What the plans need that `known` lacks (with git deps' own deps as far as known)."""
    deps = _unknown_deps(request, known) if request is not None else []
    return [*deps, *(_unknown_cargo(project, known) if crates else [])]


def _unknown_deps(request: DepsRequest, known: KnownSources) -> list[Need]:
    lock = lock_of(request.project, request.top)
    needed: dict[str, Need] = {}

    def edges(entry: GitLockEntry) -> tuple[str, ...]:
        source = known.mix_git(entry)
        if source is None:
            needed.setdefault(entry.name, MixGitNeed(entry))
            return ()
        return source.deps

    closure = request_closure(request, edges)
    for name in closure.included:
        entry = lock.get(name)
        if name not in request.provided and entry is not None:
            needed.update((name, need) for need in _unknown_entry(entry, known))
    nif_needs = _unknown_nif_deps(request, known, set(closure.included) - request.provided)
    return [needed[name] for name in sorted(needed)] + nif_needs


def _unknown_nif_deps(request: DepsRequest, known: KnownSources, included: set[str]) -> list[Need]:
    """The NIF dependencies of the closure without a record for the flake's targets (the BEAM
    is only chosen when there is one)."""
    entries = [
        e
        for e in nif_dependencies(lock_of(request.project, request.top)).entries
        if e.name in included
    ]
    if not entries:
        return []
    targets = request.nif_targets()
    return [
        NifDepNeed(e, targets, request.given_lock(e.name))
        for e in entries
        if _unread(e, request, known, targets)
    ]


def _unread(
    entry: HexLockEntry, request: DepsRequest, known: KnownSources, targets: NifTargets
) -> bool:
    """Whether the NIF dependency's package must be read (again) for this run."""
    record = known.nif_dep(entry, targets.otp, targets.libc, targets.systems)
    if record is None:
        return True
    source = choose_source(record, request.nif_source(entry.name), targets.systems)
    given = request.given_lock(entry.name)
    return (source == "build" or given is not None) and lacks_lock(record, known, given)


def _unknown_entry(entry: GitLockEntry | HexLockEntry, known: KnownSources) -> Iterator[Need]:
    if isinstance(entry, GitLockEntry):
        if known.mix_git(entry) is None:
            yield MixGitNeed(entry)
    elif (
        entry.outer_checksum is None
        and entry.repo == HEXPM  # another repository is refused when planning
        and known.hex(entry.package, entry.version) is None
    ):
        yield HexNeed(entry)


def _unknown_cargo(project: Project, known: KnownSources) -> list[Need]:
    locks = {lock.path: lock for lock in project.cargo_locks if lock.version > 1}
    needed: dict[tuple[str, str], Need] = {}
    for package, _ in nif_packages(project):
        lock = locks.get(cargo_lock_path(package))  # a missing or old one: planning says so
        for source in git_sources(lock) if lock is not None else ():
            if known.cargo_git(source.url, source.rev) is None:
                needed.setdefault((source.url, source.rev), CargoGitNeed(source.url, source.rev))
    return [needed[key] for key in sorted(needed)]
