"""The library entry point: read and resolve a project directory into the model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nixgen.constants import DEPS_FILE
from nixgen.errors import InputError, Position
from nixgen.fetch.checkouts import GitSourceInfo, known_sources
from nixgen.model import ModuleHint, Project
from nixgen.readers.project import read_inputs
from nixgen.readers.text import is_special, read_text_lenient
from nixgen.resolve.nifs import resolve


def load_project(
    root: Path,
    env: str = "prod",
    system_env: Mapping[str, str] | None = None,
    all_cargo_locks: bool = True,
    hints: tuple[ModuleHint, ...] = (),
) -> Project:
    """`system_env` answers `System.get_env/1,2` in project code; by default all are unset."""
    check_root(root)
    inputs = read_inputs(root.resolve(), env, system_env)
    return resolve(inputs, env, all_cargo_locks, hints)


def check_root(root: Path) -> None:
    """The project path names a directory (said differently when it does not exist at all)."""
    if not root.exists():
        raise InputError(
            "no such directory", Position(str(root)), "check the path: it does not exist"
        )
    if not root.is_dir():
        raise InputError(
            "not a directory", Position(str(root)), "pass the directory that holds your mix.exs"
        )


def load_known_sources(root: Path) -> list[GitSourceInfo]:
    """Git sources recorded in a previously generated nix/deps.nix (none if it is absent)."""
    path = root / DEPS_FILE
    if not (path.is_file() or is_special(path)) or path.resolve() != root.resolve() / DEPS_FILE:
        return []  # a link is refused by the writer, without reading what it points to
    return known_sources(read_text_lenient(root, Path(DEPS_FILE)), DEPS_FILE)
