"""Golden files of every file `nixgen init` writes for each init fixture: the generated Nix
(without the header's version and checksum), nixgen.toml, nix/overrides.nix and config.exs.

Regenerate them with `pytest tests/test_init_golden.py --update-golden` and review the diff.
A file the fixture's own golden already holds (expected/deps.nix or expected/nifs.nix, written by
tests/test_deps_nix.py and tests/test_nifs.py from the same inputs) is compared with that one
instead of being kept twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.env import FIXTURES
from support.golden import check_golden_tree, without_header
from support.projects import INIT_FIXTURES, copy_fixture, offline_fetchers

from nixgen.pipeline import InitOptions, plan_init
from nixgen.write import apply_changes


def init_outputs(name: str, tmp_path: Path) -> dict[str, str]:
    """{path: text} of every file init creates or changes in a copy of fixture `name`."""
    root = copy_fixture(name, tmp_path)
    changes = plan_init(root, InitOptions(), force=False, fetchers=offline_fetchers(root))
    apply_changes(root, changes)
    written = [c.path for c in changes if c.action in ("create", "update")]
    return {p: without_header((root / p).read_text(encoding="utf-8")) for p in written}


@pytest.mark.parametrize("name", sorted(INIT_FIXTURES))
def test_init_golden(name: str, tmp_path: Path, update_golden: bool) -> None:
    outputs = init_outputs(name, tmp_path)
    assert {"flake.nix", "nix/release.nix", "nix/deps.nix", "nix/nifs.nix"} <= set(outputs)
    assert {"nix/overrides.nix", "nixgen.toml"} <= set(outputs)
    expected = FIXTURES / name / "expected"
    for path in ("nix/deps.nix", "nix/nifs.nix"):
        stage_golden = expected / path.removeprefix("nix/")
        if stage_golden.exists() and _body(stage_golden) == outputs[path]:
            del outputs[path]  # the stage golden is this file: a change fails as a missing golden
    check_golden_tree(expected / "init", outputs, update_golden)


def _body(path: Path) -> str:
    return without_header(path.read_text(encoding="utf-8"))
