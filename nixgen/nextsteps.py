"""The steps `init` prints last, built from what happened: the path, the files written, git."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nixgen.errors import NixgenError
from nixgen.fetch.gateway import Runner
from nixgen.write import Change

log = logging.getLogger(__name__)

FLAKE_LOCK = "flake.lock"
SHOWN_UNTRACKED = 5  # untracked inputs named in the warning; the rest are counted


@dataclass(frozen=True)
class GitFiles:
    """What git knows of the project's files (paths relative to the project)."""

    tracked: frozenset[str]
    untracked: tuple[str, ...]  # neither tracked nor ignored


def git_files(root: Path, runner: Runner) -> GitFiles | None:
    """The project's files as git sees them; None outside a git repository (or without git)."""
    try:
        tracked = runner.run(["git", "ls-files", "-z"], cwd=root)
        untracked = runner.run(["git", "ls-files", "-z", "--others", "--exclude-standard"], root)
    except NixgenError as error:
        log.info("not a git repository, or no git: %s", str(error).splitlines()[0])
        return None
    return GitFiles(
        frozenset(p for p in tracked.split("\0") if p),
        tuple(sorted(p for p in untracked.split("\0") if p)),
    )


def to_add(changes: Sequence[Change], lockfiles: Sequence[str], git: GitFiles | None) -> list[str]:
    """The files the flake needs that git does not track: nixgen's files, the user's files it
    edited, every NIF crate's Cargo.lock. Without git: what this run wrote, and the locks."""
    if git is None:
        return sorted({c.path for c in changes if c.action in ("create", "update")} | {*lockfiles})
    wanted = {c.path for c in changes if c.action != "refuse"} | set(lockfiles)
    return sorted(p for p in wanted if p not in git.tracked)


@dataclass(frozen=True)
class NextSteps:
    text: str  # for stdout
    warning: str | None  # for stderr: inputs git does not track


def init_next_steps(
    path: Path, changes: Sequence[Change], lockfiles: Sequence[str], runner: Runner
) -> NextSteps:
    """The next steps after `init` wrote `changes`; `lockfiles`: every NIF crate's Cargo.lock
    (crane builds with --locked: the flake needs them), as generation found them."""
    for change in changes:
        if change.action == "unchanged":
            log.info("%s: unchanged, not written", change.path)
    return next_steps(path, changes, lockfiles, git_files(path, runner))


def next_steps(
    path: Path,
    changes: Sequence[Change],
    lockfiles: Sequence[str],
    git: GitFiles | None,
) -> NextSteps:
    """What to do after `init` wrote `changes` for the project at `path`."""
    lines = ["", "Next steps:"]
    if str(path) != ".":
        lines.append(f"  cd {_shown(str(path))}")
    add = to_add(changes, lockfiles, git)
    if add:
        lines.append(
            "  # a flake sees only the files git tracks:"
            if git is not None
            else "  # not a git repository yet; in one, a flake sees only the files git tracks:"
        )
        lines.append("  git add " + " ".join(_shown(p) for p in add))
    lines.append("  nix build            # the release, in ./result; writes flake.lock")
    if git is None or FLAKE_LOCK not in git.tracked:
        lines.append(f"  git add {FLAKE_LOCK}     # after the first `nix build`: it pins inputs")
    lines.append("  nix flake check      # builds the NIFs and loads them into the release")
    return NextSteps("\n".join(lines), _untracked_warning(git, set(add)))


def _untracked_warning(git: GitFiles | None, added: set[str]) -> str | None:
    if git is None:
        return None
    left = [p for p in git.untracked if p not in added]
    if not left:
        return None
    named = ", ".join(_shown(p) for p in left[:SHOWN_UNTRACKED])
    more = f" and {len(left) - SHOWN_UNTRACKED} more" if len(left) > SHOWN_UNTRACKED else ""
    return (
        f"git does not track {len(left)} other file(s) here, so the flake cannot see them: "
        f"{named}{more}; `git add` the ones the build needs (or list the rest in .gitignore)"
    )


def _shown(path: str) -> str:
    """A path as a shell word; one with control characters as a Python literal (not run)."""
    return shlex.quote(path) if path.isprintable() else repr(path)
