"""The commands' library side: read the project, fetch what no record knows, generate every
file, plan the writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from nixgen.constants import (
    DEPS_COMMAND,
    DEPS_FILE,
    FLAKE_FILE,
    NIF_DEPS_DIR,
    NIFS_FILE,
    RELEASE_FILE,
    SETTINGS_FILE,
    Libc,
)
from nixgen.emit.deps import DepsPlan, plan_deps, render_deps
from nixgen.errors import InputError, Position
from nixgen.fetch.cargo import generate_lockfiles
from nixgen.fetch.gateway import SubprocessRunner
from nixgen.fetch.records import (
    CrateRecord,
    GitSourceInfo,
    HexSource,
    KnownSources,
    Record,
    load_known,
    read_records,
)
from nixgen.fetch.stage import Fetchers, Progress, default_fetchers, fetch_sources
from nixgen.generate import plan_outputs
from nixgen.model import GivenLock, Project
from nixgen.resolve.project import DepsRequest, check_root, deps_request, load_project
from nixgen.settings import Settings, check_mix_env, load_settings, updated_text
from nixgen.write import Change, check_target, plan_changes, read_existing, with_header

__all__ = ["Fetchers", "Progress"]


@dataclass(frozen=True)
class InitOptions:
    """`init`'s options; None means "as nixgen.toml says" (or the default without one)."""

    mix_env: str | None = None
    libc: Libc | None = None
    elixir_glue: bool | None = None
    generate_lockfiles: bool = False
    nif_dep_locks: tuple[str, ...] = ()  # --nif-dep-lock APP=PATH


def plan_init(
    root: Path,
    options: InitOptions,
    *,
    force: bool,
    fetchers: Fetchers | None = None,
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
    given = read_given_locks(options.nif_dep_locks)
    changes = _plan(root, settings, force, fetchers, progress, on_note, on_lockfiles, given)
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
    fetchers: Fetchers | None = None,
    progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
    nif_dep_locks: tuple[str, ...] = (),
) -> list[Change]:
    """Regenerate from the current inputs and nixgen.toml (which `init` created);
    `nif_dep_locks`: --nif-dep-lock APP=PATH."""
    check_root(root)
    settings = load_settings(root)
    if settings is None:
        raise InputError(
            "no nixgen.toml: this project was not set up by nixgen",
            Position(SETTINGS_FILE),
            "run `nixgen init` first",
        )
    given = read_given_locks(nif_dep_locks)
    return _plan(root, settings, force, fetchers, progress, on_note, None, given)


def _unused_lock_copies(root: Path, generated: dict[str, str]) -> list[str]:
    """A note for each Cargo.lock copy under nix/nif-deps/ this run does not write (its NIF
    dependency is no longer built from source, or gone): nixgen removes no file."""
    folder = root / NIF_DEPS_DIR
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = sorted(p.relative_to(root).as_posix() for p in folder.rglob("Cargo.lock"))
    return [
        f"{path} is no longer used (its NIF dependency is not built from source now): "
        "delete it if you do not need it"
        for path in found
        if path not in generated
    ]


def read_given_locks(values: tuple[str, ...]) -> tuple[tuple[str, GivenLock], ...]:
    """`--nif-dep-lock APP=PATH` values (PATH relative to the working directory), read."""
    found: dict[str, GivenLock] = {}
    for value in values:
        app, sep, path = value.partition("=")
        if not sep or not app or not path:
            raise InputError(
                f"{value!r} is not APP=PATH",
                Position("--nif-dep-lock"),
                "e.g. --nif-dep-lock ecto_libsql=../ecto_libsql/Cargo.lock",
            )
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise InputError(
                f"cannot read {path!r} for {app}: {reason}",
                Position("--nif-dep-lock"),
                "give the path of a Cargo.lock file",
            ) from None
        found[app] = GivenLock(path, text)
    return tuple(sorted(found.items()))


def _load(root: Path, settings: Settings) -> Project:
    # Generation needs only the Cargo.lock files of NIF crates.
    return load_project(root, env=settings.mix_env, all_cargo_locks=False, hints=settings.nif_hints)


def _plan(
    root: Path,
    settings: Settings,
    force: bool,
    fetchers: Fetchers | None,
    progress: Progress | None,
    on_note: Callable[[str], None] | None,
    on_lockfiles: Callable[[tuple[str, ...]], None] | None = None,
    given: tuple[tuple[str, GivenLock], ...] = (),
) -> list[Change]:
    for path in (FLAKE_FILE, RELEASE_FILE, DEPS_FILE, NIFS_FILE):
        check_target(root, path)  # before anything reads them: a link is not followed
    project = _load(root, settings)
    known = fetch_sources(
        project,
        deps_request(project, settings, given),
        load_known(root),
        fetchers or default_fetchers(),
        progress,
    )
    planned = plan_outputs(project, settings, known, lambda path: read_existing(root, path))
    del project, known  # the model is freed before the largest texts are rendered and read
    output = planned.render()
    notes = (*output.notes, *_unused_lock_copies(root, output.generated))
    for note in notes:
        if on_note is not None:
            on_note(note)
    if on_lockfiles is not None:
        on_lockfiles(output.lockfiles)
    return plan_changes(root, output.generated, output.created, output.edited, force)


