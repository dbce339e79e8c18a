"""Malformed projects: `nixgen show` exits 2 with one exact, machine-independent message.

Each case is a minimal project under fixtures/invalid/<case>/ with exactly one broken file;
fixtures/invalid/<case>/expected-error.txt is the complete expected stderr. Positions are
`path:line:col` with the path relative to the project, so no expectation names this machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.env import FIXTURES

from nixgen.cli import main
from nixgen.errors import InputError

INVALID = FIXTURES / "invalid"


NAMES = [
    "truncated_mix_lock",
    "mix_exs_syntax_error",
    "invalid_cargo_toml",
    "binary_file",
    "missing_mix_exs",
    "cargo_lock_unknown_source",
    "mix_lock_unknown_shape",
    "invalid_utf8_mix_exs",
]
CASES = NAMES


def show(*args: str) -> Result:
    return CliRunner().invoke(main, ["show", *args])


GENERATION_CASES = ("deps_", "nifs_", "init_")  # errors of generation, tested with their generator


def test_every_case_directory_is_tested() -> None:
    on_disk = sorted(
        p.name for p in INVALID.iterdir() if p.is_dir() and not p.name.startswith(GENERATION_CASES)
    )
    assert on_disk == sorted(NAMES)


@pytest.mark.parametrize("case", CASES)
def test_invalid_input_is_reported(case: str) -> None:
    directory = INVALID / case
    expected = (directory / "expected-error.txt").read_text(encoding="utf-8")
    result = show(str(directory))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr == expected
    assert result.exit_code == 2


@pytest.mark.parametrize("case", CASES)
def test_invalid_input_with_json_is_reported_the_same_way(case: str) -> None:
    directory = INVALID / case
    expected = (directory / "expected-error.txt").read_text(encoding="utf-8")
    result = show("--json", str(directory))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)


def test_messages_name_the_project_relatively(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running from inside the project prints the same message as passing its path."""
    directory = INVALID / "mix_lock_unknown_shape"
    monkeypatch.chdir(directory)
    result = show()
    expected = (directory / "expected-error.txt").read_text(encoding="utf-8")
    assert (result.exit_code, result.stderr) == (2, expected)


def test_binary_and_non_utf8_fixtures_are_what_they_claim() -> None:
    """Guard against an editor or a git filter 'repairing' the broken bytes."""
    assert b"\0" in (INVALID / "binary_file" / "lib" / "broken" / "native.ex").read_bytes()
    data = (INVALID / "invalid_utf8_mix_exs" / "mix.exs").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = show("no-such-dir")
    assert result.exit_code == 2
    assert str(tmp_path) not in result.stderr
    assert result.stderr.startswith("nixgen: no-such-dir: no such directory\n")  # item 21


def test_debug_lets_the_exception_propagate() -> None:
    directory = str(INVALID / "mix_lock_unknown_shape")
    with pytest.raises(InputError) as info:
        CliRunner().invoke(main, ["--debug", "show", directory], catch_exceptions=False)
    assert str(info.value).startswith("mix.lock:4:16: lock entry 'local_dep' has an unknown shape")

    result = CliRunner().invoke(main, ["--debug", "show", directory])
    assert isinstance(result.exception, InputError)
    assert result.exit_code == 1
    assert result.exc_info is not None  # the traceback is kept, not swallowed
