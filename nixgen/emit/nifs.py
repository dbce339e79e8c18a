"""Resolved NIFs → the plan of nix/nifs.nix (one crane build per crate, musl on Linux), rendered."""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from nixgen.emit.render import nix_attr, render
from nixgen.errors import InputError, Position, ResolveError
from nixgen.fetch.gateway import Runner
from nixgen.fetch.git import GitKey, KnownHashes, Prefetcher
from nixgen.model import CargoLock, CargoPackage, GitSource, Nif, Project
from nixgen.paths import inside, join
from nixgen.resolve.nifs import Version, parse_version
from nixgen.resolve.syscrates import (
    DEFAULT_TOOLCHAIN,
    RustToolchain,
    SysNeeds,
    rustflags,
    sys_needs,
    toolchain_for,
)
from nixgen.write import with_header

log = logging.getLogger(__name__)

NIFS_FILE = "nix/nifs.nix"
REGENERATE = "nixgen update"
LIBCS = ("musl", "gnu")
SYSTEMS = ("x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin")
# rustler < 0.35 left the erl_nif symbols for the macOS linker to resolve at load time.
DYNAMIC_LOOKUP_BEFORE: Version = (0, 35)
_CARGO_GIT_LINE = re.compile(r"^\s*# nixgen-cargo-git: (?P<json>\{.*\})\s*$", re.MULTILINE)
CARGO_GIT_COMMENT = "# nixgen-cargo-git: "


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Platform:
    """The Rust target nix/nifs.nix builds for on `system` with `libc`."""

    system: str
    libc: str

    @property
    def darwin(self) -> bool:
        return self.system.endswith("-darwin")

    @property
    def musl(self) -> bool:
        return self.libc == "musl" and not self.darwin

    @property
    def target(self) -> str:
        arch = self.system.split("-")[0]
        return f"{arch}-apple-darwin" if self.darwin else f"{arch}-unknown-linux-{self.libc}"

    @property
    def env_target(self) -> str:
        """As in CARGO_TARGET_<TRIPLE>_LINKER."""
        return self.target.upper().replace("-", "_")

    @property
    def cc_target(self) -> str:
        """As in cc-rs' CC_<target>."""
        return self.target.replace("-", "_")

    @property
    def lib_suffix(self) -> str:
        return ".dylib" if self.darwin else ".so"


PLATFORMS = tuple(Platform(system, libc) for libc in LIBCS for system in SYSTEMS)
TARGETS = tuple(sorted({p.target for p in PLATFORMS}))


@dataclass(frozen=True)
class CargoGitHash:
    """The fetchgit hash (submodules included, as crane fetches) of a Cargo git source."""

    source: str  # the Cargo.lock `source` string
    url: str
    rev: str
    hash: str

    @property
    def key(self) -> str:
        """crane's outputHashes key: the source percent-decoded with crane's own table."""
        return crane_percent_decode(self.source)

    def comment(self) -> str:
        data = {"hash": self.hash, "rev": self.rev, "submodules": True, "url": self.url}
        return CARGO_GIT_COMMENT + json.dumps(data, sort_keys=True, ensure_ascii=True)


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


