"""Memory on a large lock (issue 13: peak under 10x the input at 20,000 entries).

The peak itself is what `python bench/bench.py --growth` reports; its absolute value depends on
the interpreter and the C library (Python and nixgen's imports alone are ~35 MB), so here each
command's peak on a small synthetic project is subtracted from its peak on a 20,000-entry one:
what nixgen holds per byte of input must stay well under the target. Holding the whole normal
form of deps.nix, jinja2's list of pieces, or `show --json`'s document would each add several
bytes per byte of input.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.env import REPO
from support.peak_memory import peak_kib
from support.synthetic import write_project

from nixgen import memory
from nixgen.cli import main

pytestmark = pytest.mark.skipif(peak_kib() is None, reason="needs Linux's /proc/self/status")

PEAK_MEMORY = REPO / "tests" / "support" / "peak_memory.py"
SMALL, LARGE = 500, 20_000
# Peak memory beyond the small project's, per byte of input beyond it. Measured 2026-11-30
# (x86_64, Python 3.11.7, glibc): update 4.6, check 4.5, deps 4.6, show --json 4.3; before the
# memory work of issue 13, about 21 (update) and 30 (show --json).
MAX_GROWTH = 7.0


def nixgen(args: list[str], peak_file: Path | None = None) -> int:
    """Run nixgen in a child (by peak_memory.py when `peak_file` is given); its exit code."""
    command = [sys.executable, str(PEAK_MEMORY), str(peak_file), *args]
    if peak_file is None:
        command = [sys.executable, "-m", "nixgen", *args]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert done.returncode in (0, 1), done.stderr  # check: 1 when something would change
    return done.returncode


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, int]]:
    """A synthetic project of each size after `init`, and its input size (mix.lock, mix.exs)."""
    found = {}
    for entries in (SMALL, LARGE):
        root = write_project(tmp_path_factory.mktemp(f"lock{entries}") / "p", entries)
        (root / "nixgen.toml").write_text('otp = "28"\nelixir = "1.19"\n', encoding="utf-8")
        assert nixgen(["-q", "init", str(root)]) == 0
        found[entries] = root, sum((root / f).stat().st_size for f in ("mix.lock", "mix.exs"))
    return found


def peak(tmp_path: Path, command: str, root: Path) -> int:
    peak_file = tmp_path / "peak"
    nixgen(["-q", *command.split(), str(root)], peak_file)
    return int(peak_file.read_text(encoding="ascii")) * 1024


@pytest.mark.parametrize("command", ["update", "check", "deps", "show --json"])
def test_memory_per_byte_of_input_stays_low(
    tmp_path: Path, projects: dict[int, tuple[Path, int]], command: str
) -> None:
    (small, small_size), (large, large_size) = projects[SMALL], projects[LARGE]
    assert large_size > 7_000_000  # the size the target is about
    growth = (peak(tmp_path, command, large) - peak(tmp_path, command, small)) / (
        large_size - small_size
    )
    assert growth < MAX_GROWTH, f"{command}: {growth:.1f} bytes per byte of input"


def test_the_measure_sees_what_a_command_holds(tmp_path: Path) -> None:
    """peak_memory.py reports the child's own peak, not the parent's (which wait4 would)."""
    ballast = bytearray(64 << 20)  # this process: 64 MiB more
    ballast[::4096] = b"x" * len(ballast[::4096])
    peak_file = tmp_path / "peak"
    assert nixgen(["--version"], peak_file) == 0
    assert int(peak_file.read_text(encoding="ascii")) * 1024 < 48 << 20
    del ballast


def test_a_large_lock_fixes_the_c_librarys_threshold(tmp_path: Path) -> None:
    (tmp_path / "mix.lock").write_text("%{\n}\n", encoding="utf-8")
    assert memory.prepare_for(tmp_path) is False  # small: nothing done, no ctypes
    assert memory.prepare_for(tmp_path / "absent") is False
    (tmp_path / "mix.lock").write_bytes(b" " * memory.LARGE_LOCK)
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert memory.prepare_for(tmp_path) is glibc


@pytest.mark.parametrize("command", [["show", "--json"], ["update"], ["check"], ["deps"]])
def test_each_command_prepares_memory_for_the_project_it_reads(
    projects: dict[int, tuple[Path, int]], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    seen: list[Path] = []
    monkeypatch.setattr(memory, "prepare_for", seen.append)
    root = projects[SMALL][0]
    result = CliRunner().invoke(main, ["-q", *command, str(root)])
    assert result.exit_code == 0, result.output
    assert seen == [root]
