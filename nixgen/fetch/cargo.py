"""`cargo generate-lockfile` for NIF crates without a Cargo.lock, in an environment the
project cannot use to choose the programs nixgen runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from nixgen.errors import InputError, Position
from nixgen.fetch.gateway import Runner
from nixgen.model import Project
from nixgen.paths import join
from nixgen.resolve.cargo import (
    missing_locks,
)
from nixgen.resolve.syscrates import (
    DEFAULT_TOOLCHAIN,
    toolchain_for,
)


def generate_lockfiles(project: Project, runner: Runner, root: Path = Path(".")) -> tuple[str, ...]:
    """Run `cargo generate-lockfile` where a NIF crate lacks its Cargo.lock (`root` = the
    project directory); returns the created lock files, relative to it."""
    created = []
    for directory in missing_locks(project):
        env = cargo_env(project, directory, os.environ)
        runner.run(["cargo", "generate-lockfile"], cwd=root / directory, env=env)
        created.append(join(directory, "Cargo.lock"))
    return tuple(created)


# The project must not choose the programs nixgen runs. Environment variables win over its
# files: RUSTUP_TOOLCHAIN over rust-toolchain(.toml), whose `path =` would name any directory
# of binaries (rustup's override precedence); RUSTC and an empty RUSTC_WRAPPER /
# RUSTC_WORKSPACE_WRAPPER over .cargo/config.toml's build.rustc / build.rustc-wrapper.
_CARGO_ENV = {"RUSTC": "rustc", "RUSTC_WRAPPER": "", "RUSTC_WORKSPACE_WRAPPER": ""}


def cargo_env(project: Project, directory: str, user_env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a cargo run in `directory`: the toolchain nixgen found there (the
    channel of the project's pin; none pinned: the user's default), no rustc of the project's
    choosing. What the user set in `user_env` is theirs and kept."""
    env = {k: v for k, v in _CARGO_ENV.items() if k not in user_env}
    toolchain = toolchain_for(project, directory)
    if toolchain.key == DEFAULT_TOOLCHAIN.key or "RUSTUP_TOOLCHAIN" in user_env:
        return env
    if not any(t.path == toolchain.key and t.channel for t in project.toolchains):
        raise InputError(
            "the toolchain file names no channel (a `path =` toolchain is a directory of "
            "programs of the project's choosing): nixgen does not run cargo from it",
            Position(toolchain.key),
            'pin a channel in it (e.g. `channel = "1.85.0"`), or run `cargo generate-lockfile` '
            f"in {directory} yourself",
        )
    env["RUSTUP_TOOLCHAIN"] = toolchain.channel
    return env
