"""A Hex package tarball (bytes) → the few files nixgen reads from it, verified against mix.lock.

The tarball is checked against the lock's outer checksum before any byte of it is parsed; then
the outer tar (VERSION, CHECKSUM, metadata.config, contents.tar.gz) and the inner gzip tar are
read in memory, within size limits, and nothing is ever written to disk
(docs/UPSTREAM.md U-HEX-TARBALL).
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from nixgen.errors import InputError, Position, shorten

_BOM = b"\xef\xbb\xbf"
_MIB = 1024 * 1024
# The outer tar's members, and the most each may hold (hex_core's VERSION, CHECKSUM and
# metadata.config limits; U-HEX-TARBALL).
_OUTER = {"VERSION": 32, "CHECKSUM": 128, "metadata.config": _MIB, "contents.tar.gz": None}
_WANTED = (
    re.compile(r"mix\.exs"),
    re.compile(r"checksum-[^/]+\.exs"),
    re.compile(r"lib/(?:[^/]+/)*[^/]+\.ex"),
    re.compile(r"(?:native/(?:[^/]+/)*)?(?:Cargo\.toml|Cargo\.lock|rust-toolchain(?:\.toml)?)"),
    re.compile(r"(?:native/(?:[^/]+/)*)?\.cargo/config(?:\.toml)?"),
)


@dataclass(frozen=True)
class Limits:
    """How much of a tarball nixgen accepts (hex_core's defaults for the first and last;
    U-HEX-TARBALL). A real package is far below each."""

    tarball: int = 16 * _MIB  # the whole .tar as downloaded
    unpacked: int = 128 * _MIB  # sum of the inner members' sizes
    member: int = 64 * _MIB  # one inner member
    members: int = 20_000  # inner members (a tar of empty files costs no bytes)
    wanted_file: int = 4 * _MIB  # one file nixgen keeps in memory


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class HexPackage:
    """The files nixgen needs from one verified Hex package; paths are POSIX, relative to the
    package root (what `fetchHex` unpacks)."""

    package: str
    version: str
    outer_checksum: str
    files: Mapping[str, bytes] = field(compare=False)
    metadata: bytes = field(default=b"", compare=False)  # metadata.config, unparsed

    @property
    def label(self) -> str:
        """`<package>-<version>.tar`, the name Hex gives the file; used as the `where`."""
        return tarball_name(self.package, self.version)

    def paths(self, pattern: str = r".*") -> tuple[str, ...]:
        """The kept paths matching `pattern` (a full match), sorted."""
        regex = re.compile(pattern)
        return tuple(sorted(p for p in self.files if regex.fullmatch(p)))

    def text(self, path: str) -> str:
        """A kept file as UTF-8 text without a BOM and with LF line ends."""
        where = Position(f"{self.label}:{path}")
        if path not in self.files:
            raise InputError("the Hex package has no such file", where, _refetch_hint(self))
        data = self.files[path].removeprefix(_BOM).replace(b"\r\n", b"\n")
        if b"\0" in data:
            raise InputError("binary file (contains a NUL byte), expected text", where)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", where) from None


def tarball_name(package: str, version: str) -> str:
    return f"{package}-{version}.tar"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_wanted(path: str) -> bool:
    """Whether nixgen keeps this package file: mix.exs, lib/**/*.ex, checksum-*.exs and the
    Cargo, toolchain and cargo-config files at the root or under native/."""
    return any(p.fullmatch(path) for p in _WANTED)


def read_hex_tarball(
    data: bytes,
    package: str,
    version: str,
    outer_checksum: str,
    limits: Limits = DEFAULT_LIMITS,
) -> HexPackage:
    """Verify `data` against the lock's outer checksum, then read the files nixgen needs."""
    label = Position(tarball_name(package, version))
    verify_outer_checksum(data, package, version, outer_checksum, limits)
    outer = _outer_members(data, label)
    _check_version(outer["VERSION"], label)
    _check_inner_checksum(outer, label)
    files = _inner_files(outer["contents.tar.gz"], label, limits)
    return HexPackage(package, version, outer_checksum.lower(), files, outer["metadata.config"])


def verify_outer_checksum(
    data: bytes, package: str, version: str, expected: str, limits: Limits = DEFAULT_LIMITS
) -> None:
    """The one gate: the size, then sha256 of the whole tarball = the lock's outer checksum."""
    where = Position(tarball_name(package, version))
    if len(data) > limits.tarball:
        raise InputError(
            f"Hex package {package} {version} is {len(data)} bytes, over nixgen's limit of "
            f"{limits.tarball}",
            where,
            "no real Hex package is this large: check HEX_MIRROR (is it serving another file?)",
        )
    actual = sha256_hex(data)
    if actual != expected.lower():
        raise InputError(
            f"Hex package {package} {version} does not match mix.lock: its sha256 is {actual}, "
            f"the lock's outer checksum is {expected.lower()}",
            where,
            "the download or a cached copy is corrupt or tampered with: delete the cached "
            "copy, check HEX_MIRROR, and run `mix deps.get` to check the lock itself",
        )


