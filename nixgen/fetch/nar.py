"""NAR serialisation and Nix hash formats (SRI, hex, Nix base32) in pure Python."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Callable, Collection
from pathlib import Path

from nixgen.errors import InputError, Position

Sink = Callable[[bytes], object]

NIX_BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"
_CHUNK = 1 << 16
_DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}


def nar_hash(path: Path, *, exclude: Collection[str] = ()) -> str:
    """SRI sha256 of the NAR of `path`, as `nix-hash --type sha256` / `nix hash path` compute it.

    `exclude` names entries to leave out of the top-level directory (e.g. ".git").
    """
    digest = hashlib.sha256()
    dump_nar(path, digest.update, exclude=exclude)
    return to_sri("sha256", digest.digest())


def dump_nar(path: Path, sink: Sink, *, exclude: Collection[str] = ()) -> None:
    """Write the NAR serialisation of `path` to `sink`, byte for byte like `nix-store --dump`."""
    _put_str(sink, b"nix-archive-1")
    skipped = {os.fsencode(name) for name in exclude}
    _dump(os.fsencode(path), sink, skipped)


def _dump(path: bytes, sink: Sink, skipped: Collection[bytes] = ()) -> None:
    # Follows nix/src/libutil/archive.cc (dumpPath): lstat, never follow symlinks.
    st = os.lstat(path)
    _put_strs(sink, b"(", b"type")
    if stat.S_ISREG(st.st_mode):
        _put_str(sink, b"regular")
        if st.st_mode & stat.S_IXUSR:
            _put_strs(sink, b"executable", b"")
        _put_str(sink, b"contents")
        _dump_contents(path, st.st_size, sink)
    elif stat.S_ISLNK(st.st_mode):
        _put_strs(sink, b"symlink", b"target", os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        _put_str(sink, b"directory")
        _dump_entries(path, sink, skipped)
    else:
        raise InputError(
            "cannot hash a file that is not regular, a directory or a symlink",
            where=Position(os.fsdecode(path)),
        )
    _put_str(sink, b")")


def _dump_entries(path: bytes, sink: Sink, skipped: Collection[bytes]) -> None:
    # Nix keeps entries in a std::map<std::string, …>: sorted by raw bytes.
    names = sorted(name for name in os.listdir(path) if name not in skipped)
    for name in names:
        _put_strs(sink, b"entry", b"(", b"name", name, b"node")
        _dump(os.path.join(path, name), sink)
        _put_str(sink, b")")


def _dump_contents(path: bytes, size: int, sink: Sink) -> None:
    sink(size.to_bytes(8, "little"))
    left = size
    with open(path, "rb") as file:
        while left > 0:
            chunk = file.read(min(_CHUNK, left))
            if not chunk:
                break
            sink(chunk)
            left -= len(chunk)
        if left != 0 or file.read(1):
            raise InputError(
                "file changed size while it was being hashed", where=Position(os.fsdecode(path))
            )
    sink(_padding(size))


def _put_str(sink: Sink, data: bytes) -> None:
    sink(len(data).to_bytes(8, "little"))
    sink(data)
    sink(_padding(len(data)))


def _put_strs(sink: Sink, *items: bytes) -> None:
    for item in items:
        _put_str(sink, item)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % 8)


def to_sri(algo: str, digest: bytes) -> str:
    """`<algo>-<base64>` for a raw digest."""
    return f"{algo}-{base64.b64encode(digest).decode('ascii')}"


def hex_to_sri(algo: str, hexdigest: str) -> str:
    """SRI form of a hexadecimal digest, e.g. the output of `nix-hash --type sha256`."""
    return to_sri(algo, _checked(algo, bytes.fromhex(hexdigest)))


def to_nix_base32(digest: bytes) -> str:
    """Nix's base32 (its own alphabet, least significant bits first), as `nix-hash --base32`."""
    out = []
    for n in range((len(digest) * 8 - 1) // 5, -1, -1):
        bit, shift = divmod(n * 5, 8)
        value = digest[bit] >> shift
        if bit + 1 < len(digest):
            value |= digest[bit + 1] << (8 - shift)
        out.append(NIX_BASE32_ALPHABET[value & 0x1F])
    return "".join(out)


def from_nix_base32(text: str) -> bytes:
    """Inverse of `to_nix_base32`; raises ValueError on a malformed string."""
    size = len(text) * 5 // 8
    if not text or len(text) != (size * 8 - 1) // 5 + 1:
        raise ValueError(f"a Nix base32 hash cannot have {len(text)} characters: {text!r}")
    digest = bytearray(size)
    for n, char in enumerate(reversed(text)):
        value = NIX_BASE32_ALPHABET.find(char)
        if value < 0:
            raise ValueError(f"invalid character {char!r} in Nix base32 hash {text!r}")
        bit, shift = divmod(n * 5, 8)
        digest[bit] |= (value << shift) & 0xFF
        carry = value >> (8 - shift)
        if bit + 1 < size:
            digest[bit + 1] |= carry
        elif carry:
            raise ValueError(f"invalid Nix base32 hash {text!r}")
    return bytes(digest)


def any_to_sri(algo: str, text: str) -> str:
    """SRI form of a hash given as SRI, hex or Nix base32 (what tools print); ValueError if none."""
    size = _DIGEST_SIZES[algo]
    if text.startswith(f"{algo}-"):
        try:
            digest = base64.b64decode(text[len(algo) + 1 :], validate=True)
        except binascii.Error as error:
            raise ValueError(f"invalid base64 in hash {text!r}") from error
    elif len(text) == size * 2:
        digest = bytes.fromhex(text)
    elif len(text) == (size * 8 + 4) // 5:
        digest = from_nix_base32(text)
    else:
        raise ValueError(f"not a {algo} hash in SRI, hex or Nix base32 form: {text!r}")
    return to_sri(algo, _checked(algo, digest))


def _checked(algo: str, digest: bytes) -> bytes:
    if len(digest) != _DIGEST_SIZES[algo]:
        raise ValueError(f"a {algo} digest has {_DIGEST_SIZES[algo]} bytes, not {len(digest)}")
    return digest
