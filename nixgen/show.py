"""Project → text for `nixgen show`: a stable JSON document or a human-readable summary."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nixgen.emit.deps import DepsReport
from nixgen.emit.nifs import crate_attr
from nixgen.errors import Position, terminal_safe
from nixgen.fetch.nifdeps import choose_source
from nixgen.fetch.records import KnownSources, NifDepRecord
from nixgen.model import AnyNif, Dynamic, MixDep, MixProject, NifSource, Project
from nixgen.resolve.cargo import cargo_lock_path, nif_packages
from nixgen.resolve.precompiled import nif_dependencies
from nixgen.resolve.syscrates import SysNeeds, sys_needs

JSON_FORMAT = 1


def _jsonable_one(value: Any) -> Any:
    """The JSON encoder's `default`: dataclasses become objects tagged with their kind, Dynamic
    values say so, positions are `path:line:col` strings; one level deep (what is inside stays
    as it is): a value is converted when the encoder gets to it, so a large project is never
    held twice (as its model and as a document)."""
    if isinstance(value, Position):
        return str(value)
    if isinstance(value, Dynamic):
        return {"dynamic": value.source, "at": str(value.where), "reason": value.reason}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {"kind": _snake(type(value).__name__), **fields}
    return value


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


NativeReport = tuple[tuple[str, SysNeeds], ...]  # per NIF crate attribute


@dataclass(frozen=True)
class NifDepReport:
    """A NIF dependency of a lock (a Hex package using rustler_precompiled) and what the
    generated files recorded about it; no network."""

    name: str
    version: str
    lock: str
    # "upstream": the upstream artifacts (strategy A); "build": built from the package's source
    # (strategy B: asked for in nixgen.toml, or some recorded target has no artifact);
    # "no-module": the package has no `use RustlerPrecompiled` module; "not-read": no record
    # yet (`nixgen update` reads it).
    source: str
    record: NifDepRecord | None


def nif_dep_reports(
    project: Project, known: KnownSources, asked: Mapping[str, NifSource] | None = None
) -> tuple[NifDepReport, ...]:
    """Each lock's NIF dependencies with the record read for its pinned tarball (any OTP and
    libc: the newest run's); `asked`: nixgen.toml's [nif_deps.<app>] source."""
    records = [r for r in known.records() if isinstance(r, NifDepRecord)]
    reports = []
    for lock in project.locks:
        for entry in nif_dependencies(lock).entries:
            checksum = (entry.outer_checksum or "").lower()
            record = next(
                (r for r in records
                 if (r.package, r.version, r.outer_checksum) == (entry.package, entry.version,
                                                                 checksum)),
                None,
            )  # fmt: skip
            source = _nif_source(record, (asked or {}).get(entry.name))
            reports.append(NifDepReport(entry.name, entry.version, lock.path, source, record))
    return tuple(reports)


def _nif_source(record: NifDepRecord | None, asked: NifSource | None) -> str:
    if record is None:
        return "not-read"
    if not record.modules:
        return "no-module"
    systems = tuple(sorted({s for m in record.modules for s in m.systems()}))
    return "upstream" if choose_source(record, asked, systems) == "precompiled" else "build"


def show_json_pieces(
    project: Project,
    deps: tuple[DepsReport, ...] = (),
    native: NativeReport = (),
    nif_deps: tuple[NifDepReport, ...] = (),
) -> Iterator[str]:
    """`show --json`'s document in consecutive pieces of about 64 KiB: encoded as it is
    written, never held whole (it is several times the size of mix.lock)."""
    document = {
        "format": JSON_FORMAT,
        "project": project,
        "deps": deps,
        "native": [_native_json(crate, needs) for crate, needs in native],
        "nif_deps": nif_deps,
    }
    encoder = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False, default=_jsonable_one)
    batch: list[str] = []
    size = 0
    for piece in itertools.chain(encoder.iterencode(document), "\n"):
        batch.append(piece)
        size += len(piece)
        if size >= _PIECE:
            yield _json_safe("".join(batch))
            batch, size = [], 0
    yield _json_safe("".join(batch))


_PIECE = 1 << 16


def _json_safe(text: str) -> str:
    """json escapes C0 controls itself; DEL, C1 and bidi overrides become \\u escapes too, so
    the document reads back the same and shows no terminal codes."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _native_json(crate: str, needs: SysNeeds) -> dict[str, Any]:
    return {
        "crate": crate,
        "native_build_inputs": list(needs.native),
        "build_inputs": list(needs.libs),
        "env": dict(needs.env),  # values converted by the encoder (_jsonable_one)
        "unknown_sys": list(needs.unknown),
    }


