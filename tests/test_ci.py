"""`nixgen init --ci github` and `nixgen ci`: the workflow parses as YAML, its steps are the
commands README.md documents, and it is written once (the user's afterwards)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from support.env import REPO
from support.projects import copy_fixture, offline_fetchers

from nixgen import __version__
from nixgen.cli import main
from nixgen.constants import GITHUB_WORKFLOW_FILE
from nixgen.emit.ci import check_command, ci_files, plan_ci
from nixgen.pipeline import InitOptions, plan_init
from nixgen.write import apply_changes


def workflow() -> dict[Any, Any]:
    parsed = yaml.safe_load(ci_files("github")[GITHUB_WORKFLOW_FILE])
    assert isinstance(parsed, dict)
    return parsed


def readme_ci_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n### CI\n") :]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block, "README's CI section lists the workflow's commands in a sh block"
    return block.group(1).replace("<version>", __version__).splitlines()


def test_workflow_runs_the_documented_commands() -> None:
    parsed = workflow()
    # YAML 1.1 reads the key `on` as True
    assert set(parsed[True]) == {"push", "pull_request"}
    [job] = parsed["jobs"].values()
    steps = job["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "cachix/install-nix-action"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == readme_ci_commands()
    assert runs[0] == check_command() == f"nix run github:OWNER/nixgen/v{__version__} -- check"


def test_workflow_cache_is_a_commented_choice() -> None:
    text = ci_files("github")[GITHUB_WORKFLOW_FILE]
    assert "# - uses: cachix/cachix-action@" in text
    assert "cachix-action" not in str(workflow())  # commented out: not part of the parsed file
    assert "${{ secrets.GITHUB_TOKEN }}" in text


def test_check_command_pins_the_tag_of_the_version() -> None:
    assert check_command("1.2.3") == "nix run github:OWNER/nixgen/v1.2.3 -- check"


def test_init_ci_github_writes_the_workflow_once(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["init", "--ci", "github", str(root)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    target = root / GITHUB_WORKFLOW_FILE
    assert target.read_text(encoding="utf-8") == ci_files("github")[GITHUB_WORKFLOW_FILE]
    target.write_text("name: mine\n", encoding="utf-8")
    again = runner.invoke(main, ["init", "--ci", "github", str(root)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    ci = runner.invoke(main, ["ci", str(root)], catch_exceptions=False)
    assert ci.exit_code == 0 and "unchanged  .github/workflows/nix.yml" in ci.output
    assert target.read_text(encoding="utf-8") == "name: mine\n"
    check = runner.invoke(main, ["check", str(root)], catch_exceptions=False)
    assert check.exit_code == 0, check.output  # the workflow is not a generated file


def test_ci_command_creates_the_workflow_in_an_initialised_project(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    apply_changes(
        root, plan_init(root, InitOptions(), force=False, fetchers=offline_fetchers(root))
    )
    assert not (root / ".github").exists()  # init without --ci writes no workflow
    [change] = plan_ci(root, "github")
    assert (change.path, change.action) == (GITHUB_WORKFLOW_FILE, "create")
    result = CliRunner().invoke(main, ["ci", str(root)], catch_exceptions=False)
    assert result.exit_code == 0 and "create  .github/workflows/nix.yml" in result.output
    assert yaml.safe_load((root / GITHUB_WORKFLOW_FILE).read_text(encoding="utf-8"))["jobs"]


def test_ci_refuses_a_linked_workflow_directory(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / ".github").symlink_to(outside)
    result = CliRunner().invoke(main, ["ci", str(root)])
    assert result.exit_code == 2 and not any(outside.iterdir())
    shutil.rmtree(outside)