@dataclass(frozen=True)
class DepsOptions:
    """`nixgen deps`' options: the Mix env whose closure is written (None: nixgen.toml's, else
    prod), or every lock entry; where the file goes (None: stdout)."""

    mix_env: str | None = None
    all_entries: bool = False
    output: Path | None = None

    def command(self) -> str:
        """The command that writes the same file again, for its header."""
        words = [DEPS_COMMAND]
        if self.all_entries:
            words.append("--all")
        elif self.mix_env is not None:
            words.append(f"--env {self.mix_env}")  # checked: a plain name
        if self.output is not None:
            name = self.output.as_posix()
            words.append(f"-o {name}" if _PLAIN_PATH.fullmatch(name) else "-o FILE")
        return " ".join(words)


_PLAIN_PATH = re.compile(r"[A-Za-z0-9._/+-]+")


def deps_file(
    root: Path,
    options: DepsOptions,
    *,
    fetchers: Fetchers | None = None,
    progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
) -> str:
    """The text of nix/deps.nix alone for the project at `root` (mix.exs and mix.lock; a
    nixgen.toml is read when there is one, for `provided` deps, pins and systems), git sources
    fetched once (their hashes reused from nix/deps.nix and from `options.output`)."""
    check_root(root)
    settings = load_settings(root) or Settings()
    if options.mix_env is not None:
        settings = replace(settings, mix_env=check_mix_env(options.mix_env, Position("--env")))
    project = load_project(
        root, env=settings.mix_env, all_cargo_locks=False, hints=settings.nif_hints
    )
    request = replace(deps_request(project, settings), all_entries=options.all_entries)
    known = load_known(root).adding(_output_records(options.output))
    plan = deps_plan(request, known, fetchers or default_fetchers(), progress)
    del project, request, known  # the model is freed before the file is rendered
    for note in plan.closure.notes:
        if on_note is not None:
            on_note(note)
    return deps_text(plan, options)


def deps_plan(
    request: DepsRequest, known: KnownSources, fetchers: Fetchers, progress: Progress | None
) -> DepsPlan:
    """The plan of the deps file of `request`. No `appConfigPath` (as mix2nix): where the file
    lands is not known, pass it in `overrides`."""
    known = fetch_sources(request.project, request, known, fetchers, progress, crates=False)
    return replace(plan_deps(request, known), app_config=None)


def deps_text(plan: DepsPlan, options: DepsOptions) -> str:
    """The deps file of `plan`, with the header that names the command writing it again."""
    return with_header(render_deps(plan), options.command())


def _output_records(output: Path | None) -> tuple[Record, ...]:
    """The records of the file `-o` rewrites, if nixgen wrote it (a foreign file has none)."""
    if output is None:
        return ()
    text = read_existing(output.parent, output.name)
    return read_records(text, output.as_posix()) if text is not None else ()


def plan_deps_output(options: DepsOptions, text: str, *, force: bool) -> list[Change]:
    """Writing `text` to `options.output`: refused over a file nixgen did not write (or that
    was edited) unless `force` (which keeps it in FILE.orig)."""
    assert options.output is not None
    return plan_changes(options.output.parent, {options.output.name: text}, {}, {}, force)


def out_of_date(changes: list[Change]) -> list[Change]:
    """Changes `check` reports: anything `update` would write."""
    return [c for c in changes if c.action != "unchanged"]


def summarize(changes: list[Change]) -> list[str]:
    """One line per dep added/removed/bumped, crate added/removed (from the records of the old
    and the new file) and file rewritten."""
    lines: list[str] = []
    for change in changes:
        if change.path == DEPS_FILE:
            lines.extend(_dep_changes(_deps(change.old), _deps(change.new)))
        elif change.path == NIFS_FILE:
            old, new = _crates(change.old), _crates(change.new)
            lines += [f"crate added: {c}" for c in sorted(new - old)]
            lines += [f"crate removed: {c}" for c in sorted(old - new)]
    lines += [f"{c.action}: {c.path}" for c in changes if c.action != "unchanged"]
    return lines


def _deps(text: str | None) -> dict[str, str]:
    """Name → version of every Mix dep recorded in a nix/deps.nix."""
    return {
        r.name: r.version
        for r in read_records(text or "", DEPS_FILE)
        if isinstance(r, GitSourceInfo | HexSource) and r.name
    }


def _crates(text: str | None) -> set[str]:
    return {r.attr for r in read_records(text or "", NIFS_FILE) if isinstance(r, CrateRecord)}


def _dep_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    lines = [f"dep added: {n} {new[n]}" for n in sorted(set(new) - set(old))]
    lines += [f"dep removed: {n} {old[n]}" for n in sorted(set(old) - set(new))]
    lines += [
        f"dep bumped: {n} {old[n]} -> {new[n]}"
        for n in sorted(set(old) & set(new))
        if old[n] != new[n]
    ]
    return lines
