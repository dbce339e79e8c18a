"""The Elixir side of the switch: a marked block in config/config.exs, or the blog's macro.

With `PRECOMPILED_NIF=true` (set only in the Nix build) every Rustler module skips cargo and
loads the library nixgen's flake copied to `priv/native`. Rustler ≥ 0.22 merges application
config over `use Rustler` options, and ≥ 0.22.2 skips cargo entirely with `skip_compilation?`
(docs/UPSTREAM.md U-RUSTLER-CONFIG, U-RUSTLER-SKIP), so the switch is config, no code change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nixgen.emit.render import render
from nixgen.errors import InputError, Position, ResolveError
from nixgen.model import HexLockEntry, MixProject, Nif, Project, RustlerModule
from nixgen.paths import join
from nixgen.resolve.assets import AssetTool
from nixgen.resolve.nifs import parse_version

BEGIN = "# nixgen:begin PRECOMPILED_NIF"
END = "# nixgen:end PRECOMPILED_NIF"
CONFIG_MERGE_SINCE = (0, 22, 0)  # U-RUSTLER-CONFIG: Config.from/3 reads application config
SKIP_WITHOUT_CARGO_SINCE = (0, 22, 2)  # U-RUSTLER-SKIP: 0.22.0/0.22.1 still ran `cargo metadata`
MACRO = "rustler_use"


@dataclass(frozen=True)
class GlueNif:
    app: str  # the otp_app whose config holds the module's options
    module: str
    load_app: str
    load_path: str  # priv/native/... without extension


def needs_config(nif: Nif) -> bool:
    """Rustler reads application config over `use` options from 0.22 on; older versions get
    the macro module. 0.22.0 and 0.22.1 run cargo even when told to skip it: they stop."""
    version = parse_version(nif.rustler_version) if nif.rustler_version else None
    if version is None or version < CONFIG_MERGE_SINCE:
        return False
    if version < SKIP_WITHOUT_CARGO_SINCE:
        raise ResolveError(
            f"{nif.module}: rustler {nif.rustler_version} runs `cargo metadata` even with "
            "`skip_compilation?: true`, and the Nix build has no cargo",
            nif.where,
            "update rustler to 0.22.2 or later (`mix deps.update rustler`)",
        )
    return True


def config_block(nifs: list[GlueNif], tools: Sequence[tuple[str, str]] = ()) -> str:
    """The marked block, one `config` per module, sorted, then the asset tools' paths
    (`tools`: Hex package, variable the Nix build sets)."""
    return render(
        "config_block.exs.j2",
        begin=BEGIN,
        end=END,
        nifs=sorted(nifs, key=lambda n: (n.app, n.module)),
        tools=sorted(tools),
    )


def with_config_block(existing: str | None, block: str, path: str = "config/config.exs") -> str:
    """config.exs with the block replaced in place, or appended (a new file gets
    `import Config` first). Only the text between one matched pair of markers is replaced: a
    lone, damaged or repeated marker is an input error (the user's lines around it are theirs)."""
    if existing is None or not existing.strip():
        return "import Config\n\n" + block
    newline = "\r\n" if "\r\n" in existing else "\n"  # keep the file's line ends
    block = block.replace("\n", newline)
    lines = existing.splitlines(keepends=True)
    pair = _marked_pair(lines, path)
    if pair is not None:
        begin, end = pair
        return "".join(lines[:begin]) + block + "".join(lines[end + 1 :])
    separator = "" if existing.endswith("\n") else newline
    return f"{existing}{separator}{newline}{block}"


_MARKER = re.compile(r"#\s*nixgen\s*:\s*(?P<kind>begin|end)\b", re.IGNORECASE)


def _marked_pair(lines: list[str], path: str) -> tuple[int, int] | None:
    """The 0-based lines of the one `# nixgen:begin` / `# nixgen:end` pair, None if there is
    no marker at all."""
    marks = [(i, m["kind"].lower()) for i, line in enumerate(lines) if (m := _MARKER.search(line))]
    if not marks:
        return None
    if len(marks) == 2 and [k for _, k in marks] == ["begin", "end"]:
        (begin, _), (end, _) = marks
        if lines[begin].startswith(BEGIN) and lines[end].startswith(END):
            return begin, end
    found = ", ".join(f"line {i + 1} ({lines[i].strip()[:60]!r})" for i, _ in marks)
    raise InputError(
        f"the nixgen markers do not form one pair: {found}",
        Position(path, marks[0][0] + 1, 1),
        f"keep exactly one `{BEGIN}` line and one `{END}` line after it around nixgen's "
        "block (or delete the block with its markers), then run nixgen again",
    )


def macro_module(app_module: str) -> str:
    """For rustler < 0.22, which ignores application config: a macro used in place of
    `use Rustler` that keeps the module's options and adds the switch's."""
    return render("nixgen_rustler.ex.j2", name=f"{app_module}.NixgenRustler", macro=MACRO)


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Glue:
    """The Elixir side of one run: the config block, macro modules, what to tell the user."""

    created: dict[str, str]  # macro modules for rustler < 0.22 (the user's once written)
    edited: dict[str, str]  # config.exs with the block in place
    notes: tuple[str, ...]


def plan_glue(
    project: Project,
    top: MixProject,
    nifs: Iterable[Nif],
    tools: Sequence[AssetTool],
    config: tuple[str, Callable[[], str | None]],
    enabled: bool = True,
) -> Glue:
    """The switch for every NIF the release loads, and the asset tools' paths. `config` is the
    path of config.exs and how to read it (None when absent); `enabled` is `elixir_glue`."""
    if not enabled:
        return Glue({}, {}, (_glue_off_note(tools),) if tools else ())
    created: dict[str, str] = {}
    notes: list[str] = []
    entries: list[GlueNif] = []
    for nif in nifs:
        module = _module(project, nif)
        if module is not None and module.reads_precompiled_nif:
            notes.append(f"{nif.module} already reads PRECOMPILED_NIF: left as it is")
            continue
        if nif.kind == "precompiled":
            _require_rustler(project, top, nif)
        glue = GlueNif(nif.otp_app, nif.module, nif.load_app, nif.load_path)
        if needs_config(nif):
            entries.append(glue)
        else:
            notes.extend(_old_rustler(project, nif, glue, created))
    path, read = config
    edited = {}
    if entries or tools:
        block = config_block(entries, [(t.package, t.variable) for t in tools])
        edited[path] = with_config_block(read(), block, path)
    return Glue(created, edited, tuple(notes))


def _glue_off_note(tools: Sequence[AssetTool]) -> str:
    return (
        "elixir_glue = false: point the Hex packages at the binaries the build provides "
        "yourself: "
        + "; ".join(f'config :{t.package}, path: System.get_env("{t.variable}")' for t in tools)
    )


def _module(project: Project, nif: Nif) -> RustlerModule | None:
    return next(
        (
            m
            for p in project.all_mix_projects()
            for m in p.rustler_modules
            if m.module == nif.module and m.where == nif.where
        ),
        None,
    )


def _require_rustler(project: Project, top: MixProject, nif: Nif) -> None:
    lock = next((lk for lk in project.locks if lk.path == top.lockfile), None)
    if lock is None or not isinstance(lock.get("rustler"), HexLockEntry):
        raise ResolveError(
            f"{nif.module} uses RustlerPrecompiled for its own crate: building it from source "
            "needs :rustler in mix.lock",
            nif.where,
            'add `{:rustler, ">= 0.0.0", optional: true}` to deps in mix.exs and run '
            "`mix deps.get`",
        )


def _old_rustler(project: Project, nif: Nif, glue: GlueNif, created: dict[str, str]) -> list[str]:
    """The macro module in `created`; the note saying how to use it, unless it is used."""
    app_module = "".join(part.capitalize() for part in glue.app.split("_"))
    path = join(nif.mix_dir, f"lib/{glue.app}/nixgen_rustler.ex")  # beside the module
    created[path] = macro_module(app_module)
    module = _module(project, nif)
    if module is not None and module.via_macro:
        return []  # the change below is made
    return [
        f"rustler {nif.rustler_version or '(unknown version)'} ignores application config: "
        f"{path} holds a macro; in {nif.where.path} replace `use Rustler, <options>` with "
        f"`require {app_module}.NixgenRustler` and "
        f"`{app_module}.NixgenRustler.{MACRO}(<options>)`"
    ]
