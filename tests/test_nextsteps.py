"""`init`'s next steps come from what happened; -v logs decisions; NO_COLOR; coloured diffs."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.env import REPO

from nixgen.cli import main
from nixgen.nextsteps import GitFiles, next_steps
from nixgen.write import Change

EXAMPLE = REPO / "example"
LOCK = "native/example_nif/Cargo.lock"
CHANGES = [
    Change("flake.nix", "create", None, "x"),
    Change("nix/overrides.nix", "unchanged", "y", "y"),
    Change("lib/my_app/nixgen_rustler.ex", "create", None, "m"),
    Change("config/config.exs", "unchanged", "c", "c"),
]


def test_without_git_lists_what_this_run_wrote_and_the_locks() -> None:
    steps = next_steps(Path("."), CHANGES, [LOCK], None)
    assert "  cd " not in steps.text
    add = f"  git add flake.nix lib/my_app/nixgen_rustler.ex {LOCK}"
    assert add in steps.text.splitlines()
    assert "config/config.exs" not in steps.text  # not edited by this run
    assert "  git add flake.lock" in steps.text
    assert steps.warning is None


def test_with_git_lists_what_git_does_not_track_and_warns_of_other_inputs() -> None:
    git = GitFiles(
        tracked=frozenset({"flake.nix", "flake.lock", "nix/overrides.nix", "mix.exs"}),
        untracked=("config/config.exs", LOCK, "lib/my_app.ex"),
    )
    steps = next_steps(Path("my app"), CHANGES, [LOCK], git)
    lines = steps.text.splitlines()
    assert "  cd 'my app'" in lines
    assert f"  git add config/config.exs lib/my_app/nixgen_rustler.ex {LOCK}" in lines
    assert not any(line.startswith("  git add flake.lock") for line in lines)  # tracked
    assert steps.warning is not None and "lib/my_app.ex" in steps.warning
    assert "config/config.exs" not in steps.warning


@pytest.mark.skipif(shutil.which("git") is None, reason="`git` is not on PATH")
def test_init_in_a_git_repository(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "mix.exs", "config"], cwd=root, check=True)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"  cd {root}" in lines
    add = next(line for line in lines if line.startswith("  git add ") and "flake.nix" in line)
    generated = ["flake.nix", "nix/deps.nix", "nix/nifs.nix", "nix/overrides.nix"]
    generated += ["nix/module.nix", "nix/module-test.nix"]
    # config/config.exs is tracked: its edit is seen without `git add`
    assert add.split()[2:] == sorted([*generated, "nix/release.nix", "nixgen.toml", LOCK])
    assert "git does not track" in result.stderr and "lib/example.ex" in result.stderr
    assert "mix.exs" not in result.stderr.split("them:")[1]


def test_verbose_logs_versions_and_skipped_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    caplog.set_level(logging.INFO)
    assert CliRunner().invoke(main, ["-v", "init", str(root)]).exit_code == 0
    assert any(r.getMessage().startswith("Erlang/OTP 28, Elixir 1.") for r in caplog.records)
    caplog.clear()
    assert CliRunner().invoke(main, ["-v", "init", str(root)]).exit_code == 0
    assert "nix/overrides.nix: unchanged, not written" in caplog.messages


def test_diffs_are_coloured_unless_no_color(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    coloured = CliRunner().invoke(main, ["init", "--dry-run", str(root)], color=True)
    assert "\x1b[32m+" in coloured.stdout, coloured.stdout
    plain = CliRunner().invoke(
        main, ["init", "--dry-run", str(root)], color=True, env={"NO_COLOR": "1"}
    )
    assert "\x1b[" not in plain.stdout and "\n+" in plain.stdout
    piped = CliRunner().invoke(main, ["init", "--dry-run", str(root)])  # not a terminal
    assert "\x1b[" not in piped.stdout
