"""The one error hierarchy: every failure nixgen reports to a user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
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
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(NixgenError):
    """A project file is missing, unreadable or not what nixgen can understand."""


class ResolveError(NixgenError):
    """The inputs are readable but do not fit together (e.g. a module names a missing crate)."""


class ToolError(NixgenError):
    """An external program (git, nix, cargo) failed or is absent."""
