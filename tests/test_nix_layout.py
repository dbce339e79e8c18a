"""The Nix nixgen writes is laid out as the flake's formatter lays it out, as far as this machine
can check without nixfmt (not installable here: not on PyPI, npm or crates.io, not in this
Debian): no line wider than nixfmt's 100 columns but those nixfmt cannot break (comments, the
lines of '' strings, a lone string), and the static Nix of templates/nix/ parses on its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from support.env import FIXTURES
from support.nixeval import nix_available, nix_env
from support.projects import copy_fixture, offline_fetchers

from nixgen.emit.render import NIX_WIDTH, templates_dir
from nixgen.errors import NixgenError
from nixgen.pipeline import InitOptions, plan_init

STATIC = sorted((templates_dir() / "nix").glob("*.nix"))
# dynamic_options computes its Rustler options: init stops until nixgen.toml names them
# (tests/test_init.py covers that), so it has no output to measure.
NO_INIT = {"dynamic_options"}
FIXTURE_DIRS = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "mix.exs").is_file() and p.name not in NO_INIT
)
# A line nixfmt leaves as it is: a comment, or one string literal (with `=` or `;`).
_UNBREAKABLE = re.compile(r'\s*(#.*|"(?:[^"\\]|\\.)*"\s*(=|;)?)')
_IND_QUOTES = re.compile(r"'''|''[$\\]|''")


def wide_lines(text: str) -> list[str]:
    """The lines over nixfmt's width that it could break."""
    wide = []
    inside = False  # in a '' string
    for line in text.splitlines():
        starts_inside = inside
        for quote in _IND_QUOTES.findall(line.split("#")[0] if not inside else line):
            if quote == "''":
                inside = not inside
        if len(line) <= NIX_WIDTH or starts_inside or _UNBREAKABLE.fullmatch(line):
            continue
        wide.append(line)
    return wide


def generated(name: str, tmp_path: Path) -> dict[str, str]:
    root = copy_fixture(name, tmp_path)
    changes = plan_init(root, InitOptions(), force=True, fetchers=offline_fetchers(root))
    return {c.path: c.new for c in changes if c.path.endswith(".nix")}


@pytest.mark.parametrize("name", sorted(NO_INIT))
def test_the_fixtures_left_out_do_not_init(name: str, tmp_path: Path) -> None:
    with pytest.raises(NixgenError):
        generated(name, tmp_path)


def test_the_checker_finds_a_wide_line() -> None:
    assert wide_lines("x = " + "a" * NIX_WIDTH + ";\n")
    assert not wide_lines("# " + "a" * NIX_WIDTH + "\n")
    assert not wide_lines("x = ''\n  " + "a" * NIX_WIDTH + "\n'';\n")
    assert not wide_lines('  "' + "a" * NIX_WIDTH + '" =\n')


@pytest.mark.parametrize("name", FIXTURE_DIRS)
def test_no_generated_line_is_wider_than_nixfmt_allows(name: str, tmp_path: Path) -> None:
    files = generated(name, tmp_path)
    assert files
    for path, text in files.items():
        assert wide_lines(text) == [], path


@pytest.mark.parametrize("path", STATIC, ids=lambda p: p.name)
def test_static_nix_is_narrow(path: Path) -> None:
    assert wide_lines(path.read_text(encoding="utf-8")) == []


@pytest.mark.skipif(not nix_available(), reason="needs nix-instantiate (Debian's nix-bin)")
@pytest.mark.parametrize("path", STATIC, ids=lambda p: p.name)
def test_static_nix_parses_on_its_own(path: Path) -> None:
    """Each file is a closed function of what it takes from nix/nifs.nix's `let`."""
    result = subprocess.run(
        ["nix-instantiate", "--parse", str(path)],
        capture_output=True,
        text=True,
        env=nix_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
