"""nixgen's own flake.nix evaluates the way generated flakes do: every input overridden by the
mocks in tests/nixmock/, import-from-derivation off, down to each output's drvPath on every
default system; it is built from pyproject.toml's name, version and dependencies."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from support.env import REPO, missing_tools
from support.nixeval import evaluation_warnings, nix_env, nix_eval_command

from nixgen.constants import DEFAULT_SYSTEMS

pytestmark = [
    pytest.mark.nix,
    pytest.mark.skipif(
        missing_tools("nix", "nix-instantiate") is not None,
        reason=missing_tools("nix", "nix-instantiate") or "",
    ),
]

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DRV_PATHS = "o: builtins.mapAttrs (_: d: d.drvPath) o"


# The flake has no crane or rust-overlay input: Nix says so about their overrides.
UNUSED_OVERRIDE = "does not match any input"


def nix_eval_json(flake: Path, attr: str, *, extra_args: list[str] | None = None) -> Any:
    """`attr` of `flake` over the mocks, as JSON; fails on any evaluation warning."""
    cmd = nix_eval_command(flake, attr, json=True, extra_args=extra_args or [])
    proc = subprocess.run(
        cmd,
        env=nix_env(),
        capture_output=True,
        text=True,
        check=False,
        errors="replace",
        timeout=180,
    )
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
    warnings = [w for w in evaluation_warnings(proc.stderr) if UNUSED_OVERRIDE not in w]
    assert not warnings, f"nix eval of {attr} warned:\n" + "\n".join(warnings)
    return json.loads(proc.stdout)


def requirement_name(requirement: str) -> str:
    return requirement.split(">")[0].split("=")[0].split("<")[0].split("~")[0].strip()


def test_the_flake_parses() -> None:
    subprocess.run(
        ["nix-instantiate", "--parse", str(REPO / "flake.nix")],
        env=nix_env(),
        check=True,
        capture_output=True,
    )


def test_outputs_are_for_the_default_systems_of_generated_flakes() -> None:
    for output in ("packages", "apps", "checks", "devShells", "formatter"):
        systems = nix_eval_json(REPO, output, extra_args=["--apply", "builtins.attrNames"])
        assert systems == sorted(DEFAULT_SYSTEMS), output


@pytest.mark.parametrize("system", DEFAULT_SYSTEMS)
def test_every_output_evaluates_to_a_derivation(system: str) -> None:
    for output, names in (
        ("packages", {"default", "nixgen"}),
        ("checks", {"package", "tests"}),
        ("devShells", {"default"}),
    ):
        paths = nix_eval_json(REPO, f"{output}.{system}", extra_args=["--apply", DRV_PATHS])
        assert set(paths) == names, output
        assert all(p.endswith(".drv") for p in paths.values()), paths
    program = nix_eval_json(REPO, f"apps.{system}.default.program")
    assert program.endswith(f"-nixgen-{PYPROJECT['project']['version']}/bin/nixgen")
    formatter = nix_eval_json(REPO, f"formatter.{system}.meta.mainProgram")
    assert formatter == "treefmt"  # nixfmt-tree (docs/UPSTREAM.md U-NIXFMT)


def package(attr: str) -> Any:
    return nix_eval_json(REPO, f"packages.x86_64-linux.default.{attr}")


def test_the_package_is_built_from_pyproject() -> None:
    project = PYPROJECT["project"]
    assert package("name") == f"{project['name']}-{project['version']}"
    assert package("meta.mainProgram") in PYPROJECT["project"]["scripts"]
    build_system = nix_eval_json(
        REPO,
        "packages.x86_64-linux.default.build-system",
        extra_args=["--apply", "map (d: d.pname)"],
    )
    assert build_system == PYPROJECT["build-system"]["requires"]
    names = nix_eval_json(
        REPO,
        "packages.x86_64-linux.default.dependencies",
        extra_args=["--apply", "map (d: d.pname)"],
    )
    # tree-sitter-grammars packages are named python-<grammar> (U-PYTHON-TREE-SITTER).
    wanted = [requirement_name(r) for r in project["dependencies"]]
    assert sorted(n.removeprefix("python-") for n in names) == sorted(wanted)


def test_the_checks_run_the_fast_tier_of_the_suite() -> None:
    tests = "checks.x86_64-linux.tests"
    assert nix_eval_json(REPO, f"{tests}.doInstallCheck") is True
    marks = nix_eval_json(REPO, f"{tests}.disabledTestMarks")
    declared = [m.split(":")[0] for m in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]]
    assert sorted(marks) == sorted(declared)
    assert nix_eval_json(REPO, "checks.x86_64-linux.package.doInstallCheck") is False


def test_the_overlay_adds_nixgen(tmp_path: Path) -> None:
    (tmp_path / "flake.nix").write_text(
        "{\n"
        '  inputs.nixgen.url = "path:' + str(REPO) + '";\n'
        '  inputs.nixgen.inputs.nixpkgs.follows = "nixpkgs";\n'
        "  outputs = { nixpkgs, nixgen, ... }: {\n"
        '    drv = (import nixpkgs { system = "aarch64-linux"; overlays = [ nixgen.overlays.default ]; }).nixgen;\n'
        "  };\n"
        "}\n",
        encoding="utf-8",
    )
    assert nix_eval_json(tmp_path, "drv.name") == f"nixgen-{PYPROJECT['project']['version']}"