@dataclass(frozen=True)
class NifsPlan:
    libc: str
    crates: tuple[NifCrate, ...]  # sorted by attr
    toolchains: tuple[RustToolchain, ...]  # sorted by key
    default_toolchain: str
    fetched: tuple[CargoGitHash, ...] = ()  # hashes the prefetcher computed in this run

    @property
    def platforms(self) -> tuple[tuple[str, tuple[Platform, ...]], ...]:
        return tuple((libc, tuple(p for p in PLATFORMS if p.libc == libc)) for libc in LIBCS)

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
    prefetcher: Prefetcher | None = None,
    known: Mapping[GitKey, str] | None = None,
) -> NifsPlan:
    """One crate per Cargo package that a resolved NIF loads. `known` are Cargo git hashes read
    back from the previous nix/nifs.nix (`known_cargo_hashes`); only others are prefetched."""
    if libc not in LIBCS:
        raise InputError(f"libc must be one of {', '.join(LIBCS)}, not {libc!r}")
    check_cargo_locks(project)
    hashes = _GitHashes(prefetcher, known or {})
    toolchains: dict[str, RustToolchain] = {}
    crates = []
    for package, nifs in _nif_packages(project):
        toolchain = toolchain_for(project, package.dir)
        _check_lock_readable(_lock_of(project, package), toolchain)
        _check_lock_complete(_lock_of(project, package), package)
        toolchains[toolchain.key] = toolchain
        crates.append(_crate(project, package, nifs, toolchain.key, hashes))
    _check_unique(crates)
    default = _default_toolchain(project, crates)
    toolchains.setdefault(default.key, default)
    return NifsPlan(
        libc,
        tuple(sorted(crates, key=lambda c: c.attr)),
        tuple(sorted(toolchains.values(), key=lambda t: t.key)),
        default.key,
        tuple(hashes.fetched),
    )


def _nif_packages(project: Project) -> Iterator[tuple[CargoPackage, tuple[Nif, ...]]]:
    by_manifest = {p.manifest: p for p in project.cargo_packages}
    groups: dict[str, list[Nif]] = {}
    for nif in project.nifs:
        if nif.resolved and nif.package is not None:
            groups.setdefault(nif.package, []).append(nif)
    for manifest in sorted(groups):
        yield by_manifest[manifest], tuple(groups[manifest])


def _crate(
    project: Project,
    package: CargoPackage,
    nifs: tuple[Nif, ...],
    toolchain: str,
    hashes: _GitHashes,
) -> NifCrate:
    lock = _lock_of(project, package)
    rustler = _locked_rustler(lock)
    dynamic_lookup = rustler is not None and rustler < DYNAMIC_LOOKUP_BEFORE
    return NifCrate(
        attr=crate_attr(package),
        name=package.name,
        version=package.version or "0.0.0",
        lib_name=package.lib_name,
        manifest=package.manifest,
        modules=tuple(sorted({n.module for n in nifs})),
        root=package.workspace_root,
        members=_members(project, package, lock),
        toolchain=toolchain,
        rustflags=tuple(
            (t, " ".join(f))
            for t in TARGETS
            if (f := rustflags(project, package, t, dynamic_lookup=dynamic_lookup))
        ),
        git=tuple(hashes.get(source, lock) for source in _git_sources(lock)),
        sys=sys_needs(lock),
        rustler=".".join(map(str, rustler)) if rustler else None,
    )


def _locked_rustler(lock: CargoLock) -> Version | None:
    versions = [v for c in lock.find("rustler") if (v := parse_version(c.version))]
    return max(versions, default=None)


def _lock_path(package: CargoPackage) -> str:
    return join(package.workspace_root, "Cargo.lock")


# The oldest cargo that reads a Cargo.lock of each version (docs/UPSTREAM.md U-CARGO-LOCKFILE).
_LOCK_READABLE_SINCE = {4: (1, 78)}


def _check_lock_readable(lock: CargoLock, toolchain: RustToolchain) -> None:
    """A pinned toolchain whose cargo cannot read the lock fails in crane's first step."""
    needed = _LOCK_READABLE_SINCE.get(lock.version)
    pinned = re.match(r"^(\d+)\.(\d+)", toolchain.channel)
    if needed is None or pinned is None or (int(pinned[1]), int(pinned[2])) >= needed:
        return
    raise InputError(
        f"{lock.path} is a version {lock.version} lock file, which the cargo of the pinned "
        f"toolchain {toolchain.channel} ({toolchain.key}) cannot read: it needs "
        f"{needed[0]}.{needed[1]} or later",
        Position(toolchain.key),
        f"pin Rust {needed[0]}.{needed[1]} or later in {toolchain.key}, or write the lock "
        f"with that toolchain's cargo (`cargo +{toolchain.channel} generate-lockfile`)",
    )


