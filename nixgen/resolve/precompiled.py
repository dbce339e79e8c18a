"""NIF dependencies: which mix.lock entries use RustlerPrecompiled, and which artifact
rustler_precompiled would pick for a system, libc and OTP (target triple, NIF version, name,
URL), decided the way upstream decides (docs/UPSTREAM.md U-RP-TARGET, U-RP-NIF-VERSION,
U-RP-ARTIFACT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from nixgen.constants import Libc
from nixgen.fetch.nar import hex_to_sri
from nixgen.model import Dynamic, HexLockEntry, MixLock
from nixgen.readers.checksum_file import ChecksumFile
from nixgen.readers.precompiled import PrecompiledModule

RUSTLER_PRECOMPILED = "rustler_precompiled"

# --------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class NifDeps:
    """The lock entries that depend on rustler_precompiled, and the versions around them."""

    entries: tuple[HexLockEntry, ...]  # sorted by lock key
    rustler_precompiled: str | None  # its locked version (None: not in the lock)
    rustler: str | None  # locked Elixir-side rustler (None for most apps: it is optional)

    @property
    def apps(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)


def nif_dependencies(lock: MixLock) -> NifDeps:
    """Hex entries with a non-optional `{:rustler_precompiled, …}` among their deps (the rule
    deps_nix uses; README "NIF dependencies"). Whether a `use RustlerPrecompiled` module
    (docs/UPSTREAM.md U-RP-OPTIONS) confirms it is decided once the package is read."""
    found = tuple(
        e
        for e in lock.entries
        if isinstance(e, HexLockEntry)
        and e.name != RUSTLER_PRECOMPILED
        and any(d.name == RUSTLER_PRECOMPILED and not d.optional for d in e.deps)
    )
    return NifDeps(found, _hex_version(lock, RUSTLER_PRECOMPILED), _hex_version(lock, "rustler"))


def _hex_version(lock: MixLock, name: str) -> str | None:
    entry = lock.get(name)
    return entry.version if isinstance(entry, HexLockEntry) else None


# --------------------------------------------------------------------------- target triple

# `:erlang.system_info(:system_architecture)` of the BEAM nixpkgs builds for each system and
# libc: the host platform's config triple (nixpkgs lib/systems; an inference, see
# U-RP-TARGET's caveat), which rustler_precompiled then normalises.
_SYSTEM_ARCHITECTURE: Mapping[tuple[str, Libc | None], str] = {
    ("x86_64-linux", "gnu"): "x86_64-unknown-linux-gnu",
    ("x86_64-linux", "musl"): "x86_64-unknown-linux-musl",
    ("aarch64-linux", "gnu"): "aarch64-unknown-linux-gnu",
    ("aarch64-linux", "musl"): "aarch64-unknown-linux-musl",
    ("aarch64-darwin", None): "aarch64-apple-darwin",
    ("x86_64-darwin", None): "x86_64-apple-darwin",
}
_TARGET_ENV = (
    ("arch", "TARGET_ARCH"),
    ("vendor", "TARGET_VENDOR"),
    ("os", "TARGET_OS"),
    ("abi", "TARGET_ABI"),
)


def system_architecture(system: str, libc: Libc) -> str:
    """What the BEAM of `system` reports; libc only matters on Linux (musl targets exist only
    for `*-linux`, docs/UPSTREAM.md U-PKGSMUSL and U-RP-TARGET)."""
    key = (system, libc if system.endswith("-linux") else None)
    if key not in _SYSTEM_ARCHITECTURE:
        raise ValueError(f"no BEAM system architecture known for {system} ({libc})")
    return _SYSTEM_ARCHITECTURE[key]


def target_triple(system: str, libc: Libc) -> str:
    """The Rust triple rustler_precompiled computes on the BEAM nixgen builds for."""
    return normalize_target(system_architecture(system, libc))


def normalize_target(system_arch: str, env: Mapping[str, str] | None = None) -> str:
    """rustler_precompiled's triple for a `system_architecture` string and the TARGET_* env
    (U-RP-TARGET): split on `-` (3 or 4 parts), override from the env, normalise."""
    parts = system_arch.split("-")
    keys = ("arch", "vendor", "os", "abi")[: len(parts)] if len(parts) in (3, 4) else ()
    original = dict(zip(keys, parts, strict=False))
    fields = _with_env(original, env or {})
    return "-".join(v for k in ("arch", "vendor", "os", "abi") if (v := fields.get(k)))


def _with_env(original: dict[str, str], env: Mapping[str, str]) -> dict[str, str]:
    updated = dict(original)
    for key, var in _TARGET_ENV:
        if env.get(var) is not None:
            updated[key] = env[var]
    if (
        updated != original
        and original.get("vendor") == updated.get("vendor")
        and updated.get("os") == "linux"
    ):
        updated["vendor"] = "unknown"
    return _normalize(updated)


def _normalize(fields: dict[str, str]) -> dict[str, str]:
    os_name, arch, vendor = fields.get("os", ""), fields.get("arch", ""), fields.get("vendor", "")
    if "darwin" in os_name:
        return {**fields, "arch": "aarch64" if arch == "arm" else arch, "os": "darwin"}
    if "linux" in os_name:
        vendor = "unknown" if vendor in ("pc", "redhat", "suse", "alpine") else vendor
        return {**fields, "arch": _arch(arch), "vendor": vendor}
    if "freebsd" in os_name:
        vendor = "unknown" if vendor == "portbld" else vendor
        return {**fields, "arch": _arch(arch), "vendor": vendor, "os": "freebsd"}
    return fields


def _arch(arch: str) -> str:
    return {"amd64": "x86_64", "riscv64": "riscv64gc"}.get(arch, arch)


# --------------------------------------------------------------------------- NIF version

# The NIF version each OTP major's BEAM reports (U-RP-NIF-VERSION).
BEAM_NIF_VERSIONS: Mapping[int, str] = {
    21: "2.14", 22: "2.15", 23: "2.15", 24: "2.16", 25: "2.16",
    26: "2.17", 27: "2.17", 28: "2.17", 29: "2.18",
}  # fmt: skip
DEFAULT_NIF_VERSIONS = ("2.15",)  # since rustler_precompiled 0.7.0


def beam_nif_version(otp_major: int) -> str:
    if otp_major not in BEAM_NIF_VERSIONS:
        raise ValueError(f"no NIF version known for OTP {otp_major}")
    return BEAM_NIF_VERSIONS[otp_major]


def compatible_nif_version(beam: str, available: Sequence[str]) -> str | None:
    """`find_compatible_nif_version/2`: the BEAM's own version if listed, else the highest
    listed one with the same major and a minor not above the BEAM's; None when none fits."""
    if beam in available:
        return beam
    major, minor = _nif(beam)
    fits = [_nif(v) for v in available if _nif(v)[0] == major and _nif(v)[1] <= minor]
    return ".".join(map(str, max(fits))) if fits else None


