"""mix.lock read line by line (Mix's layout) gives what the whole-file parse gives.

`read_mix_lock_text` reads a lock written by Mix one entry line at a time and falls back to the
whole file's syntax tree for anything else. Differential: over every corpus, fixture and
synthetic lock, and over edited variants of one, both readings give the same MixLock (entries
and their positions) or the same error message; and a Mix-written lock never needs the whole
file's tree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.env import CORPUS, FIXTURES, REPO

from nixgen.errors import NixgenError
from nixgen.model import MixLock
from nixgen.readers import mix_lock
from nixgen.readers.elixir import Source, parse_text
from nixgen.readers.mix_lock import lock_from_source, read_mix_lock_text
from nixgen.readers.text import read_text

Outcome = MixLock | str  # the lock, or the message of the error it raised


def outcome(read: Callable[[], MixLock]) -> Outcome:
    try:
        return read()
    except NixgenError as exc:
        return str(exc)


def whole(text: str) -> Outcome:
    return outcome(lambda: lock_from_source(parse_text("mix.lock", text)))


def by_lines(text: str) -> Outcome:
    return outcome(lambda: read_mix_lock_text("mix.lock", text))


def never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the whole-file parse fail the test if the reader uses it."""

    def refuse(path: str, text: str) -> Source:
        raise AssertionError(f"{path} was parsed whole")

    monkeypatch.setattr(mix_lock, "parse_text", refuse)


def locks_under(directory: Path) -> list[Path]:
    return sorted(directory.rglob("mix.lock")) if directory.is_dir() else []


def lock_text(path: Path) -> str:
    return read_text(path.parent, path)


def synthetic_text(tmp_path: Path, entries: int) -> str:
    from support.synthetic import write_project

    root = write_project(tmp_path / "p", entries)
    return lock_text(root / "mix.lock")


# --------------------------------------------------------------------------- real locks

FIXTURE_LOCKS = locks_under(FIXTURES) + locks_under(REPO / "tests")
# Written by hand: an error to report, or `%{}` (Mix writes `%{\n}\n`).
NOT_MIX_WRITTEN = ("truncated_mix_lock", "mix_lock_unknown_shape", "deps_path_outside")
MIX_WRITTEN_FIXTURES = [p for p in FIXTURE_LOCKS if p.parent.name not in NOT_MIX_WRITTEN]


@pytest.mark.corpus
def test_every_corpus_lock_reads_the_same_by_lines_and_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locks = locks_under(CORPUS)
    assert len(locks) >= 25  # nested ones (umbrella apps, examples) included
    expected = [whole(lock_text(p)) for p in locks]
    assert all(isinstance(e, MixLock) for e in expected)
    never_whole(monkeypatch)  # every corpus lock is in Mix's layout
    assert [by_lines(lock_text(p)) for p in locks] == expected


@pytest.mark.parametrize("path", FIXTURE_LOCKS, ids=lambda p: str(p.parent.relative_to(REPO)))
def test_every_fixture_lock_reads_the_same_by_lines_and_whole(path: Path) -> None:
    assert by_lines(lock_text(path)) == whole(lock_text(path))


def test_mix_written_fixture_locks_are_never_parsed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [lock_text(p) for p in MIX_WRITTEN_FIXTURES]
    never_whole(monkeypatch)
    assert len(texts) >= 25
    assert all(isinstance(by_lines(t), MixLock) for t in texts)


def test_a_synthetic_lock_reads_the_same_by_lines_and_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = synthetic_text(tmp_path, 400)
    expected = whole(text)
    assert isinstance(expected, MixLock) and len(expected.entries) == 400
    never_whole(monkeypatch)
    assert by_lines(text) == expected


# --------------------------------------------------------------------------- edited locks


def hex_value(package: str, version: str = '"1.0.0"', deps: str = "[]") -> str:
    inner, outer = "a" * 64, "b" * 64
    return f'{{:hex, {package}, {version}, "{inner}", [:mix], {deps}, "hexpm", "{outer}"}}'


def entry(name: str, value: str | None = None) -> str:
    return f'  "{name}": {value or hex_value(":" + name)},'


def on_two_lines(name: str) -> tuple[str, str]:
    value = hex_value(":" + name)
    cut = value.index('"1.0.0",') + len('"1.0.0",')
    return f'  "{name}": {value[:cut]}', f"    {value[cut:].lstrip()},"


