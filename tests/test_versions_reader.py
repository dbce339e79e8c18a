"""Tests for nixgen.readers.versions: .tool-versions and mise.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixgen.errors import InputError, Position
from nixgen.model import ToolVersions
from nixgen.readers.versions import read_mise, read_tool_versions


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tool_versions_basic(tmp_path: Path) -> None:
    path = _write(tmp_path, ".tool-versions", "erlang 26.2.1\nelixir 1.16.0-otp-26\nrust 1.74\n")
    assert read_tool_versions(tmp_path, path) == ToolVersions(
        ".tool-versions", "26.2.1", "1.16.0-otp-26"
    )


def test_tool_versions_comments_fallbacks_and_spacing(tmp_path: Path) -> None:
    text = (
        "# erlang 25.3\n"
        "erlang      27.3.4 26.2.1   # newest first\n"
        "  # elixir 1.15.0\n"
        "elixir\t1.18.4-otp-27 \n"
        "elixir 1.17.0\n"  # a second line for a tool does not override the first
        "nodejs\n"
    )
    path = _write(tmp_path, ".tool-versions", text)
    assert read_tool_versions(tmp_path, path) == ToolVersions(
        ".tool-versions", "27.3.4", "1.18.4-otp-27"
    )


def test_tool_versions_without_final_newline_or_tools(tmp_path: Path) -> None:
    path = _write(tmp_path, ".tool-versions", "nodejs 20\nerlang 28.0.1")
    assert read_tool_versions(tmp_path, path) == ToolVersions(".tool-versions", "28.0.1", None)


def test_tool_versions_crlf(tmp_path: Path) -> None:
    path = tmp_path / ".tool-versions"
    path.write_bytes(b"\xef\xbb\xbferlang 26.2.1\r\nelixir 1.16.1-otp-26\r\n")
    assert read_tool_versions(tmp_path, path) == ToolVersions(
        ".tool-versions", "26.2.1", "1.16.1-otp-26"
    )


def test_mise_string_list_and_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mise.toml",
        '[tools]\nerlang = ["27.1", "26"]\nelixir = { version = "1.17.3-otp-27" }\n',
    )
    assert read_mise(tmp_path, path) == ToolVersions("mise.toml", "27.1", "1.17.3-otp-27")


def test_mise_plain_strings_and_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, ".mise.toml", '[tools]\nerlang = 26\n"core:elixir" = "1.16"\n')
    assert read_mise(tmp_path, path) == ToolVersions(".mise.toml", "26", "1.16")


def test_mise_without_tools(tmp_path: Path) -> None:
    path = _write(tmp_path, "mise.toml", '[env]\nMIX_ENV = "prod"\n')
    assert read_mise(tmp_path, path) == ToolVersions("mise.toml", None, None)


def test_mise_bad_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "mise.toml", "[tools]\nerlang = true\n")
    with pytest.raises(InputError) as info:
        read_mise(tmp_path, path)
    assert info.value.where == Position("mise.toml")
    assert info.value.message == "`tools.erlang` must be a version"


def test_mise_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, "mise.toml", '[tools]\nerlang = "26\n')
    with pytest.raises(InputError) as info:
        read_mise(tmp_path, path)
    assert info.value.where is not None
    assert (info.value.where.line, info.value.where.col) == (2, 13)
