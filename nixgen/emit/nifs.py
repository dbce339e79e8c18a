"""Resolved NIFs → the plan of nix/nifs.nix (one crane build per crate, musl on Linux), rendered."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from nixgen.constants import LIBCS, NIFS_FILE, REGENERATE, Version, nif_lock_path
from nixgen.emit.render import nif_snippet, nix_attr, render
from nixgen.errors import InputError, Position, ResolveError
from nixgen.fetch.cargo_git import CargoGitHash, git_sources, lock_source
from nixgen.fetch.records import CrateRecord, KnownSources, NifCrateRecord
from nixgen.model import CargoLock, CargoPackage, GitSource, Nif, Project, Toolchain
from nixgen.readers.cargo_lock import parse_cargo_lock
from nixgen.resolve.cargo import (
    cargo_lock_of,
    check_cargo_locks,
    check_lock_complete,
    check_lock_readable,
    crate_members,
    locked_rustler,
    nif_packages,
    shared_toolchain,
)
from nixgen.resolve.syscrates import (
    DEFAULT_TOOLCHAIN,
    TARGETS,
    RustToolchain,
    SysNeeds,
    own_flags,
    pinned_toolchain,
    rustflags,
    sys_needs,
    toolchain_for,
)

# rustler < 0.35 left the erl_nif symbols for the macOS linker to resolve at load time.
DYNAMIC_LOOKUP_BEFORE: Version = (0, 35)


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class NifCrate:
    attr: str
    name: str
    version: str
    lib_name: str
    manifest: str
    modules: tuple[str, ...]  # the Elixir modules that load it
    root: str  # the directory holding Cargo.lock: the root of the source
    members: tuple[str, ...]  # directories with Cargo sources, relative to root ("" = root)
    toolchain: str  # key of plan.toolchains
    rustflags: tuple[tuple[str, str], ...]  # (target, CARGO_TARGET_<T>_RUSTFLAGS), if any
    git: tuple[CargoGitHash, ...]
    sys: SysNeeds
    rustler: str | None  # the locked rustler crate

    @property
    def record(self) -> CrateRecord:
        return CrateRecord(self.attr, self.manifest)

    @property
    def build_key(self) -> tuple[object, ...]:
        """What the dependencies are built from: crates that agree share them."""
        return (self.root, self.members, self.toolchain, self.rustflags, self.git, self.sys)


@dataclass(frozen=True)
class NifWorkspace:
    """The NIF crates of one Cargo workspace with one toolchain and flags: one buildDepsOnly."""

    key: str  # attribute in nix/nifs.nix's `workspaces`: the root, "#2"... for another group
    deps_pname: str
    deps_version: str
    packages: tuple[str, ...]  # Cargo package names, for `cargo build -p`
    root: str
    members: tuple[str, ...]
    toolchain: str
    rustflags: tuple[tuple[str, str], ...]
    git: tuple[CargoGitHash, ...]
    sys: SysNeeds


def _workspace(crates: list[NifCrate], key: str) -> NifWorkspace:
    """One crate's dependencies keep its name and version; several are named after their
    workspace's directory."""
    first = crates[0]
    versions = {c.version for c in crates}
    if len(crates) == 1:
        pname = first.name
    else:
        pname = re.sub(r"[^A-Za-z0-9+._?=-]", "_", posixpath.basename(first.root)) or "workspace"
        pname = "workspace" if pname.startswith(".") else pname
    return NifWorkspace(
        key=key,
        deps_pname=pname,
        deps_version=versions.pop() if len(versions) == 1 else "0.0.0",
        packages=tuple(sorted(c.name for c in crates)),
        root=first.root,
        members=first.members,
        toolchain=first.toolchain,
        rustflags=first.rustflags,
        git=first.git,
        sys=first.sys,
    )


def _key(root: str, earlier: list[str]) -> str:
    same = earlier.count(root)
    return root if same == 0 else f"{root}#{same + 1}"


@dataclass(frozen=True)
class NifDepCrate:
    """A crate of a NIF dependency built from its Hex package (strategy B): what nix/nifs.nix's
    `nifDepCrates.<dep>.<dir>` holds (README "NIF dependencies")."""

    dep: str
    dir: str  # in the package
    name: str  # the Cargo package, crane's pname
    version: str
    lib_name: str  # the Cargo library name
    lock: str  # nixgen's copy of its Cargo.lock, relative to the project root
    lock_text: str  # what that copy holds (below nixgen's header)
    toolchain: str  # key of plan.toolchains
    rustflags: tuple[tuple[str, str], ...]
    sys: SysNeeds


