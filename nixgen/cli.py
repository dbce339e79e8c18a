"""Command-line interface: parse options, call one library function, map errors to exit codes."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from nixgen import __version__
from nixgen.constants import CI_PROVIDERS, LIBCS, REGENERATE, CiProvider, Libc
from nixgen.errors import NixgenError, terminal_safe
from nixgen.lock import project_lock

# Each command imports its library side when it runs: `nixgen --help` or `show` does not pay
# for jinja2, tomlkit, tree-sitter or urllib it does not use (tests/test_imports.py).
if TYPE_CHECKING:
    from nixgen.write import Change

F = TypeVar("F", bound=Callable[..., Any])


def project_options(func: F) -> F:
    """Options shared by every command that reads a project."""
    func = click.argument(
        "path",
        required=False,
        default=".",
        type=click.Path(file_okay=False, path_type=Path),
    )(func)
    func = click.option(
        "--env",
        "mix_env",
        default=None,
        help="Mix environment the release is built for (Mix.env() in mix.exs) "
        "[default: prod, or nixgen.toml].",
    )(func)
    return func


def reads_project(func: F) -> F:
    """A command that reads the project at its `path`: for a large one, memory is prepared
    first (nixgen.memory)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from nixgen.memory import prepare_for

        prepare_for(kwargs["path"])
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def reports_errors(func: F) -> F:
    """Turn nixgen's errors into a message on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NixgenError as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo(f"nixgen: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Console:
    """Where commands talk: results on stdout, notes and progress on stderr. Colour only
    reaches a terminal (click strips it elsewhere); progress only when stderr is one."""

    quiet: bool = False

    def say(self, text: str) -> None:
        if not self.quiet:
            click.echo(terminal_safe(text))

    def note(self, text: str) -> None:
        if not self.quiet:
            click.echo(click.style("note: ", fg="yellow") + terminal_safe(text), err=True)

    def progress(self, n: int, m: int, what: str) -> None:
        if not self.quiet and sys.stderr.isatty():
            click.echo(click.style(f"[{n}/{m}]", fg="cyan") + f" fetching {what}", err=True)


def console() -> Console:
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Console) else Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nixgen")
@click.option("-v", "--verbose", count=True, help="More output: -v notes, -vv every command run.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Print only errors (and diffs of --dry-run/check)."
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Generate a Nix flake for an Elixir project with Rust NIFs (Rustler)."""
    level = (
        logging.DEBUG
        if debug or verbose >= 2
        else (logging.INFO if verbose == 1 else logging.WARNING)
    )
    logging.basicConfig(level=level, format="nixgen: %(message)s")
    if os.environ.get("NO_COLOR"):  # https://no-color.org: set and not empty
        ctx.color = False
    ctx.obj = Console(quiet=quiet)


@main.command()
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the model as stable JSON.")
@reports_errors
@reads_project
def show(path: Path, mix_env: str | None, as_json: bool) -> None:
    """Print what nixgen reads from the project at PATH (default: .)."""
    from nixgen.emit.deps import deps_reports
    from nixgen.fetch.records import load_known
    from nixgen.resolve.project import load_project
    from nixgen.settings import load_settings
    from nixgen.show import nif_dep_reports, show_json_pieces, show_text, sys_report

    settings = load_settings(path)
    env = mix_env or (settings.mix_env if settings else "prod")
    project = load_project(path, env=env, hints=settings.nif_hints if settings else ())
    known = load_known(path)
    deps = deps_reports(project, known, env=env)
    native = sys_report(project)
    nif_deps = nif_dep_reports(project, known, dict(settings.nif_sources) if settings else {})
    if as_json:  # written as it is encoded
        for piece in show_json_pieces(project, deps, native, nif_deps):
            click.echo(piece, nl=False)
    else:
        click.echo(show_text(project, deps, native, nif_deps), nl=False)


nif_dep_lock_option = click.option(
    "--nif-dep-lock",
    "nif_dep_locks",
    multiple=True,
    metavar="APP=PATH",
    help="The Cargo.lock to build the NIF dependency APP from source with, when its Hex "
    "package has none (copied to nix/nif-deps/).",
)


@main.command()
@project_options
@click.option(
    "--libc",
    type=click.Choice(LIBCS),
    default=None,
    help="C library of the NIFs and the BEAM on Linux [default: musl, or nixgen.toml].",
)
@click.option(
    "--no-elixir-glue",
    is_flag=True,
    help="Do not add the PRECOMPILED_NIF block to config/config.exs.",
)
@click.option(
    "--generate-lockfiles",
    is_flag=True,
    help="Run `cargo generate-lockfile` for NIF crates that have no Cargo.lock.",
)
@nif_dep_lock_option
@click.option("--dry-run", is_flag=True, help="Print what would change as a diff; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite generated files edited by hand, and a flake.nix nixgen did not write.",
)
@click.option(
    "--ci",
    type=click.Choice(CI_PROVIDERS),
    default=None,
    help="Also write a CI workflow (once; yours afterwards): github → .github/workflows/nix.yml.",
)
@reports_errors
@reads_project
def init(
    path: Path,
    mix_env: str | None,
    libc: Libc | None,
    no_elixir_glue: bool,
    generate_lockfiles: bool,
    nif_dep_locks: tuple[str, ...],
    dry_run: bool,
    force: bool,
    ci: CiProvider | None,
) -> None:
    """Write the flake, nix/*.nix and the PRECOMPILED_NIF switch for the project at PATH."""
    from nixgen.emit.ci import plan_ci
    from nixgen.fetch.gateway import SubprocessRunner
    from nixgen.nextsteps import init_next_steps
    from nixgen.pipeline import InitOptions, plan_init
    from nixgen.write import apply_changes

    options = InitOptions(
        mix_env=mix_env,
        libc=libc,
        elixir_glue=False if no_elixir_glue else None,
        generate_lockfiles=generate_lockfiles,
        nif_dep_locks=nif_dep_locks,
    )
    out = console()
    if not dry_run:  # one writing run at a time; released when the command ends
        click.get_current_context().with_resource(project_lock(path, on_wait=out.note))
    lockfiles: list[str] = []
    changes = plan_init(
        path,
        options,
        force=force,
        progress=out.progress,
        on_note=out.note,
        on_lockfiles=lockfiles.extend,
    )
    changes += plan_ci(path, ci) if ci else []
    if dry_run:
        print_dry_run(changes, "nixgen init")
        return
    apply_changes(path, changes)
    for change in changes:
        out.say(f"{change.action:>9}  {change.path}")
    say_kept(out, changes)
    steps = init_next_steps(path, changes, lockfiles, SubprocessRunner())
    out.say(steps.text)
    if steps.warning:
        out.note(steps.warning)


