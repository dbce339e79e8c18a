"""Shared pytest options and fixtures: golden-file regeneration and the shared corpus."""

from __future__ import annotations

import pytest
from support.env import CORPUS, CORPUS_ABSENT, NEEDS, missing_tools


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files (fixtures/*/expected/*) from the current output",
    )


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
