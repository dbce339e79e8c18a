"""Test tiers (tests/conftest.py): a missing tool or corpus is a skip with one clear reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support.env import missing_tool

CONFTEST = Path(__file__).with_name("conftest.py")
TIERED_TESTS = """
import pytest

@pytest.mark.corpus
@pytest.mark.parametrize("name", [])
def test_over_corpus_projects(name): ...

@pytest.mark.elixir
def test_needs_elixir(): ...

@pytest.mark.rehearsal
def test_needs_rehearsal(): ...
"""


def skip_reasons(tmp_path: Path) -> list[str]:
    """The `-rs` lines of a run, with the corpus absent and nothing on PATH."""
    tests = tmp_path / "project" / "tests"  # conftest's corpus: tmp_path/shared/corpus, absent
    tests.mkdir(parents=True)
    shutil.copyfile(CONFTEST, tests / "conftest.py")
    shutil.copytree(CONFTEST.parent / "support", tests / "support")
    (tests / "test_tiered.py").write_text(TIERED_TESTS, encoding="utf-8")
    (tmp_path / "empty-bin").mkdir()
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", str(tests)],
        cwd=tests,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if line.startswith("SKIPPED")]


def test_missing_corpus_and_tools_give_one_reason_each(tmp_path: Path) -> None:
    lines = skip_reasons(tmp_path)
    text = "\n".join(lines)
    assert len(lines) == 3, text
    assert "empty parameter set" not in text
    corpus = str(tmp_path / "shared" / "corpus")
    assert any(f"the shared corpus is absent ({corpus})" in line for line in lines), text
    mix, cargo, nix = missing_tool("mix"), missing_tool("cargo"), missing_tool("nix")
    assert any(line.endswith(f"{mix}; {cargo}") for line in lines), text
    assert any(line.endswith(f"{mix}; {cargo}; {nix}") for line in lines), text


def test_missing_tool_wording_names_the_package() -> None:
    assert missing_tool("cargo") == (
        "`cargo` is not on PATH (Debian: apt-get install cargo; see .ci/run)"
    )
    assert missing_tool("nix-instantiate").endswith("apt-get install nix-bin; see .ci/run)")
