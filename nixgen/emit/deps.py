"""mix.lock + mix.exs + known sources → the per-package plan of nix/deps.nix, and its body."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from nixgen.constants import HEXPM, REGENERATE, nif_lock_path
from nixgen.emit.render import check_store_name, nif_snippet, render
from nixgen.errors import InputError, NixgenError, ResolveError
from nixgen.fetch.nifdeps import choose_source
from nixgen.fetch.records import (
    GitSourceInfo,
    HexSource,
    KnownSources,
    NifArtifactRecord,
    NifCrateRecord,
    NifDepRecord,
)
from nixgen.model import (
    Dynamic,
    DynamicDep,
    GitLockEntry,
    HexLockEntry,
    NifSource,
    Project,
)
from nixgen.resolve.closure import Closure
from nixgen.resolve.precompiled import nif_dependencies
from nixgen.resolve.project import (
    DepsRequest,
    NifTargets,
    deps_closure,
    lock_of,
    request_closure,
)

__all__ = ["DepsRequest", "lock_of"]
# The beamPackages function that builds a dependency; sourceOnly: files only (`compile: false`).
DepBuilder = Literal["buildMix", "buildRebar3", "buildErlangMk", "sourceOnly"]


@dataclass(frozen=True)
class StagedFile:
    """A file a NIF dependency's preBuild stages for one module: the upstream artifact
    (strategy A), or its crate built from source and packed under the upstream name (B)."""

    module: str  # as in its checksum file's name: Elixir.Foo.Native
    file: str  # the name rustler_precompiled looks for: <lib_name>.so.tar.gz
    artifact: NifArtifactRecord | None  # A: what to fetch
    crate: str = ""  # B: the crate's directory in the package

    @property
    def lib_name(self) -> str:
        return self.file.removesuffix(".tar.gz").rsplit(".", 1)[0]


@dataclass(frozen=True)
class NifStaging:
    """What a NIF dependency's preBuild stages, per system (README "NIF dependencies";
    docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-CACHE; templates/nif-deps/stage.sh and check.sh)."""

    app: str  # where rustler_precompiled extracts the libraries
    otp: int  # the OTP major the files were named for (their NIF version)
    unset: tuple[str, ...]  # the modules' force-build variables
    systems: tuple[tuple[str, tuple[StagedFile, ...]], ...]
    source: NifSource = "precompiled"
    crates: tuple[NifCrateRecord, ...] = ()  # B: the crates built

    @property
    def build(self) -> bool:
        return self.source == "build"


@dataclass(frozen=True, slots=True)  # one per lock entry in the closure
class HexPackage:
    kind: ClassVar[str] = "hex"
    name: str
    package: str
    version: str
    sha256: str  # base16
    builder: DepBuilder
    beam_deps: tuple[str, ...]
    prefetched: bool = False  # sha256 came from the fetch stage (old 7-element entry)
    nif_record: NifDepRecord | None = None  # a NIF dependency: what its package says
    nif: NifStaging | None = None  # ... and what its build stages (None: no module uses it)

    @property
    def record(self) -> HexSource:
        if not self.prefetched:
            return HexSource(self.name, self.version)
        return HexSource(self.name, self.version, self.package, self.sha256)


@dataclass(frozen=True)
class GitPackage:
    kind: ClassVar[str] = "git"
    name: str
    source: GitSourceInfo  # its record
    builder: DepBuilder
    beam_deps: tuple[str, ...]

    @property
    def version(self) -> str:
        return self.source.version

    @property
    def record(self) -> GitSourceInfo:
        return self.source


Package = HexPackage | GitPackage


@dataclass(frozen=True)
class DepsPlan:
    packages: tuple[Package, ...]  # sorted by name
    closure: Closure
    app_config: str | None  # config directory relative to the root, for appConfigPath

    @property
    def nif_deps(self) -> tuple[HexPackage, ...]:
        return tuple(p for p in self.packages if isinstance(p, HexPackage) and p.nif)

    @property
    def built_crates(self) -> tuple[tuple[str, NifCrateRecord], ...]:
        """(dependency, crate) of every NIF dependency built from source (strategy B)."""
        return tuple((p.name, c) for p in self.nif_deps if p.nif for c in p.nif.crates)

    @property
    def nif_modules(self) -> tuple[str, ...]:
        """The RustlerPrecompiled modules of the staged NIF dependencies, as aliases (the record
        holds the atom, `Elixir.Foo.Native`): the NIF-load check loads them too."""
        return tuple(sorted({
            m.module.removeprefix("Elixir.")
            for p in self.nif_deps if p.nif_record for m in p.nif_record.modules
        }))  # fmt: skip


def plan_deps(request: DepsRequest, known: KnownSources) -> DepsPlan:
    """The packages of the release closure; every git dep and old 7-element Hex entry among
    them must be in `known` (the fetch stage put them there)."""
    lock = lock_of(request.project, request.top)
    closure = request_closure(request, lambda e: _git_source(e, known).deps)
    flags = _declared_flags(request.project)
    # In-repository path deps are built by Mix inside the release, not here
    # (docs/UPSTREAM.md U-MIX-DEPS-COMPILE-PATH): no attribute, and no edge to one.
    included = set(closure.included)
    nif_names = set(nif_dependencies(lock).apps) & included
    targets = request.nif_targets() if nif_names - request.provided else None
    packages: list[Package] = []
    for name in closure.included:
        if name in request.provided:
            continue
        entry = lock.get(name)
        assert entry is not None
        source_only = flags.get(name, False)
        if isinstance(entry, HexLockEntry):
            package = _hex(entry, included, source_only, known)
            if name in nif_names and targets is not None and package.builder == "buildMix":
                record = _nif_record(entry, known, targets)
                asked = request.nif_source(name)
                source = choose_source(record, asked, targets.systems)
                staging = nif_staging(entry, record, targets, source, asked is None)
                package = replace(package, nif_record=record, nif=staging)
            packages.append(package)
        else:
            packages.append(_git(entry, _git_source(entry, known), included, source_only))
    return DepsPlan(tuple(sorted(packages, key=lambda p: p.name)), closure, request.top.config_dir)


def _nif_record(entry: HexLockEntry, known: KnownSources, targets: NifTargets) -> NifDepRecord:
    record = known.nif_dep(entry, targets.otp, targets.libc, targets.systems)
    if record is None:
        raise InputError(
            f"NIF dependency {entry.name!r} has not been read for OTP {targets.otp} "
            f"({targets.libc}, {', '.join(targets.systems)})",
            entry.where,
            f"run `{REGENERATE}` (it reads the Hex package once)",
        )
    return record


def nif_staging(
    entry: HexLockEntry,
    record: NifDepRecord,
    targets: NifTargets,
    source: NifSource,
    chosen: bool = False,
) -> NifStaging | None:
    """The files a NIF dependency stages on every configured system; None when no module of
    the package uses RustlerPrecompiled (nothing to stage). `chosen`: nixgen chose `source`."""
    if not record.modules:
        return None
    missing = [
        (module.module, m) for module in record.modules for m in module.missing
        if m.system in targets.systems
    ]  # fmt: skip
    if source == "build":
        built = _built(entry, record, targets)
        if isinstance(built, NifStaging):
            return built
        if not chosen or not missing:
            raise _cannot_build(entry, built)
        module, first = missing[0]
        no_artifact = _no_artifact(entry, module, first.system, first.reason, targets, False)
        raise ResolveError(
            f"{no_artifact.message}; nor can it be built from source: {built.why}",
            entry.where,
            f"{built.fix}; or {no_artifact.hint}" if built.fix else no_artifact.hint,
        )
    if missing:
        module, first = missing[0]
        raise _no_artifact(entry, module, first.system, first.reason, targets)
    systems = tuple(
        (system, tuple(
            StagedFile(m.module, _checked_file(a.file, entry), a)
            for m in record.modules for a in m.artifacts if a.system == system
        ))
        for system in sorted(targets.systems)
    )  # fmt: skip
    return NifStaging(_app(record), record.otp, _unset(record), systems)


def _built(
    entry: HexLockEntry, record: NifDepRecord, targets: NifTargets
) -> NifStaging | _Unbuildable:
    """Strategy B: each module's crate built from the package, staged under the file name
    rustler_precompiled looks for (docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-NAME)."""
    crates: dict[str, NifCrateRecord] = {}
    systems = []
    for system in sorted(targets.systems):
        staged = []
        for module in record.modules:
            file = module.file_for(system)
            if not file:
                reason = next((m.reason for m in module.missing if m.system == system), "")
                return _Unbuildable(f"{module.module} on {system}: {reason}")
            crate = _buildable_crate(entry, record, module.module, module.crate)
            if isinstance(crate, _Unbuildable):
                return crate
            crates[crate.dir] = crate
            staged.append(StagedFile(module.module, _checked_file(file, entry), None, crate.dir))
        systems.append((system, tuple(staged)))
    built = tuple(sorted(crates.values(), key=lambda c: c.dir))
    return NifStaging(_app(record), record.otp, _unset(record), tuple(systems), "build", built)


@dataclass(frozen=True)
class _Unbuildable:
    """Why a NIF dependency cannot be built from source, and what would make it buildable."""

    why: str
    fix: str = ""


def _buildable_crate(
    entry: HexLockEntry, record: NifDepRecord, module: str, directory: str
) -> NifCrateRecord | _Unbuildable:
    crate = record.crate(directory) if directory else None
    if crate is None:
        where = f"its crate directory ({directory}/Cargo.toml)" if directory else "its crate"
        return _Unbuildable(f"the package does not ship {where}, used by {module}")
    if not crate.cargo_lock:
        return _Unbuildable(
            f"its Hex package has no {crate.dir}/Cargo.lock (nixgen does not resolve crate "
            "versions itself: that would build with whatever crates.io holds today)",
            f"take the Cargo.lock of the package's source at version {entry.version} (its "
            f"repository's tag) and run `nixgen update --nif-dep-lock {entry.name}=PATH`; "
            f"nixgen copies it to {nif_lock_path(entry.name, crate.dir)}",
        )
    return crate


def _cannot_build(entry: HexLockEntry, unbuildable: _Unbuildable) -> ResolveError:
    return ResolveError(
        f"NIF dependency {entry.name} {entry.version} cannot be built from source: "
        f"{unbuildable.why}",
        entry.where,
        unbuildable.fix
        or f'set `source = "precompiled"` under [nif_deps.{entry.name}] in nixgen.toml if the '
        "upstream library fits, or provide the dependency in nix/overrides.nix and list it "
        f"under [deps] provided; then run `{REGENERATE}`",
    )


def _app(record: NifDepRecord) -> str:
    return sorted({m.app for m in record.modules})[0]


def _unset(record: NifDepRecord) -> tuple[str, ...]:
    return tuple(sorted({v for m in record.modules for v in m.unset}))


def _checked_file(file: str, entry: HexLockEntry) -> str:
    """The file name becomes a store name and a path in the staging cache: no `/`, no space."""
    check_store_name(file, f"the artifact file of {entry.name!r}", entry.where)
    return file


def _no_artifact(
    entry: HexLockEntry,
    module: str,
    system: str,
    reason: str,
    targets: NifTargets,
    suggest_build: bool = True,
) -> ResolveError:
    changes = [f"remove {system!r} from `systems`"]
    if system.endswith("-linux") and targets.libc == "musl":
        changes.insert(0, 'set libc = "gnu"')
    if suggest_build:
        changes.insert(0, f'set `source = "build"` under [nif_deps.{entry.name}] (it is then '
                          "built from its source)")  # fmt: skip
    return ResolveError(
        f"NIF dependency {entry.name} {entry.version}: no precompiled library of {module} for "
        f"{system} ({targets.libc if system.endswith('-linux') else 'darwin'}, OTP "
        f"{targets.otp}): {reason}",
        entry.where,
        f"in nixgen.toml {' or '.join(changes)}; then run `{REGENERATE}`",
    )


def _git_source(entry: GitLockEntry, known: KnownSources) -> GitSourceInfo:
    found = known.mix_git(entry)
    if found is None:
        raise InputError(
            f"git dependency {entry.name!r} has not been fetched",
            entry.where,
            f"run `{REGENERATE}` (it fetches git sources once)",
        )
    return replace(found, name=entry.name)


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
    entry: HexLockEntry, included: set[str], source_only: bool, known: KnownSources
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
    prefetched = entry.outer_checksum is None
    sha256 = entry.outer_checksum or _old_entry_hash(entry, known)
    deps = tuple(sorted({d.name for d in entry.deps if d.name in included}))
    check_store_name(entry.name, "the dependency name", entry.where)
    check_store_name(entry.version, f"the version of {entry.name!r}", entry.where)
    return HexPackage(
        entry.name, entry.package, entry.version, _lower(sha256), builder, deps, prefetched
    )


def _lower(text: str) -> str:
    """`text` in lower case; the same string when it already is (one per lock entry)."""
    lower = text.lower()
    return text if lower == text else lower


def _old_entry_hash(entry: HexLockEntry, known: KnownSources) -> str:
    found = known.hex(entry.package, entry.version)
    if found is None:
        raise InputError(
            f"{entry.name!r} is an old 7-element lock entry without the tarball checksum",
            entry.where,
            f"run `{REGENERATE}` with network access, or `mix deps.get` with a "
            "recent Mix to rewrite the lock",
        )
    assert found.sha256 is not None  # known by its checksum
    return found.sha256


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


def render_deps(plan: DepsPlan) -> str:
    """The body of nix/deps.nix (generate adds the header)."""
    nif = {name: nif_snippet(name) for name in ("stage", "check")} if plan.nif_deps else {}
    return render("deps.nix.j2", plan=plan, packages=plan.packages, nif=nif)


@dataclass(frozen=True)
class DepsReport:
    """What `show` says about one Mix project tree's deps, computed without any network."""

    app_dir: str
    lock: str
    closure: Closure | None
    error: str | None = None


def deps_reports(
    project: Project, known: KnownSources | None = None, env: str = "prod"
) -> tuple[DepsReport, ...]:
    """The release closure of each top-level Mix project that has a lock. Git deps that were
    never fetched contribute no edges, and say so in the closure's notes."""
    sources = known or KnownSources()
    reports = []
    for top in project.mix_projects:
        if isinstance(top.lockfile, Dynamic):
            continue
        lock = lock_of(project, top)
        unknown: list[str] = []

        def edges(entry: GitLockEntry, unknown: list[str] = unknown) -> tuple[str, ...]:
            info = sources.mix_git(entry)
            if info is None:
                unknown.append(entry.name)
                return ()
            return info.deps

        try:
            closure = deps_closure(project, top, env, edges)
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
