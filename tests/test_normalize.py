"""nixgen.normalize reads Nix in regex runs; its output is the input of every generated file's
header checksum, so it must be the same, for every text, as the character-by-character reader it
replaced. That reader is kept below as the oracle (here only: nixgen has one normaliser), and the
two are compared on every golden file, on reformatted variants of them, on every short text over
the characters that matter and on random token soups.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sys
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.env import FIXTURES
from support.nixfmt import nixfmt_like

from nixgen import normalize
from nixgen.normalize import normal_digest, normal_form, normal_pieces
from nixgen.write import inspect

# The oracle: nixgen/normalize.py as it was before the regex reader (commit 15eb9b7).
_WORD_EXTRA = frozenset("_'-.:/+?@~<>")


def _wordish(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


class _Oracle:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.out: list[str] = []
        self.last = ""

    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.text[index] if index < len(self.text) else ""

    def emit(self, piece: str) -> None:
        self.out.append(piece)
        self.last = piece[-1:] or self.last

    def code(self, closing: str = "") -> None:
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
        if char == "#":
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
                if self.peek(2) in ("'", "$", "\\"):
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


def oracle(text: str) -> str:
    normaliser = _Oracle(text)
    normaliser.code()
    return "".join(normaliser.out)


def assert_same(text: str) -> None:
    """The normal form is the oracle's, whole and read in batches of 1 and 2 tokens (each batch
    boundary a point where whitespace must be read as in one pass)."""
    expected = oracle(text)
    assert normal_form(text) == expected, repr(text)
    for batch in (1, 2):
        assert "".join(normal_pieces(text, batch)) == expected, (batch, repr(text))
        # read from an offset, as a generated file's body is: what is before it does not count
        prefix = 'x "${y}" # z\n'
        got = "".join(normal_pieces(prefix + text, batch, start=len(prefix)))
        assert got == expected, (batch, repr(text))
    assert normal_digest(text) == hashlib.sha256(expected.encode()).hexdigest()
    assert normal_digest("a\n" + text, 2) == hashlib.sha256(expected.encode()).hexdigest()


@cache
def goldens() -> dict[str, str]:
    texts = {}
    for path in sorted(FIXTURES.glob("*/expected/**/*")):
        if path.is_file():
            texts[str(path.relative_to(FIXTURES))] = path.read_text(encoding="utf-8")
    return texts


def test_there_are_goldens_to_compare() -> None:
    assert len(goldens()) >= 50
    assert sum(name.endswith(".nix") for name in goldens()) >= 30


@pytest.mark.parametrize("name", sorted(goldens()))
def test_a_golden_file_and_its_reformatting_have_the_oracles_normal_form(name: str) -> None:
    text = goldens()[name]
    assert_same(text)
    assert_same(nixfmt_like(text))


def test_the_goldens_checksums_still_verify() -> None:
    headed = [name for name, text in goldens().items() if "# nixgen-checksum: " in text]
    assert len(headed) >= 10
    for name in headed:
        assert inspect(goldens()[name]).state == "generated", name


# The characters that change how a text is read, and a word character of each kind.
_ALPHABET = "'\"${}\\\n #/*a"


def test_every_short_text_over_the_characters_that_matter() -> None:
    count = 0
    for size in range(5):
        for chars in itertools.product(_ALPHABET, repeat=size):
            assert_same("".join(chars))
            count += 1
    assert count == sum(len(_ALPHABET) ** size for size in range(5))


_FRAGMENTS = [
    *_ALPHABET,
    *"\t\r\x0b\x0c\x1c\x85\xa0\u2028\u3000",  # whitespace for str.isspace
    *"_-.:/+?@~<>;=()[],!&|",
    *"é٣²ⅷ\u0301\x00",  # alphanumeric for str.isalnum or not
    "''",
    "'''",
    "''$",
    "''\\",
    "${",
    "/*",
    "*/",
    "inherit",
    "1.5",
    "\n    ",
    "\U00010000",  # the first placeholder nixgen tries
    "\U00010001",
]


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=40).map("".join))
def test_a_token_soup_has_the_oracles_normal_form(text: str) -> None:
    assert_same(text)


def _joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def _pieces(pieces: list[str], inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces) | inner, max_size=8).map("".join)


_CODE_PIECES = ["a", "b.c", " ", "\n  ", "# c  \n", "/* c */", "'", ";", "=", "\\", "}", "${"]
_STRING_PIECES = ["a", " ", "\\", '\\"', "\\$", "$", "\n  ", "'", "{", "}"]
_INDENTED_PIECES = ["a", "'", "'''", "''$", "''\\", "''\\\n", "$", "\n", "  ", "\t", "{", "}"]


def _nested(code: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Code with strings and interpolations in each other, as deep as hypothesis goes; closed or
    not."""
    interpolation = _joined(st.just("${"), code, st.sampled_from(["}", " }", ""]))
    string = _joined(
        st.just('"'), _pieces(_STRING_PIECES, interpolation), st.sampled_from(['"', ""])
    )
    indented = _joined(
        st.just("''"), _pieces(_INDENTED_PIECES, interpolation), st.sampled_from(["''", ""])
    )
    braces = _joined(st.just("{"), code, st.just("}"))
    return st.lists(string | indented | braces | code, max_size=6).map(" ".join)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.recursive(_pieces(_CODE_PIECES, st.nothing()), _nested, max_leaves=20))
def test_nested_strings_and_interpolations_have_the_oracles_normal_form(text: str) -> None:
    assert_same(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(sorted(goldens())), min_size=1, max_size=3), st.data())
def test_goldens_cut_and_joined_have_the_oracles_normal_form(
    names: list[str], data: st.DataObject
) -> None:
    """Pieces of real files, cut anywhere (in a string, a comment, an interpolation)."""
    pieces = []
    for name in names:
        text = goldens()[name]
        start = data.draw(st.integers(0, len(text)))
        pieces.append(text[start : data.draw(st.integers(start, len(text)))])
    assert_same("".join(pieces))
    assert_same(nixfmt_like("".join(pieces)))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "".join(map(chr, normalize._PLACEHOLDERS)) + " a b } c",  # the reader without placeholder
        '\U00010000 a "${ x }" b',
        '"unterminated ${ a  b',
        "''unterminated\n  ${ a  b",
        "x ''a''  b ''c''",
        "/* c */ a /* d",
        "a # c \x1c\n b",
        "''a ''\\\n   b\n   c''",  # the newline of an escape does not start a line
    ],
)
def test_edge_cases(text: str) -> None:
    assert_same(text)


def test_word_and_space_classes_are_the_str_methods() -> None:
    """The regex classes stand for `_wordish` and `str.isspace` over all of Unicode."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    words = {char for char in every if _wordish(char)}
    spaces = {char for char in every if char.isspace()}
    assert set(re.findall(normalize._WORD, every)) == words
    assert set(re.findall(r"\s", every)) == spaces
    assert set(re.findall(normalize._WORD_OR_SPACE, every)) == words | spaces
