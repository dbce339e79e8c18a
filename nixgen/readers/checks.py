"""Checks on values read from project files that later become store names, attribute names,
shell words, paths or numbers: each is refused where it is read, with its file and line."""

from __future__ import annotations

import re

from nixgen.errors import InputError, Position, shorten

# A version number no real project writes: past it, Python's int() of the digits may refuse
# (4,300 digits) and a store path name (211 characters) overflows.
MAX_NUMBER_DIGITS = 18
MAX_VERSION_LENGTH = 128
# A file name component on Linux and macOS (NAME_MAX); a longer one cannot even be looked up.
MAX_COMPONENT_BYTES = 255

_NUMBER = re.compile(r"\d+")
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
# Cargo's package names: ASCII letters, digits, - and _ (`cargo new` and crates.io).
_CRATE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def is_semver(value: str) -> bool:
    return (
        len(value) <= MAX_VERSION_LENGTH
        and _SEMVER.fullmatch(value) is not None
        and all(len(m.group()) <= MAX_NUMBER_DIGITS for m in _NUMBER.finditer(value))
    )


def is_crate_name(value: str) -> bool:
    return len(value) <= 64 and _CRATE_NAME.fullmatch(value) is not None


def check_numbers(value: str, what: str, where: Position, hint: str) -> str:
    """`value` unchanged unless a run of digits in it is longer than any real version has."""
    for match in _NUMBER.finditer(value):
        if len(match.group()) > MAX_NUMBER_DIGITS:
            raise InputError(
                f"{what} {shorten(value, 40)!r} has a {len(match.group())}-digit number",
                where,
                hint,
            )
    return value


def check_semver(value: str, what: str, where: Position, hint: str) -> str:
    """A SemVer version (what Mix, Hex and Cargo all require), as written."""
    check_numbers(value, what, where, hint)
    if not is_semver(value):
        raise InputError(
            f"{what} {shorten(value, 60)!r} is not a SemVer version (like 1.2.3 or 1.2.3-rc.1)",
            where,
            hint,
        )
    return value


def check_crate_name(value: str, what: str, where: Position, hint: str) -> str:
    if not is_crate_name(value):
        raise InputError(
            f"{what} {shorten(value, 60)!r} is not a Cargo package name "
            "(ASCII letters, digits, - and _, at most 64 characters)",
            where,
            hint,
        )
    return value


def check_sha256_hex(value: str, what: str, where: Position, hint: str) -> str:
    if not _HEX_SHA256.fullmatch(value):
        raise InputError(
            f"{what} {shorten(value, 70)!r} is not a sha256 checksum (64 hex digits)",
            where,
            hint,
        )
    return value


def check_path(value: str, what: str, where: Position) -> str:
    """A relative path whose every component a file system can hold."""
    for part in value.split("/"):
        if len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
            raise InputError(
                f"{what} {shorten(value, 60)!r} has a name longer than "
                f"{MAX_COMPONENT_BYTES} bytes, which no file system holds",
                where,
                "shorten the path to the directory or file you mean",
            )
    return value
