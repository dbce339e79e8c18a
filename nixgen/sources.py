"""Git dependencies: their fetchgit hash and what their checkout says (version, builder, deps).

Fetched once, then carried in the generated file as `# nixgen-source: {json}` comment lines so a
regeneration with unchanged url and rev needs no network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, Protocol

from nixgen.errors import InputError, NixgenError
from nixgen.model import DepOptions, Dynamic, DynamicDep, GitLockEntry, UmbrellaDep
from nixgen.readers.elixir import parse_file
from nixgen.readers.mix_exs import read_mix_exs

Builder = Literal["mix", "rebar3", "make", "none"]
SOURCE_COMMENT = "# nixgen-source: "
_SOURCE_LINE = re.compile(r"^\s*# nixgen-source: (?P<json>\{.*\})\s*$", re.MULTILINE)
UNKNOWN_VERSION = "0.0.0"


@dataclass(frozen=True)
class GitSourceInfo:
    url: str
    rev: str
    submodules: bool
    root: str | None  # the app's directory inside the repository (`sparse:`/`subdir:`)
    hash: str  # SRI sha256 of the whole checkout without .git (fetchgit)
    version: str
    builder: Builder
    deps: tuple[str, ...]  # its own deps for a :prod build (names)

    def key(self) -> tuple[str, str, bool, str | None]:
        return (self.url, self.rev, self.submodules, self.root)

    def comment(self) -> str:
        return SOURCE_COMMENT + json.dumps(asdict(self), sort_keys=True, ensure_ascii=True)


class GitCheckouts(Protocol):
    """Gives the fetchgit hash and a temporary checkout (without .git) of a git source."""

    def checkout(
        self, url: str, rev: str, *, submodules: bool = False
    ) -> AbstractContextManager[tuple[str, Path]]: ...


def source_root(entry: GitLockEntry) -> str | None:
    return entry.subdir or entry.sparse


class GitSources:
    """Answers GitSourceInfo per lock entry: from known sources, else by fetching once."""

    def __init__(self, checkouts: GitCheckouts | None, known: Iterable[GitSourceInfo] = ()):
        self._checkouts = checkouts
        self._known = {info.key(): info for info in known}
        self.fetched: list[GitSourceInfo] = []

    def known(self, entry: GitLockEntry) -> GitSourceInfo | None:
        return self._known.get((entry.url, entry.rev, entry.submodules, source_root(entry)))

    def info(self, entry: GitLockEntry) -> GitSourceInfo:
        found = self.known(entry)
        if found is not None:
            return found
        if self._checkouts is None:
            raise InputError(
                f"git dependency {entry.name!r} has not been fetched",
                entry.where,
                "run `nixgen update` (it fetches git sources once)",
            )
        root = source_root(entry)
        with self._checkouts.checkout(entry.url, entry.rev, submodules=entry.submodules) as (
            hash_,
            path,
        ):
            version, builder, deps = inspect_checkout(path / root if root else path, entry)
        info = GitSourceInfo(
            entry.url, entry.rev, entry.submodules, root, hash_, version, builder, deps
        )
        self._known[info.key()] = info
        self.fetched.append(info)
        return info

    def all_known(self) -> Iterator[GitSourceInfo]:
        return iter(self._known.values())


def inspect_checkout(path: Path, entry: GitLockEntry) -> tuple[str, Builder, tuple[str, ...]]:
    """Version, builder and prod deps of the app at `path` (a checkout's app directory)."""
    if not path.is_dir():
        raise InputError(
            f"git dependency {entry.name!r}: {path.name}/ is not in the checkout",
            entry.where,
            "check the `sparse:`/`subdir:` option in mix.exs",
        )
    if (path / "mix.exs").is_file():
        return _mix_metadata(path, entry)
    if (path / "rebar.config").is_file():
        return UNKNOWN_VERSION, "rebar3", ()
    if (path / "Makefile").is_file() or (path / "erlang.mk").is_file():
        return UNKNOWN_VERSION, "make", ()
    return UNKNOWN_VERSION, "none", ()


def _mix_metadata(path: Path, entry: GitLockEntry) -> tuple[str, Builder, tuple[str, ...]]:
    try:
        exs = read_mix_exs(parse_file(path, path / "mix.exs"))
    except NixgenError as error:
        raise InputError(
            f"git dependency {entry.name!r}: its mix.exs cannot be read: {error}", entry.where
        ) from error
    version = exs.version if isinstance(exs.version, str) else UNKNOWN_VERSION
    deps = (
        ()
        if isinstance(exs.deps, Dynamic)
        else tuple(
            sorted(
                {
                    dep.name
                    for dep in exs.deps
                    if not isinstance(dep, DynamicDep | UmbrellaDep)
                    and _needed_by_parent(dep.options)
                }
            )
        )
    )
    return version, "mix", deps


def _needed_by_parent(options: DepOptions) -> bool:
    """A dependency's own deps that Mix fetches for its parent: not optional, not dev/test."""
    only = options.only
    in_prod = only is None or isinstance(only, Dynamic) or "prod" in only
    return in_prod and options.optional is not True


def known_sources(text: str) -> list[GitSourceInfo]:
    """The `# nixgen-source:` lines of a previously generated file (unreadable lines ignored)."""
    found = []
    for match in _SOURCE_LINE.finditer(text):
        try:
            data = json.loads(match["json"])
            data["deps"] = tuple(data["deps"])
            found.append(GitSourceInfo(**data))
        except (ValueError, TypeError, KeyError):
            continue
    return found