def lock(*lines: str) -> str:
    return "%{\n" + "".join(f"{line}\n" for line in lines) + "}\n"


GIT = '{:git, "https://example.com/g.git", "0123456789abcdef0123456789abcdef01234567", []}'
MIX_LAYOUT = {
    "empty": lock(),
    "one": lock(entry("a")),
    "hex_and_git": lock(entry("a"), entry("g", GIT)),
    "unquoted_key": lock("  a: " + hex_value(":a") + ","),
    "unicode_before_a_value": lock(entry("é", hex_value('"é"'))),
    "escapes": lock(entry("a\\u0062", hex_value(":ab"))),
}
# Texts the line reading must leave to the whole-file parse (or read to the same result).
EDITED = {
    "crlf_lines": lock(entry("a") + "\r", entry("b")),
    "comment_line": lock("  # pinned", entry("a")),
    "comment_after_an_entry": lock(entry("a") + " # pinned", entry("b")),
    "blank_line": lock(entry("a"), "", entry("b")),
    "entry_on_two_lines": lock(*on_two_lines("a")),
    "two_entries_on_one_line": lock(entry("a") + entry("b").lstrip()),
    "no_comma_after_the_last": lock(entry("a"), entry("b")[:-1]),
    "no_comma_between": lock(entry("a")[:-1], entry("b")),
    "arrow_entry_after_keywords": lock(entry("a"), '  "b" => ' + hex_value(":b") + ","),
    "arrow_entries": lock('  "b" => ' + hex_value(":b") + ","),
    "one_line_lock": "%{" + entry("a").strip() + "}\n",
    "no_final_newline": lock(entry("a"))[:-1],
    "tail_on_the_last_line": lock(entry("a"))[:-3] + "}\n",
    "header_with_a_comment": lock(entry("a")).replace("%{", "%{ # mix", 1),
    "duplicate": lock(entry("a"), entry("a")),
    "unknown_shape": lock(entry("a"), entry("p", '{:path, "../p"}')),
    "shape_error_before_a_syntax_error": lock(entry("p", "{:hex, 1}"), entry("a"), '  "b": {,'),
    "unclosed_string": lock('  "a": {:hex, :a, "1.0.0,', entry("b")),
    "heredoc": lock('  "a": """', "  x", '  """,'),
    "bad_escape": lock(entry("a"), entry("b", hex_value('"\\u{D800}"'))),
    "bad_version": lock(entry("a", hex_value(":a", version='"1.0/../x"'))),
    "a_map_after_the_lock": lock(entry("a")) + "%{}\n",
    "interpolation": lock(entry("a", hex_value(":a", deps='[{:b, "~> #{1}", [hex: :b]}]'))),
    "mix_before_2017": "%{" + entry("a").strip() + "\n" + entry("b")[:-1] + "}\n",
    "struct": lock(entry("a")).replace("%{", "%Lock{", 1),
}


@pytest.mark.parametrize("text", MIX_LAYOUT.values(), ids=MIX_LAYOUT.keys())
def test_mix_layout_is_read_by_lines(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = whole(text)
    assert isinstance(expected, MixLock)
    never_whole(monkeypatch)
    assert by_lines(text) == expected


@pytest.mark.parametrize("text", EDITED.values(), ids=EDITED.keys())
def test_an_edited_lock_reads_as_the_whole_file_does(text: str) -> None:
    assert by_lines(text) == whole(text)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_escape", "mix.lock:3:16: invalid Unicode code point"),
        ("duplicate", "mix.lock:3:3: duplicate lock entry 'a'"),
        ("shape_error_before_a_syntax_error", "mix.lock:3:184: Elixir syntax error"),
    ],
)
def test_errors_point_into_the_whole_file(name: str, message: str) -> None:
    assert str(by_lines(EDITED[name])).startswith(message)


def test_positions_of_entries_are_the_whole_files(monkeypatch: pytest.MonkeyPatch) -> None:
    text = lock(entry("a"), entry("é", hex_value('"é"')), entry("g", GIT))
    never_whole(monkeypatch)
    read = by_lines(text)
    assert isinstance(read, MixLock)
    where = {e.name: (e.where.line, e.where.col) for e in read.entries}
    assert where == {"a": (2, 8), "é": (3, 9), "g": (4, 8)}