def _corrupt(label: Position, what: str) -> InputError:
    return InputError(
        f"not a Hex package tarball: {what}",
        label,
        "this file matched mix.lock's checksum, so the lock itself names a malformed package: "
        "run `mix deps.get` and report the package to its maintainers",
    )


def _outer_members(data: bytes, label: Position) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as outer:
            for info in outer:
                found[_outer_name(info, found, label)] = _outer_data(outer, info, label)
    except (tarfile.TarError, EOFError) as error:
        raise _corrupt(label, f"the outer tar is unreadable ({error})") from None
    missing = sorted(set(_OUTER) - set(found))
    if missing:
        raise _corrupt(label, f"missing {', '.join(missing)}")
    return found


def _outer_name(info: tarfile.TarInfo, found: dict[str, bytes], label: Position) -> str:
    if info.name not in _OUTER:
        raise _corrupt(label, f"unexpected member {shorten(info.name, 60)!r} in the outer tar")
    if info.name in found:
        raise _corrupt(label, f"{info.name} appears twice")
    if not info.isfile():
        raise _corrupt(label, f"{info.name} is not a regular file")
    cap = _OUTER[info.name]
    if cap is not None and info.size > cap:
        raise _corrupt(label, f"{info.name} is {info.size} bytes (at most {cap})")
    return info.name


def _outer_data(outer: tarfile.TarFile, info: tarfile.TarInfo, label: Position) -> bytes:
    handle = outer.extractfile(info)
    if handle is None:
        raise _corrupt(label, f"{info.name} has no data")
    return handle.read()


def _check_version(version: bytes, label: Position) -> None:
    if version.strip() != b"3":
        raise _corrupt(label, f"tarball format version {shorten(version, 20)!r}, nixgen reads 3")


def _check_inner_checksum(outer: Mapping[str, bytes], label: Position) -> None:
    """CHECKSUM = sha256(VERSION + metadata.config + contents.tar.gz), uppercase base16
    (deprecated by Hex but always written; a mismatch means a broken package)."""
    inner = outer["VERSION"] + outer["metadata.config"] + outer["contents.tar.gz"]
    if outer["CHECKSUM"].strip().decode("ascii", "replace").lower() != sha256_hex(inner):
        raise _corrupt(label, "CHECKSUM does not match VERSION, metadata.config and contents")


def _inner_files(contents: bytes, label: Position, limits: Limits) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    total = 0
    try:
        for count, (info, inner) in enumerate(_stream(contents), start=1):
            if count > limits.members:
                raise _unsafe(label, f"more than {limits.members} files")
            name = _safe_name(info, label)
            if name in seen:
                raise _unsafe(label, f"{name!r} appears twice")
            seen.add(name)
            total += _checked_size(info, name, label, limits, total)
            if info.isfile() and is_wanted(name):
                files[name] = _member_data(inner, info, name, label, limits)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise _corrupt(label, f"contents.tar.gz is unreadable ({error})") from None
    return files


def _stream(contents: bytes) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    """Members in order, without seeking: a skipped member is decompressed but never kept."""
    with tarfile.open(fileobj=io.BytesIO(contents), mode="r|gz") as inner:
        for info in inner:
            yield info, inner


def _unsafe(label: Position, what: str) -> InputError:
    return InputError(
        f"refusing the Hex package: {what}",
        label,
        "nixgen reads only plain files with relative names inside the package; this package "
        "matches mix.lock, so report it to its maintainers and pin another version",
    )


_DRIVE = re.compile(r"[A-Za-z]:")


def _safe_name(info: tarfile.TarInfo, label: Position) -> str:
    """The member's normalised relative path; absolute, `..`, drive and backslash names,
    links and special files are refused."""
    raw = info.name
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if raw.startswith("/") or _DRIVE.match(raw) or "\\" in raw:
        raise _unsafe(label, f"member {shorten(raw, 80)!r} has an absolute or Windows path")
    if ".." in parts:
        raise _unsafe(label, f"member {shorten(raw, 80)!r} leads outside the package (`..`)")
    if info.issym() or info.islnk():
        raise _unsafe(label, f"member {shorten(raw, 80)!r} is a link")
    if not (info.isfile() or info.isdir()):
        raise _unsafe(label, f"member {shorten(raw, 80)!r} is a device, FIFO or special file")
    return "/".join(parts)


def _checked_size(
    info: tarfile.TarInfo, name: str, label: Position, limits: Limits, total: int
) -> int:
    if info.size > limits.member:
        raise _unsafe(label, f"{name!r} is {info.size} bytes (at most {limits.member})")
    if total + info.size > limits.unpacked:
        raise _unsafe(label, f"its files hold more than {limits.unpacked} bytes unpacked")
    return info.size


def _member_data(
    inner: tarfile.TarFile, info: tarfile.TarInfo, name: str, label: Position, limits: Limits
) -> bytes:
    if info.size > limits.wanted_file:
        raise _unsafe(
            label,
            f"{name!r} is {info.size} bytes (nixgen reads at most "
            f"{limits.wanted_file} of a source file)",
        )
    handle = inner.extractfile(info)
    return handle.read() if handle is not None else b""


def _refetch_hint(package: HexPackage) -> str:
    return f"nixgen read {package.label} without this file; is the package the one mix.lock pins?"
