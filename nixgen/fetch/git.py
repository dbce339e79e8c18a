"""Prefetch git sources: the NAR hash nixpkgs' `fetchgit` expects."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from nixgen.errors import InputError, ToolError
from nixgen.fetch.gateway import Runner, which
from nixgen.fetch.nar import any_to_sri, nar_hash

log = logging.getLogger(__name__)


class Prefetcher(Protocol):
    """Something that turns a git source into the SRI hash for `fetchgit`."""

    def prefetch_git(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> str:
        """SRI sha256 of the checkout of `url` at `rev` without `.git` (`lfs`: with Git LFS
        files fetched, as fetchgit's `fetchLFS = true`)."""
        ...


class GitPrefetcher:
    """Computes `fetchgit` hashes with `nix-prefetch-git` when present, else with git + Python."""

    def __init__(self, runner: Runner, *, use_nix_prefetch_git: bool | None = None):
        """`use_nix_prefetch_git=None` uses it when it is on PATH."""
        self._runner = runner
        if use_nix_prefetch_git is None:
            use_nix_prefetch_git = which("nix-prefetch-git")
        self._use_nix_prefetch_git = use_nix_prefetch_git

    def prefetch_git(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> str:
        _check_arguments(url, rev)
        if not self._use_nix_prefetch_git:
            return self._with_git(url, rev, submodules, lfs)
        try:
            return self._with_nix_prefetch_git(url, rev, submodules, lfs)
        except ToolError as error:
            raise _fetch_error(url, rev, error) from error

    def _with_nix_prefetch_git(self, url: str, rev: str, submodules: bool, lfs: bool) -> str:
        args = ["nix-prefetch-git", "--url", url, "--rev", rev, "--quiet"]
        if submodules:
            args.append("--fetch-submodules")
        if lfs:
            args.append("--fetch-lfs")
        return _hash_from_json(self._runner.run(args))

    def _with_git(self, url: str, rev: str, submodules: bool, lfs: bool) -> str:
        with self.checkout(url, rev, submodules=submodules, lfs=lfs) as (hash_, _):
            return hash_

    @contextmanager
    def checkout(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> Iterator[tuple[str, Path]]:
        """The `fetchgit` hash and a temporary checkout without `.git`, to read files from."""
        _check_arguments(url, rev)
        with tempfile.TemporaryDirectory(prefix="nixgen-git-") as tmp:
            checkout = Path(tmp)
            try:
                self._checkout(url, rev, checkout, submodules, lfs)
            except ToolError as error:
                raise _fetch_error(url, rev, error) from error
            remove_dot_git(checkout)
            yield nar_hash(checkout), checkout

    def _checkout(self, url: str, rev: str, checkout: Path, submodules: bool, lfs: bool) -> None:
        # The steps of nixpkgs' nix-prefetch-git. A remote named origin lets
        # relative submodule URLs resolve against `url`, as they do there.
        def git(*args: str) -> None:
            # A user's core.autocrlf or a system-wide Git LFS filter would change file
            # contents; fetchgit's sandbox has neither (LFS content comes from `lfs pull`).
            self._runner.run(["git", *NEUTRAL_GIT_CONFIG, *args], cwd=checkout)

        git("init", "--quiet")
        git("remote", "add", "origin", url)
        try:
            git("fetch", "--quiet", "--depth", "1", "origin", rev)
            target = "FETCH_HEAD"
        except ToolError as error:
            # Some servers refuse to serve a commit by its hash: fetch every branch and tag.
            log.debug("shallow fetch of %s at %s failed, fetching all refs: %s", url, rev, error)
            git("fetch", "--quiet", "--tags", "origin")
            target = rev
        git("checkout", "--quiet", "--detach", target)
        if submodules:
            git("submodule", "update", "--init", "--recursive", "--quiet")
        if lfs and _uses_lfs(checkout):
            # fetchgit's fetchLFS (crane sets it for Cargo git sources: docs/UPSTREAM.md
            # U-CRANE-GIT-FETCH) checks out LFS files with their content, not their pointers.
            if not which("git-lfs"):
                raise ToolError(
                    f"{url} stores files with Git LFS, which crane fetches, but git-lfs is "
                    "not installed",
                    hint="install git-lfs (e.g. `apt-get install git-lfs`) and run nixgen again",
                )
            self._runner.run(["git", "lfs", "install", "--local"], cwd=checkout)
            self._runner.run(["git", "lfs", "pull"], cwd=checkout)


NEUTRAL_GIT_CONFIG = (
    "-c",
    "core.autocrlf=false",
    "-c",
    "filter.lfs.smudge=",
    "-c",
    "filter.lfs.process=",
    "-c",
    "filter.lfs.required=false",
)


def _uses_lfs(checkout: Path) -> bool:
    """Whether a checkout has LFS-tracked paths (`filter=lfs` in a .gitattributes)."""
    return any(
        "filter=lfs" in attributes.read_text(encoding="utf-8", errors="replace")
        for attributes in checkout.rglob(".gitattributes")
        if ".git" not in attributes.relative_to(checkout).parts[:-1]
    )


def _fetch_error(url: str, rev: str, error: ToolError) -> ToolError:
    return ToolError(
        f"cannot prefetch {url} at {rev}: {error.message}",
        hint=error.hint or "check that the URL is reachable and the revision exists",
    )


def remove_dot_git(root: Path) -> None:
    """Delete every `.git` below `root`, like nix-prefetch-git: submodules have one too."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            if name == ".git":
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    os.unlink(path)
                else:
                    shutil.rmtree(path)
        dirnames[:] = [name for name in dirnames if name != ".git"]
        if ".git" in filenames:
            os.unlink(os.path.join(dirpath, ".git"))


def _hash_from_json(output: str) -> str:
    # Newer nix-prefetch-git prints "hash" (SRI); older ones only "sha256" (Nix base32).
    try:
        data = json.loads(output)
        value = data.get("hash") or data["sha256"]
        return any_to_sri("sha256", value)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ToolError(
            f"nix-prefetch-git printed no usable hash ({error}): {output[:200]!r}"
        ) from error


def _check_arguments(url: str, rev: str) -> None:
    # Both end up as git arguments: a leading "-" would be read as an option.
    for what, value in (("URL", url), ("revision", rev)):
        if not value or value.startswith("-"):
            raise InputError(f"invalid git {what} {value!r}")
