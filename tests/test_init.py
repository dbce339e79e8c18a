"""`nixgen init`: the files it writes, its manners, and offline evaluation of the whole flake."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.env import FIXTURES
from support.nixeval import nix_eval_json
from support.projects import INIT_FIXTURES, copy_fixture, init, offline_fetchers

from nixgen.cli import main
from nixgen.constants import LIBCS, Libc
from nixgen.emit.glue import BEGIN, END
from nixgen.errors import NixgenError
from nixgen.model import ModuleHint
from nixgen.pipeline import InitOptions, plan_init
from nixgen.resolve.project import load_project

SYSTEMS = ("x86_64-linux", "aarch64-linux", "aarch64-darwin")  # nixgen.toml defaults


def summary(root: Path, system: str) -> dict[str, Any]:
    """drvPaths of every package, check and dev shell of `system`, plus the release's env."""
    result: dict[str, Any] = {}
    for output in ("packages", "checks", "devShells"):
        result[output] = nix_eval_json(
            root,
            f"{output}.{system}",
            extra_args=["--apply", "xs: builtins.mapAttrs (name: x: x.drvPath) xs"],
        )
    result["release"] = nix_eval_json(root, f"packages.{system}.default.mockEnv")
    return result


@pytest.mark.nix
@pytest.mark.parametrize("name", sorted(INIT_FIXTURES))
def test_generated_flake_evaluates_on_every_system(name: str, tmp_path: Path) -> None:
    root = copy_fixture(name, tmp_path)
    init(root)
    project = load_project(root)
    for system in SYSTEMS:
        evaluated = summary(root, system)
        packages = evaluated["packages"]
        assert packages["default"].endswith(".drv")
        nifs = {k for k in packages if k.startswith("nif-")}
        assert len(nifs) == len({n.package for n in project.nifs})
        assert ("dockerImage" in packages) == system.endswith("linux")
        assert set(evaluated["checks"]) >= {"release", "nifLoad", *nifs}
        assert evaluated["devShells"]["default"].endswith(".drv")
        env = evaluated["release"]
        assert env["PRECOMPILED_NIF"] == "true"
        copied = sorted(
            line.split()[-1]
            for line in env.get("preConfigure", "").splitlines()
            if line.startswith("install ")
        )
        assert copied == sorted(INIT_FIXTURES[name])


@pytest.mark.nix
@pytest.mark.parametrize("libc", LIBCS)
def test_libc_choice_picks_the_beam_package_set(libc: Libc, tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root, InitOptions(libc=libc))
    hosts = nix_eval_json(
        root,
        "packages.x86_64-linux.default",
        extra_args=[
            "--apply",
            'r: map (d: d.mockHostPlatform or "") (builtins.filter (d: '
            'builtins.substring 0 7 (d.name or "") == "erlang-") r.nativeBuildInputs)',
        ],
    )
    assert len(hosts) == 1 and ("musl" in hosts[0]) == (libc == "musl")
    crate = nix_eval_json(root, "packages.x86_64-linux.nif-single_nif.mockEnv")
    assert crate["CARGO_BUILD_TARGET"] == f"x86_64-unknown-linux-{libc}"


@pytest.mark.nix
def test_precompiled_needs_rustler_in_the_lock(tmp_path: Path) -> None:
    root = copy_fixture("precompiled", tmp_path)
    mix_exs = root / "mix.exs"
    mix_exs.write_text(
        mix_exs.read_text().replace(
            '{:rustler_precompiled, "~> 0.8"},\n      {:rustler, ">= 0.0.0", optional: true}',
            '{:rustler_precompiled, "~> 0.8"}',
        )
    )
    lock = root / "mix.lock"
    lines = [
        line for line in lock.read_text().splitlines() if not line.strip().startswith('"rustler"')
    ]
    lock.write_text("\n".join(lines) + "\n")
    with pytest.raises(NixgenError) as info:
        init(root)
    message = str(info.value)
    assert "needs :rustler in mix.lock" in message
    assert '{:rustler, ">= 0.0.0", optional: true}' in message