def _nif(version: str) -> tuple[int, int]:
    major, minor, *_ = (int(p) for p in version.split("."))
    return major, minor


def select_nif_version(otp_major: int, nif_versions: Sequence[str] | None) -> str | None:
    """The NIF version of the artifact rustler_precompiled picks on that OTP."""
    return compatible_nif_version(beam_nif_version(otp_major), nif_versions or DEFAULT_NIF_VERSIONS)


# --------------------------------------------------------------------------- artifact names


def lib_name(
    basename: str, version: str, nif_version: str, triple: str, variant: str | None = None
) -> str:
    """`lib<basename>-v<version>-nif-<nif>-<triple>[--<variant>]` (no `lib` on Windows)."""
    prefix = "" if "windows" in triple else "lib"
    suffix = f"--{variant}" if variant else ""
    return f"{prefix}{basename}-v{version}-nif-{nif_version}-{triple}{suffix}"


def artifact_file_name(name: str, triple: str) -> str:
    """`<lib_name>.so.tar.gz`, `.dll.tar.gz` on Windows (`.so` on macOS too)."""
    return f"{name}.{'dll' if 'windows' in triple else 'so'}.tar.gz"


def artifact_url(base_url: str, file_name: str) -> str:
    """`base_url` with `/<file_name>` joined onto its path, query kept (tar_gz_file_url/2)."""
    parts = urlsplit(base_url)
    path = f"{parts.path.rstrip('/')}/{file_name}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def forces_build(version: str) -> bool:
    """A version whose pre-release part holds `dev` is always built from source (config.ex)."""
    pre = version.partition("+")[0].partition("-")[2]
    return "dev" in pre.split(".") if pre else False


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Artifact:
    """The file rustler_precompiled wants for one module on one (system, libc, OTP)."""

    module: str
    system: str
    libc: Libc
    triple: str
    nif_version: str
    lib_name: str
    file: str
    url: str | None  # None when base_url is not a literal
    sha256: str  # from the package's checksum file

    @property
    def sri(self) -> str:
        """The `fetchurl` hash: the checksum file's sha256 in SRI form (U-RP-CHECKSUM-FILE)."""
        return hex_to_sri("sha256", self.sha256)


