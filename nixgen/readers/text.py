"""Reading project files as text: one place for paths, encodings and parse-error positions."""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from nixgen.errors import InputError, Position

if TYPE_CHECKING:
    from tomlkit.exceptions import ParseError

_BOM = b"\xef\xbb\xbf"
# tomlkit appends the position to its message; the Position carries it instead.
_TOMLKIT_SUFFIX = re.compile(r" at line \d+ col \d+$")


def _absolute(root: Path, path: Path) -> Path:
    return Path(os.path.abspath(path if path.is_absolute() else root / path))


def rel(root: Path, path: Path) -> str:
    """`path` relative to `root` in POSIX form, "." for the root itself.

    A relative `path` is taken relative to `root`; a path outside `root` is returned absolute.
    """
    target = _absolute(root, path)
    try:
        relative = target.relative_to(_absolute(root, Path(".")))
    except ValueError:
        return target.as_posix()
    return relative.as_posix() or "."


def _position(root: Path, path: Path, data: bytes, offset: int) -> Position:
    """Line and (character) column, both 1-based, of byte `offset` in `data`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return Position(rel(root, path), data.count(b"\n", 0, offset) + 1, column)


def _read_bytes(root: Path, path: Path) -> bytes:
    where = Position(rel(root, path))
    _check_inside(root, path, where)
    try:
        return _regular_file_bytes(_absolute(root, path), where)
    except FileNotFoundError:
        raise InputError(
            "file not found", where, hint="check the path, or restore the file"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot read file: {reason}", where, hint="check its permissions"
        ) from None


def _regular_file_bytes(path: Path, where: Position) -> bytes:
    """The bytes of `path` if it is a regular file. A FIFO, socket or device is refused
    without reading: a FIFO would block nixgen forever, a device never ends. O_NONBLOCK lets
    the open of a FIFO return at once so that fstat can tell."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise InputError(
                f"is {_kind(mode)}, not a regular file",
                where,
                "replace it with the file itself (nixgen does not read pipes or devices)",
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"


def is_special(path: Path) -> bool:
    """Whether `path` exists (links followed) and is not a regular file or directory."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _check_inside(root: Path, path: Path, where: Position) -> None:
    """A project file that is a link to something outside the project is not read: a flake
    could not see it either."""
    try:
        real = _absolute(root, path).resolve()
        inside = real.is_relative_to(_absolute(root, Path(".")).resolve())
    except (OSError, RuntimeError):  # a link loop, a name the OS refuses
        inside = False
        real = _absolute(root, path)
    if not inside:
        raise InputError(
            f"links outside the project (to {real})",
            where,
            "copy the file into the project: the flake can only use files inside it",
        )


def read_text(root: Path, path: Path) -> str:
    """The file as UTF-8 text without a BOM and with LF line ends; InputError if it is not text."""
    data = _read_bytes(root, path).removeprefix(_BOM).replace(b"\r\n", b"\n")
    nul = data.find(b"\0")
    if nul >= 0:
        raise InputError(
            "binary file (contains a NUL byte), expected text",
            _position(root, path, data, nul),
            hint="restore the text version of this file (is it encrypted or a git-lfs object?)",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
            _position(root, path, data, exc.start),
            hint="re-save the file as UTF-8",
        ) from None


def read_text_lenient(root: Path, path: Path) -> str:
    """A generated file nixgen only takes records from: bytes that are not UTF-8 are replaced,
    but a pipe or device is refused like any input."""
    return _read_bytes(root, path).decode("utf-8", "replace")


def toml_error(root: Path, path: Path, exc: ParseError) -> InputError:
    """An InputError at the position tomlkit reports (its columns count from 0)."""
    where = Position(rel(root, path), exc.line, exc.col + 1)
    reason = _TOMLKIT_SUFFIX.sub("", str(exc))
    return InputError(
        f"invalid TOML: {reason}",
        where,
        hint=f"fix the syntax at line {where.line}, column {where.col}, then run nixgen again",
    )


def parse_toml(root: Path, path: Path, text: str) -> dict[str, object]:
    """`text` (the contents of `path`) as plain Python values; no tomlkit object escapes."""
    import tomlkit  # only what reads a TOML file nixgen may edit pays for importing it
    from tomlkit.exceptions import ParseError, TOMLKitError

    try:
        data: dict[str, object] = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise toml_error(root, path, exc) from None
    except (TOMLKitError, ValueError) as exc:
        raise InputError(
            f"invalid TOML: {exc}",
            _duplicate_key_position(rel(root, path), text, str(exc)),
            hint="fix the file's TOML syntax",
        ) from None
    return data


def _duplicate_key_position(path: str, text: str, message: str) -> Position:
    """Where a key tomlkit reports as already present is written the second time."""
    match = re.search(r'Key "(?P<key>[^"]+)" already exists', message)
    if match is None:
        return Position(path)
    key = re.compile(
        rf'^\s*"?{re.escape(match["key"])}"?\s*=|^\s*\[+\s*{re.escape(match["key"])}\s*\]'
    )
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if key.match(line)]
    return Position(path, lines[1], 1) if len(lines) > 1 else Position(path)


def read_toml(root: Path, path: Path) -> dict[str, object]:
    """`read_text` followed by `parse_toml`."""
    return parse_toml(root, path, read_text(root, path))


_TOMLLIB_POSITION = re.compile(
    r"^(?P<reason>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$"
)


def parse_toml_fast(root: Path, path: Path, text: str) -> dict[str, object]:
    """Like `parse_toml`, with the standard library reader (several times faster than tomlkit):
    for large machine-written files (Cargo.lock) that nixgen only reads, never edits."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputError(
            "TOML nested too deeply",
            Position(rel(root, path)),
            hint="this is not a file Cargo writes; restore it",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOMLLIB_POSITION.match(str(exc))
        line, col = (int(match["line"]), int(match["col"])) if match else _end_of(text)
        reason = match["reason"] if match else str(exc).removesuffix(" (at end of document)")
        raise InputError(
            f"invalid TOML: {reason}",
            Position(rel(root, path), line, col),
            hint=f"fix the syntax at line {line}, column {col}, then run nixgen again",
        ) from None


def _end_of(text: str) -> tuple[int, int]:
    """Line and column just past the last character (tomllib's "at end of document")."""
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def is_file(path: Path) -> bool:
    """`path.is_file()`, false for names the OS cannot even look up (too long, bad bytes)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False