def _check_lock_complete(lock: CargoLock, package: CargoPackage) -> None:
    """crane builds with `--locked`: a crate Cargo.toml names but the lock lacks fails it."""
    missing = [name for name in (package.name, *package.dependencies) if not lock.find(name)]
    if missing:
        raise InputError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} in Cargo.toml but "
            f"not in {lock.path}: the Nix build runs cargo with --locked and would stop",
            Position(package.manifest),
            f"run `cargo update --workspace` in {package.workspace_root}/ (locked versions "
            "stay) and commit the Cargo.lock",
        )


def _lock_of(project: Project, package: CargoPackage) -> CargoLock:
    lock = next(lock for lock in project.cargo_locks if lock.path == _lock_path(package))
    if lock.version == 1:
        # crane reads each package's `checksum`; version 1 keeps them apart in [metadata].
        raise InputError(
            f"{lock.path} is a version 1 lock file, which crane cannot vendor from",
            Position(lock.path),
            f"rewrite it in the current format with `cargo update --workspace` in "
            f"{package.workspace_root}/ (locked versions stay) and commit it",
        )
    return lock


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


# --------------------------------------------------------------------------- paths


def _relative(path: str, root: str) -> str:
    return "" if path == root else posixpath.relpath(path, root)


def _members(project: Project, package: CargoPackage, lock: CargoLock) -> tuple[str, ...]:
    """Workspace members (or the crate itself) plus every path crate of the lock."""
    root = package.workspace_root
    workspace = next((w for w in project.workspaces if w.dir == root), None)
    dirs = set(workspace.member_dirs if workspace else (package.dir,))
    for crate in lock.packages:
        if crate.source is None:
            dirs |= _path_crate_dirs(project, crate.name, root, lock)
    return tuple(sorted(_relative(d, root) for d in dirs))


def _path_crate_dirs(project: Project, name: str, root: str, lock: CargoLock) -> set[str]:
    found = {p.dir for p in project.cargo_packages if p.name == name and inside(p.dir, root)}
    if not found:
        raise ResolveError(
            f"path crate {name!r} of {lock.path} is not below {root}/, where the Cargo.lock "
            "is: nixgen builds from that directory only",
            Position(lock.path),
            "move the crate into that directory, or make a Cargo workspace at a directory "
            "that holds both, with the Cargo.lock there",
        )
    return found


# --------------------------------------------------------------------------- Cargo.lock


def check_cargo_locks(project: Project) -> None:
    """Stop when a NIF crate has no Cargo.lock: its dependencies would be unpinned."""
    missing = _missing_locks(project)
    if not missing:
        return
    root, packages = next(iter(missing.items()))
    names = ", ".join(p.name for p in packages)
    lock = join(root, "Cargo.lock")
    where = "the project root" if root == "." else f"{root}/"
    subject = f"NIF crates {names} have" if len(packages) > 1 else f"NIF crate {names} has"
    raise InputError(
        f"{subject} no Cargo.lock (looked for {lock})",
        Position(packages[0].manifest),
        f"run `cargo generate-lockfile` in {where} and commit {lock}, "
        "or let nixgen run it with --generate-lockfiles",
    )


def _missing_locks(project: Project) -> dict[str, list[CargoPackage]]:
    by_manifest = {p.manifest: p for p in project.cargo_packages}
    missing: dict[str, list[CargoPackage]] = {}
    for nif in project.nifs:
        package = by_manifest.get(nif.package or "")
        if package is None or not package.is_dynamic_library or nif.cargo_lock is not None:
            continue
        found = missing.setdefault(package.workspace_root, [])
        if package not in found:
            found.append(package)
    return dict(sorted(missing.items()))


