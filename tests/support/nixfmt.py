"""`nixfmt_like`: a text laid out differently, the kinds of change nixfmt makes (indentation,
lines rewrapped, lists joined and split, the lines of '' strings re-indented); nixfmt itself is not
installable here (tests/test_reformat.py)."""

from __future__ import annotations

import re

from nixgen.write import HEADER_LINES


def _reindent(line: str) -> str:
    spaces = len(line) - len(line.lstrip(" "))
    return " " * (spaces * 2) + line.lstrip(" ")


_ITEM = r'[ \t]*(?:"[^"\n]*"|[A-Za-z_][\w.\'-]*)\n'
_LISTS = re.compile(rf'\[\n(?P<lines>(?:{_ITEM})+)[ \t]*\]|\[ (?P<inline>(?:"[^"\n]*" )+)\]')


def _toggle_lists(text: str) -> str:
    """A list of one element a line joined on one line (`[ a b ]`), a one-line list of strings
    split into one element a line."""

    def toggle(match: re.Match[str]) -> str:
        if match["lines"]:
            return "[ " + " ".join(part.strip() for part in match["lines"].splitlines()) + " ]"
        items = re.findall(r'"[^"\n]*"', match["inline"])
        return "[\n" + "".join(f"  {item}\n" for item in items) + "]"

    return _LISTS.sub(toggle, text)


def _rewrap(line: str) -> str:
    """A binding broken after `=`, as nixfmt breaks a line that does not fit."""
    match = re.fullmatch(r'(\s*)((?:"[^"\n]*"|[\w.-]+)) = ([^\'\n]*;)', line)
    if match is None or "''" in line:
        return line
    return f"{match[1]}{match[2]} =\n{match[1]}  {match[3]}"


def nixfmt_like(text: str) -> str:
    """`text` laid out differently, the way a formatter may: header lines kept as they are."""
    lines = text.split("\n")
    header, body = lines[:HEADER_LINES], lines[HEADER_LINES:]
    body = [_rewrap(_reindent(line)) for line in body]
    return "\n".join(header) + "\n" + _toggle_lists("\n".join(body))
