"""Find the files nixgen reads: Mix projects, Cargo manifests and locks, toolchain config."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nixgen.errors import InputError, Position
from nixgen.readers.text import is_special

# Never part of the project's own sources: build output, fetched deps, VCS data.
SKIP_DIRS = frozenset(
    {
        "deps",
        "_build",
        "target",
        "node_modules",
        ".git",
        ".elixir_ls",
        ".direnv",
        ".hex",
        ".mix",
        "cover",
        "result",
    }
)
TOOLCHAIN_FILES = ("rust-toolchain.toml", "rust-toolchain")
CARGO_CONFIG_FILES = ("config.toml", "config")
VERSION_FILES = (".tool-versions", "mise.toml", ".mise.toml")


@dataclass(frozen=True)
class Layout:
    """Absolute paths found under `root`, each list sorted."""

    root: Path
    mix_roots: tuple[Path, ...]  # directories of the top-level mix.exs files
    cargo_manifests: tuple[Path, ...]
    cargo_locks: tuple[Path, ...]
    cargo_configs: tuple[Path, ...]
    toolchains: tuple[Path, ...]
    version_files: tuple[Path, ...]


def discover(root: Path) -> Layout:
    files = list(_walk(root))
    mix_files = [f for f in files if f.name == "mix.exs"]
    return Layout(
        root=root,
        mix_roots=_top_level_mix_roots(root, mix_files),
        cargo_manifests=tuple(f for f in files if f.name == "Cargo.toml"),
        cargo_locks=tuple(f for f in files if f.name == "Cargo.lock"),
        cargo_configs=tuple(
            f for f in files if f.parent.name == ".cargo" and f.name in CARGO_CONFIG_FILES
        ),
        toolchains=tuple(f for f in files if f.name in TOOLCHAIN_FILES),
        # a pipe or device in a version file's place is kept, for its reader to refuse
        version_files=tuple(
            root / n for n in VERSION_FILES if (root / n).is_file() or is_special(root / n)
        ),
    )


def _walk(root: Path) -> list[Path]:
    """Every file under root, not following directory symlinks, skipping SKIP_DIRS."""
    found: list[Path] = []
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not os.path.islink(os.path.join(current, d))
        )
        found.extend(Path(current, n) for n in sorted(names))
    return sorted(found)


def _top_level_mix_roots(root: Path, mix_files: list[Path]) -> tuple[Path, ...]:
    """The root's mix.exs; failing that, each mix.exs with no mix.exs above it (a repo of apps)."""
    if (root / "mix.exs").is_file():
        return (root,)
    dirs = sorted({f.parent for f in mix_files}, key=lambda p: (len(p.parts), p))
    tops: list[Path] = []
    for d in dirs:
        if not any(d.is_relative_to(t) for t in tops):
            tops.append(d)
    if not tops:
        raise _no_mix_exs(root)
    return tuple(sorted(tops))


def _no_mix_exs(root: Path) -> InputError:
    """Run from inside a Mix project (e.g. `native/`): say where its root is."""
    here = root.resolve()
    above = next((d for d in here.parents if (d / "mix.exs").is_file()), None)
    if above is None:
        return InputError(
            "no mix.exs found",
            Position("."),
            "run nixgen in the directory of your Mix project (where mix.exs is)",
        )
    path = os.path.relpath(above)
    return InputError(
        f"no mix.exs here: this directory is inside the Mix project at {path}",
        Position("."),
        f"run nixgen in the project's root: `cd {path}` first, or pass it (`nixgen init {path}`)",
    )
