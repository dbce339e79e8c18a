"""Where the test inputs are, and which tools each test tier needs (one wording of a skip)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"


# How to get each tool a test tier needs (Debian package names; .ci/run installs them).
TOOLS = {
    "nix-instantiate": "nix-bin",
    "nix": "nix-bin",
    "nix-hash": "nix-bin",
    "nix-store": "nix-bin",
    "mix": "elixir",
    "elixir": "elixir",
    "cargo": "cargo",
}
# The tools each marker needs.
NEEDS = {
    "nix": ("nix-instantiate",),
    "elixir": ("mix", "cargo"),
    "rehearsal": ("mix", "cargo", "nix"),
}


def missing_tool(tool: str) -> str:
    """The one wording of a skip for a tool that is not on PATH."""
    return f"`{tool}` is not on PATH (Debian: apt-get install {TOOLS[tool]}; see .ci/run)"


def missing_tools(*tools: str) -> str | None:
    """The skip reason for the absent ones among `tools`, or None when all are there."""
    absent = [missing_tool(t) for t in tools if shutil.which(t) is None]
    return "; ".join(absent) or None


CORPUS_ABSENT = f"the shared corpus is absent ({CORPUS})"