@dataclass(frozen=True)
class NifsPlan:
    libc: str
    crates: tuple[NifCrate, ...]  # sorted by attr
    toolchains: tuple[RustToolchain, ...]  # sorted by key
    default_toolchain: str
    dep_crates: tuple[NifDepCrate, ...] = ()  # sorted by (dep, dir)

    @property
    def dep_crates_by_dep(self) -> tuple[tuple[str, tuple[NifDepCrate, ...]], ...]:
        deps = sorted({c.dep for c in self.dep_crates})
        return tuple((d, tuple(c for c in self.dep_crates if c.dep == d)) for d in deps)

    @property
    def workspaces(self) -> tuple[NifWorkspace, ...]:
        """The crates grouped by what their dependencies are built from: one buildDepsOnly."""
        groups: dict[tuple[object, ...], list[NifCrate]] = {}
        for crate in self.crates:
            groups.setdefault(crate.build_key, []).append(crate)
        roots = [crates[0].root for crates in groups.values()]
        return tuple(
            _workspace(crates, _key(crates[0].root, roots[:n]))
            for n, crates in enumerate(groups.values())
        )

    def workspace_of(self, crate: NifCrate) -> NifWorkspace:
        return next(w for w in self.workspaces if crate.name in w.packages and w.root == crate.root)

    @property
    def unknown_sys(self) -> tuple[tuple[str, str], ...]:
        """(crate attr, "name version") of every -sys crate no recipe covers."""
        return tuple((c.attr, sys) for c in self.crates for sys in c.sys.unknown)


def crate_attr(package: CargoPackage) -> str:
    """The attribute of a NIF crate in nix/nifs.nix's `crates` and `deps`: a bare identifier."""
    name = re.sub(r"[^A-Za-z0-9_'-]", "_", package.name)
    if not re.match(r"[A-Za-z_]", name):
        name = "_" + name
    return name if nix_attr(name) == name else name + "_"


def plan_nifs(
    project: Project,
    *,
    libc: str = "musl",
    known: KnownSources | None = None,
    nif_deps: tuple[tuple[str, NifCrateRecord], ...] = (),
) -> NifsPlan:
    """One crate per Cargo package that a resolved NIF loads, and one per crate of a NIF
    dependency built from source (`nif_deps`: (dependency, crate)). The hashes of Cargo git
    sources and the NIF dependencies' Cargo.lock texts come from `known` (the fetch stage put
    them there)."""
    if libc not in LIBCS:
        raise InputError(f"libc must be one of {', '.join(LIBCS)}, not {libc!r}")
    check_cargo_locks(project)
    hashes = known or KnownSources()
    toolchains: dict[str, RustToolchain] = {}
    crates = []
    for package, nifs in nif_packages(project):
        toolchain = toolchain_for(project, package.dir)
        check_lock_readable(cargo_lock_of(project, package), toolchain)
        check_lock_complete(cargo_lock_of(project, package), package)
        toolchains[toolchain.key] = toolchain
        crates.append(_crate(project, package, nifs, toolchain.key, hashes))
    _check_unique(crates)
    default = shared_toolchain(project, [(c.toolchain, c.root) for c in crates])
    toolchains.setdefault(default.key, default)
    dep_crates = []
    for dep, record in nif_deps:
        toolchain = dep_toolchain(dep, record)
        toolchains.setdefault(toolchain.key, toolchain)
        dep_crates.append(dep_crate(dep, record, toolchain.key, hashes))
    return NifsPlan(
        libc,
        tuple(sorted(crates, key=lambda c: c.attr)),
        tuple(sorted(toolchains.values(), key=lambda t: t.key)),
        default.key,
        tuple(sorted(dep_crates, key=lambda c: (c.dep, c.dir))),
    )


def _dep_flags(record: NifCrateRecord, dynamic_lookup: bool) -> tuple[tuple[str, str], ...]:
    """CARGO_TARGET_<T>_RUSTFLAGS of a NIF dependency's crate where nixgen needs flags: the
    crate config's build rustflags cargo would then drop, and nixgen's (U-CARGO-RUSTFLAGS)."""
    dropped = dict(record.config_rustflags)
    return tuple(
        (t, " ".join((*dropped.get(t, "").split(), *own)))
        for t in TARGETS
        if (own := own_flags(t, dynamic_lookup))
    )


