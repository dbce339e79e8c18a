"""`nix fmt` is not a hand edit: the header checksum and `check` compare a normal form of the Nix
text (nixgen.normalize) that a formatter cannot change, and a real edit is still detected.

nixfmt itself is not installable here (neither on PyPI, npm, crates.io nor in this Debian), so
`nixfmt_like` (tests/support/nixfmt.py) applies the kinds of change it makes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.nixfmt import nixfmt_like
from support.projects import copy_fixture, init

from nixgen.cli import main
from nixgen.normalize import normal_form
from nixgen.write import HEADER_LINES, body_checksum, inspect, with_header

GENERATED = ("flake.nix", "nix/deps.nix", "nix/nifs.nix", "nix/release.nix")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


SAMPLE = """{ lib, pkgs }:
let
  x = [
    "a"
    "b"
  ];
  y = [ "c" "d" ];
  # a comment
  script = ''
    echo ${lib.escapeShellArg "a  b"}
      indented
  '';
in
{ inherit x y; z = "  spaced  ${toString 1}"; }
"""


def test_a_reformatted_text_has_the_same_normal_form() -> None:
    reformatted = nixfmt_like("#\n#\n#\n" + SAMPLE)
    assert reformatted != "#\n#\n#\n" + SAMPLE
    assert '[ "a" "b" ]' in reformatted and '"c"\n' in reformatted
    assert normal_form(reformatted) == normal_form("#\n#\n#\n" + SAMPLE)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('"a"', '"b"'),  # a string
        ('"  spaced  ', '" spaced  '),  # whitespace inside a "…" string
        ("inherit x y;", "inherit x;"),  # a token
        ("# a comment", "# another comment"),  # a comment
        ("echo ${", "echo -n ${"),  # a word inside a '' string
        ('"a  b"', '"a b"'),  # a string inside an interpolation
    ],
)
def test_a_real_edit_changes_the_normal_form(before: str, after: str) -> None:
    assert SAMPLE.count(before) == 1
    assert normal_form(SAMPLE.replace(before, after)) != normal_form(SAMPLE)


def test_words_do_not_join() -> None:
    assert normal_form("inherit lib;") != normal_form("inheritlib;")
    assert normal_form("{ a = b; }") == normal_form("{a=b;}")


def test_a_header_written_by_an_older_nixgen_still_verifies() -> None:
    """Before the normal form, the checksum was the digest of the body as written."""
    body = "{ lib }:\n{\n  x = 1;\n}\n"
    old = hashlib.sha256(body.encode()).hexdigest()
    text = with_header(body, "nixgen update")
    lines = text.split("\n", HEADER_LINES)
    older = "\n".join([*lines[:2], f"# nixgen-checksum: sha256:{old}", lines[3]])
    assert old != body_checksum(body)
    assert inspect(older).state == "generated"
    assert inspect(older.replace("x = 1", "x = 2")).state == "edited"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    return root


def reformat(root: Path) -> None:
    for path in GENERATED:
        target = root / path
        text = target.read_text()
        target.write_text(nixfmt_like(text))
        assert target.read_text() != text, path


def test_check_passes_and_update_keeps_a_reformatted_project(project: Path) -> None:
    reformat(project)
    texts = {path: (project / path).read_text() for path in GENERATED}
    for path in GENERATED:
        assert inspect(texts[path]).state == "generated", path
    result = run("check", project)
    assert result.exit_code == 0, result.output
    result = run("update", project)
    assert result.exit_code == 0, result.output
    assert {path: (project / path).read_text() for path in GENERATED} == texts


def test_update_rewrites_a_reformatted_file_when_inputs_change(project: Path) -> None:
    reformat(project)
    lock = project / "mix.lock"
    lock.write_text(lock.read_text().replace(':toml, "0.7.0"', ':toml, "0.7.1"'))
    assert run("check", project).exit_code == 1
    result = run("update", project)
    assert result.exit_code == 0, result.output
    assert '"0.7.1"' in (project / "nix/deps.nix").read_text()


def test_a_real_edit_of_a_reformatted_file_is_refused(project: Path) -> None:
    reformat(project)
    target = project / "nix/nifs.nix"
    target.write_text(target.read_text().replace('"--locked"', '"--frozen"', 1))
    result = run("check", project)
    assert result.exit_code == 1
    assert "nix/nifs.nix was edited by hand since nixgen wrote it" in result.stderr
    assert run("update", project).exit_code == 2