def show_text(
    project: Project,
    deps: tuple[DepsReport, ...] = (),
    native: NativeReport = (),
    nif_deps: tuple[NifDepReport, ...] = (),
) -> str:
    lines = [*_text(project), *_native_text(native), *_deps_text(deps), *_nif_deps_text(nif_deps)]
    return terminal_safe("\n".join(lines)) + "\n"


_NIF_SOURCES = {
    "upstream": "upstream artifacts (strategy A)",
    "build": "built from the package's source with crane (strategy B)",
    "no-module": "no `use RustlerPrecompiled` module in the package: built as a plain dep",
    "not-read": "package not read yet: `nixgen update` reads it",
}


def _nif_deps_text(reports: tuple[NifDepReport, ...]) -> Iterator[str]:
    if reports:
        yield ""
        yield "NIF dependencies (RustlerPrecompiled; from the lock and nix/deps.nix):"
    for report in reports:
        record = report.record
        targets = f" for OTP {record.otp}, {record.libc}" if record and record.modules else ""
        yield f"  {report.name} {report.version} ({report.lock}): {_NIF_SOURCES[report.source]}"
        yield from ([f"    read{targets}"] if targets else [])
        for module in record.modules if record else ():
            unset = f"; unsets {', '.join(module.unset)}" if module.unset else ""
            yield f"    {module.module} (app {module.app}{unset})"
            yield from (f"      {a.system}: {a.file}" for a in module.artifacts)
            yield from (f"      {m.system}: ! {m.reason}" for m in module.missing)
        for crate in record.crates if record and report.source == "build" else ():
            lock = "none: give one with --nif-dep-lock" if not crate.cargo_lock else (
                "from the package" if crate.lock_from == "package" else crate.lock_from
            )  # fmt: skip
            yield f"    crate {crate.dir} ({crate.name} {crate.version}); Cargo.lock {lock}"


def _native_text(native: NativeReport) -> Iterator[str]:
    if native:
        yield ""
        yield "C libraries and tools of the NIF crates (from their Cargo.lock):"
    for crate, needs in native:
        parts = [
            f"build {', '.join(needs.native)}" if needs.native else "",
            f"link {', '.join(needs.libs)}" if needs.libs else "",
        ]
        yield f"  {crate}: {'; '.join(p for p in parts if p) or 'nothing from nixpkgs'}"
        if needs.unknown:
            yield (
                f"    ! unknown -sys crates {', '.join(needs.unknown)}: add what they need "
                "in nix/overrides.nix (nifs)"
            )


def _deps_text(reports: tuple[DepsReport, ...]) -> Iterator[str]:
    for report in reports:
        yield ""
        yield f"Release deps of {report.app_dir} (from {report.lock}):"
        if report.closure is None:
            yield f"  ! {report.error}"
            continue
        closure = report.closure
        yield f"  {len(closure.included)} from the lock, {len(closure.path_deps)} path deps"
        for name, directory in closure.path_deps:
            yield f"  path dep {name}: {directory}"
        for excluded in closure.excluded:
            yield f"  excluded {excluded.name}: {excluded.reason}"
        for note in closure.notes:
            yield f"  note: {note}"