def dep_toolchain(dep: str, record: NifCrateRecord) -> RustToolchain:
    """The package's own rust-toolchain file, read when the package was (U-RUST-OVERLAY-
    TOOLCHAIN), else latest stable."""
    if not record.channel:
        return DEFAULT_TOOLCHAIN
    pinned = Toolchain(f"{dep}:{record.dir}", record.channel, record.components, (),
                       record.profile or None)  # fmt: skip
    return pinned_toolchain(pinned)


def dep_crate(dep: str, record: NifCrateRecord, toolchain: str, known: KnownSources) -> NifDepCrate:
    path = nif_lock_path(dep, record.dir)
    found = known.nif_lock(record.cargo_lock)
    if found is None:
        raise InputError(
            f"the Cargo.lock of NIF dependency {dep} ({record.dir}) has not been read",
            Position(path),
            f"run `{REGENERATE}` (it reads the Hex package once)",
        )
    lock = parse_cargo_lock(found.text, Path("."), Path(path))
    if git := git_sources(lock):
        raise ResolveError(
            f"NIF dependency {dep}: its Cargo.lock takes {git[0].url} from git, which nixgen "
            "does not fetch for NIF dependencies yet",
            Position(path),
            f'keep its precompiled library (`source = "precompiled"` under [nif_deps.{dep}] in '
            "nixgen.toml), or provide the dependency in nix/overrides.nix",
        )
    rustler = locked_rustler(lock)
    dynamic_lookup = rustler is not None and rustler < DYNAMIC_LOOKUP_BEFORE
    return NifDepCrate(
        dep, record.dir, record.name, record.version, record.lib_name, path, found.text, toolchain,
        _dep_flags(record, dynamic_lookup),
        sys_needs(lock),
    )  # fmt: skip


def _crate(
    project: Project,
    package: CargoPackage,
    nifs: tuple[Nif, ...],
    toolchain: str,
    hashes: KnownSources,
) -> NifCrate:
    lock = cargo_lock_of(project, package)
    rustler = locked_rustler(lock)
    dynamic_lookup = rustler is not None and rustler < DYNAMIC_LOOKUP_BEFORE
    return NifCrate(
        attr=crate_attr(package),
        name=package.name,
        version=package.version or "0.0.0",
        lib_name=package.lib_name,
        manifest=package.manifest,
        modules=tuple(sorted({n.module for n in nifs})),
        root=package.workspace_root,
        members=crate_members(project, package, lock),
        toolchain=toolchain,
        rustflags=tuple(
            (t, " ".join(f))
            for t in TARGETS
            if (f := rustflags(project, package, t, dynamic_lookup=dynamic_lookup))
        ),
        git=tuple(_git_hash(source, lock, hashes) for source in git_sources(lock)),
        sys=sys_needs(lock),
        rustler=".".join(map(str, rustler)) if rustler else None,
    )


def _git_hash(source: GitSource, lock: CargoLock, known: KnownSources) -> CargoGitHash:
    found = known.cargo_git(source.url, source.rev)
    if found is None:
        raise InputError(
            f"the Cargo git dependency {source.url} at {source.rev} has not been fetched",
            Position(lock.path),
            f"run `{REGENERATE}` with network access: it fetches git sources once and "
            f"records their hashes in {NIFS_FILE}",
        )
    return CargoGitHash(lock_source(source), source.url, source.rev, found.hash)


def _check_unique(crates: list[NifCrate]) -> None:
    seen: dict[str, NifCrate] = {}
    for crate in crates:
        other = seen.setdefault(crate.attr, crate)
        if other is not crate:
            raise ResolveError(
                f"NIF crates {other.manifest} and {crate.manifest} would both be "
                f"`crates.{crate.attr}` in {NIFS_FILE}",
                Position(crate.manifest),
                "rename one of the Cargo packages",
            )


# --------------------------------------------------------------------------- render


def render_nifs(plan: NifsPlan) -> str:
    """The body of nix/nifs.nix (generate adds the header)."""
    pack = nif_snippet("pack") if plan.dep_crates else ""
    return render("nifs.nix.j2", plan=plan, pack=pack)


def nifs_warnings(plan: NifsPlan) -> tuple[str, ...]:
    """One warning per crate with -sys crates nixgen has no recipe for."""
    return tuple(
        f"NIF crate {c.attr}: no recipe for {', '.join(c.sys.unknown)}; if their build needs "
        f"a C library, add it in nix/overrides.nix: `{c.attr} = prev.{c.attr}.override "
        "(args: { buildInputs = args.buildInputs ++ [ ... ]; });`"
        for c in plan.crates
        if c.sys.unknown
    )
