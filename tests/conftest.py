"""Shared pytest options and fixtures: golden-file regeneration and the shared corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files (fixtures/*/expected/*) from the current output",
    )


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {marker: missing_tools(*tools) for marker, tools in NEEDS.items()}
    reasons["corpus"] = None if CORPUS.is_dir() else CORPUS_ABSENT
    for item in items:
        for marker, reason in reasons.items():
            if reason is not None and marker in item.keywords:
                # First, so that it wins over pytest's "got empty parameter set" for a test
                # parametrized over the (absent) corpus's projects.
                item.add_marker(pytest.mark.skip(reason=reason), append=False)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
