"""Shared by the tests (moved from test_e2e.py)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from click.testing import CliRunner

from nixgen.cli import main
from support.env import REPO

EXAMPLE = REPO / "example"


FAKE_CARGO = """#!/bin/sh
# Stands in front of the real cargo: with PRECOMPILED_NIF=true nothing may call it.
echo "$*" >> "{marker}"
echo "cargo was called although PRECOMPILED_NIF=true: $*" >&2
exit 97
"""


def _ignore_build_output(directory: str, names: list[str]) -> set[str]:
    """copytree filter: whatever a developer's local build left in example/."""
    ignored = {n for n in names if n in ("_build", "deps", "target", "erl_crash.dump")}
    if Path(directory).name == "priv" and "native" in names:
        ignored.add("native")
    return ignored


def copy_example(dest: Path, source: Path = EXAMPLE) -> Path:
    shutil.copytree(source, dest, ignore=_ignore_build_output)
    return dest


def tool_env(
    tmp: Path, *, precompiled: bool, mix_env: str, path_prefix: Path | None = None
) -> dict[str, str]:
    """A clean environment: tmp HOME/MIX_HOME/HEX_HOME, Hex offline, the caller's toolchains."""
    home = Path.home()
    # cargo is usually a rustup proxy: it finds its toolchains through RUSTUP_HOME (default
    # ~/.rustup), which a tmp HOME would hide.
    rustup_home = os.environ.get("RUSTUP_HOME") or str(home / ".rustup")
    cargo_home = os.environ.get("CARGO_HOME") or str(home / ".cargo")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MIX_", "HEX_", "RUSTLER_", "CARGO_", "RUSTFLAGS"))
        and k not in ("PRECOMPILED_NIF", "HOME", "ERL_LIBS", "ERL_FLAGS", "ELIXIR_ERL_OPTIONS")
    }
    for name in ("home", "mix", "hex"):
        (tmp / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(tmp / "home"),
        MIX_HOME=str(tmp / "mix"),
        HEX_HOME=str(tmp / "hex"),
        HEX_OFFLINE="1",
        MIX_ENV=mix_env,
        RUSTUP_HOME=rustup_home,
        CARGO_HOME=cargo_home,
        CARGO_NET_OFFLINE="true",
        LANG=env.get("LANG") or "C.UTF-8",
    )
    if precompiled:
        env["PRECOMPILED_NIF"] = "true"
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
    return env


def nixgen_init(project: Path) -> str:
    """`nixgen init PROJECT` through the CLI; its output."""
    result = CliRunner().invoke(main, ["init", str(project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, f"nixgen init failed ({result.exit_code}):\n{result.output}"
    return result.output


def make_fake_cargo(directory: Path, marker: Path) -> None:
    directory.mkdir(parents=True)
    script = directory / "cargo"
    script.write_text(FAKE_CARGO.format(marker=marker), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
