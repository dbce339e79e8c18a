"""Model → Nix, Elixir and TOML text through jinja2 templates; every interpolated value is
escaped by one of the filters here."""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixgen.errors import Position, ResolveError, shorten

_NIX_KEYWORDS = frozenset(
    {"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"}
)
_NIX_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_'-]*$")
_STR_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def nix_str(value: object) -> str:
    """A Nix double-quoted string literal whose value is exactly `str(value)`."""
    text = str(value)
    if "\0" in text:
        raise ResolveError(
            f"{text!r} contains a NUL character, which a Nix string cannot hold",
            None,
            "remove it from the file it comes from",
        )
    escaped = "".join(_STR_ESCAPES.get(c, c) for c in text).replace("${", "\\${")
    return f'"{escaped}"'


_STORE_NAME = re.compile(r"[A-Za-z0-9+._?=-]+")
# Nix refuses a store path name longer than this (`name-version` together).
STORE_NAME_MAX = 211


def check_store_name(value: str, what: str, where: Position | None) -> str:
    """`value` unchanged if Nix accepts it in a store path name (`name-version`), else an error:
    quoting keeps such text valid Nix, but the derivation would still fail to evaluate."""
    # fullmatch: `$` would also match before a final newline, which Nix refuses.
    if not _STORE_NAME.fullmatch(value) or len(value) > STORE_NAME_MAX:
        raise ResolveError(
            f"{what} {shorten(value, 60)!r} cannot be part of a Nix store path (allowed: at "
            f"most {STORE_NAME_MAX} letters, digits, and + - . _ ? =)",
            where,
            "use a plain version/name (Mix itself requires SemVer)",
        )
    return value


def nix_comment(value: object) -> str:
    """Text for inside a `#` comment: a line break would end the comment and let the rest be
    read as Nix, so CR and LF are written as \\r and \\n."""
    return str(value).replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def is_nix_identifier(text: str) -> bool:
    """Whether Nix reads `text` bare as a name (not a keyword)."""
    return bool(_NIX_IDENTIFIER.fullmatch(text)) and text not in _NIX_KEYWORDS


def nix_ident(name: object) -> str:
    """A name nixgen writes where Nix reads a variable (a builder, a function): a plain
    identifier, never quoted; anything else is nixgen's own error (its values are typed)."""
    text = str(name)
    if not is_nix_identifier(text):
        raise ValueError(f"{text!r} is not a Nix identifier")
    return text


def nix_attr(name: object) -> str:
    """An attribute name: bare when Nix allows it, else a quoted string."""
    text = str(name)
    return text if is_nix_identifier(text) else nix_str(text)


# In an indented string `'''` stands for '' and `''${` for ${. A lone ' right before either, or
# before the closing '', would merge with their quotes (`'` + `''${x}` reads as '' + ${x}), so
# it is written as the escape `''\'`.
_IND_ESCAPE = re.compile(r"''|'(?=\$|\Z)|\$\{")
_IND_ESCAPES = {"''": "'''", "'": "''\\'", "${": "''${"}


def nix_ind(value: object) -> str:
    """Text for inside an indented string ('' ... ''): escapes '', ${ and a ' before them."""
    return _IND_ESCAPE.sub(lambda m: _IND_ESCAPES[m.group()], str(value))


def nix_list(values: list[Any] | tuple[Any, ...], indent: int = 0) -> str:
    """A Nix list of strings on the line of the expression that starts at `indent`: on that
    line when it has at most one element, else one element a line, as nixfmt lays lists out."""
    if len(values) <= 1:
        return "[ " + " ".join(nix_str(v) for v in values) + " ]" if values else "[ ]"
    pad = " " * indent
    return "[\n" + "".join(f"{pad}  {nix_str(v)}\n" for v in values) + f"{pad}]"


# --------------------------------------------------------------------------- Elixir

_ELIXIR_ATOM = re.compile(r"[a-z_][a-zA-Z0-9_]*[?!]?")
_ELIXIR_ALIAS = re.compile(r"[A-Z][a-zA-Z0-9_]*(?:\.[A-Z][a-zA-Z0-9_]*)*")


