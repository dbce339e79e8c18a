"""A NIF dependency's verified Hex package → its `nif-dep` record: for each `use
RustlerPrecompiled` module, the upstream artifact rustler_precompiled would load on each configured
system (strategy A, README "NIF dependencies"; docs/UPSTREAM.md U-RP-TARGET, U-RP-NIF-VERSION,
U-RP-ARTIFACT, U-RP-CHECKSUM-FILE), or why there is none. Pure: the fetch stage downloads."""

from __future__ import annotations

import re

from nixgen.errors import NixgenError
from nixgen.fetch.records import NifArtifactRecord, NifDepRecord, NifMissing, NifModuleRecord
from nixgen.model import Dynamic, HexLockEntry
from nixgen.readers.checksum_file import ChecksumFile, checksum_file_name, read_checksum_file
from nixgen.readers.hex_tarball import HexPackage
from nixgen.readers.precompiled import PrecompiledModule, package_precompiled_modules
from nixgen.resolve.precompiled import Artifact, select_artifact
from nixgen.resolve.project import NifTargets

_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_nif_dep(entry: HexLockEntry, package: HexPackage, targets: NifTargets) -> NifDepRecord:
    """What `package` (verified against `entry`'s outer checksum) publishes for `targets`."""
    modules = tuple(
        _module(module, package, entry.name, targets)
        for module in package_precompiled_modules(package)
    )
    return NifDepRecord(
        entry.name, entry.package, entry.version, package.outer_checksum.lower(), targets.otp,
        targets.libc, tuple(sorted(modules, key=lambda m: m.module)),
    )  # fmt: skip


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
            missing.append(NifMissing(system, found))
    return NifModuleRecord(name, app, unset, tuple(artifacts), tuple(missing))


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
) -> Artifact | str:
    """The artifact, or the reason there is none."""
    if isinstance(module.options, Dynamic):
        reason = module.options.reason
        return f"its `use RustlerPrecompiled` options are computed by code ({reason})"
    if isinstance(checksums, str):
        return checksums
    found = select_artifact(module, checksums, system, targets.libc, targets.otp)
    if not isinstance(found, Artifact):
        return found.reason
    if found.url is None:
        reason = module.base_url.reason if isinstance(module.base_url, Dynamic) else "missing"
        return f"its base_url is not a literal ({reason})"
    return found