@dataclass(frozen=True)
class NoArtifact:
    """Why no upstream artifact can be used there (the dependency must then be built)."""

    module: str
    system: str
    libc: Libc
    reason: str
    file: str = ""  # the file it would look for, when that can be named (strategy B stages one)


def select_artifact(
    module: PrecompiledModule,
    checksums: ChecksumFile,
    system: str,
    libc: Libc,
    otp_major: int,
    variant: str | None = None,
) -> Artifact | NoArtifact:
    """What rustler_precompiled downloads on that BEAM, if the package publishes it."""

    def missing(reason: str, file: str = "") -> NoArtifact:
        return NoArtifact(module.module, system, libc, reason, file)

    basename, version = module.basename, module.version
    if not isinstance(basename, str) or not isinstance(version, str):
        return missing(f"otp_app/crate or version is not a literal ({_why(basename, version)})")
    if forces_build(version):
        return missing(f"version {version} is a -dev pre-release, which always builds from source")
    triple = target_triple(system, libc)
    if isinstance(module.targets, tuple) and triple not in module.targets:
        return missing(f"{triple} is not among the package's targets")
    nif_versions = None if isinstance(module.nif_versions, Dynamic) else module.nif_versions
    nif = _nif_for(otp_major, nif_versions, checksums, basename, version, triple, variant)
    if nif is None:
        return missing(f"no NIF version for OTP {otp_major} (BEAM {beam_nif_version(otp_major)})")
    name = lib_name(basename, version, nif, triple, variant)
    file = artifact_file_name(name, triple)
    entry = checksums.get(file)
    if entry is None:
        return missing(f"{file} is not in {checksums.path}", file)
    url = artifact_url(module.base_url, file) if isinstance(module.base_url, str) else None
    return Artifact(module.module, system, libc, triple, nif, name, file, url, entry.sha256)


def _nif_for(
    otp_major: int,
    nif_versions: Sequence[str] | None,
    checksums: ChecksumFile,
    basename: str,
    version: str,
    triple: str,
    variant: str | None,
) -> str | None:
    """From the package's `nif_versions`; when that is not a literal, from the versions its
    checksum file lists for this triple (docs/UPSTREAM.md U-RP-NIF-VERSION, U-RP-CHECKSUM-FILE)."""
    if nif_versions is not None or not checksums.entries:
        return select_nif_version(otp_major, nif_versions)
    published = sorted({nif for f in checksums.files if (nif := _nif_of(f)) is not None})
    listed = [
        nif
        for nif in published
        if checksums.get(
            artifact_file_name(lib_name(basename, version, nif, triple, variant), triple)
        )
    ]
    return compatible_nif_version(beam_nif_version(otp_major), listed)


def _nif_of(file: str) -> str | None:
    head, found, tail = file.partition("-nif-")
    return tail.split("-", 1)[0] if found and head else None


def _why(*values: object) -> str:
    return "; ".join(f"`{v.source}`: {v.reason}" for v in values if isinstance(v, Dynamic)) or (
        "missing"
    )
