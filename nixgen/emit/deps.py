"""mix.lock + mix.exs + known sources → the per-package plan of nix/deps.nix, and its body."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from nixgen.constants import HEXPM, REGENERATE
from nixgen.emit.render import check_store_name, render, templates_dir
from nixgen.errors import InputError, NixgenError, ResolveError
from nixgen.fetch.records import (
    GitSourceInfo,
    HexSource,
    KnownSources,
    NifArtifactRecord,
    NifDepRecord,
)
from nixgen.model import (
    Dynamic,
    DynamicDep,
    GitLockEntry,
    HexLockEntry,
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
class NifStaging:
    """Strategy A for a NIF dependency: the upstream artifacts its preBuild stages, per system
    (README "NIF dependencies"; docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-CACHE; templates/nif-deps/
    stage.sh and check.sh)."""

    app: str  # where rustler_precompiled extracts the libraries
    otp: int  # the OTP major the artifacts were chosen for (their NIF version)
    unset: tuple[str, ...]  # the modules' force-build variables
    systems: tuple[tuple[str, tuple[tuple[str, NifArtifactRecord], ...]], ...]  # (module, artifact)


@dataclass(frozen=True)
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
                staging = _nif_staging(entry, record, targets)
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


def _nif_staging(
    entry: HexLockEntry, record: NifDepRecord, targets: NifTargets
) -> NifStaging | None:
    """The upstream artifacts of a NIF dependency for every configured system; None when no
    module of the package uses RustlerPrecompiled (nothing to stage)."""
    if not record.modules:
        return None
    for module in record.modules:
        for missing in module.missing:
            if missing.system in targets.systems:
                raise _no_artifact(entry, module.module, missing.system, missing.reason, targets)
    systems = tuple(
        (system, tuple(
            (m.module, _checked_file(a, entry)) for m in record.modules for a in m.artifacts
            if a.system == system
        ))
        for system in sorted(targets.systems)
    )  # fmt: skip
    unset = tuple(sorted({v for m in record.modules for v in m.unset}))
    apps = sorted({m.app for m in record.modules})
    return NifStaging(apps[0], record.otp, unset, systems)


def _checked_file(artifact: NifArtifactRecord, entry: HexLockEntry) -> NifArtifactRecord:
    """The file name becomes a store name and a path in the staging cache: no `/`, no space."""
    check_store_name(artifact.file, f"the artifact file of {entry.name!r}", entry.where)
    return artifact


def _no_artifact(
    entry: HexLockEntry, module: str, system: str, reason: str, targets: NifTargets
) -> ResolveError:
    changes = [f"remove {system!r} from `systems`"]
    if system.endswith("-linux") and targets.libc == "musl":
        changes.insert(0, 'set libc = "gnu"')
    return ResolveError(
        f"NIF dependency {entry.name} {entry.version}: no precompiled library of {module} for "
        f"{system} ({targets.libc if system.endswith('-linux') else 'darwin'}, OTP "
        f"{targets.otp}): {reason}",
        entry.where,
        "nixgen cannot build NIF dependencies from source yet (strategy B is a later step): "
        f"in nixgen.toml {' or '.join(changes)}, then run `{REGENERATE}`",
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
        entry.name, entry.package, entry.version, sha256.lower(), builder, deps, prefetched
    )


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


def nif_snippet(name: str) -> str:
    """templates/nif-deps/<name>.sh, included verbatim into a build hook."""
    return (templates_dir() / "nif-deps" / f"{name}.sh").read_text(encoding="utf-8").rstrip("\n")


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
