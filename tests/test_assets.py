"""Phoenix assets: esbuild/tailwind binaries from nixpkgs and `mix assets.deploy` before
`mix release`, checked from the evaluated release (fixtures/phoenix_assets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.nixeval import nix_eval_json
from support.projects import copy_fixture, init

from nixgen.readers.config_exs import config_string
from nixgen.resolve.assets import AssetTool, plan_assets, tailwind_attr
from nixgen.resolve.closure import release_closure
from nixgen.resolve.project import load_project


def test_plan_names_the_tools_and_the_deploy_alias() -> None:
    from support.env import FIXTURES

    project = load_project(FIXTURES / "phoenix_assets")
    top = project.mix_projects[0]
    lock = project.locks[0]
    closure = release_closure(top.walk(), lock, "prod", lambda e: ())
    assert "esbuild" in closure.included  # `runtime: false` deps are still build inputs
    config = (FIXTURES / "phoenix_assets" / "config/config.exs").read_text()
    version = config_string("config/config.exs", config, "tailwind", "version")
    assert version == "4.1.7"
    plan = plan_assets(top, closure.included, set(), version)
    assert plan.tools == (
        AssetTool("esbuild", "MIX_ESBUILD_PATH", "esbuild"),
        AssetTool("tailwind", "MIX_TAILWIND_PATH", "tailwindcss_4"),
    )
    assert plan.deploy_dirs == (".",)
    assert plan.notes == ()


def test_npm_packages_are_named_not_silently_skipped() -> None:
    from support.env import FIXTURES

    project = load_project(FIXTURES / "phoenix_assets")
    top = project.mix_projects[0]
    plan = plan_assets(top, ("esbuild",), {"."}, None)
    assert plan.notes == (
        "assets/package.json: npm packages are not installed by the generated "
        "build; provide node_modules in nix/overrides.nix (release)",
    )


@pytest.mark.nix
def test_release_runs_assets_deploy_with_nixpkgs_binaries(tmp_path: Path) -> None:
    root = copy_fixture("phoenix_assets", tmp_path)
    init(root)
    env = nix_eval_json(root, "packages.x86_64-linux.default.mockEnv")
    assert env["MIX_ESBUILD_PATH"].endswith("/bin/esbuild")
    assert env["MIX_TAILWIND_PATH"].startswith("/nix/store/")
    assert "tailwindcss_4-4." in env["MIX_TAILWIND_PATH"]
    assert env["postBuild"].strip() == (
        "(cd . && mix do deps.loadpaths --no-deps-check, assets.deploy)"
    )
    assert env["PRECOMPILED_NIF"] == "true"


def test_no_assets_no_post_build(tmp_path: Path) -> None:
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    assert "assets.deploy" not in (root / "nix" / "release.nix").read_text()


@pytest.mark.parametrize(
    ("configured", "attr"),
    [
        ("4.1.7", "tailwindcss_4"),
        ("3.4.3", "tailwindcss_3"),
        (None, "tailwindcss_3"),
    ],
)
def test_tailwind_package_follows_the_configured_version(configured: str | None, attr: str) -> None:
    """tailwind's Hex package runs whatever major version is configured (U-TAILWIND-V4): the
    nixpkgs package follows `config :tailwind, version:`, not the Hex package's version."""
    assert tailwind_attr(configured) == attr


def test_config_block_points_the_packages_at_the_nix_binaries(tmp_path: Path) -> None:
    """esbuild and tailwind read `config :<pkg>, path:`, nothing reads MIX_*_PATH by itself
    (U-ESBUILD-PATH, U-TAILWIND-PATH): the block sets the path from the variable."""
    root = copy_fixture("phoenix_assets", tmp_path)
    init(root)
    config = (root / "config" / "config.exs").read_text()
    assert (
        'if path = System.get_env("MIX_ESBUILD_PATH") do\n  config :esbuild, path: path' in config
    )
    assert (
        'if path = System.get_env("MIX_TAILWIND_PATH") do\n  config :tailwind, path: path' in config
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('import Config\nconfig :tailwind, version: "3.4.3"\n', "3.4.3"),
        (
            'config :tailwind, version: "3.4.3"\nconfig :tailwind, version: "4.1.0"\n',
            "4.1.0",
        ),  # last
        ('config :tailwind, version: "#{v}"\n', None),  # not a literal
        ('config :esbuild, version: "0.25.0"\n', None),  # another app
        ('# config :tailwind, version: "4.0.0"\n', None),  # a comment
        (None, None),  # no config file
    ],
)
def test_config_string_reads_literals_only(text: str | None, found: str | None) -> None:
    assert config_string("config/config.exs", text, "tailwind", "version") == found
