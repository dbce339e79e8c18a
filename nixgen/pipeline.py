"""The commands' library side: read the project, generate every file, plan the writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from nixgen.constants import (
    DEPS_FILE,
    FLAKE_FILE,
    NIFS_FILE,
    RELEASE_FILE,
    SETTINGS_FILE,
    Libc,
)
from nixgen.errors import InputError, Position
from nixgen.fetch.cargo import generate_lockfiles
from nixgen.fetch.cargo_git import known_cargo_hashes, pending_cargo_fetches
from nixgen.fetch.checkouts import GitSources
from nixgen.fetch.gateway import SubprocessRunner
from nixgen.fetch.git import CachedPrefetcher, GitPrefetcher, Prefetcher, hex_tarball_sha256
from nixgen.generate import Tools, generate, read_from
from nixgen.model import GitLockEntry, Project
from nixgen.resolve.project import check_root, load_known_sources, load_project
from nixgen.settings import Settings, check_mix_env, load_settings, updated_text
from nixgen.write import Change, check_target, plan_changes, read_existing


@dataclass(frozen=True)
class InitOptions:
    """`init`'s options; None means "as nixgen.toml says" (or the default without one)."""

    mix_env: str | None = None
    libc: Libc | None = None
    elixir_glue: bool | None = None
    generate_lockfiles: bool = False


Progress = Callable[[int, int, str], None]  # (n, m, what): the n-th of m fetches starts


