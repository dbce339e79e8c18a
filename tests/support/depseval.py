"""Generate nix/deps.nix for a project and evaluate it against the mock beamPackages."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

from nixgen.constants import REGENERATE
from nixgen.emit.deps import DepsRequest, plan_deps, render_deps
from nixgen.model import MixProject, Project
from nixgen.readers.mix_lock import read_mix_lock
from nixgen.resolve.project import load_project
from nixgen.write import with_header
from support.fakes import FakeCheckouts, default_mix_exs, fake_checkouts, fake_hex_hash, fetched
from support.nixeval import nix_env, nix_eval_json

__all__ = ["fake_checkouts", "fake_hex_hash"]

GITLIB = "https://example.invalid/gitlib.git"
GITLIB_REV = "abcfe4f9919e74cdce1d089f3885bdf716a0d2ab"
HEROICONS = "https://github.com/tailwindlabs/heroicons.git"
HEROICONS_REV = "d3e9731f32a8cf965c9b7af86cd10ec15965393f"


def deps_harness(
    beam: str = "beamMinimal27Packages",
    passed: str = "lib fetchgit runCommand",
    outputs: str = "drvPaths = builtins.mapAttrs (name: d: d.drvPath) deps; deps = deps;",
) -> str:
    """A flake that imports nix/deps.nix alone, as a flake written for it would: the BEAM set
    `beam`, the nixpkgs names `passed` (the rest come from beamPackages' scope), `outputs`."""
    return (
        "{\n"
        '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";\n'
        "  outputs = { self, nixpkgs }:\n"
        "    let\n"
        "      pkgs = nixpkgs.legacyPackages.x86_64-linux;\n"
        "      deps = import ./nix/deps.nix {\n"
        f"        inherit (pkgs) {passed};\n"
        f"        beamPackages = pkgs.{beam};\n"
        "      };\n"
        f"    in {{ {outputs} }};\n"
        "}\n"
    )


HARNESS = deps_harness()


def generate(project: Project, top: MixProject | None = None, env: str = "prod") -> str:
    """deps.nix for `top` (default: the first Mix project), git sources from fake checkouts and
    old 7-element entries hashed by `fake_hex_hash`; NIF dependencies are read for OTP 28
    (whatever the project pins: only deps.nix is evaluated)."""
    request = pinned_request(project, top or project.mix_projects[0], env)
    plan = plan_deps(request, fetched(project, request))
    return with_header(render_deps(plan), REGENERATE)


def pinned_request(project: Project, top: MixProject, env: str = "prod") -> DepsRequest:
    """A request whose NIF dependencies are read for OTP 28 and Elixir 1.18, whatever the
    project pins (a corpus project may pin an OTP nixpkgs no longer has)."""
    return DepsRequest(project, top, env, otp_pin="28", elixir_pin="1.18")


def project_for_lock(repo: Path, lock: Path) -> tuple[Path, Project, MixProject]:
    """The directory to evaluate in, the project and the Mix project that uses `lock`."""
    project = load_project(repo)
    relative = lock.relative_to(repo).as_posix()
    top = next((p for p in project.mix_projects if p.lockfile == relative), None)
    if top is not None:
        return repo, project, top
    if (lock.parent / "mix.exs").is_file():  # a Mix project below the repository's own
        project = load_project(lock.parent)
        return lock.parent, project, project.mix_projects[0]
    # An alternative lock of the root app, chosen by an environment variable (MIX_LOCKFILE).
    top = dataclasses.replace(project.mix_projects[0], lockfile=relative)
    project = dataclasses.replace(project, locks=(*project.locks, read_mix_lock(repo, lock)))
    return repo, project, top


def evaluate(
    project_dir: Path,
    deps_nix: str,
    work: Path,
    attr: str = "drvPaths",
    harness: str = HARNESS,
    deps_path: str = "nix/deps.nix",
) -> Any:
    """Copy the project to `work`, add the deps file at `deps_path` and the `harness` flake,
    evaluate `attr`."""
    target = work / "project"
    shutil.copytree(
        project_dir,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns("_build", "deps", "target", ".git"),
    )
    (target / deps_path).parent.mkdir(exist_ok=True)
    (target / deps_path).write_text(deps_nix, encoding="utf-8")
    (target / "flake.nix").write_text(harness, encoding="utf-8")
    return nix_eval_json(target, attr)


def git_checkouts() -> FakeCheckouts:
    """gitlib's checkout: version 0.4.2, a prod dep (jason) and a dev-only dep; heroicons: only
    icons under optimized/ (no mix.exs, no rebar.config, no Makefile)."""
    gitlib_deps = '[{:jason, "~> 1.4"}, {:dev_only, "~> 1.0", only: :dev}]'
    return FakeCheckouts(
        apps={
            GITLIB: {"mix.exs": default_mix_exs("gitlib", "0.4.2", gitlib_deps)},
            HEROICONS: {"optimized/24/outline/academic-cap.svg": "<svg/>\n"},
        },
        roots={HEROICONS: "optimized"},
    )


def nix_parse(text: str, work: Path) -> subprocess.CompletedProcess[str]:
    path = work / "deps.nix"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        ["nix-instantiate", "--parse", str(path)],
        env=nix_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
