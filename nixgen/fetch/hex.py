"""Hex package tarballs for mix.lock entries: nixgen's cache, then Hex's own cache, then the
Hex repository (HEX_MIRROR), each copy verified against the lock's outer checksum before it is
used or cached (docs/UPSTREAM.md U-HEX-REPO, U-HEX-TARBALL)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from nixgen.errors import InputError, NixgenError, Position, ToolError
from nixgen.model import HexLockEntry
from nixgen.readers.hex_tarball import (
    DEFAULT_LIMITS,
    HexPackage,
    Limits,
    read_hex_tarball,
    tarball_name,
    verify_outer_checksum,
)

log = logging.getLogger(__name__)

HEXPM_URL = "https://repo.hex.pm"
# The variables Hex reads for its mirror, first wins (U-HEX-REPO).
MIRROR_VARIABLES = ("HEX_TRUSTED_MIRROR_URL", "HEX_TRUSTED_MIRROR", "HEX_MIRROR_URL", "HEX_MIRROR")
TIMEOUT = 60.0
_CHUNK = 1 << 16


class Opener(Protocol):
    """Opens a URL for reading (urllib's `urlopen` shape); tests may pass a fake."""

    def __call__(self, url: str, timeout: float) -> BinaryIO: ...


def _urlopen(url: str, timeout: float) -> BinaryIO:
    import urllib.request  # http.client, ssl, email: only a run that downloads pays for them

    request = urllib.request.Request(url, headers={"User-Agent": "nixgen"})
    response: BinaryIO = urllib.request.urlopen(request, timeout=timeout)
    return response


@dataclass(frozen=True)
class HexConfig:
    """Where packages come from and are cached."""

    repo_url: str
    hex_cache: Path | None  # Hex's `packages/hexpm` directory (read only)
    cache: Path  # nixgen's own: $XDG_CACHE_HOME/nixgen/hex

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HexConfig:
        env = os.environ if env is None else env
        mirror = next((env[v] for v in MIRROR_VARIABLES if env.get(v)), HEXPM_URL)
        home = Path(env["HOME"]) if env.get("HOME") else None
        xdg_cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else None
        cache_root = xdg_cache or (home / ".cache" if home else Path(tempfile.gettempdir()))
        return cls(
            mirror.rstrip("/"), _hex_cache(env, home, cache_root), cache_root / "nixgen" / "hex"
        )


def _hex_cache(env: Mapping[str, str], home: Path | None, cache_root: Path) -> Path | None:
    """`<Hex cache home>/packages/hexpm`: HEX_HOME, else (MIX_XDG) the XDG cache, else ~/.hex."""
    if env.get("HEX_HOME"):
        base: Path | None = Path(env["HEX_HOME"])
    elif env.get("MIX_XDG") in ("1", "true"):
        base = cache_root / "hex"
    else:
        base = home / ".hex" if home else None
    return base / "packages" / "hexpm" if base else None


def tarball_url(config: HexConfig, entry: HexLockEntry) -> str:
    """`<repo>/tarballs/<package>-<version>.tar`, URI-encoded as Hex does (U-HEX-REPO)."""
    return _tarball_url(config, entry.package, entry.version)


def _tarball_url(config: HexConfig, package: str, version: str) -> str:
    return f"{config.repo_url}/tarballs/{quote(tarball_name(package, version))}"


def fetch_hex_package(
    entry: HexLockEntry,
    config: HexConfig,
    limits: Limits = DEFAULT_LIMITS,
    opener: Opener = _urlopen,
) -> HexPackage:
    """The verified package pinned by `entry`, read in memory."""
    checksum = _outer_checksum(entry)
    data = fetch_hex_tarball(entry, config, limits, opener)
    return read_hex_tarball(data, entry.package, entry.version, checksum, limits)


def fetch_hex_tarball(
    entry: HexLockEntry,
    config: HexConfig,
    limits: Limits = DEFAULT_LIMITS,
    opener: Opener = _urlopen,
) -> bytes:
    """The tarball's bytes, already checked against the lock; downloaded only when no cache
    holds a matching copy, and then kept in nixgen's cache."""
    checksum = _outer_checksum(entry)
    name = tarball_name(entry.package, entry.version)
    for cached in (config.cache / name, config.hex_cache / name if config.hex_cache else None):
        data = _verified_copy(cached, entry, checksum, limits)
        if data is not None:
            log.debug("%s: from %s", name, cached)
            return data
    data = _download(tarball_url(config, entry), entry.package, entry.version, limits, opener)
    verify_outer_checksum(data, entry.package, entry.version, checksum, limits)
    _store(config.cache / name, data)
    return data


def _outer_checksum(entry: HexLockEntry) -> str:
    if entry.repo != "hexpm":
        raise InputError(
            f"{entry.name}: Hex repository {entry.repo!r} needs credentials nixgen does not have",
            entry.where,
            "nixgen reads NIF dependencies from the public hexpm repository only",
        )
    if entry.outer_checksum is None:
        raise InputError(
            f"{entry.name}: the lock entry has no outer checksum (written by an old Hex)",
            entry.where,
            f"run `mix deps.update {entry.name}` (or `mix deps.get` after deleting the entry)",
        )
    return entry.outer_checksum


def _verified_copy(
    path: Path | None, entry: HexLockEntry, checksum: str, limits: Limits
) -> bytes | None:
    """A cached copy when it exists, fits the limit and matches the lock; a stale or corrupt
    copy is passed over (and downloaded again), never used."""
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.tarball + 1)
    except OSError:
        return None
    try:
        verify_outer_checksum(data, entry.package, entry.version, checksum, limits)
    except NixgenError:
        log.warning("ignoring %s: it does not match mix.lock", path)
        return None
    return data


def tarball_sha256(
    config: HexConfig,
    package: str,
    version: str,
    limits: Limits = DEFAULT_LIMITS,
    opener: Opener = _urlopen,
) -> str:
    """base16 sha256 of a Hex tarball (what fetchHex checks), for old 7-element lock entries,
    which record none to verify against: the first download is trusted and then recorded."""
    url = _tarball_url(config, package, version)
    return hashlib.sha256(_download(url, package, version, limits, opener)).hexdigest()


def _download(url: str, package: str, version: str, limits: Limits, opener: Opener) -> bytes:
    where = Position(tarball_name(package, version))
    log.debug("GET %s", url)
    try:
        with opener(url, TIMEOUT) as response:
            return _read_capped(response, package, version, limits, url)
    except urllib.error.HTTPError as error:
        raise ToolError(
            f"cannot download Hex package {package} {version}: HTTP {error.code} from {url}",
            where,
            "check HEX_MIRROR (the package must be at <mirror>/tarballs/<name>-<version>.tar)",
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ToolError(
            f"cannot download Hex package {package} {version} from {url}: {reason}",
            where,
            "nixgen needs the package once: connect to the network or set HEX_MIRROR",
        ) from None


def _read_capped(response: BinaryIO, package: str, version: str, limits: Limits, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > limits.tarball:
            raise InputError(
                f"Hex package {package} {version} from {url} is over nixgen's limit "
                f"of {limits.tarball} bytes; download stopped",
                Position(tarball_name(package, version)),
                "no real Hex package is this large: check HEX_MIRROR",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _store(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a file); a cache that cannot be written is
    only a slower next run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as error:
        log.warning("cannot cache %s: %s", path, error)