# Characters Elixir refuses raw inside a string or quoted atom, escaped form only: bidirectional
# formatting and line breaks other than LF/CRLF (docs/UPSTREAM.md U-ELIXIR-REFUSED-CHARS).
_ELIXIR_REFUSED = re.compile("[\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def elixir_str(value: object) -> str:
    """An Elixir double-quoted string literal whose value is exactly `str(value)`: JSON's
    escapes are Elixir's too (`\\"`, `\\\\`, `\\n`, `\\uXXXX`), `#{` is escaped so
    nothing is interpolated, and the characters Elixir refuses raw are written `\\uXXXX`."""
    literal = json.dumps(str(value), ensure_ascii=False).replace("#{", "\\#{")
    return _ELIXIR_REFUSED.sub(lambda m: f"\\u{ord(m.group()):04X}", literal)


def elixir_atom(value: object) -> str:
    """An Elixir atom literal: `:name` when Elixir reads it bare, else `:"..."`."""
    text = str(value)
    return f":{text}" if _ELIXIR_ATOM.fullmatch(text) else f":{elixir_str(text)}"


def elixir_alias(value: object) -> str:
    """A module name: the alias as written when it is one (`MyApp.Native`), else the atom the
    alias stands for (`:"Elixir.<name>"`), which Elixir accepts wherever a module goes."""
    text = str(value)
    return text if _ELIXIR_ALIAS.fullmatch(text) else f":{elixir_str('Elixir.' + text)}"


# --------------------------------------------------------------------------- TOML


def toml_str(value: str) -> str:
    """A TOML string (tomlkit's basic string, escaped by tomlkit)."""
    import tomlkit  # only what writes TOML pays for importing it

    return tomlkit.string(value).as_string()


def toml_key(value: str) -> str:
    """A TOML key: bare when TOML allows it, else quoted (tomlkit decides)."""
    import tomlkit

    return tomlkit.key(value).as_string()


def toml_list(values: list[str] | tuple[str, ...]) -> str:
    """A one-line TOML array of strings, as tomlkit writes it."""
    import tomlkit

    return tomlkit.item(list(values)).as_string()


def templates_dir() -> Path:
    """`nixgen/templates` inside an installed wheel, `templates/` in a source checkout."""
    package = Path(__file__).parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


def template_cache_dir() -> str | None:
    """Where compiled templates are kept between runs; None: jinja2's default
    (nixgen/emit/template_cache.py)."""
    return None


if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    import jinja2  # only commands that render pay for importing it (`show` does not)

    from nixgen.emit.template_cache import template_cache
    from nixgen.fetch.records import record_line  # records import this module

    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": False,
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        bytecode_cache=template_cache(options, template_cache_dir()),
        **options,
    )
    env.filters.update(
        nix_str=nix_str,
        nix_attr=nix_attr,
        nix_ident=nix_ident,
        nix_ind=nix_ind,
        nix_list=nix_list,
        nix_comment=nix_comment,
        elixir_str=elixir_str,
        elixir_atom=elixir_atom,
        elixir_alias=elixir_alias,
        toml_str=toml_str,
        toml_key=toml_key,
        toml_list=toml_list,
        nix_record=record_line,
    )
    env.globals.update(nix_binding=nix_binding, nix_assign=nix_assign)
    return env


# The argument set that opens a static .nix file of templates/nix/: the names it takes from the
# `let` of the file that includes it.
_NIX_ARGS = re.compile(r"\{[^{}]*\}:\n")
_OPENS = ("(", "{", "[")


def nif_snippet(name: str) -> str:
    """templates/nif-deps/<name>.sh, included verbatim into a build hook."""
    return (templates_dir() / "nif-deps" / f"{name}.sh").read_text(encoding="utf-8").rstrip("\n")


def nix_binding(name: str, file: str, indent: int = 2) -> str:
    """`name = <body of templates/<file>>;` at `indent`, laid out as nixfmt lays out a binding:
    the file's leading comments above it, its argument set (`{ lib, ... }:`, which keeps the file
    parseable and formatted on its own) left out so its names come from the enclosing `let`, and
    the body on the binding's line when it opens a bracket, else on the next line, indented."""
    text = (templates_dir() / file).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    comments = "".join(line for line in _leading_comments(lines))
    rest = "".join(lines[len(comments.splitlines()) :])
    args = _NIX_ARGS.match(rest)
    if args is None:
        raise ValueError(f"templates/{file} must open with its argument set, `{{ ... }}:`")
    body = rest[args.end() :].rstrip("\n").splitlines()
    pad = " " * indent
    head = [pad + line if line else "" for line in comments.splitlines()]
    if body[0].endswith(_OPENS):
        out = [f"{pad}{name} = {body[0]}", *_indent(body[1:], pad)]
    else:
        out = [f"{pad}{name} =", *_indent(body, pad + "  ")]
    return "\n".join([*head, *out]) + ";"


# nixfmt's line width (RFC style, as `nixfmt-tree` formats: docs/UPSTREAM.md U-NIXFMT).
NIX_WIDTH = 100


def nix_assign(indent: int, name: str, value: str) -> str:
    """`name = value;` (both already Nix text) at `indent`, with the value on a line of its own
    when the binding would not fit nixfmt's width, as nixfmt breaks it."""
    line = f"{name} = {value};"
    if indent + len(line) <= NIX_WIDTH:
        return line
    return f"{name} =\n{' ' * (indent + 2)}{value};"


def _leading_comments(lines: list[str]) -> list[str]:
    taken = []
    for line in lines:
        if not line.startswith("#"):
            break
        taken.append(line)
    return taken


def _indent(lines: list[str], pad: str) -> list[str]:
    return [pad + line if line else "" for line in lines]


def render(template: str, **context: Any) -> str:
    """Render `template`; output ends with exactly one newline. Written piece by piece into
    one buffer: jinja2's `render` keeps every piece of a long file in a list until it joins
    them, which doubles what a large deps.nix costs."""
    out = io.StringIO()
    for piece in environment().get_template(template).generate(**context):
        out.write(piece)
    text = out.getvalue()
    return text if text.endswith("\n") and not text.endswith("\n\n") else text.rstrip("\n") + "\n"