def _text(project: Project) -> Iterator[str]:
    yield f"Mix env: {project.env}"
    for mix in project.all_mix_projects():
        yield from _mix_project(project, mix)
    yield ""
    yield f"NIFs ({len(project.nifs)}):" if project.nifs else "NIFs: none (no `use Rustler` found)"
    for nif in project.nifs:
        yield from _nif(nif)
    for other in project.not_nifs:
        yield f"  not a NIF: {other.name} ({other.manifest}): {other.reason}"
    for skipped in project.skipped:
        yield f"  {skipped.note()}"
    yield from _cargo(project)
    dynamic = list(_dynamic_values(project))
    if dynamic:
        yield ""
        yield "Dynamic values (computed by project code, which nixgen does not run):"
        yield from (f"  {d.where}: `{d.source}` ({d.reason})" for d in dynamic)


def _fmt(value: object) -> str:
    if isinstance(value, Dynamic):
        return f"<dynamic `{value.source}`>"
    return "-" if value is None else str(value)


def _mix_project(project: Project, mix: MixProject) -> Iterator[str]:
    yield ""
    kind = "umbrella" if mix.is_umbrella else "app"
    name = _fmt(mix.app) if mix.app is not None else f"(apps in {_fmt(mix.apps_path)})"
    elixir = f", elixir {_fmt(mix.elixir)}" if mix.elixir is not None else ""
    yield f"Mix {kind} {name} {_fmt(mix.version)} in {mix.dir}{elixir}"
    lock = next((lk for lk in project.locks if lk.path == mix.lockfile), None)
    if lock is not None:
        yield f"  lock {lock.path}: {lock.hex_count} hex, {lock.git_count} git"
    else:
        yield f"  lock {_fmt(mix.lockfile)}: not present"
    if isinstance(mix.deps, Dynamic):
        yield f"  deps: dynamic `{mix.deps.source}`"
    else:
        yield f"  deps: {_dep_summary(mix.deps)}"
    if mix.releases:
        names = mix.releases if isinstance(mix.releases, tuple) else (_fmt(mix.releases),)
        yield f"  releases: {', '.join(names)}"


def _dep_summary(deps: tuple[MixDep, ...]) -> str:
    counts: dict[str, int] = {}
    for dep in deps:
        key = type(dep).__name__.removesuffix("Dep").lower()
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"


def _nif(nif: AnyNif) -> Iterator[str]:
    use = "use Rustler" if nif.kind == "rustler" else "use RustlerPrecompiled"
    yield f"  {nif.module} ({nif.where}, {use})"
    if nif.package:
        yield (
            f"    crate {nif.crate} -> {nif.package} (workspace {nif.workspace_root}/, "
            f"lock {_fmt(nif.cargo_lock)})"
        )
    if nif.artifact or nif.load_path:
        yield (
            f"    artifact {_fmt(nif.artifact)} -> {_fmt(nif.load_path)}.so in app "
            f"{_fmt(nif.load_app)} (rustler {_fmt(nif.rustler_version)})"
        )
    yield from (f"    ! {problem}" for problem in nif.problems)


def _cargo(project: Project) -> Iterator[str]:
    if not project.cargo_packages:
        return
    yield ""
    yield "Cargo:"
    for package in project.cargo_packages:
        types = ",".join(package.crate_types)
        yield f"  {package.name} {_fmt(package.version)} [{types}] {package.manifest}"
    for lock in project.cargo_locks:
        sys_crates = sorted({c.name for c in lock.packages if c.is_sys})
        extra = f"; -sys: {', '.join(sys_crates)}" if sys_crates else ""
        count = len(lock.packages)
        yield f"  lock {lock.path} v{lock.version}: {count} package{'s' * (count != 1)}{extra}"
    for toolchain in project.toolchains:
        yield f"  toolchain {toolchain.path}: {_fmt(toolchain.channel)}"


def _dynamic_values(value: Any) -> Iterator[Dynamic]:
    if isinstance(value, Dynamic):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _dynamic_values(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _dynamic_values(item)


def sys_report(project: Project) -> tuple[tuple[str, SysNeeds], ...]:
    """What each NIF crate's Cargo.lock needs from nixpkgs, by crate attribute, for `show`:
    nothing is fetched, and crates without a lock are left out."""
    locks = {lock.path: lock for lock in project.cargo_locks}
    return tuple(
        (crate_attr(package), sys_needs(lock))
        for package, _ in nif_packages(project)
        if (lock := locks.get(cargo_lock_path(package))) is not None
    )
