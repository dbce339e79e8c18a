"""Golden-file comparison shared by the snapshot tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare `actual` with the golden file at `path` (or rewrite it with --update-golden)."""
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(
                f"golden file {path} was missing and has been written; review and commit it"
            )
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; rerun with `pytest --update-golden` if intended"
