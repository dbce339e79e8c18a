"""Elixir values as Python data: the terms the evaluator produces, and helpers to read them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from nixgen.errors import Position
from nixgen.model import Dynamic


@dataclass(frozen=True)
class Atom:
    name: str


@dataclass(frozen=True)
class Charlist:
    text: str


@dataclass(frozen=True)
class ETuple:
    items: tuple[Term, ...]
    where: Position | None = field(default=None, compare=False)


@dataclass(frozen=True)
class EMap:
    pairs: tuple[tuple[Term, Term], ...]


Term = None | bool | int | float | str | Atom | Charlist | list["Term"] | ETuple | EMap | Dynamic


def keyword_pairs(term: Term) -> list[tuple[str, Term]] | None:
    """A keyword list as (key, value) pairs; None when `term` is not one."""
    if not isinstance(term, list):
        return None
    pairs: list[tuple[str, Term]] = []
    for item in term:
        if not (
            isinstance(item, ETuple) and len(item.items) == 2 and isinstance(item.items[0], Atom)
        ):
            return None
        pairs.append((item.items[0].name, item.items[1]))
    return pairs


def keyword_get(pairs: list[tuple[str, Term]], key: str, default: Term = None) -> Term:
    """First value for `key`, as Keyword.get does."""
    return next((v for k, v in pairs if k == key), default)


def atom_or_str(term: Term) -> str | None:
    if isinstance(term, Atom):
        return term.name
    return term if isinstance(term, str) else None


def term_text(term: Term, limit: int = 120) -> str:
    """A term in Elixir notation, for messages (shortened past `limit` characters)."""
    text = _term_text(term)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _term_text(term: Term) -> str:
    if isinstance(term, Dynamic):
        return term.source
    if isinstance(term, Atom):
        return f":{term.name}"
    if isinstance(term, Charlist):
        return f"'{term.text}'"
    if isinstance(term, ETuple):
        return "{" + ", ".join(_term_text(t) for t in term.items) + "}"
    if isinstance(term, EMap):
        return "%{" + ", ".join(f"{_term_text(k)} => {_term_text(v)}" for k, v in term.pairs) + "}"
    if isinstance(term, list):
        return "[" + ", ".join(_term_text(t) for t in term) + "]"
    if term is None:
        return "nil"
    if isinstance(term, bool):
        return str(term).lower()
    return json.dumps(term, ensure_ascii=False) if isinstance(term, str) else str(term)
