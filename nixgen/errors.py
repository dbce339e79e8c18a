"""The one error hierarchy: every failure nixgen reports to a user."""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0 and C1 controls except tab and line feed, DEL, and the Unicode bidirectional overrides
# (which reorder what a terminal shows: "Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_LIMIT = 400


def terminal_safe(text: str) -> str:
    """`text` with control characters written as escapes (`\\x1b`), so text from a project
    file cannot move the cursor, recolour or rewrite what a terminal shows."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def shorten(value: object, limit: int = 80) -> str:
    """`str(value)`, cut to `limit` characters with the length said, for messages."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text)} characters)"


def _cut_lines(text: str) -> str:
    return "\n".join(shorten(line, LINE_LIMIT) for line in text.split("\n"))


@dataclass(frozen=True, slots=True)  # one per lock entry and more
class Position:
    """A place in a project file; `path` is relative to the project root where possible."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path


class NixgenError(Exception):
    """Base class. `str(error)` is the complete message shown to the user."""

    exit_code = 2

    def __init__(self, message: str, where: Position | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """The message for a terminal: control characters escaped, very long lines cut."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return _cut_lines(terminal_safe(text))


class InputError(NixgenError):
    """A project file is missing, unreadable or not what nixgen can understand."""


class ResolveError(NixgenError):
    """The inputs are readable but do not fit together (e.g. a module names a missing crate)."""


class ToolError(NixgenError):
    """An external program (git, nix, cargo) failed or is absent."""
