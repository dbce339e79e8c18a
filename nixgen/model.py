"""The typed model of a Mix project with Rustler NIFs: frozen dataclasses, no I/O.

Every path stored here is relative to the project root (POSIX separators, "." for the
root itself), so the model and everything rendered from it is machine-independent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from nixgen.errors import Position


@dataclass(frozen=True)
class Dynamic:
    """A value nixgen could not evaluate without running project code."""

    source: str
    where: Position
    reason: str = "not a literal"


# --------------------------------------------------------------------------- mix.lock


@dataclass(frozen=True, slots=True)  # one or more per lock entry
class LockDep:
    """One edge of a hex lock entry: `{:name, "~> 1.0", [hex: :pkg, repo: "hexpm", ...]}`."""

    name: str
    requirement: str | None
    package: str
    repo: str
    optional: bool


@dataclass(frozen=True, slots=True)  # one or more per lock entry
class HexLockEntry:
    name: str  # the lock key = OTP app name
    package: str  # hex package name (differs for aliased packages)
    version: str
    inner_checksum: str
    managers: tuple[str, ...]
    deps: tuple[LockDep, ...]
    repo: str
    outer_checksum: str | None  # absent in old 7-element entries
    where: Position


@dataclass(frozen=True, slots=True)  # one or more per lock entry
class GitLockEntry:
    name: str
    url: str
    rev: str
    branch: str | None
    tag: str | None
    ref: str | None
    sparse: str | None
    subdir: str | None
    submodules: bool
    depth: int | None
    where: Position


LockEntry = HexLockEntry | GitLockEntry


@dataclass(frozen=True)
class MixLock:
    path: str
    entries: tuple[LockEntry, ...]  # sorted by name

    def get(self, name: str) -> LockEntry | None:
        return self._by_name.get(name)

    @cached_property  # built once: a lookup per dependency edge must not scan every entry
    def _by_name(self) -> dict[str, LockEntry]:
        return {e.name: e for e in self.entries}

    @property
    def hex_count(self) -> int:
        return sum(isinstance(e, HexLockEntry) for e in self.entries)

    @property
    def git_count(self) -> int:
        return sum(isinstance(e, GitLockEntry) for e in self.entries)


# --------------------------------------------------------------------------- mix.exs

Flag = bool | Dynamic


@dataclass(frozen=True)
class DepOptions:
    """Options common to every kind of mix.exs dependency."""

    only: tuple[str, ...] | Dynamic | None = None  # None = every env
    runtime: Flag = True
    optional: Flag = False
    app: Flag = True  # `app: false`
    compile: Flag | str = True  # `compile: false` or a command string
    override: Flag = False
    manager: str | Dynamic | None = None


@dataclass(frozen=True)
class HexDep:
    name: str
    requirement: str | Dynamic | None
    package: str  # `hex:` alias, else the name
    repo: str | None
    options: DepOptions
    where: Position


@dataclass(frozen=True)
class GitDep:
    name: str
    url: str | Dynamic
    requirement: str | Dynamic | None
    ref: str | None
    branch: str | None
    tag: str | None
    sparse: str | None
    subdir: str | None
    submodules: bool
    options: DepOptions
    where: Position


@dataclass(frozen=True)
class PathDep:
    name: str
    path: str | Dynamic  # as written, relative to the Mix project's directory
    options: DepOptions
    where: Position


@dataclass(frozen=True)
class UmbrellaDep:
    name: str
    options: DepOptions
    where: Position


@dataclass(frozen=True)
class DynamicDep:
    """A deps() entry nixgen cannot evaluate (e.g. a call to another function)."""

    value: Dynamic


MixDep = HexDep | GitDep | PathDep | UmbrellaDep | DynamicDep


@dataclass(frozen=True)
class MixAlias:
    name: str
    tasks: tuple[str | Dynamic, ...] | Dynamic


@dataclass(frozen=True)
class LoadFrom:
    app: str | Dynamic
    path: str | Dynamic


RustlerKind = Literal["rustler", "precompiled"]


@dataclass(frozen=True)
class RustlerModule:
    """One `use Rustler` / `use RustlerPrecompiled` in a module body."""

    module: str
    where: Position
    kind: RustlerKind
    options: Dynamic | None  # set when the whole option list is not a literal
    otp_app: str | Dynamic | None = None
    crate: str | Dynamic | None = None
    path: str | Dynamic | None = None
    mode: str | Dynamic | None = None
    load_from: LoadFrom | Dynamic | None = None
    skip_compilation: bool | Dynamic | None = None
    features: tuple[str, ...] | Dynamic | None = None
    version: str | Dynamic | None = None
    nif_versions: tuple[str, ...] | Dynamic | None = None
    force_build: bool | Dynamic | None = None
    reads_precompiled_nif: bool = False  # the file already reads PRECOMPILED_NIF itself
    via_macro: bool = False  # `App.NixgenRustler.rustler_use(opts)`: nixgen's macro for old rustler


# How a NIF dependency's library reaches its build (nixgen.toml `[nif_deps.<app>] source`):
# the upstream artifact (strategy A) or a build from the package's source (strategy B).
NifSource = Literal["precompiled", "build"]
NIF_SOURCES: tuple[NifSource, ...] = ("precompiled", "build")


@dataclass(frozen=True)
class GivenLock:
    """A Cargo.lock the user gave for a NIF dependency without one (`--nif-dep-lock APP=PATH`)."""

    path: str  # as given, kept in the record and named in messages
    text: str


@dataclass(frozen=True)
class ModuleHint:
    """The user's description (nixgen.toml `[nifs."Module"]`) of a Rustler module whose
    options nixgen cannot read."""

    module: str
    otp_app: str
    crate: str | None = None
    path: str | None = None
    load_path: str | None = None  # priv/native/... without extension


@dataclass(frozen=True)
class MixProject:
    dir: str
    app: str | Dynamic | None
    version: str | Dynamic | None
    elixir: str | Dynamic | None
    deps: tuple[MixDep, ...] | Dynamic
    releases: tuple[str, ...] | Dynamic
    apps_path: str | Dynamic | None  # set for an umbrella root
    aliases: tuple[MixAlias, ...] | Dynamic
    lockfile: str | Dynamic  # relative to the project root
    config_dir: str | None
    rustler_modules: tuple[RustlerModule, ...]
    children: tuple[MixProject, ...] = ()
    project_extra: Dynamic | None = None  # non-literal part merged into project/0 (may override)

    @property
    def is_umbrella(self) -> bool:
        return self.apps_path is not None

    def walk(self) -> tuple[MixProject, ...]:
        """This project followed by its umbrella children."""
        return (self, *(p for c in self.children for p in c.walk()))


# --------------------------------------------------------------------------- Cargo


@dataclass(frozen=True)
class CargoDepSpec:
    """How a manifest asks for a crate (used for `rustler`)."""

    requirement: str | None = None
    git: str | None = None
    path: str | None = None
    workspace: bool = False  # `rustler.workspace = true`


@dataclass(frozen=True)
class CargoPackage:
    manifest: str  # path of Cargo.toml
    dir: str
    name: str
    version: str | None  # None when inherited and unresolvable
    lib_name: str  # `[lib] name`, else name with "-" -> "_"
    crate_types: tuple[str, ...]
    rustler: CargoDepSpec | None
    workspace_root: str  # dir of the manifest holding its [workspace], or its own dir
    features: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # crate names Cargo.lock must hold (see readers/cargo)

    @property
    def is_dynamic_library(self) -> bool:
        return any(t in ("cdylib", "dylib") for t in self.crate_types)


@dataclass(frozen=True)
class CargoWorkspace:
    dir: str
    manifest: str
    members: tuple[str, ...]  # patterns as written
    exclude: tuple[str, ...]
    member_dirs: tuple[str, ...]  # resolved, sorted


@dataclass(frozen=True)
class RegistrySource:
    url: str


@dataclass(frozen=True)
class GitSource:
    url: str  # without query and fragment
    rev: str  # the locked commit (the fragment)
    query: tuple[tuple[str, str], ...]  # branch/tag/rev as requested
    # The `source` string exactly as Cargo.lock writes it: crane keys `outputHashes` by it.
    raw: str = field(default="", compare=False)


CrateSource = RegistrySource | GitSource | None  # None = path/workspace crate


@dataclass(frozen=True)
class LockedCrate:
    name: str
    version: str
    source: CrateSource
    checksum: str | None

    @property
    def is_sys(self) -> bool:
        return self.name.endswith(("-sys", "_sys"))


@dataclass(frozen=True)
class CargoLock:
    path: str
    version: int  # 1..4 (1 and 2 have no `version` key)
    packages: tuple[LockedCrate, ...]

    def find(self, name: str) -> tuple[LockedCrate, ...]:
        return tuple(p for p in self.packages if p.name == name)


@dataclass(frozen=True)
class CargoConfig:
    path: str
    build_rustflags: tuple[str, ...] | None
    target_rustflags: tuple[tuple[str, tuple[str, ...]], ...]  # (triple or cfg(...), flags)
    target_linkers: tuple[tuple[str, str], ...] = ()
    build_target: str | None = None


@dataclass(frozen=True)
class Toolchain:
    path: str
    channel: str | None
    components: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    profile: str | None = None


@dataclass(frozen=True)
class ToolVersions:
    path: str
    erlang: str | None
    elixir: str | None


# --------------------------------------------------------------------------- resolved


@dataclass(frozen=True)
class _NifSite:
    """Where a Rustler module is, whether or not nixgen could follow it to its library."""

    module: str
    where: Position
    kind: RustlerKind
    mix_dir: str


@dataclass(frozen=True)
class Nif(_NifSite):
    """Rustler module -> crate -> Cargo package -> workspace + lock -> artifact -> load path,
    every link known."""

    otp_app: str
    crate: str
    package: str  # Cargo.toml of the crate
    workspace_root: str
    cargo_lock: str
    lib_name: str
    artifact: str  # lib<lib_name>.so as cargo/crane produce it
    load_app: str
    load_path: str  # priv/native/... without extension
    rustler_version: str | None  # Elixir-side rustler from mix.lock
    # Always empty; a field so that `show --json` lists the same keys for every NIF.
    problems: tuple[()] = field(default=(), init=False)

    @property
    def resolved(self) -> Literal[True]:
        return True


@dataclass(frozen=True)
class UnresolvedNif(_NifSite):
    """A Rustler module nixgen could not follow to its library: what it found, and why not."""

    otp_app: str | None
    crate: str | None
    package: str | None
    workspace_root: str | None
    cargo_lock: str | None
    lib_name: str | None
    artifact: str | None
    load_app: str | None
    load_path: str | None
    rustler_version: str | None
    problems: tuple[str, ...]  # at least one

    @property
    def resolved(self) -> Literal[False]:
        return False


AnyNif = Nif | UnresolvedNif


@dataclass(frozen=True)
class Skipped:
    """A project file nixgen could not parse and does not need (it names no Rustler)."""

    where: Position
    reason: str

    def note(self) -> str:
        return f"{self.where}: skipped: {self.reason}"


@dataclass(frozen=True)
class NotNif:
    manifest: str
    name: str
    reason: str


@dataclass(frozen=True)
class Project:
    env: str
    mix_projects: tuple[MixProject, ...]
    locks: tuple[MixLock, ...]
    cargo_packages: tuple[CargoPackage, ...]
    workspaces: tuple[CargoWorkspace, ...]
    cargo_locks: tuple[CargoLock, ...]
    cargo_configs: tuple[CargoConfig, ...]
    toolchains: tuple[Toolchain, ...]
    tool_versions: ToolVersions | None
    nifs: tuple[AnyNif, ...]
    not_nifs: tuple[NotNif, ...] = field(default=())
    path_projects: tuple[MixProject, ...] = ()  # in-repository path deps not read otherwise
    skipped: tuple[Skipped, ...] = ()  # Elixir files that do not parse and need not

    def all_mix_projects(self) -> tuple[MixProject, ...]:
        """Every Mix project read: top-level ones, umbrella children, then path deps."""
        tops = (*self.mix_projects, *self.path_projects)
        return tuple(p for top in tops for p in top.walk())
