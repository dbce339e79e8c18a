"""Shared by the tests (moved from test_init.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from nixgen.fetch.checkouts import GitSources
from nixgen.generate import Tools
from nixgen.pipeline import InitOptions, plan_init
from nixgen.resolve.project import load_project
from nixgen.write import apply_changes
from support.depseval import fake_checkouts, fake_hex_hash
from support.env import FIXTURES
from support.fakes import FakePrefetcher


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("expected"))
    return target


def fake_tools(root: Path) -> Tools:
    return Tools(GitSources(fake_checkouts(load_project(root))), FakePrefetcher(), fake_hex_hash)


def init(root: Path, options: InitOptions | None = None, force: bool = False) -> None:
    apply_changes(root, plan_init(root, options or InitOptions(), force=force,
                                  tools=fake_tools(root)))
