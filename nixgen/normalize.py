"""Nix text → the form a formatter cannot change, so `nix fmt` is not mistaken for a hand edit.

nixfmt (the flake's formatter, docs/UPSTREAM.md U-NIXFMT) moves tokens between lines and changes
the whitespace between them, and the indentation inside `''` strings when it re-indents the code
around them; nothing else. So the normal form keeps every token and comment, keeps the text of
`"…"` strings exactly and that of `''…''` strings but for the indentation of their lines, and
drops whitespace between tokens except a single space where two words would otherwise join
(`inherit lib` is not `inheritlib`).

It is the input of every generated file's header checksum, so it is on `update`'s path and read
with regular expressions rather than character by character: code outside interpolations is cut
into runs of code and closed tokens (comments, strings without interpolations) by one regex, and
the whitespace of all that code is normalised at once, each token standing in it as a placeholder
between characters of the same word class as its edges; a string with interpolations is read in
runs (its text up to the next `${`, the code inside up to the next comment, string or brace). A
"word" character is alphanumeric (`str.isalnum`, what `\\w` less `_` tests) or one of
`_'-.:/+?@~<>`; whitespace is what `str.isspace` (and `\\s`) calls whitespace.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from itertools import chain

_WORD_EXTRA = "_'-.:/+?@~<>"
_WORD = r"[\w'\-.:/+?@~<>]"
_WORD_OR_SPACE = r"[\s\w'\-.:/+?@~<>]"

# Code without comments, strings or (inside `${…}`, where they are counted) braces.
_CODE_CHARS = r"""[^#/"']++|/(?!\*)|'(?!')"""
_CODE = re.compile(f"(?:{_CODE_CHARS})*+")
_INTERPOLATED_CODE = re.compile(r"""(?:[^#/"'{}]++|/(?!\*)|'(?!'))*+""")
# Whitespace between code that goes (nothing or a single space): all of it unless it is between
# two word characters; what is left then becomes one space. A run goes if the character before
# its first space is not a word (nor a space: the run starts there), or the one after it is not;
# `\s` first, so that the regex engine looks only at spaces.
_DROPPED_SPACE = re.compile(rf"\s(?:(?<!{_WORD_OR_SPACE}\s)\s*+|\s*+(?!{_WORD}))")
_SPACE = re.compile(r"\s+")
# The text of a "…" string up to its closing quote or next `${` (escapes `\x` kept as written).
_STRING_TEXT = re.compile(r"""(?:[^"\\$]++|\\[\s\S]?|\$(?!\{))*+""")
# The text of a ''…'' string up to its closing '' or next `${`: the escapes ''' ''$ ''\x are text.
_INDENTED_ESCAPE = r"''(?:['$]|\\[\s\S]?)"
_INDENTED_TEXT = re.compile(rf"(?:[^'$]++|'(?!')|{_INDENTED_ESCAPE}|\$(?!\{{))*+")
# A line's indentation in ''…'' text: the whitespace after a newline that is not part of an escape
# (`''\` then a newline is one), dropped by keeping only groups 1 (an escape) and 2 (the newline).
_LINE_INDENT = re.compile(rf"({_INDENTED_ESCAPE})|(\n)[ \t]*")
# Code outside interpolations: runs of code and the tokens that are not code (comments, closed
# strings without interpolations), up to a string that has one (or is not closed) or the end.
_CLOSED_TOKEN = (
    r"#[^\n]*+|/\*[\s\S]*?(?:\*/|\Z)"
    f'|"{_STRING_TEXT.pattern}"'
    f"|''{_INDENTED_TEXT.pattern}''"
)
_CLOSED_TOKENS = re.compile(f"(?:{_CODE_CHARS}|{_CLOSED_TOKEN})*+")
_TOKEN = re.compile(_CLOSED_TOKEN)


def _wordish(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


class _Normaliser:
    """One pass over the text; `out` collects the normal form."""

    def __init__(self, text: str, at: int = 0) -> None:
        self.text = text
        self.at = at
        self.out: list[str] = []

    def quoted(self) -> tuple[str, int]:
        """The normal form of the string that starts at the current position; where it ends."""
        if self.text.startswith('"', self.at):
            self.string()
        else:
            self.indented()
        return "".join(self.out), self.at

    def emit(self, piece: str) -> None:
        if piece:
            self.out.append(piece)

    def emit_text(self, pattern: re.Pattern[str]) -> str:
        """Write the run `pattern` matches at the current position as it is; the next character."""
        end = pattern.match(self.text, self.at).end()  # type: ignore[union-attr]  # matches ""
        self.emit(self.text[self.at : end])
        self.at = end
        return self.text[end : end + 1]

    def code(self, interpolated: bool = False) -> None:
        """Nix code until the `}` that closes the interpolation (`interpolated`), or the end."""
        depth = 0
        while True:
            char = self.code_run(_INTERPOLATED_CODE if interpolated else _CODE)
            if not char or (char == "}" and depth == 0):
                return
            if char in "{}":
                depth += 1 if char == "{" else -1
                self.emit(char)
                self.at += 1
            else:
                self.token(char)

    def code_run(self, pattern: re.Pattern[str]) -> str:
        """Write the run of code at the current position without the whitespace a formatter may
        change; the character after it."""
        end = pattern.match(self.text, self.at).end()  # type: ignore[union-attr]  # matches ""
        after = self.text[end : end + 1]
        joined = "a" if self.out and _wordish(self.out[-1][-1]) else ""  # stands for the last word
        run = _SPACE.sub(" ", _DROPPED_SPACE.sub("", joined + self.text[self.at : end] + after))
        self.emit(run[len(joined) : len(run) - len(after)])
        self.at = end
        return after

    def token(self, char: str) -> None:
        """The comment or string that starts with `char` at the current position."""
        if char == "#":
            end = self.text.find("\n", self.at)
            end = len(self.text) if end < 0 else end
            self.emit(self.text[self.at : end].rstrip() + "\n")
            self.at = end
        elif char == "/":  # `/*`: a lone `/` is code
            end = self.text.find("*/", self.at + 2)
            end = len(self.text) if end < 0 else end + 2
            self.emit(self.text[self.at : end] + "\n")
            self.at = end
        elif char == '"':
            self.string()
        else:  # `''`: a lone `'` is code
            self.indented()

    def interpolation(self) -> None:
        self.emit("${")
        self.at += 2
        self.code(interpolated=True)
        self.emit("}")
        self.at = min(self.at + 1, len(self.text))

    def string(self) -> None:
        """A "…" string: its text exactly, interpolations normalised as code."""
        self.emit('"')
        self.at += 1
        while after := self.emit_text(_STRING_TEXT):
            if after == '"':
                self.emit('"')
                self.at += 1
                return
            self.interpolation()

    def indented(self) -> None:
        """A ''…'' string: its text but for the whitespace that starts each line."""
        self.emit("''")
        self.at += 2
        while True:
            end = _INDENTED_TEXT.match(self.text, self.at).end()  # type: ignore[union-attr]
            self.emit(_LINE_INDENT.sub(r"\1\2", self.text[self.at : end]))
            self.at = end
            if self.text.startswith("''", end):
                self.emit("''")
                self.at += 2
                return
            if end == len(self.text):
                return
            self.interpolation()


def _indented(token: str) -> str:
    return "''" + _LINE_INDENT.sub(r"\1\2", token[2:-2]) + "''"


# The normal form of a closed token, by its first character.
_NORMAL: dict[str, Callable[[str], str]] = {
    "#": lambda token: token.rstrip() + "\n",
    "/": lambda token: token + "\n",
    '"': str,
    "'": _indented,
}
# Whether the normal form of a token that starts with this character begins and ends with a
# word character, spelt as a word ("a") or not (";"): `''…''` does, `/*…*/` begins with one.
_EDGES = {"#": (";", ";"), "/": ("a", ";"), '"': (";", ";"), "'": ("a", "a")}


# Characters that may stand for a token in the code: no whitespace (Linear B, never in Nix code).
_PLACEHOLDERS = range(0x10000, 0x10040)


def normal_form(text: str) -> str:
    """`text` (Nix) without what a formatter may change; equal for `text` and `nix fmt`'s
    output of it."""
    return "".join(normal_pieces(text))


def normal_digest(text: str, start: int = 0) -> str:
    """The sha256 (hex) of `normal_form(text[start:])`, which is never held whole (nor is that
    slice): a generated file's checksum costs memory in proportion to a batch of tokens, not to
    the file."""
    digest = hashlib.sha256()
    for piece in normal_pieces(text, start=start):
        digest.update(piece.encode("utf-8"))
    return digest.hexdigest()


# Tokens (comments, strings) whose code is normalised at once: bounds the memory of a long text.
_BATCH = 4096


def normal_pieces(text: str, batch: int = _BATCH, start: int = 0) -> Iterator[str]:
    """`normal_form(text[start:])` in consecutive pieces, each about `batch` tokens long."""
    placeholder = _placeholder(text)
    if placeholder is None:
        normaliser = _Normaliser(text, start)
        normaliser.code()
        yield "".join(normaliser.out)
    else:
        yield from _normal_form(text, placeholder, batch, start)


def _placeholder(text: str) -> str | None:
    """A character of `_PLACEHOLDERS` that is not in `text`; None if it has them all."""
    if text.isascii():
        return chr(_PLACEHOLDERS[0])
    return next((char for char in map(chr, _PLACEHOLDERS) if char not in text), None)


def _normal_form(text: str, placeholder: str, batch: int, start: int) -> Iterator[str]:
    """The whitespace of the code outside interpolations, `batch` tokens at a time: in `code`,
    the text with each other token (comment, string) as `placeholder` between characters that
    stand for its edges; their normal forms in `others`. A batch ends after a token's stand-in,
    whose last character (never whitespace) leads the next batch's code, so that the whitespace
    after it is read as in one pass over the whole text."""
    stand_in = {first: before + placeholder + after for first, (before, after) in _EDGES.items()}
    split = re.compile(f"[a;]{re.escape(placeholder)}[a;]")
    code: list[str] = []
    others: list[str] = []
    lead = ""  # the character before this batch's code (the last of the previous batch)

    def flush() -> str:
        nonlocal lead, code, others
        spaced = _SPACE.sub(" ", _DROPPED_SPACE.sub("", lead + "".join(code)))[len(lead) :]
        pieces = split.split(spaced)
        normal = "".join(chain.from_iterable(zip(pieces, others, strict=False))) + pieces[-1]
        lead, code, others = spaced[-1:], [], []
        return normal

    at = start
    while True:
        end = _CLOSED_TOKENS.match(text, at).end()  # type: ignore[union-attr]  # matches ""
        for token in _TOKEN.finditer(text, at, end):  # code, token, code, …, code
            code += (text[at : token.start()], stand_in[text[token.start()]])
            others.append(_NORMAL[text[token.start()]](token[0]))
            at = token.end()
            if len(others) >= batch:
                yield flush()
        code.append(text[at:end])
        if end == len(text):
            break
        normal, at = _Normaliser(text, end).quoted()  # ends where its interpolations do
        others.append(normal)
        code.append(stand_in[text[end]])
        if len(others) >= batch:
            yield flush()
    yield flush()
