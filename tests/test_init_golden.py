"""Golden files of every file `nixgen init` writes for each init fixture: the generated Nix
(without the header's version and checksum), nixgen.toml, nix/overrides.nix and config.exs.

Regenerate them with `pytest tests/test_init_golden.py --update-golden` and review the diff.
A file the fixture's own golden already holds (expected/deps.nix or expected/nifs.nix, written by
tests/test_deps_nix.py and tests/test_nifs.py from the same inputs) is compared with that one
instead of being kept twice. The NixOS module files differ between fixtures only by the service
name where the project has no Phoenix port or migration: those are compared with single_crate's,
the name replaced, and kept once.
"""

from __future__ import annotations

import re
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
    if name != REFERENCE:
        service = _service(outputs[MODULE_FILES[0]])
        for path in MODULE_FILES:
            if outputs[path] == _renamed(REFERENCE, path, service):
                del outputs[path]  # as single_crate's: a change fails there
    check_golden_tree(expected / "init", outputs, update_golden)


REFERENCE = "single_crate"
MODULE_FILES = ("nix/module.nix", "nix/module-test.nix")
_SERVICE = re.compile(r"^  cfg = config\.services\.([A-Za-z0-9_]+);$", re.MULTILINE)


def _service(module: str) -> str:
    found = _SERVICE.search(module)
    assert found, "nix/module.nix names no service"
    return found[1]


def _renamed(fixture: str, path: str, service: str) -> str:
    """The reference fixture's module file for another service name (its name is a word)."""
    reference = _body(FIXTURES / fixture / "expected" / "init" / path)
    old = _service(_body(FIXTURES / fixture / "expected" / "init" / MODULE_FILES[0]))
    return re.sub(rf"\b{re.escape(old)}\b", service, reference)


def _body(path: Path) -> str:
    return without_header(path.read_text(encoding="utf-8"))
