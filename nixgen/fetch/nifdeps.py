"""A NIF dependency's verified Hex package → its `nif-dep` record: for each `use
RustlerPrecompiled` module, the upstream artifact rustler_precompiled would load on each configured
system (strategy A, README "NIF dependencies"; docs/UPSTREAM.md U-RP-TARGET, U-RP-NIF-VERSION,
U-RP-ARTIFACT, U-RP-CHECKSUM-FILE), or why there is none. Pure: the fetch stage downloads."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from nixgen.errors import InputError, NixgenError, Position
from nixgen.fetch.records import (
    KnownSources,
    NifArtifactRecord,
    NifCrateRecord,
    NifDepRecord,
    NifLock,
    NifMissing,
    NifModuleRecord,
    is_package_dir,
)
from nixgen.model import Dynamic, GivenLock, HexLockEntry, NifSource
from nixgen.readers.cargo_lock import parse_cargo_config, parse_toolchain
from nixgen.readers.checksum_file import ChecksumFile, checksum_file_name, read_checksum_file
from nixgen.readers.hex_tarball import HexPackage
from nixgen.readers.precompiled import PrecompiledModule, package_precompiled_modules
from nixgen.readers.text import parse_toml
from nixgen.readers.tomlvalues import as_string, as_table
from nixgen.resolve.precompiled import Artifact, select_artifact
from nixgen.resolve.project import NifTargets
from nixgen.resolve.syscrates import TARGETS, flags_cargo_drops

_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def choose_source(
    record: NifDepRecord, asked: NifSource | None, systems: tuple[str, ...]
) -> NifSource:
    """What the user asked for in nixgen.toml; else the upstream artifacts, unless one of the
    flake's systems has none: then the dependency is built from source (README "NIF
    dependencies")."""
    if asked is not None:
        return asked
    lacking = any(m.system in systems for module in record.modules for m in module.missing)
    return "build" if lacking else "precompiled"


def lacks_lock(record: NifDepRecord, known: KnownSources, given: GivenLock | None) -> bool:
    """Whether building `record`'s crates needs its package read again: a Cargo.lock given now
    that is not the recorded one, or a recorded one whose copy in nix/nif-deps/ is gone."""
    if given is not None and any(c.cargo_lock != NifLock(given.text).sha256 for c in record.crates):
        return True
    return any(c.cargo_lock and known.nif_lock(c.cargo_lock) is None for c in record.crates)


def read_nif_dep(
    entry: HexLockEntry,
    package: HexPackage,
    targets: NifTargets,
    given: GivenLock | None = None,
) -> tuple[NifDepRecord, tuple[NifLock, ...]]:
    """What `package` (verified against `entry`'s outer checksum) publishes for `targets`, and
    what building its crates from source needs (strategy B): their Cargo.lock texts included."""
    read = package_precompiled_modules(package)
    modules = tuple(_module(module, package, entry.name, targets) for module in read)
    dirs = sorted({m.crate for m in modules if m.crate})
    crates = [_crate(package, d, given) for d in dirs if f"{d}/Cargo.toml" in package.files]
    record = NifDepRecord(
        entry.name, entry.package, entry.version, package.outer_checksum.lower(), targets.otp,
        targets.libc, tuple(sorted(modules, key=lambda m: m.module)),
        tuple(crate for crate, _ in crates),
    )  # fmt: skip
    return record, tuple(lock for _, lock in crates if lock is not None)


def _crate(
    package: HexPackage, directory: str, given: GivenLock | None
) -> tuple[NifCrateRecord, NifLock | None]:
    """The crate in `directory` of the package: its Cargo package, library name, toolchain
    file (the nearest, as rustup finds it) and Cargo.lock (the one given, else its own)."""
    manifest = f"{directory}/Cargo.toml"
    path = Path(f"{package.label}:{manifest}")
    data = parse_toml(Path("."), path, package.text(manifest))
    where = Position(path.as_posix())
    section = as_table(data.get("package"), "package", where)
    name, version = (_plain(section, key, where) for key in ("name", "version"))
    lib = as_table(data.get("lib"), "lib", where)
    lib_name = as_string(lib.get("name"), "lib.name", where) or name.replace("-", "_")
    lock = NifLock(given.text) if given else _package_lock(package, directory)
    lock_from = given.path if given else ("package" if lock else "")
    toolchain = _toolchain(package, directory)
    return NifCrateRecord(
        directory, name, version, lib_name, lock.sha256 if lock else "", lock_from,
        *toolchain, _config_flags(package, directory),
    ), lock  # fmt: skip


