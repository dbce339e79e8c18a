"""Readers for .tool-versions (asdf) and mise.toml: the Erlang and Elixir a project pins."""

from __future__ import annotations

from pathlib import Path

from nixgen.errors import InputError, Position
from nixgen.model import ToolVersions
from nixgen.readers.checks import check_numbers
from nixgen.readers.text import read_text, read_toml, rel

_TOOLS = ("erlang", "elixir")
_HINT = 'write a version like "27.2" (Erlang) or "1.18.1" (Elixir)'


def read_tool_versions(root: Path, path: Path) -> ToolVersions:
    """`.tool-versions`: `tool version [fallback…]` lines; `#` starts a comment.

    When a line lists several versions, or a tool appears twice, the first one wins
    (asdf tries them in order).
    """
    found: dict[str, str] = {}
    for number, line in enumerate(read_text(root, path).split("\n"), start=1):
        words = line.partition("#")[0].split()
        if len(words) >= 2 and words[0] in _TOOLS and words[0] not in found:
            column = line.index(words[1], line.index(words[0]) + len(words[0])) + 1
            where = Position(rel(root, path), number, column)
            found[words[0]] = check_numbers(words[1], f"the {words[0]} version", where, _HINT)
    return ToolVersions(rel(root, path), found.get("erlang"), found.get("elixir"))


def read_mise(root: Path, path: Path) -> ToolVersions:
    """`mise.toml` / `.mise.toml`: `[tools]` entries as a string, a list (first) or a table."""
    where = Position(rel(root, path))
    tools = read_toml(root, path).get("tools", {})
    if not isinstance(tools, dict):
        raise InputError("`tools` must be a table", where, hint="write it as `[tools]`")
    versions = {_tool_name(key): value for key, value in tools.items()}
    erlang, elixir = (_mise_version(versions.get(tool), tool, where) for tool in _TOOLS)
    return ToolVersions(where.path, erlang, elixir)


def _tool_name(key: str) -> str:
    # mise accepts the explicit backend prefix for its built-in tools: `core:erlang`.
    return key.removeprefix("core:")


def _mise_version(value: object, tool: str, where: Position) -> str | None:
    if value is None:
        return value
    if isinstance(value, str):
        return check_numbers(value, f"`tools.{tool}`", where, _HINT)
    if isinstance(value, bool):
        raise InputError(f"`tools.{tool}` must be a version", where, hint='write e.g. "26"')
    if isinstance(value, int | float):
        return _mise_version(repr(value), tool, where)
    if isinstance(value, list):
        return _mise_version(value[0], tool, where) if value else None
    if isinstance(value, dict):
        return _mise_version(value.get("version"), tool, where)
    raise InputError(f"`tools.{tool}` must be a version", where, hint='write e.g. "26"')