_DIFF_COLOURS = (("+++", None), ("---", None), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def coloured_diff(text: str) -> str:
    """A unified diff with ANSI colours, which click.echo strips unless stdout is a terminal
    (and NO_COLOR is unset)."""
    lines = terminal_safe(text).splitlines(keepends=True)  # project text: no terminal codes
    return "".join(_coloured_line(line) for line in lines)


def _coloured_line(line: str) -> str:
    for prefix, colour in _DIFF_COLOURS:
        if line.startswith(prefix):
            body = line.rstrip("\n")
            bold = True if colour is None else None  # bold=False would emit a reset code
            return click.style(body, fg=colour, bold=bold) + line[len(body) :]
    return line


def print_dry_run(changes: list[Change], command: str) -> None:
    """The diff on stdout; on stderr, what the diff does not say (hand edits, versions)."""
    from nixgen.write import explain, unified_diff

    click.echo(coloured_diff(unified_diff(changes)), nl=False)
    for line in explain(changes, command):
        click.echo(f"nixgen: {line}", err=True)


def say_kept(out: Console, changes: list[Change]) -> None:
    for change in changes:
        if change.keep_orig:
            out.say(f"kept your version in {change.path}.orig")


@main.command()
@click.argument(
    "path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@nif_dep_lock_option
@click.option("--dry-run", is_flag=True, help="Print what would change as a diff; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite generated files edited by hand.")
@reports_errors
@reads_project
def update(path: Path, nif_dep_locks: tuple[str, ...], dry_run: bool, force: bool) -> None:
    """Regenerate the generated files from mix.lock, Cargo.lock and nixgen.toml."""
    from nixgen.pipeline import plan_update, summarize
    from nixgen.write import apply_changes

    out = console()
    if not dry_run:  # one writing run at a time; released when the command ends
        click.get_current_context().with_resource(project_lock(path, on_wait=out.note))
    changes = plan_update(
        path, force=force, progress=out.progress, on_note=out.note, nif_dep_locks=nif_dep_locks
    )
    if dry_run:
        print_dry_run(changes, REGENERATE)
        return
    apply_changes(path, changes)
    for line in summarize(changes) or ["nothing changed"]:
        out.say(line)
    say_kept(out, changes)


@main.command()
@project_options
@click.option(
    "--all",
    "all_entries",
    is_flag=True,
    help="Every mix.lock entry, not only the release closure of --env.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the file (atomically) instead of printing it.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With -o: overwrite a file nixgen did not write (kept in FILE.orig).",
)
@reports_errors
@reads_project
def deps(
    path: Path, mix_env: str | None, all_entries: bool, output: Path | None, force: bool
) -> None:
    """Print the deps file alone (mix2nix's `deps.nix`) for the project at PATH: what mix.exs
    and mix.lock need, git deps with their hashes; nothing else is read or written."""
    from nixgen.pipeline import DepsOptions, deps_file, plan_deps_output
    from nixgen.write import apply_changes

    if all_entries and mix_env is not None:
        raise click.UsageError("--all takes every lock entry: it cannot be used with --env")
    out = console()
    options = DepsOptions(mix_env, all_entries, output)
    if output is not None:  # one writing run at a time; released when the command ends
        click.get_current_context().with_resource(project_lock(path, on_wait=out.note))
    text = deps_file(path, options, progress=out.progress, on_note=out.note)
    if output is None:
        click.echo(text, nl=False)
        return
    changes = plan_deps_output(options, text, force=force)
    apply_changes(output.parent, changes)
    for change in changes:
        out.say(f"{change.action:>9}  {output}")
    say_kept(out, changes)


@main.command()
@click.argument(
    "path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@reports_errors
@reads_project
def check(path: Path) -> None:
    """Exit 0 if the generated files are what `update` would write, else 1 with a diff."""
    from nixgen.pipeline import out_of_date, plan_update

    out = console()
    stale = out_of_date(plan_update(path, force=False, progress=out.progress))
    if stale:
        print_dry_run(stale, REGENERATE)
        click.echo(f"nixgen: {len(stale)} file(s) out of date; run `{REGENERATE}`", err=True)
        sys.exit(1)
    out.say("nixgen: generated files are up to date")


@main.command()
@click.argument(
    "path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--provider",
    type=click.Choice(CI_PROVIDERS),
    default="github",
    show_default=True,
    help="CI service: github → .github/workflows/nix.yml.",
)
@reports_errors
def ci(path: Path, provider: CiProvider) -> None:
    """Write the CI workflow for the project at PATH once (an existing one is yours, left alone)."""
    from nixgen.emit.ci import plan_ci
    from nixgen.write import apply_changes

    changes = plan_ci(path, provider)
    apply_changes(path, changes)
    out = console()
    for change in changes:
        out.say(f"{change.action:>9}  {change.path}")
