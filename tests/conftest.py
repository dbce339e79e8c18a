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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = {
        "corpus": (not CORPUS.is_dir(), f"the shared corpus is absent ({CORPUS})"),
        "nix": (shutil.which("nix-instantiate") is None, "nix-bin is not installed"),
        "elixir": (
            shutil.which("mix") is None or shutil.which("cargo") is None,
            "elixir/mix or cargo is not installed",
        ),
        "rehearsal": (
            shutil.which("mix") is None
            or shutil.which("cargo") is None
            or shutil.which("nix") is None,
            "elixir/mix, cargo or nix is not installed",
        ),
    }
    for item in items:
        for marker, (absent, reason) in skips.items():
            if absent and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
