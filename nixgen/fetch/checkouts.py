"""Git dependencies of mix.lock: their fetchgit hash and what their checkout says (version,
builder, deps). Fetched once, then recorded (nixgen/fetch/records.py) so a regeneration with
unchanged url and rev needs no network.
"""

from __future__ import annotations

import logging
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nixgen.errors import InputError, NixgenError, ToolError
from nixgen.fetch.records import Builder, GitSourceInfo, source_root
from nixgen.model import DepOptions, Dynamic, DynamicDep, GitLockEntry, UmbrellaDep
from nixgen.readers.elixir import parse_file
from nixgen.readers.mix_exs import read_mix_exs

log = logging.getLogger(__name__)

UNKNOWN_VERSION = "0.0.0"


class GitCheckouts(Protocol):
    """Gives the fetchgit hash and a temporary checkout (without .git) of a git source."""

    def checkout(
        self, url: str, rev: str, *, submodules: bool = False
    ) -> AbstractContextManager[tuple[str, Path]]: ...


def fetch_mix_git(checkouts: GitCheckouts, entry: GitLockEntry) -> GitSourceInfo:
    """Fetch a git dep of mix.lock once: its hash, and what its checkout says."""
    root = source_root(entry)
    try:
        with checkouts.checkout(entry.url, entry.rev, submodules=entry.submodules) as (
            hash_,
            path,
        ):
            app = inspect_checkout(path / root if root else path, entry)
    except ToolError as error:
        # Name the mix.lock entry: the git error alone does not say which dep it was.
        raise ToolError(
            f"cannot fetch git dependency {entry.name} ({entry.url} at {entry.rev}): "
            f"{error.message}",
            entry.where,
            error.hint or "check that url and rev in mix.lock are reachable from here",
        ) from None
    return GitSourceInfo(
        entry.url, entry.rev, entry.submodules, root, hash_, app.version, app.builder,
        app.deps, app.optional_deps, entry.name,
    )  # fmt: skip


@dataclass(frozen=True)
class CheckoutApp:
    """What a git dependency's checkout says about the app in it."""

    version: str
    builder: Builder
    deps: tuple[str, ...] = ()
    optional_deps: tuple[str, ...] = ()


def inspect_checkout(path: Path, entry: GitLockEntry) -> CheckoutApp:
    """Version, builder and prod deps of the app at `path` (a checkout's app directory)."""
    if not path.is_dir():
        raise InputError(
            f"git dependency {entry.name!r}: {path.name}/ is not in the checkout",
            entry.where,
            "check the `sparse:`/`subdir:` option in mix.exs",
        )
    fallback = _version_from_tag(entry)
    if (path / "mix.exs").is_file():
        return _mix_metadata(path, entry, fallback)
    if (path / "rebar.config").is_file():
        return CheckoutApp(fallback, "rebar3")
    if (path / "Makefile").is_file() or (path / "erlang.mk").is_file():
        return CheckoutApp(fallback, "make")
    return CheckoutApp(fallback, "none")


def _version_from_tag(entry: GitLockEntry) -> str:
    """`tag: "v2.1.1"` gives 2.1.1 (only the store name uses it); else UNKNOWN_VERSION."""
    match = re.fullmatch(r"v?(\d+\.\d+(?:\.\d+)?)", entry.tag or "")
    return match.group(1) if match else UNKNOWN_VERSION


def _mix_metadata(path: Path, entry: GitLockEntry, fallback: str) -> CheckoutApp:
    try:
        exs = read_mix_exs(parse_file(path, path / "mix.exs"))
    except NixgenError as error:
        raise InputError(
            f"git dependency {entry.name!r}: its mix.exs cannot be read: {error}", entry.where
        ) from error
    version = exs.version if isinstance(exs.version, str) else fallback
    if isinstance(exs.deps, Dynamic):
        return CheckoutApp(version, "mix")
    declared = [d for d in exs.deps if not isinstance(d, DynamicDep | UmbrellaDep)]
    required = {d.name for d in declared if _needed_by_parent(d.options)}
    optional = {d.name for d in declared if _in_prod(d.options) and d.options.optional is True}
    return CheckoutApp(version, "mix", tuple(sorted(required)), tuple(sorted(optional)))


def _in_prod(options: DepOptions) -> bool:
    only = options.only
    return only is None or isinstance(only, Dynamic) or "prod" in only


def _needed_by_parent(options: DepOptions) -> bool:
    """A dependency's own deps that Mix fetches for its parent: not optional, not dev/test."""
    return _in_prod(options) and options.optional is not True