def test_precompiled_release_forces_the_build(tmp_path: Path) -> None:
    root = copy_fixture("precompiled", tmp_path)
    init(root)
    release = (root / "nix" / "release.nix").read_text()
    assert 'RUSTLER_PRECOMPILED_FORCE_BUILD_ALL = "true";' in release


def test_config_block_is_added_once_and_rewritten_in_place(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    config = root / "config" / "config.exs"
    config.write_text(config.read_text() + '\nimport_config "#{config_env()}.exs"\n')
    init(root)
    text = config.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    block = text[text.index(BEGIN) :]
    assert "config :single, Single.Native," in block
    assert 'load_from: {:single, "priv/native/libsingle_nif"}' in block
    assert 'if System.get_env("PRECOMPILED_NIF") in ["1", "true"] do' in block
    config.write_text(text.replace("skip_compilation?: true", "skip_compilation?: false"))
    init(root)
    again = config.read_text()
    assert again.count(BEGIN) == 1 and "skip_compilation?: true" in again
    assert 'import_config "#{config_env()}.exs"' in again


def test_missing_config_is_created_with_import_config(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    shutil.rmtree(root / "config")
    init(root)
    text = (root / "config" / "config.exs").read_text()
    assert text.startswith("import Config\n")
    assert BEGIN in text


def test_no_elixir_glue_leaves_config_alone(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    before = (root / "config" / "config.exs").read_text()
    init(root, InitOptions(elixir_glue=False))
    assert (root / "config" / "config.exs").read_text() == before


def test_running_twice_changes_nothing(tmp_path: Path) -> None:
    root = copy_fixture("two_crates", tmp_path)
    init(root)
    changes = plan_init(root, InitOptions(), force=False, fetchers=offline_fetchers(root))
    assert {c.action for c in changes} == {"unchanged"}


def test_user_files_are_created_once(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    overrides = root / "nix" / "overrides.nix"
    settings = root / "nixgen.toml"
    overrides.write_text("{ deps = final: prev: { }; }  # mine\n")
    settings.write_text(settings.read_text().replace('libc = "musl"', 'libc = "gnu"'))
    init(root)
    assert overrides.read_text() == "{ deps = final: prev: { }; }  # mine\n"
    assert 'libc = "gnu"' in settings.read_text()
    assert (
        "x86_64-unknown-linux-gnu" in (root / "nix" / "nifs.nix").read_text()
        or '"gnu"' in (root / "nix" / "nifs.nix").read_text()
    )


def test_foreign_flake_is_refused_without_force(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    (root / "flake.nix").write_text("{ outputs = _: { }; }\n")
    with pytest.raises(NixgenError) as info:
        init(root)
    assert "flake.nix (was not written by nixgen)" in str(info.value)
    assert not (root / "nix").exists()  # nothing written
    init(root, force=True)
    assert (root / "flake.nix").read_text().startswith("# Generated by nixgen ")


def test_hand_edited_generated_file_is_refused(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    release = root / "nix" / "release.nix"
    release.write_text(release.read_text().replace("PRECOMPILED_NIF", "PRECOMPILED_NIFS"))
    with pytest.raises(NixgenError) as info:
        init(root)
    assert "nix/release.nix (was edited by hand since nixgen wrote it)" in str(info.value)


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    result = CliRunner().invoke(main, ["init", "--dry-run", str(root)])
    assert result.exit_code == 0, result.output
    assert "+++ b/flake.nix" in result.output
    assert "+++ b/nix/release.nix" in result.output
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before


def test_init_prints_files_and_next_steps(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "create  flake.nix" in result.output
    assert "git add" in result.output and "nix flake check" in result.output


def test_unresolved_nif_stops_init(tmp_path: Path) -> None:
    root = copy_fixture("dynamic_options", tmp_path)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 2
    assert "Dyn.Native is not resolved" in result.stderr
    assert "Traceback" not in result.output


def test_generated_files_mention_no_machine_paths(tmp_path: Path) -> None:
    root = copy_fixture("umbrella", tmp_path)
    init(root)
    for path in [root / "flake.nix", *sorted((root / "nix").glob("*.nix"))]:
        text = path.read_text()
        assert str(tmp_path) not in text and "/nix/store" not in text, path


@pytest.mark.nix
def test_module_with_dynamic_options_described_in_nixgen_toml(tmp_path: Path) -> None:
    root = copy_fixture("dynamic_options", tmp_path)
    (root / "nixgen.toml").write_text('[nifs."Dyn.Native"]\notp_app = "dyn"\ncrate = "dyn_nif"\n')
    nif = load_project(root, hints=(ModuleHint("Dyn.Native", "dyn", "dyn_nif"),)).nifs[0]
    assert (nif.resolved, nif.package, nif.load_path) == (
        True,
        "native/dyn_nif/Cargo.toml",
        "priv/native/libdyn_nif",
    )
    init(root)
    env = nix_eval_json(root, "packages.x86_64-linux.default.mockEnv")
    assert "priv/native/libdyn_nif.so" in env["preConfigure"]
    assert nix_eval_json(root, "packages.x86_64-linux.nif-dyn_nif.drvPath").endswith(".drv")
    assert "config :dyn, Dyn.Native," in (root / "config" / "config.exs").read_text()


def host_with_path_dep_nif(tmp_path: Path) -> Path:
    """An app `host` whose path dependency libs/single (the single_crate fixture) has a NIF."""
    root = tmp_path / "host"
    (root / "config").mkdir(parents=True)
    (root / "lib").mkdir()
    shutil.copytree(
        FIXTURES / "single_crate",
        root / "libs" / "single",
        ignore=shutil.ignore_patterns("expected"),
    )
    (root / "mix.exs").write_text(
        "defmodule Host.MixProject do\n  use Mix.Project\n"
        '  def project, do: [app: :host, version: "1.0.0", elixir: "~> 1.15", '
        'deps: [{:single, path: "libs/single"}]]\nend\n'
    )
    shutil.copy(FIXTURES / "single_crate" / "mix.lock", root / "mix.lock")  # deps of the dep
    (root / "config" / "config.exs").write_text("import Config\n")
    (root / "lib" / "host.ex").write_text("defmodule Host do\nend\n")
    return root


@pytest.mark.nix
def test_path_dependency_is_built_by_mix_inside_the_release(tmp_path: Path) -> None:
    """An in-repository path dep is not a mixNixDeps entry: Mix compiles it in `mix
    deps.compile` from the release source (docs/UPSTREAM.md U-MIX-DEPS-COMPILE-PATH), so its
    directory is in `src` and its NIF is copied there before configure."""
    root = host_with_path_dep_nif(tmp_path)
    init(root)
    config = (root / "config" / "config.exs").read_text()
    assert "config :single, Single.Native," in config  # deps compile with the app's config
    assert 'load_from: {:single, "priv/native/libsingle_nif"}' in config
    deps = nix_eval_json(
        root,
        "packages.x86_64-linux.default.mixNixDeps",
        extra_args=["--apply", "builtins.attrNames"],
    )
    assert "single" not in deps
    release = nix_eval_json(root, "packages.x86_64-linux.default.mockEnv")
    copied = [
        line.split()[-1] for line in release["preConfigure"].splitlines() if "install" in line
    ]
    assert copied == ["libs/single/priv/native/libsingle_nif.so"]
    src = Path(nix_eval_json(root, "packages.x86_64-linux.default.src.outPath"))
    assert (src / "libs/single/mix.exs").is_file()
    assert not (src / "libs/single/native").exists()  # the crate is crane's
    checks = nix_eval_json(
        root, "checks.x86_64-linux", extra_args=["--apply", "xs: builtins.attrNames xs"]
    )
    assert "nif-single_nif" in checks and "nifLoad" in checks
