"""Typed access to values read from TOML files (Cargo's and rustup's), with Cargo's wording."""

from __future__ import annotations

from nixgen.errors import InputError, Position

Table = dict[str, object]


def fail(what: str, where: Position) -> InputError:
    return InputError(what, where, hint="fix the file (cargo rejects it as well)")


def as_table(value: object, key: str, where: Position) -> Table:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(f"`{key}` must be a table", where)
    return value


def as_string(value: object, key: str, where: Position) -> str | None:
    if value is not None and not isinstance(value, str):
        raise fail(f"`{key}` must be a string", where)
    return value


def as_strings(value: object, key: str, where: Position) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"`{key}` must be an array of strings", where)
    return tuple(value)
