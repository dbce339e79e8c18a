"""Shared by the tests (moved from test_init.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from nixgen.fetch.stage import Fetchers
from nixgen.model import MixProject
from nixgen.pipeline import InitOptions, plan_init
from nixgen.resolve.project import load_project
from nixgen.write import apply_changes
from support.env import FIXTURES
from support.fakes import fake_fetchers


def bare_app(**fields: Any) -> MixProject:
    """A Mix project `a` 1.0.0 in the root with nothing declared, but `fields`."""
    defaults: dict[str, Any] = dict(
        dir=".", app="a", version="1.0.0", elixir=None, deps=(), releases=(), apps_path=None,
        aliases=(), lockfile="mix.lock", config_dir=None, rustler_modules=(),
    )  # fmt: skip
    return MixProject(**(defaults | fields))


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("expected"))
    return target


def offline_fetchers(root: Path) -> Fetchers:
    """Offline fetchers for the project at `root` (fake checkouts where its mix.lock says)."""
    return fake_fetchers(load_project(root))


def init(root: Path, options: InitOptions | None = None, force: bool = False) -> None:
    apply_changes(
        root,
        plan_init(root, options or InitOptions(), force=force, fetchers=offline_fetchers(root)),
    )


# Fixtures and what their release must copy (destination relative to the release source).
INIT_FIXTURES = {
    "single_crate": ["priv/native/libsingle_nif.so"],
    "root_workspace": ["priv/native/ws_nif.so"],
    "two_crates": ["priv/native/libfast.so", "priv/native/libslow.so"],
    "umbrella": ["apps/native_app/priv/native/libumbrella_nif.so"],
    "precompiled": ["priv/native/libprecomp_nif.so"],
    "deps_git": [],
}