class _Counter:
    """Numbers the fetches of one run for the progress output."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.total = 0
        self.done = 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done), what)


class _ReportingPrefetcher:
    def __init__(self, inner: Prefetcher, counter: _Counter) -> None:
        self._inner = inner
        self._counter = counter

    def prefetch_git(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> str:
        self._counter(url)
        return self._inner.prefetch_git(url, rev, submodules=submodules, lfs=lfs)


@dataclass
class _DefaultTools:
    tools: Tools
    counter: _Counter


def default_tools(root: Path, progress: Progress | None = None) -> Tools:
    return _default_tools(root, progress).tools


def _default_tools(root: Path, progress: Progress | None) -> _DefaultTools:
    counter = _Counter(progress)
    fetcher = GitPrefetcher(SubprocessRunner(), use_nix_prefetch_git=False)
    tools = Tools(
        sources=GitSources(fetcher, load_known_sources(root), on_fetch=counter),
        prefetcher=_ReportingPrefetcher(CachedPrefetcher(fetcher), counter),
        hex_hasher=hex_tarball_sha256,
    )
    return _DefaultTools(tools, counter)


def _tools_for(
    root: Path, project: Project, tools: Tools | None, progress: Progress | None
) -> Tools:
    """The given tools (tests), else the real ones with the number of fetches to expect."""
    if tools is not None:
        return tools
    made = _default_tools(root, progress)
    git = [e for lock in project.locks for e in lock.entries if isinstance(e, GitLockEntry)]
    unknown = sum(made.tools.sources.known(e) is None for e in git)
    known_cargo = known_cargo_hashes(read_from(root)(NIFS_FILE) or "")
    made.counter.total = unknown + pending_cargo_fetches(project, known_cargo)
    return made.tools


def plan_init(
    root: Path,
    options: InitOptions,
    *,
    force: bool,
    tools: Tools | None = None,
    progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
    on_lockfiles: Callable[[tuple[str, ...]], None] | None = None,
) -> list[Change]:
    """`on_lockfiles` receives the Cargo.lock files the flake needs (for the next steps)."""
    check_root(root)
    existing = load_settings(root)
    settings = _init_settings(existing or Settings(), options)
    if options.generate_lockfiles:
        generate_lockfiles(_load(root, settings), SubprocessRunner(), root)
    changes = _plan(root, settings, force, tools, progress, on_note, on_lockfiles)
    if existing is None:
        return changes
    old = read_existing(root, SETTINGS_FILE) or ""
    new = updated_text(old, settings)  # an explicit option that differs is written back
    return [
        replace(c, action="unchanged" if new == old else "update", old=old, new=new)
        if c.path == SETTINGS_FILE
        else c
        for c in changes
    ]


def _init_settings(base: Settings, options: InitOptions) -> Settings:
    mix_env = options.mix_env
    return replace(
        base,
        mix_env=base.mix_env if mix_env is None else check_mix_env(mix_env, Position("--env")),
        elixir_glue=base.elixir_glue if options.elixir_glue is None else options.elixir_glue,
        libc=options.libc or base.libc,
    )


def plan_update(
    root: Path,
    *,
    force: bool,
    tools: Tools | None = None,
    progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
) -> list[Change]:
    """Regenerate from the current inputs and nixgen.toml (which `init` created)."""
    check_root(root)
    settings = load_settings(root)
    if settings is None:
        raise InputError(
            "no nixgen.toml: this project was not set up by nixgen",
            Position(SETTINGS_FILE),
            "run `nixgen init` first",
        )
    return _plan(root, settings, force, tools, progress, on_note)


def _load(root: Path, settings: Settings) -> Project:
    # Generation needs only the Cargo.lock files of NIF crates.
    return load_project(root, env=settings.mix_env, all_cargo_locks=False, hints=settings.nif_hints)


def _plan(
    root: Path,
    settings: Settings,
    force: bool,
    tools: Tools | None,
    progress: Progress | None,
    on_note: Callable[[str], None] | None,
    on_lockfiles: Callable[[tuple[str, ...]], None] | None = None,
) -> list[Change]:
    for path in (FLAKE_FILE, RELEASE_FILE, DEPS_FILE, NIFS_FILE):
        check_target(root, path)  # before anything reads them: a link is not followed
    project = _load(root, settings)
    output = generate(
        project, settings, _tools_for(root, project, tools, progress), read_from(root)
    )
    for note in output.notes:
        if on_note is not None:
            on_note(note)
    if on_lockfiles is not None:
        on_lockfiles(output.lockfiles)
    return plan_changes(root, output.generated, output.created, output.edited, force)


def out_of_date(changes: list[Change]) -> list[Change]:
    """Changes `check` reports: anything `update` would write."""
    return [c for c in changes if c.action != "unchanged"]


_DEP = re.compile(
    r'^    (?P<attr>\S+) = \w+ \{\n      name = "(?P<name>[^"]*)";\n'
    r'      version = "(?P<version>[^"]*)";',
    re.MULTILINE,
)
_CRATE = re.compile(r"^    (?P<attr>\S+) = buildNif [({]", re.MULTILINE)


def summarize(changes: list[Change]) -> list[str]:
    """One line per dep added/removed/bumped, crate added/removed and file rewritten."""
    lines: list[str] = []
    for change in changes:
        if change.path == DEPS_FILE:
            lines.extend(_dep_changes(change.old or "", change.new))
        elif change.path == NIFS_FILE:
            old = set(_CRATE.findall(change.old or ""))
            new = set(_CRATE.findall(change.new))
            lines += [f"crate added: {c}" for c in sorted(new - old)]
            lines += [f"crate removed: {c}" for c in sorted(old - new)]
    lines += [f"{c.action}: {c.path}" for c in changes if c.action != "unchanged"]
    return lines


def _dep_changes(old_text: str, new_text: str) -> list[str]:
    old = {m["name"]: m["version"] for m in _DEP.finditer(old_text)}
    new = {m["name"]: m["version"] for m in _DEP.finditer(new_text)}
    lines = [f"dep added: {n} {new[n]}" for n in sorted(set(new) - set(old))]
    lines += [f"dep removed: {n} {old[n]}" for n in sorted(set(old) - set(new))]
    lines += [
        f"dep bumped: {n} {old[n]} -> {new[n]}"
        for n in sorted(set(old) & set(new))
        if old[n] != new[n]
    ]
    return lines
