"""Nix text → the form a formatter cannot change, so `nix fmt` is not mistaken for a hand edit.

nixfmt (the flake's formatter, docs/UPSTREAM.md U-NIXFMT) moves tokens between lines and changes
the whitespace between them, and the indentation inside `''` strings when it re-indents the code
around them; nothing else. So the normal form keeps every token and comment, keeps the text of
`"…"` strings exactly and that of `''…''` strings but for the indentation of their lines, and
drops whitespace between tokens except a single space where two words would otherwise join
(`inherit lib` is not `inheritlib`).
"""

from __future__ import annotations

_WORD_EXTRA = frozenset("_'-.:/+?@~<>")
_LINE_COMMENT = "#"


def _wordish(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


class _Normaliser:
    """One pass over the text; `out` collects the normal form."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.out: list[str] = []
        self.last = ""  # the last character written in code, for the word-joining rule

    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.text[index] if index < len(self.text) else ""

    def emit(self, piece: str) -> None:
        self.out.append(piece)
        self.last = piece[-1:] or self.last

    def code(self, closing: str = "") -> None:
        """Nix code until `closing` (the `}` of an interpolation) at depth 0, or the end."""
        depth = 0
        spaced = False
        while self.at < len(self.text):
            char = self.peek()
            if char.isspace():
                spaced, self.at = True, self.at + 1
                continue
            if closing and char == closing and depth == 0:
                return
            if spaced and _wordish(self.last) and _wordish(char):
                self.emit(" ")
            spaced = False
            depth += {"{": 1, "}": -1}.get(char, 0)
            self.token(char)

    def token(self, char: str) -> None:
        if char == _LINE_COMMENT:
            end = self.text.find("\n", self.at)
            end = len(self.text) if end < 0 else end
            self.emit(self.text[self.at : end].rstrip() + "\n")
            self.at = end
        elif char == "/" and self.peek(1) == "*":
            end = self.text.find("*/", self.at + 2)
            end = len(self.text) if end < 0 else end + 2
            self.emit(self.text[self.at : end] + "\n")
            self.at = end
        elif char == '"':
            self.string()
        elif char == "'" and self.peek(1) == "'":
            self.indented()
        else:
            self.emit(char)
            self.at += 1

    def interpolation(self) -> None:
        self.emit("${")
        self.at += 2
        self.code("}")
        self.emit("}")
        self.at += 1

    def string(self) -> None:
        """A "…" string: its text exactly, interpolations normalised as code."""
        self.emit('"')
        self.at += 1
        while self.at < len(self.text):
            char = self.peek()
            if char == "\\":
                self.emit(self.text[self.at : self.at + 2])
                self.at += 2
            elif char == "$" and self.peek(1) == "{":
                self.interpolation()
            else:
                self.emit(char)
                self.at += 1
                if char == '"':
                    return

    def indented(self) -> None:
        """A ''…'' string: its text but for the whitespace that starts each line."""
        self.emit("''")
        self.at += 2
        line_start = False
        while self.at < len(self.text):
            char = self.peek()
            if line_start and char in " \t":
                self.at += 1
                continue
            line_start = char == "\n"
            if char == "'" and self.peek(1) == "'":
                if self.peek(2) in ("'", "$", "\\"):  # the escapes ''' ''$ ''\x
                    width = 4 if self.peek(2) == "\\" else 3
                    self.emit(self.text[self.at : self.at + width])
                    self.at += width
                    continue
                self.emit("''")
                self.at += 2
                return
            if char == "$" and self.peek(1) == "{":
                self.interpolation()
                continue
            self.emit(char)
            self.at += 1


def normal_form(text: str) -> str:
    """`text` (Nix) without what a formatter may change; equal for `text` and `nix fmt`'s
    output of it."""
    normaliser = _Normaliser(text)
    normaliser.code()
    return "".join(normaliser.out)
