"""`nixgen update` and `nixgen check`: regeneration, summaries, refusals, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.env import FIXTURES
from support.projects import copy_fixture, init, offline_fetchers

from nixgen.cli import main
from nixgen.errors import NixgenError
from nixgen.pipeline import plan_update, summarize
from nixgen.write import apply_changes


def update(root: Path, force: bool = False) -> list[str]:
    changes = plan_update(root, force=force, fetchers=offline_fetchers(root))
    apply_changes(root, changes)
    return summarize(changes)


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    return root


def add_jason(root: Path) -> None:
    """Require jason (already in the fixture's lock as rustler's optional dep) in mix.exs."""
    mix_exs = root / "mix.exs"
    mix_exs.write_text(
        mix_exs.read_text().replace(
            '{:rustler, "~> 0.36.1", runtime: false}',
            '{:rustler, "~> 0.36.1", runtime: false},\n      {:jason, "~> 1.4"}',
        )
    )


def test_init_then_update_changes_nothing(project: Path) -> None:
    before = snapshot(project)
    assert update(project) == []
    assert snapshot(project) == before


def test_update_after_an_added_and_bumped_dep(project: Path) -> None:
    add_jason(project)
    assert "jason" in (project / "mix.exs").read_text()
    lines = update(project)
    assert "dep added: jason 1.4.4" in lines
    assert "update: nix/deps.nix" in lines
    lock = project / "mix.lock"
    lock.write_text(
        lock.read_text()
        .replace('"jason", "1.4.4"', '"jason", "1.4.5"')
        .replace(':jason, "1.4.4"', ':jason, "1.4.5"')
    )
    assert "dep bumped: jason 1.4.4 -> 1.4.5" in update(project)


def test_update_after_a_removed_dep(project: Path) -> None:
    add_jason(project)
    update(project)
    mix_exs = project / "mix.exs"
    mix_exs.write_text(mix_exs.read_text().replace(',\n      {:jason, "~> 1.4"}', ""))
    assert "dep removed: jason 1.4.4" in update(project)


def test_update_after_an_added_crate(tmp_path: Path) -> None:
    root = copy_fixture("two_crates", tmp_path)
    slow = root / "lib" / "two" / "native.ex"
    original = slow.read_text()
    slow.write_text(original.split("defmodule Two.Slow")[0])
    shutil.rmtree(root / "expected", ignore_errors=True)
    init(root)
    slow.write_text(original)
    lines = update(root)
    assert "crate added: slow" in lines
    assert "update: nix/release.nix" in lines


def test_hand_edited_file_is_refused_then_forced(project: Path) -> None:
    deps = project / "nix" / "deps.nix"
    deps.write_text(deps.read_text().replace('"toml"', '"tomll"'))
    add_jason(project)
    with pytest.raises(NixgenError) as info:
        update(project)
    assert "nix/deps.nix (was edited by hand since nixgen wrote it)" in str(info.value)
    assert "tomll" in deps.read_text()
    update(project, force=True)
    assert "tomll" not in deps.read_text() and "jason" in deps.read_text()


def test_user_files_are_never_touched(project: Path) -> None:
    overrides = project / "nix" / "overrides.nix"
    overrides.write_text("{ }\n")
    add_jason(project)
    update(project)
    assert overrides.read_text() == "{ }\n"


def test_failure_mid_generation_leaves_previous_files(project: Path) -> None:
    before = snapshot(project)
    (project / "native" / "single_nif" / "Cargo.toml").write_text("[package\n")
    with pytest.raises(NixgenError):
        update(project)
    after = snapshot(project)
    after.pop("native/single_nif/Cargo.toml")
    before.pop("native/single_nif/Cargo.toml")
    assert after == before


def test_update_without_init_says_so(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    result = CliRunner().invoke(main, ["update", str(root)])
    assert result.exit_code == 2
    assert "no nixgen.toml" in result.stderr and "nixgen init" in result.stderr


def test_check_exit_codes(project: Path) -> None:
    # single_crate has no git sources: check needs no tools that fetch.
    ok = CliRunner().invoke(main, ["check", str(project)])
    assert ok.exit_code == 0, ok.output
    add_jason(project)
    stale = CliRunner().invoke(main, ["check", str(project)])
    assert stale.exit_code == 1
    assert "+++ b/nix/deps.nix" in stale.stdout and "jason" in stale.stdout
    assert "out of date" in stale.stderr
    (project / "mix.lock").write_text("%{")
    broken = CliRunner().invoke(main, ["check", str(project)])
    assert broken.exit_code == 2
    assert "mix.lock:1:" in broken.stderr


def test_update_dry_run_writes_nothing(project: Path) -> None:
    add_jason(project)
    before = snapshot(project)
    result = CliRunner().invoke(main, ["update", "--dry-run", str(project)])
    assert result.exit_code == 0, result.output
    assert "jason" in result.output
    assert snapshot(project) == before


def test_fixtures_dir_is_untouched() -> None:
    assert not (FIXTURES / "single_crate" / "flake.nix").exists()
