"""Tests for nixgen.readers.text: the shared file and TOML helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixgen.errors import InputError, Position
from nixgen.readers.text import parse_toml_fast, read_text, read_toml, rel


def test_rel_is_posix_relative_and_dot_for_root(tmp_path: Path) -> None:
    assert rel(tmp_path, tmp_path) == "."
    assert rel(tmp_path, tmp_path / "native" / "foo" / "Cargo.toml") == "native/foo/Cargo.toml"
    assert rel(tmp_path, Path("native/foo")) == "native/foo"
    assert rel(tmp_path, tmp_path / "a" / ".." / "b") == "b"


def test_rel_outside_root_stays_absolute(tmp_path: Path) -> None:
    outside = tmp_path.parent / "elsewhere"
    assert rel(tmp_path, outside) == outside.as_posix()


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "Cargo.toml"
    path.write_bytes(b'\xef\xbb\xbf[package]\r\nname = "x"\r\nlone\rcr\r\n')
    assert read_text(tmp_path, path) == '[package]\nname = "x"\nlone\rcr\n'


def test_bom_and_crlf_toml_parses(tmp_path: Path) -> None:
    path = tmp_path / "Cargo.toml"
    path.write_bytes(b'\xef\xbb\xbf[package]\r\nname = "x"\r\n')
    assert read_toml(tmp_path, path) == {"package": {"name": "x"}}


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_text(tmp_path, tmp_path / "native" / "Cargo.toml")
    assert info.value.where == Position("native/Cargo.toml")
    assert str(info.value) == (
        "native/Cargo.toml: file not found\n  hint: check the path, or restore the file"
    )


def test_directory_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").mkdir()
    with pytest.raises(InputError, match=r"^Cargo.toml: cannot read file: "):
        read_text(tmp_path, tmp_path / "Cargo.toml")


def test_binary_file_reports_first_nul(tmp_path: Path) -> None:
    path = tmp_path / "Cargo.lock"
    path.write_bytes(b"# ok\r\nab\x00cd\x00")
    with pytest.raises(InputError) as info:
        read_text(tmp_path, path)
    assert str(info.value) == (
        "Cargo.lock:2:3: binary file (contains a NUL byte), expected text\n"
        "  hint: restore the text version of this file (is it encrypted or a git-lfs object?)"
    )


def test_invalid_utf8_position_counts_characters(tmp_path: Path) -> None:
    path = tmp_path / ".tool-versions"
    path.write_bytes(b"erlang 26\n\xc3\xa9lixir \xff")  # "élixir " is 7 characters, 8 bytes
    with pytest.raises(InputError) as info:
        read_text(tmp_path, path)
    assert info.value.where == Position(".tool-versions", 2, 8)
    assert info.value.message == "invalid UTF-8 (byte 0xff)"
    assert info.value.hint == "re-save the file as UTF-8"


def test_invalid_toml_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "Cargo.toml"
    path.write_text('[package]\nname = = "x"\n')
    with pytest.raises(InputError) as info:
        read_toml(tmp_path, path)
    assert str(info.value) == (
        "Cargo.toml:2:8: invalid TOML: Unexpected character: '='\n"
        "  hint: fix the syntax at line 2, column 8, then run nixgen again"
    )


def test_duplicate_toml_key(tmp_path: Path) -> None:
    path = tmp_path / "Cargo.toml"
    path.write_text("[lib]\n[lib]\n")
    with pytest.raises(InputError) as info:
        read_toml(tmp_path, path)
    assert info.value.where == Position("Cargo.toml", 2, 1)
    assert info.value.message == 'invalid TOML: Key "lib" already exists.'


def test_fast_toml_errors_carry_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        parse_toml_fast(tmp_path, tmp_path / "Cargo.lock", 'version = 4\n[[package]]\nname = "a\n')
    assert str(info.value).startswith("Cargo.lock:3:")
    assert "invalid TOML" in str(info.value)