def _config_flags(package: HexPackage, directory: str) -> tuple[tuple[str, str], ...]:
    """The crate's own .cargo/config (`config` before `config.toml`, as cargo): its build
    rustflags that nixgen's target variable would hide, per target (U-CARGO-RUSTFLAGS)."""
    for name in ("config", "config.toml"):
        path = f"{directory}/.cargo/{name}"
        if path in package.files:
            label = Path(f"{package.label}:{path}")
            config = parse_cargo_config(package.text(path), Path("."), label)
            return tuple((t, " ".join(f)) for t in TARGETS if (f := flags_cargo_drops(config, t)))
    return ()


def _plain(section: dict[str, object], key: str, where: Position) -> str:
    value = section.get(key)
    if isinstance(value, dict) and value.get("workspace") is True:
        raise InputError(
            f"package.{key} is inherited from a Cargo workspace the Hex package does not ship",
            where,
            "this crate cannot be built from the Hex package: keep the precompiled library "
            '(`source = "precompiled"` under [nif_deps.<app>] in nixgen.toml)',
        )
    found = as_string(value, f"package.{key}", where)
    if found is None:
        raise InputError(f"package.{key} is missing", where)
    return found


def _package_lock(package: HexPackage, directory: str) -> NifLock | None:
    path = f"{directory}/Cargo.lock"
    return NifLock(package.text(path)) if path in package.files else None


def _toolchain(package: HexPackage, directory: str) -> tuple[str, str, tuple[str, ...]]:
    """(channel, profile, components) of the nearest rust-toolchain file, ("", "", ()) if none."""
    here = directory
    while True:
        for name in ("rust-toolchain", "rust-toolchain.toml"):
            path = posixpath.join(here, name) if here else name
            if path in package.files:
                found = parse_toolchain(
                    package.text(path), Path("."), Path(f"{package.label}:{path}")
                )
                return found.channel or "stable", found.profile or "", found.components
        if not here:
            return "", "", ()
        here = posixpath.dirname(here)


def _module(
    module: PrecompiledModule, package: HexPackage, dep: str, targets: NifTargets
) -> NifModuleRecord:
    path = checksum_file_name(module.module)
    name = path.removeprefix("checksum-").removesuffix(".exs")
    app = module.otp_app if isinstance(module.otp_app, str) else dep
    unset = tuple(sorted({v for v in module.env_reads if _SHELL_NAME.fullmatch(v)}))
    checksums = _checksums(package, path)
    artifacts: list[NifArtifactRecord] = []
    missing: list[NifMissing] = []
    for system in targets.systems:
        found = _artifact(module, checksums, system, targets)
        if isinstance(found, Artifact):
            assert found.url is not None
            artifacts.append(NifArtifactRecord(system, found.file, found.url, found.sha256))
        else:
            missing.append(NifMissing(system, *found))
    crate = module.crate_dir
    crate = crate if isinstance(crate, str) and is_package_dir(crate) else ""
    return NifModuleRecord(name, app, unset, tuple(artifacts), tuple(missing), crate)


def _checksums(package: HexPackage, path: str) -> ChecksumFile | str:
    if path not in package.files:
        return f"the package has no {path}"
    try:
        return read_checksum_file(f"{package.label}:{path}", package.text(path))
    except NixgenError as error:
        return f"its checksum file cannot be read: {error.message}"


def _artifact(
    module: PrecompiledModule,
    checksums: ChecksumFile | str,
    system: str,
    targets: NifTargets,
) -> Artifact | tuple[str, str]:
    """The artifact, or the reason there is none and the file name rustler_precompiled would
    look for ("" when it cannot be named)."""
    if isinstance(module.options, Dynamic):
        reason = module.options.reason
        return f"its `use RustlerPrecompiled` options are computed by code ({reason})", ""
    if isinstance(checksums, str):
        return checksums, ""
    found = select_artifact(module, checksums, system, targets.libc, targets.otp)
    if not isinstance(found, Artifact):
        return found.reason, found.file
    if found.url is None:
        reason = module.base_url.reason if isinstance(module.base_url, Dynamic) else "missing"
        return f"its base_url is not a literal ({reason})", found.file
    return found
