"""The command-line shell: help, version, entry points and error handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.env import missing_tool

from nixgen import __version__
from nixgen.cli import main


def commands() -> list[str]:
    return sorted(main.commands)


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"nixgen, version {__version__}\n"


@pytest.mark.parametrize(
    "command", [[], *([c] for c in commands())], ids=lambda c: " ".join(c) or "nixgen"
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    assert command == [] or (main.commands[command[0]].help or "") != ""


def test_the_group_has_the_documented_commands() -> None:
    """The help test above covers whatever the group holds; this keeps it from holding none."""
    assert {"show", "init", "update", "check"} <= set(commands())


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    for name in commands():
        assert name in result.output


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nixgen", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"nixgen, version {__version__}"


def test_missing_mix_exs_is_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a mix project\n")
    result = CliRunner().invoke(main, ["show", str(tmp_path)])
    assert result.exit_code == 2
    assert "no mix.exs found" in result.output
    assert "Traceback" not in result.output


def test_not_a_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["show", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_quiet_init_prints_nothing(tmp_path: Path) -> None:
    import shutil

    from support.env import FIXTURES

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "single_crate", root, ignore=shutil.ignore_patterns("expected"))
    result = CliRunner().invoke(main, ["-q", "init", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    assert (root / "flake.nix").is_file()
    loud = CliRunner().invoke(main, ["init", str(root)])
    assert "unchanged  flake.nix" in loud.stdout


def test_notes_go_to_stderr_without_colour_off_a_terminal(tmp_path: Path) -> None:
    import shutil

    from support.env import FIXTURES

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "single_crate", root, ignore=shutil.ignore_patterns("expected"))
    native = root / "lib" / "single" / "native.ex"
    native.write_text(native.read_text() + '\n# reads System.get_env("PRECOMPILED_NIF") itself\n')
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "note: Single.Native already reads PRECOMPILED_NIF" in result.stderr
    assert "\x1b[" not in result.stderr


def test_show_lists_unknown_sys_crates_with_the_fix(tmp_path: Path) -> None:
    import shutil

    from support.env import FIXTURES

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "single_crate", root, ignore=shutil.ignore_patterns("expected"))
    lock = root / "native" / "single_nif" / "Cargo.lock"
    lock.write_text(
        lock.read_text() + '\n[[package]]\nname = "frobnicate-sys"\nversion = "0.3.1"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
        f'checksum = "{"ab" * 32}"\n'
    )
    result = CliRunner().invoke(main, ["show", str(root)])
    assert result.exit_code == 0, result.output
    assert "! unknown -sys crates frobnicate-sys 0.3.1" in result.stdout
    assert "nix/overrides.nix" in result.stdout
    document = CliRunner().invoke(main, ["show", "--json", str(root)]).stdout
    assert '"unknown_sys": [\n        "frobnicate-sys 0.3.1"' in document


def test_generate_lockfiles_runs_cargo_for_a_crate_without_lock(tmp_path: Path) -> None:
    import shutil

    if shutil.which("cargo") is None:
        pytest.skip(missing_tool("cargo"))
    root = tmp_path / "example"
    example = Path(__file__).resolve().parents[1] / "example"
    shutil.copytree(example, root)
    lock = root / "native" / "example_nif" / "Cargo.lock"
    lock.unlink()
    refused = CliRunner().invoke(main, ["init", str(root)])
    assert refused.exit_code == 2
    assert "--generate-lockfiles" in refused.stderr
    result = CliRunner().invoke(main, ["init", "--generate-lockfiles", str(root)])
    assert result.exit_code == 0, result.output
    assert lock.is_file() and 'name = "example_nif"' in lock.read_text()
    assert (root / "nix" / "nifs.nix").is_file()