def generate_lockfiles(project: Project, runner: Runner, root: Path = Path(".")) -> tuple[str, ...]:
    """Run `cargo generate-lockfile` where a NIF crate lacks its Cargo.lock (`root` = the
    project directory); returns the created lock files, relative to it."""
    created = []
    for directory in _missing_locks(project):
        env = cargo_env(project, directory, os.environ)
        runner.run(["cargo", "generate-lockfile"], cwd=root / directory, env=env)
        created.append(join(directory, "Cargo.lock"))
    return tuple(created)


# The project must not choose the programs nixgen runs. Environment variables win over its
# files: RUSTUP_TOOLCHAIN over rust-toolchain(.toml), whose `path =` would name any directory
# of binaries (rustup's override precedence); RUSTC and an empty RUSTC_WRAPPER /
# RUSTC_WORKSPACE_WRAPPER over .cargo/config.toml's build.rustc / build.rustc-wrapper.
_CARGO_ENV = {"RUSTC": "rustc", "RUSTC_WRAPPER": "", "RUSTC_WORKSPACE_WRAPPER": ""}


def cargo_env(project: Project, directory: str, user_env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a cargo run in `directory`: the toolchain nixgen found there (the
    channel of the project's pin; none pinned: the user's default), no rustc of the project's
    choosing. What the user set in `user_env` is theirs and kept."""
    env = {k: v for k, v in _CARGO_ENV.items() if k not in user_env}
    toolchain = toolchain_for(project, directory)
    if toolchain.key == DEFAULT_TOOLCHAIN.key or "RUSTUP_TOOLCHAIN" in user_env:
        return env
    if not any(t.path == toolchain.key and t.channel for t in project.toolchains):
        raise InputError(
            "the toolchain file names no channel (a `path =` toolchain is a directory of "
            "programs of the project's choosing): nixgen does not run cargo from it",
            Position(toolchain.key),
            'pin a channel in it (e.g. `channel = "1.85.0"`), or run `cargo generate-lockfile` '
            f"in {directory} yourself",
        )
    env["RUSTUP_TOOLCHAIN"] = toolchain.channel
    return env


def _git_sources(lock: CargoLock) -> list[GitSource]:
    git = [c.source for c in lock.packages if isinstance(c.source, GitSource)]
    sources = {lock_source(source): source for source in git}
    return [sources[key] for key in sorted(sources)]


def pending_cargo_fetches(project: Project, known: Mapping[GitKey, str]) -> int:
    """How many Cargo git sources of the NIF crates' locks are not known yet."""
    keys = {
        GitKey(source.url, source.rev, True)
        for lock in project.cargo_locks
        if lock.path in {n.cargo_lock for n in project.nifs}
        for source in _git_sources(lock)
    }
    return len(keys - set(known))


def lock_source(source: GitSource) -> str:
    """The Cargo.lock `source` string (rebuilt when the model was made without it)."""
    if source.raw:
        return source.raw
    query = "&".join(f"{k}={v}" for k, v in source.query)
    return f"git+{source.url}{'?' + query if query else ''}#{source.rev}"


# crane's lib/internalPercentDecode.nix (docs/UPSTREAM.md U-CRANE-OUTPUTHASHES): exactly these
# upper-case escapes, in one pass, applied to the Cargo.lock source before the lookup.
_CRANE_CODES = {
    "%09": "\t", "%0A": "\n", "%0D": "\r", "%20": " ", "%21": "!", "%22": '"', "%23": "#",
    "%24": "$", "%25": "%", "%26": "&", "%27": "'", "%28": "(", "%29": ")", "%2A": "*",
    "%2B": "+", "%2C": ",", "%2F": "/", "%3A": ":", "%3B": ";", "%3C": "<", "%3D": "=",
    "%3E": ">", "%3F": "?", "%40": "@", "%5B": "[", "%5C": "\\", "%5D": "]", "%5E": "^",
    "%60": "`", "%7B": "{", "%7C": "|", "%7D": "}",
}  # fmt: skip
_CRANE_ESCAPE = re.compile("|".join(re.escape(code) for code in _CRANE_CODES))


def crane_percent_decode(text: str) -> str:
    return _CRANE_ESCAPE.sub(lambda m: _CRANE_CODES[m.group(0)], text)


class _GitHashes:
    """Hashes of Cargo git sources: known ones first, else from the prefetcher (recorded)."""

    def __init__(self, prefetcher: Prefetcher | None, known: Mapping[GitKey, str]):
        self._prefetcher = prefetcher
        self._hashes = dict(known)
        self.fetched: list[CargoGitHash] = []

    def get(self, source: GitSource, lock: CargoLock) -> CargoGitHash:
        key = GitKey(source.url, source.rev, True)
        if key in self._hashes:
            log.info("%s: reusing the recorded hash of %s at %s", lock.path, source.url, source.rev)
        else:
            if self._prefetcher is None:
                raise InputError(
                    f"the Cargo git dependency {source.url} at {source.rev} has not been fetched",
                    Position(lock.path),
                    f"run `{REGENERATE}` with network access: it fetches git sources once and "
                    f"records their hashes in {NIFS_FILE}",
                )
            self._hashes[key] = self._prefetcher.prefetch_git(
                source.url, source.rev, submodules=True, lfs=True  # as crane fetches
            )
            fetched = CargoGitHash(lock_source(source), source.url, source.rev, self._hashes[key])
            self.fetched.append(fetched)
        return CargoGitHash(lock_source(source), source.url, source.rev, self._hashes[key])


def known_cargo_hashes(text: str) -> KnownHashes:
    """The `# nixgen-cargo-git:` lines of a previous nix/nifs.nix (unreadable lines ignored)."""
    found: dict[tuple[str, str, bool], str] = {}
    for match in _CARGO_GIT_LINE.finditer(text):
        try:
            data = json.loads(match["json"])
            key = (str(data["url"]), str(data["rev"]), bool(data["submodules"]))
            KnownHashes({key: data["hash"]})  # raises ValueError for a malformed hash
            found[key] = data["hash"]
        except (ValueError, TypeError, KeyError):
            continue
    return KnownHashes(found)


# --------------------------------------------------------------------------- toolchain


def _default_toolchain(project: Project, crates: list[NifCrate]) -> RustToolchain:
    """For the devShell: the crates' toolchain when they agree, else the project root's."""
    keys = {crate.toolchain for crate in crates}
    if len(keys) == 1:
        key = keys.pop()
        return next(toolchain_for(project, c.root) for c in crates if c.toolchain == key)
    return toolchain_for(project, ".")


# --------------------------------------------------------------------------- render


def render_nifs(plan: NifsPlan) -> str:
    """The complete nix/nifs.nix, header included."""
    return with_header(render("nifs.nix.j2", plan=plan), REGENERATE)


def sys_report(project: Project) -> tuple[tuple[str, SysNeeds], ...]:
    """What each NIF crate's Cargo.lock needs from nixpkgs, by crate attribute, for `show`:
    nothing is fetched, and crates without a lock are left out."""
    locks = {lock.path: lock for lock in project.cargo_locks}
    return tuple(
        (crate_attr(package), sys_needs(lock))
        for package, _ in _nif_packages(project)
        if (lock := locks.get(_lock_path(package))) is not None
    )


def nifs_warnings(plan: NifsPlan) -> tuple[str, ...]:
    """One warning per crate with -sys crates nixgen has no recipe for."""
    return tuple(
        f"NIF crate {c.attr}: no recipe for {', '.join(c.sys.unknown)}; if their build needs "
        f"a C library, add it in nix/overrides.nix: `{c.attr} = prev.{c.attr}.override "
        "(args: { buildInputs = args.buildInputs ++ [ ... ]; });`"
        for c in plan.crates
        if c.sys.unknown
    )
