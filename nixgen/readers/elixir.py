"""Elixir source → syntax tree (tree-sitter): parsing, syntax errors and node helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter as ts
import tree_sitter_elixir

from nixgen.errors import InputError, Position
from nixgen.model import Dynamic
from nixgen.readers.text import read_text, rel

Node = ts.Node


@cache
def _parser() -> ts.Parser:
    return ts.Parser(ts.Language(tree_sitter_elixir.language()))


@dataclass(frozen=True)
class Source:
    """A parsed Elixir file, or a part of one (`line_offset` lines of the file come before
    `data`, and positions count them); `path` is relative to the project root."""

    path: str
    data: bytes
    tree: ts.Tree
    line_offset: int = 0

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def pos(self, node: Node) -> Position:
        row, col = node.start_point
        return Position(self.path, self.line_offset + row + 1, col + 1)

    def find(self, value: str) -> Position:
        """Where `value` is first written in the file (the file itself when it is not), for
        a message about a value evaluated without its node."""
        # up to the first character an Elixir string would hold as an escape
        probe = re.match(r'[^"\\\x00-\x1f\x7f#]*', value)
        text = probe.group() if probe else ""
        offset = self.data.find(text.encode("utf-8", "surrogatepass")) if text else -1
        if offset < 0:
            return Position(self.path)
        start = self.data.rfind(b"\n", 0, offset) + 1
        column = len(self.data[start:offset].decode("utf-8", "replace")) + 1
        return Position(self.path, self.data.count(b"\n", 0, offset) + 1, column)

    def dynamic(self, node: Node, reason: str = "not a literal") -> Dynamic:
        text = " ".join(self.text(node).split())
        if len(text) > 300:
            text = text[:297] + "..."
        return Dynamic(text, self.pos(node), reason)


def parse_text(path: str, text: str) -> Source:
    """Parse `text`; a syntax error is an InputError at its position."""
    data = text.encode("utf-8")
    tree = _parser().parse(data)
    source = Source(path, data, tree)
    if tree.root_node.has_error:
        raise _syntax_error(source)
    return source


def parse_part(path: str, text: str, line_offset: int) -> Source | None:
    """`text`, a part of `path` after its first `line_offset` lines, parsed on its own (its
    positions are the file's when it starts at a line start); None when it has a syntax error:
    only the whole file tells where the error is."""
    data = text.encode("utf-8")
    tree = _parser().parse(data)
    return None if tree.root_node.has_error else Source(path, data, tree, line_offset)


def parse_file(root: Path, path: Path) -> Source:
    return parse_text(rel(root, path), read_text(root, path))


def _syntax_error(source: Source) -> InputError:
    hint = (
        "nixgen reads this file without running it; fix the syntax (does `mix compile` accept it?)"
    )
    root = source.tree.root_node
    missing = next((n for n in _descendants(root) if n.is_missing), None)
    if missing is not None:
        return InputError(
            f"Elixir syntax error: missing `{missing.type}`", source.pos(missing), hint
        )
    bad = next((n for n in _descendants(root) if n.type == "ERROR"), root)
    while (inner := next((c for c in bad.children if c.type == "ERROR"), None)) is not None:
        bad = inner
    if bad.end_byte >= len(source.data.rstrip()):
        row, col = root.end_point
        return InputError(
            "Elixir syntax error: unexpected end of file (is the file truncated?)",
            Position(source.path, row + 1, col + 1),
            hint,
        )
    return InputError(
        f"Elixir syntax error: unexpected `{_snippet(source, bad)}`", source.pos(bad), hint
    )


def _descendants(node: Node) -> Iterator[Node]:
    return walk(node, lambda n: False, named_only=False)


def _snippet(source: Source, node: Node) -> str:
    text = source.text(node).strip().splitlines()
    return text[0][:40] if text else ""


# --------------------------------------------------------------------------- syntax helpers


def call_name(node: Node) -> str | None:
    """`defmodule` for `defmodule X do`, `Mix.env` for `Mix.env()`; None when not a plain call."""
    if node.type != "call":
        return None
    target = node.child_by_field_name("target")
    if target is None:
        return None
    if target.type == "identifier":
        return _node_text(target)
    if target.type == "dot":
        left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
        if left is not None and right is not None and left.type == "alias":
            return f"{_node_text(left)}.{_node_text(right)}"
    return None


def _node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def call_args(node: Node) -> list[Node]:
    """Positional arguments; a trailing keyword list stays as one `keywords` node."""
    args = next((c for c in node.named_children if c.type == "arguments"), None)
    return [] if args is None else [c for c in args.named_children if c.type != "comment"]


def do_block(node: Node) -> Node | None:
    return next((c for c in node.named_children if c.type == "do_block"), None)


def block_body(node: Node) -> list[Node]:
    """Statements of a do_block (without `else`/`after` clauses)."""
    return [
        c
        for c in node.named_children
        if c.type not in ("comment", "else_block", "after_block", "rescue_block", "catch_block")
    ]


def keyword_key(source: Source, pair: Node) -> str:
    key = pair.child_by_field_name("key")
    assert key is not None
    return keyword_text(source, key)


def keyword_text(source: Source, key: Node) -> str:
    """The atom a keyword key (`name:` or `"quoted name":`) stands for."""
    if key.type == "quoted_keyword":
        return "".join(
            unescape(source, c) if c.type == "escape_sequence" else source.text(c)
            for c in key.named_children
        )
    return source.text(key).rstrip().removesuffix(":")


# --------------------------------------------------------------------------- modules


@dataclass
class Module:
    """A `defmodule` with what the evaluator may use from its body."""

    name: str
    node: Node
    attributes: list[tuple[str, Node]] = field(default_factory=list)  # in source order
    functions: dict[str, Node] = field(default_factory=dict)  # zero-arity def/defp bodies
    variables: dict[str, Node] = field(default_factory=dict)  # module-body `x = expr`


_DEFS = {"def", "defp", "defmacro", "defmacrop"}


def modules(source: Source) -> list[Module]:
    """Every defmodule in the file, nested ones named in full (`A.B`)."""
    found: list[Module] = []
    _collect_modules(source, source.tree.root_node, "", found)
    return found


def _collect_modules(source: Source, node: Node, prefix: str, found: list[Module]) -> None:
    """Pre-order, iterative (a file may nest deeper than Python's recursion limit)."""
    stack = [(child, prefix) for child in reversed(node.named_children)]
    while stack:
        child, outer = stack.pop()
        if call_name(child) == "defmodule":
            args = call_args(child)
            body = do_block(child)
            if not args or body is None:
                continue
            name = source.text(args[0])
            full = f"{outer}.{name}" if outer and args[0].type == "alias" else name
            module = Module(full, child)
            _index_body(source, module, body)
            found.append(module)
            stack.extend((c, full) for c in reversed(body.named_children))
        elif child.type not in ("string", "comment", "sigil", "charlist"):
            stack.extend((c, outer) for c in reversed(child.named_children))


def _index_body(source: Source, module: Module, body: Node) -> None:
    for stmt in block_body(body):
        if stmt.type == "unary_operator" and operator(source, stmt) == "@":
            operand = stmt.child_by_field_name("operand")
            if operand is not None and operand.type == "call" and call_args(operand):
                name = call_name(operand)
                if name is not None:
                    module.attributes.append((name, call_args(operand)[0]))
        elif call_name(stmt) in _DEFS:
            _index_function(source, module, stmt)
        elif stmt.type == "binary_operator" and operator(source, stmt) == "=":
            left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier":
                module.variables[source.text(left)] = right


def _index_function(source: Source, module: Module, stmt: Node) -> None:
    args = call_args(stmt)
    if not args:
        return
    head = args[0]
    if head.type == "identifier":
        name = source.text(head)
    elif head.type == "call" and not call_args(head) and call_name(head):
        name = call_name(head) or ""
    else:
        return  # has parameters or guards: not a literal function
    body = do_block(stmt)
    if body is None and len(args) > 1 and args[-1].type == "keywords":
        body = keyword_value(source, args[-1], "do")
    if body is not None and name not in module.functions:
        module.functions[name] = body


def keyword_value(source: Source, keywords: Node, key: str) -> Node | None:
    for pair in keywords.named_children:
        if pair.type == "pair" and keyword_key(source, pair) == key:
            return pair.child_by_field_name("value")
    return None


def operator(source: Source, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return source.text(op) if op is not None else ""


def walk(node: Node, skip: Callable[[Node], bool], named_only: bool = True) -> Iterator[Node]:
    """Pre-order walk that does not descend into nodes for which `skip` is true."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not skip(current):
            stack.extend(reversed(current.named_children if named_only else current.children))


def operands(node: Node) -> tuple[Node, Node]:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    assert left is not None and right is not None
    return left, right


# --------------------------------------------------------------------------- string escapes


ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "s": " ",
    "e": "\x1b",
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "d": "\x7f",
}


def unescape(source: Source, node: Node) -> str:
    """The text an escape sequence in a string stands for."""
    seq = source.text(node)
    body = seq[1:]
    if body[:1] in ("x", "u") and len(body) > 1:
        code = int(body[1:].strip("{}"), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise InputError(
                f"invalid Unicode code point `{seq}`",
                source.pos(node),
                "Elixir rejects it too (a surrogate, or past U+10FFFF); fix the escape",
            )
        return _no_nul(source, node, chr(code))
    if body == "\n":
        return ""
    return _no_nul(source, node, ESCAPES.get(body, body))


def _no_nul(source: Source, node: Node, text: str) -> str:
    """NUL cannot reach a Nix string (Nix cuts it there), so a value holding one is refused
    where it is written."""
    if "\0" in text:
        raise InputError(
            "a NUL character (`\\0`) in a string nixgen needs",
            source.pos(node),
            "remove it: no name, version or path contains one",
        )
    return text
