"""Git dependencies: their fetchgit hash and what their checkout says (version, builder, deps).

Fetched once, then carried in the generated file as `# nixgen-source: {json}` comment lines so a
regeneration with unchanged url and rev needs no network.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, Protocol, get_args

from nixgen.constants import DEPS_FILE, REGENERATE
from nixgen.emit.render import check_store_name
from nixgen.errors import InputError, NixgenError, Position, ToolError, shorten
from nixgen.model import DepOptions, Dynamic, DynamicDep, GitLockEntry, UmbrellaDep
from nixgen.readers.elixir import parse_file
from nixgen.readers.mix_exs import read_mix_exs

log = logging.getLogger(__name__)

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
    optional_deps: tuple[str, ...] = ()  # linked when the release includes them anyway

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

    def __init__(
        self,
        checkouts: GitCheckouts | None,
        known: Iterable[GitSourceInfo] = (),
        on_fetch: Callable[[str], None] | None = None,
    ):
        """`on_fetch(name)` is called before each fetch (for progress output)."""
        self._checkouts = checkouts
        self._on_fetch = on_fetch
        self._known = {info.key(): info for info in known}
        self.fetched: list[GitSourceInfo] = []

    def known(self, entry: GitLockEntry) -> GitSourceInfo | None:
        return self._known.get((entry.url, entry.rev, entry.submodules, source_root(entry)))

    def info(self, entry: GitLockEntry) -> GitSourceInfo:
        found = self.known(entry)
        if found is not None:
            log.info("%s: reusing the recorded source (%s at %s)", entry.name, entry.url, entry.rev)
            return found
        if self._checkouts is None:
            raise InputError(
                f"git dependency {entry.name!r} has not been fetched",
                entry.where,
                f"run `{REGENERATE}` (it fetches git sources once)",
            )
        root = source_root(entry)
        if self._on_fetch is not None:
            self._on_fetch(entry.name)
        try:
            with self._checkouts.checkout(
                entry.url, entry.rev, submodules=entry.submodules
            ) as (hash_, path):
                app = inspect_checkout(path / root if root else path, entry)
        except ToolError as error:
            # Name the mix.lock entry: the git error alone does not say which dep it was.
            raise ToolError(
                f"cannot fetch git dependency {entry.name} ({entry.url} at {entry.rev}): "
                f"{error.message}",
                entry.where,
                error.hint or "check that url and rev in mix.lock are reachable from here",
            ) from None
        info = GitSourceInfo(
            entry.url,
            entry.rev,
            entry.submodules,
            root,
            hash_,
            app.version,
            app.builder,
            app.deps,
            app.optional_deps,
        )
        self._known[info.key()] = info
        self.fetched.append(info)
        return info


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


def known_sources(text: str, path: str = DEPS_FILE) -> list[GitSourceInfo]:
    """The `# nixgen-source:` lines of a previously generated file (`path`, for messages).

    A damaged record is an error rather than skipped: nixgen would otherwise fetch again
    silently, or carry a wrong value into the next file."""
    found = []
    for match in _SOURCE_LINE.finditer(text):
        where = Position(path, text.count("\n", 0, match.start()) + 1, 1)
        found.append(_source_info(match["json"], where))
    return found


_SRI_SHA256 = re.compile(r"sha256-[A-Za-z0-9+/]{43}=")
_STRING_FIELDS = ("url", "rev", "hash", "version")


def _source_info(text: str, where: Position) -> GitSourceInfo:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _bad_source(f"not valid JSON ({shorten(str(error))})", where) from None
    if not isinstance(data, dict):
        raise _bad_source("not a JSON object", where)
    for key in (*_STRING_FIELDS, "builder"):
        if not isinstance(data.get(key), str):
            raise _bad_source(f"`{key}` must be a string", where)
    if not isinstance(data.get("submodules"), bool):
        raise _bad_source("`submodules` must be true or false", where)
    if data.get("root") is not None and not isinstance(data["root"], str):
        raise _bad_source("`root` must be a string or null", where)
    deps = _names(data.get("deps"), "deps", where)
    optional = _names(data.get("optional_deps", []), "optional_deps", where)
    if data["builder"] not in get_args(Builder):
        raise _bad_source(f"unknown builder {shorten(data['builder'])!r}", where)
    if not _SRI_SHA256.fullmatch(data["hash"]):
        raise _bad_source("`hash` is not an SRI sha256 hash", where)
    try:
        version = check_store_name(data["version"], "`version`", where)
    except NixgenError as error:
        raise _bad_source(error.message, where) from None
    return GitSourceInfo(
        data["url"], data["rev"], data["submodules"], data.get("root"), data["hash"],
        version, data["builder"], deps, optional,
    )  # fmt: skip


def _names(value: object, key: str, where: Position) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad_source(f"`{key}` must be a list of strings", where)
    return tuple(value)


def _bad_source(reason: str, where: Position) -> InputError:
    return InputError(
        f"damaged `# nixgen-source:` record: {reason}",
        where,
        "delete this line (nixgen then fetches the source again), or restore the file",
    )
