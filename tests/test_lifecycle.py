"""`init`, `update` and `check` agree: init is a fixed point, nixgen.toml is honoured and
written back safely, the config.exs block never takes the user's lines, one run at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.env import FIXTURES
from support.fakes import FakeRunner
from support.projects import copy_fixture, init, offline_fetchers

from nixgen.cli import main
from nixgen.emit.glue import BEGIN, END
from nixgen.errors import InputError, NixgenError
from nixgen.fetch.cargo import generate_lockfiles
from nixgen.fetch.gateway import SubprocessRunner
from nixgen.lock import lock_path, project_lock
from nixgen.pipeline import InitOptions, out_of_date, plan_init, plan_update
from nixgen.resolve.project import load_project
from nixgen.settings import Settings, default_text, load_settings
from nixgen.write import apply_changes

USER_LINE = "config :logger, level: :info\n"


def test_init_then_check_without_a_config_directory(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    shutil.rmtree(root / "config")
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    assert "appConfigPath" in (root / "nix/deps.nix").read_text()
    result = runner.invoke(main, ["check", str(root)])
    assert result.exit_code == 0, result.output


def test_init_is_a_fixed_point_without_a_config_directory(tmp_path: Path) -> None:
    root = copy_fixture("two_crates", tmp_path)
    shutil.rmtree(root / "config", ignore_errors=True)
    init(root)
    assert out_of_date(plan_update(root, force=False, fetchers=offline_fetchers(root))) == []
    again = plan_init(root, InitOptions(), force=False, fetchers=offline_fetchers(root))
    assert {c.action for c in again} == {"unchanged"}


# --- config/config.exs markers -------------------------------------------------------------


def config_with(root: Path, text: str) -> Path:
    config = root / "config/config.exs"
    config.write_text(text)
    return config


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (f"import Config\n{BEGIN}\n{USER_LINE}", ["line 2"]),  # begin without end
        (f"import Config\n{USER_LINE}{END}\n", ["line 3"]),  # end without begin
        (f"import Config\n{END}\n{USER_LINE}{BEGIN}\n", ["line 2", "line 4"]),  # reversed
        (
            f"import Config\n{BEGIN}\nx\n{END}\n{USER_LINE}{BEGIN}\ny\n{END}\n",
            ["line 2", "line 4", "line 6", "line 8"],
        ),  # two pairs
        (
            f"import Config\n{BEGIN}\n{USER_LINE}# nixgen:end PRECOMPILED\n",
            ["line 2", "line 4"],
        ),  # damaged end
        (f"import Config\n  # nixgen:begin\n{USER_LINE}{END}\n", ["line 2", "line 4"]),
    ],
)
def test_broken_markers_are_an_input_error_naming_the_lines(
    tmp_path: Path, text: str, lines: list[str]
) -> None:
    root = copy_fixture("single_crate", tmp_path)
    config = config_with(root, text)
    with pytest.raises(InputError) as info:
        init(root)
    message = str(info.value)
    assert message.startswith("config/config.exs:")
    for line in lines:
        assert line in message
    assert config.read_text() == text  # nothing lost, nothing written
    assert not (root / "flake.nix").exists()


def test_user_lines_outside_the_pair_survive_init_and_update(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    config = config_with(root, f"import Config\n{USER_LINE}")
    init(root)
    text = config.read_text()
    config.write_text(text.replace(BEGIN, f"{USER_LINE}{BEGIN}") + USER_LINE)
    apply_changes(root, plan_update(root, force=False, fetchers=offline_fetchers(root)))
    assert config.read_text().count(USER_LINE) == 3
    assert config.read_text().count(BEGIN) == 1


# --- nixgen.toml ---------------------------------------------------------------------------


def test_rerun_of_init_keeps_the_settings_of_the_file(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root, InitOptions(mix_env="staging", elixir_glue=False))
    config_before = (root / "config/config.exs").read_text()
    init(root)
    settings = load_settings(root)
    assert settings is not None
    assert (settings.mix_env, settings.elixir_glue) == ("staging", False)
    assert (root / "config/config.exs").read_text() == config_before
    assert BEGIN not in config_before
    assert 'mixEnv = "staging"' in (root / "nix/release.nix").read_text()


def test_explicit_options_that_differ_are_written_back(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    settings_file = root / "nixgen.toml"
    settings_file.write_text(settings_file.read_text() + "# my note\n")
    result = CliRunner().invoke(main, ["init", "--env", "staging", "--libc", "gnu", str(root)])
    assert result.exit_code == 0, result.output
    text = settings_file.read_text()
    assert 'mix_env = "staging"' in text and 'libc = "gnu"' in text and "# my note" in text
    check = CliRunner().invoke(main, ["check", str(root)])
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("env", ['te"st', 'prod"\nelixir = "1.15', "Prod", "a b", ""])
def test_env_that_is_not_a_mix_env_name_is_refused(tmp_path: Path, env: str) -> None:
    root = copy_fixture("single_crate", tmp_path)
    result = CliRunner().invoke(main, ["init", "--env", env, str(root)])
    assert result.exit_code == 2, result.output
    assert "not a Mix environment name" in result.output
    assert "Traceback" not in result.output
    assert not (root / "nixgen.toml").exists()


@pytest.mark.parametrize("env", ['te"st', 'prod"\nelixir = "1.15'])
def test_settings_text_escapes_every_value(env: str) -> None:
    text = default_text(Settings(mix_env=env))
    data = tomllib.loads(text)
    assert data["mix_env"] == env and "elixir" not in data


def test_a_bad_mix_env_in_the_file_is_reported_with_its_line(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    settings_file = root / "nixgen.toml"
    settings_file.write_text(
        settings_file.read_text().replace('mix_env = "prod"', 'mix_env = "pr od"')
    )
    with pytest.raises(NixgenError) as info:
        load_settings(root)
    assert str(info.value).startswith("nixgen.toml:10:")


# --- --generate-lockfiles runs no program of the project's choosing ----------------------


def no_lock_project(tmp_path: Path, toolchain: str) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "invalid" / "nifs_no_cargo_lock", root)
    (root / "rust-toolchain.toml").write_text(toolchain)
    return root


def test_generate_lockfiles_pins_the_toolchain_nixgen_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RUSTUP_TOOLCHAIN", "RUSTC", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"):
        monkeypatch.delenv(name, raising=False)
    root = no_lock_project(tmp_path, '[toolchain]\nchannel = "1.95.0"\n')
    runner = FakeRunner({("cargo", "generate-lockfile"): ""})
    generate_lockfiles(load_project(root), runner, root)
    assert runner.calls[0].env == {
        "RUSTUP_TOOLCHAIN": "1.95.0",
        "RUSTC": "rustc",
        "RUSTC_WRAPPER": "",
        "RUSTC_WORKSPACE_WRAPPER": "",
    }


@pytest.mark.skipif(shutil.which("rustup") is None, reason="rustup is not installed")
def test_generate_lockfiles_refuses_a_path_toolchain(tmp_path: Path) -> None:
    evil = tmp_path / "evil" / "bin"
    evil.mkdir(parents=True)
    marker = tmp_path / "ran"
    for tool in ("cargo", "rustc"):
        (evil / tool).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (evil / tool).chmod(0o755)
    root = no_lock_project(tmp_path, f'[toolchain]\npath = "{evil.parent}"\n')
    with pytest.raises(InputError) as info:
        generate_lockfiles(load_project(root), SubprocessRunner(), root)
    assert str(info.value).startswith("rust-toolchain.toml: the toolchain file names no channel")
    assert not marker.exists()


# --- one writing run at a time -------------------------------------------------------------


def test_a_second_update_waits_for_the_first(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    (root / ".git").mkdir()
    with project_lock(root):
        second = subprocess.Popen(
            [sys.executable, "-m", "nixgen", "update", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        waiting = second.poll() is None  # waiting, not writing
    _, err = second.communicate(timeout=120)
    assert waiting and second.returncode == 0, err
    assert "another nixgen run is writing this project (it holds .git/nixgen.lock)" in err
    assert not (root / ".git/nixgen.lock").exists()


def test_the_lock_file_is_gone_after_a_run_and_never_in_the_listing(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert lock_path(root) == root / ".nixgen.lock"
    assert not lock_path(root).exists()
    (root / ".git").mkdir()
    assert lock_path(root) == root / ".git/nixgen.lock"


def test_a_symlink_at_the_lock_path_is_refused(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    (root / ".nixgen.lock").symlink_to(tmp_path / "elsewhere")
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 2
    assert ".nixgen.lock: cannot take the lock file: it is a symlink" in result.output
    assert not (tmp_path / "elsewhere").exists()


# --- a Cargo.lock that lacks a dependency (crane builds with --locked) ---------------------


@pytest.mark.parametrize(
    "table",
    [
        '[dependencies]\nserde = "1"\n',
        '[dependencies]\nserde = { version = "1", optional = true }\n',
        "[target.'cfg(windows)'.dependencies]\nserde = \"1\"\n",
        '[dev-dependencies]\nmy_serde = { package = "serde", version = "1" }\n',
    ],
)
def test_a_dependency_missing_from_cargo_lock_stops_init_and_check(
    tmp_path: Path, table: str
) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    manifest = root / "native/single_nif/Cargo.toml"
    text = manifest.read_text()
    if table.startswith("[dependencies]\n"):  # into the existing table
        text = text.replace('rustler = "0.36.1"\n', 'rustler = "0.36.1"\n' + table[15:])
    else:
        text += "\n" + table
    manifest.write_text(text)
    with pytest.raises(InputError) as info:
        init(root)
    assert str(info.value) == (
        "native/single_nif/Cargo.toml: serde is in Cargo.toml but not in "
        "native/single_nif/Cargo.lock: the Nix build runs cargo with --locked and would stop\n"
        "  hint: run `cargo update --workspace` in native/single_nif/ (locked versions stay) "
        "and commit the Cargo.lock"
    )
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2 and "serde is in Cargo.toml but not in" in result.output


def test_an_inherited_dependency_is_not_guessed(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    manifest = root / "native/single_nif/Cargo.toml"
    manifest.write_text(manifest.read_text() + "\n[build-dependencies]\ncc.workspace = true\n")
    project = load_project(root)
    assert [p.dependencies for p in project.cargo_packages] == [("rustler",)]


# --- messages that say where and what to write ---------------------------------------------


def test_a_path_that_does_not_exist_says_so(tmp_path: Path) -> None:
    for command in ("init", "update", "check", "show"):
        result = CliRunner().invoke(main, [command, str(tmp_path / "nope")])
        assert result.exit_code == 2, (command, result.output)
        assert f"{tmp_path / 'nope'}: no such directory" in result.output, command


def test_a_sub_directory_names_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_fixture("single_crate", tmp_path)
    monkeypatch.chdir(root / "native/single_nif")
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 2
    assert "this directory is inside the Mix project at ../.." in result.output
    assert "`cd ../..`" in result.output


def test_dynamic_options_stop_prints_the_section_to_add(tmp_path: Path) -> None:
    root = copy_fixture("dynamic_options", tmp_path)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 2
    section = [line[4:] for line in result.stderr.splitlines() if line.startswith("    ")]
    assert section == [
        '[nifs."Dyn.Native"]',
        'otp_app = "dyn"',
        'crate = "dyn_nif"',
        '# or crate = "helper_cdylib"',
    ]
    (root / "nixgen.toml").write_text("\n".join(section) + "\n")
    again = CliRunner().invoke(main, ["init", str(root)])
    assert again.exit_code == 0, again.output


def test_a_git_fetch_failure_names_the_mix_lock_entry_and_line(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    url = (tmp_path / "gone").as_uri()
    rev = "0" * 40
    mix_exs = root / "mix.exs"
    mix_exs.write_text(
        mix_exs.read_text().replace(
            '{:rustler, "~> 0.36.1", runtime: false}',
            f'{{:rustler, "~> 0.36.1", runtime: false}},\n      {{:gone, git: "{url}", ref: "{rev}"}}',
        )
    )
    lock = root / "mix.lock"
    lock.write_text(
        lock.read_text().replace(
            "%{\n", f'%{{\n  "gone": {{:git, "{url}", "{rev}", [ref: "{rev}"]}},\n', 1
        )
    )
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"nixgen: mix.lock:2:11: cannot fetch git dependency gone ({url} at {rev}): "
    )
