"""Shared by the tests (moved from test_hostile.py)."""

from __future__ import annotations

from pathlib import Path

from nixgen.fetch.stage import Fetchers
from nixgen.pipeline import InitOptions, plan_init
from nixgen.write import apply_changes
from support.fakes import FakeCheckouts, FakePrefetcher, default_mix_exs, fake_hex_hash
from support.projects import copy_fixture, offline_fetchers

# Every character a Nix string ("..." or ''...''), a shell word or an Elixir string must escape.
NASTY = "${x}\"q''\\ 'é日本😀"


REV = "0123456789abcdef0123456789abcdef01234567"


RUSTLER_DEP = '{:rustler, "~> 0.36.1", runtime: false}'


CRATE = "native/single_nif"


def project(tmp_path: Path) -> Path:
    """A fresh copy of fixtures/single_crate (app :single, crate native/single_nif)."""
    return copy_fixture("single_crate", tmp_path)


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    target.write_text(text.replace(old, new), encoding="utf-8")


def add_deps(root: Path, deps: str, lock_entries: str) -> None:
    """Append `deps` to mix.exs' deps list and `lock_entries` (lines) to mix.lock."""
    edit(root, "mix.exs", RUSTLER_DEP, f"{RUSTLER_DEP},\n      {deps}")
    edit(root, "mix.lock", "%{\n", "%{\n" + lock_entries)


def ex_str(text: str) -> str:
    """An Elixir string literal whose value is `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{")
    return '"' + escaped.replace("\n", "\\n").replace("\0", "\\0") + '"'


def generate(root: Path, fetchers: Fetchers | None = None) -> None:
    """`nixgen init` through the library with fake (offline) fetchers."""
    changes = plan_init(
        root, InitOptions(), force=False, fetchers=fetchers or offline_fetchers(root)
    )
    apply_changes(root, changes)


GIT_URL = f'https://example.invalid/a"b${{c}}\\d/{NASTY}/日本.git'


def with_git_dep(tmp_path: Path) -> tuple[Path, Fetchers]:
    """A git dep named `or` (a Nix keyword) at GIT_URL, locked, with a fake checkout."""
    root = project(tmp_path)
    add_deps(
        root,
        f"{{:or, git: {ex_str(GIT_URL)}, ref: {ex_str(REV)}}}",
        f'  "or": {{:git, {ex_str(GIT_URL)}, {ex_str(REV)}, [ref: {ex_str(REV)}]}},\n',
    )
    checkouts = FakeCheckouts(apps={GIT_URL: {"mix.exs": default_mix_exs("or", "1.2.3")}})
    return root, Fetchers(checkouts, FakePrefetcher(), fake_hex_hash)
