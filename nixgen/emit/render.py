"""Model → Nix text through jinja2 templates; every interpolated value is escaped here."""

from __future__ import annotations

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


def nix_attr(name: object) -> str:
    """An attribute name: bare when Nix allows it, else a quoted string."""
    text = str(name)
    if _NIX_IDENTIFIER.fullmatch(text) and text not in _NIX_KEYWORDS:
        return text
    return nix_str(text)


# In an indented string `'''` stands for '' and `''${` for ${. A lone ' right before either, or
# before the closing '', would merge with their quotes (`'` + `''${x}` reads as '' + ${x}), so
# it is written as the escape `''\'`.
_IND_ESCAPE = re.compile(r"''|'(?=\$|\Z)|\$\{")
_IND_ESCAPES = {"''": "'''", "'": "''\\'", "${": "''${"}


def nix_ind(value: object) -> str:
    """Text for inside an indented string ('' ... ''): escapes '', ${ and a ' before them."""
    return _IND_ESCAPE.sub(lambda m: _IND_ESCAPES[m.group()], str(value))


def nix_list(values: list[Any] | tuple[Any, ...]) -> str:
    """A Nix list of strings."""
    return "[ " + " ".join(nix_str(v) for v in values) + " ]" if values else "[ ]"


def templates_dir() -> Path:
    """`nixgen/templates` inside an installed wheel, `templates/` in a source checkout."""
    package = Path(__file__).parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    import jinja2  # only commands that render pay for importing it (`show` does not)

    from nixgen.fetch.records import record_line  # records import this module

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        nix_str=nix_str,
        nix_attr=nix_attr,
        nix_ind=nix_ind,
        nix_list=nix_list,
        nix_comment=nix_comment,
        nix_record=record_line,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render `template`; output ends with exactly one newline."""
    return environment().get_template(template).render(**context).rstrip("\n") + "\n"
