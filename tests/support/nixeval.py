"""Evaluate a flake against the mock nixpkgs / crane / rust-overlay inputs.

`nix_eval` runs Debian's Nix (2.8 here) as

    nix --extra-experimental-features 'nix-command flakes' eval
        --offline --no-write-lock-file
        --option allow-import-from-derivation false
        --override-input nixpkgs path:<mocks>/nixpkgs
        --override-input crane path:<mocks>/crane
        --override-input rust-overlay path:<mocks>/rust-overlay
        path:<flake>#<attr>

with HOME / XDG_CACHE_HOME pointing at a private temporary directory and a
NIX_CONFIG that works as root without a daemon (single-user store, no build
users group). Nothing is built or fetched: only evaluation (e.g. `.drvPath`).
Inputs the flake does not declare are only warned about by Nix.
"""

from __future__ import annotations

import atexit
import json as jsonlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MOCKS = Path(__file__).resolve().parents[1] / "nixmock"
MOCK_INPUTS = ("nixpkgs", "crane", "rust-overlay")

_NIX_CONFIG = "\n".join(
    [
        "experimental-features = nix-command flakes",
        "build-users-group =",
        "sandbox = false",
        "substituters =",
        "warn-dirty = false",
        "allow-import-from-derivation = false",
    ]
)

_state_dir: Path | None = None


def nix_available() -> bool:
    """True when the `nix` command is on PATH."""
    return shutil.which("nix") is not None


def _private_dir() -> Path:
    global _state_dir
    if _state_dir is None:
        _state_dir = Path(tempfile.mkdtemp(prefix="nixgen-nixeval-"))
        (_state_dir / "home").mkdir()
        (_state_dir / "cache").mkdir()
        atexit.register(shutil.rmtree, _state_dir, True)
    return _state_dir


def nix_env() -> dict[str, str]:
    """Environment for a daemon-less, network-less evaluation."""
    state = _private_dir()
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(state / "home"),
            "XDG_CACHE_HOME": str(state / "cache"),
            "NIX_CONFIG": _NIX_CONFIG,
        }
    )
    env.pop("NIX_REMOTE", None)
    return env


def nix_eval_command(
    flake: Path, attr: str, *, json: bool = False, extra_args: Sequence[str] = ()
) -> list[str]:
    """The argv `nix_eval` runs (exposed for error messages and docs)."""
    cmd = [
        "nix",
        "--extra-experimental-features",
        "nix-command flakes",
        "eval",
        "--offline",
        "--no-write-lock-file",
        "--option",
        "allow-import-from-derivation",
        "false",
    ]
    for name in MOCK_INPUTS:
        cmd += ["--override-input", name, f"path:{MOCKS / name}"]
    if json:
        cmd.append("--json")
    cmd += list(extra_args)
    cmd.append(f"path:{Path(flake).resolve()}#{attr}")
    return cmd


# Nix's own notices about the lock file of a path: flake evaluated with overridden inputs.
_LOCK_NOTICE = ("not writing modified lock file", "• Added input", "• Updated input", "'path:")


def evaluation_warnings(stderr: str) -> list[str]:
    """The evaluation warnings in a `nix eval` stderr (`lib.warn`, `builtins.warn`, trace
    warnings), without Nix's notices about the lock file it does not write."""
    lines = [line.strip() for line in stderr.splitlines()]
    return [
        line
        for line in lines
        if "warning" in line.lower() and not any(notice in line for notice in _LOCK_NOTICE)
    ]


def nix_eval(
    flake: Path,
    attr: str,
    *,
    json: bool = False,
    extra_args: Sequence[str] = (),
    forbid_warnings: bool = False,
) -> str:
    """Evaluate `attr` of the flake in directory `flake` over the mock inputs.

    Returns stdout without the trailing newline (a Nix value as printed by
    `nix eval`, or JSON with `json=True`). Raises AssertionError with the
    command and stderr when evaluation fails.
    """
    cmd = nix_eval_command(flake, attr, json=json, extra_args=extra_args)
    proc = subprocess.run(
        cmd,
        env=nix_env(),
        capture_output=True,
        text=True,
        errors="replace",  # Nix may cut a UTF-8 character in an error message
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"nix eval failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr}"
        )
    warnings = evaluation_warnings(proc.stderr)
    if forbid_warnings and warnings:
        raise AssertionError(f"nix eval of {attr} warned:\n" + "\n".join(warnings))
    return proc.stdout.rstrip("\n")


def nix_eval_json(
    flake: Path, attr: str, *, extra_args: Sequence[str] = (), forbid_warnings: bool = False
) -> Any:
    """`nix_eval(..., json=True)` parsed."""
    return jsonlib.loads(
        nix_eval(flake, attr, json=True, extra_args=extra_args, forbid_warnings=forbid_warnings)
    )
