"""Elixir source → syntax tree (tree-sitter) → Python values, without executing anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter as ts
import tree_sitter_elixir

from nixgen.errors import InputError, Position
from nixgen.model import Dynamic
from nixgen.readers.text import read_text, rel

Node = ts.Node


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


@cache
def _parser() -> ts.Parser:
    return ts.Parser(ts.Language(tree_sitter_elixir.language()))


@dataclass(frozen=True)
class Source:
    """A parsed Elixir file; `path` is relative to the project root."""

    path: str
    data: bytes
    tree: ts.Tree

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def pos(self, node: Node) -> Position:
        row, col = node.start_point
        return Position(self.path, row + 1, col + 1)

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


MAX_DEPTH = 200  # nested expressions evaluated; far beyond real code, within Python's limit


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
            _escape(source, c) if c.type == "escape_sequence" else source.text(c)
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
        body = _keyword_value(source, args[-1], "do")
    if body is not None and name not in module.functions:
        module.functions[name] = body


def _keyword_value(source: Source, keywords: Node, key: str) -> Node | None:
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


# --------------------------------------------------------------------------- evaluator


@dataclass
class Evaluator:
    """Turns expression nodes into Terms; anything it cannot know becomes a Dynamic."""

    source: Source
    module: Module | None = None
    env: str = "prod"
    system_env: Mapping[str, str] = field(default_factory=dict)
    locals: dict[str, Term] = field(default_factory=dict)
    mix_config: Term = None  # what `Mix.Project.config()` returns: project/0's keyword list
    _active: set[str] = field(default_factory=set)
    _depth: int = 0

    def eval(self, node: Node) -> Term:
        handler = _HANDLERS.get(node.type)
        if handler is None:
            return self.source.dynamic(node)
        if self._depth >= MAX_DEPTH:
            return self.source.dynamic(node, f"nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            return handler(self, node)
        finally:
            self._depth -= 1

    def fresh(self) -> Evaluator:
        """An evaluator for the same module without this one's local variables; functions being
        evaluated stay marked, so a cycle through an attribute or a variable ends too."""
        return Evaluator(
            self.source,
            self.module,
            self.env,
            self.system_env,
            mix_config=self.mix_config,
            _active=self._active,
            _depth=self._depth,  # depth counts across attributes and variables too
        )

    def call_function(self, name: str, at: Node) -> Term:
        """Value of a local zero-arity function's body (each body evaluated once per call)."""
        if self.module is None or name not in self.module.functions or name in self._active:
            return self.source.dynamic(at, "not a local zero-argument function with a literal body")
        self._active.add(name)
        try:
            return self.eval_block(self.module.functions[name])
        finally:
            self._active.discard(name)

    def eval_block(self, node: Node) -> Term:
        """A do-block or expression: assignments bind locals, the last expression is the value."""
        statements = (
            block_body(node) if node.type in ("do_block", "block", "else_block") else [node]
        )
        saved = dict(self.locals)
        value: Term = None
        try:
            for stmt in statements:
                value = self.eval(stmt)
        finally:
            self.locals = saved
        return value

    def bind(self, name: str, value: Term) -> Term:
        self.locals[name] = value
        return value


def _string_content(ev: Evaluator, node: Node) -> str | Dynamic:
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "quoted_content":
            parts.append(ev.source.text(child))
        elif child.type == "escape_sequence":
            parts.append(_escape(ev.source, child))
        elif child.type == "interpolation":
            return ev.source.dynamic(node, "string interpolation")
    return "".join(parts)


_ESCAPES = {
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


def _escape(source: Source, node: Node) -> str:
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
    return _no_nul(source, node, _ESCAPES.get(body, body))


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


def _eval_string(ev: Evaluator, node: Node) -> Term:
    return _string_content(ev, node)


def _eval_charlist(ev: Evaluator, node: Node) -> Term:
    value = _string_content(ev, node)
    return value if isinstance(value, Dynamic) else Charlist(value)


def _eval_atom(ev: Evaluator, node: Node) -> Term:
    text = ev.source.text(node)
    return Atom(text[1:] if text.startswith(":") else text)


def _eval_quoted_atom(ev: Evaluator, node: Node) -> Term:
    value = _string_content(ev, node)
    return value if isinstance(value, Dynamic) else Atom(value)


def _eval_integer(ev: Evaluator, node: Node) -> Term:
    text = ev.source.text(node)
    if text.startswith("?"):
        # `?_` is 95, `?\n` 10. For `?\` + newline (10 in Elixir) tree-sitter leaves the newline
        # out of the node, so it stays unread.
        char = _ESCAPES.get(text[2:], text[2:]) if text[1:2] == "\\" else text[1:]
        return ord(char) if len(char) == 1 else ev.source.dynamic(node, "character literal")
    digits = text.replace("_", "")
    # Elixir's prefixes are 0x, 0o and 0b; without one, leading zeros are decimal (`007` is 7).
    return int(digits, 0) if digits[1:2] in ("x", "o", "b") else int(digits)


def _eval_float(ev: Evaluator, node: Node) -> Term:
    return float(ev.source.text(node).replace("_", ""))


def _eval_boolean(ev: Evaluator, node: Node) -> Term:
    return ev.source.text(node) == "true"


def _eval_nil(ev: Evaluator, node: Node) -> Term:
    return None


def _eval_keywords(ev: Evaluator, node: Node) -> Term:
    return [
        ETuple((Atom(keyword_key(ev.source, pair)), ev.eval(_value(pair))))
        for pair in node.named_children
        if pair.type == "pair"
    ]


def _value(pair: Node) -> Node:
    value = pair.child_by_field_name("value")
    assert value is not None
    return value


def _eval_list(ev: Evaluator, node: Node) -> Term:
    items: list[Term] = []
    for child in node.named_children:
        if child.type == "comment":
            continue
        if child.type == "keywords":
            items.extend(_as_list(_eval_keywords(ev, child)))
        elif child.type == "binary_operator" and operator(ev.source, child) == "|":
            head, tail = (ev.eval(n) for n in operands(child))
            if not isinstance(tail, list):
                return ev.source.dynamic(node, "improper list tail")
            items.extend([head, *tail])
        else:
            items.append(ev.eval(child))
    return items


def _as_list(term: Term) -> list[Term]:
    return term if isinstance(term, list) else []


def operands(node: Node) -> tuple[Node, Node]:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    assert left is not None and right is not None
    return left, right


def _eval_tuple(ev: Evaluator, node: Node) -> Term:
    items: list[Term] = []
    for child in node.named_children:
        if child.type == "keywords":
            items.append(_eval_keywords(ev, child))
        elif child.type != "comment":
            items.append(ev.eval(child))
    return ETuple(tuple(items), ev.source.pos(node))


def _eval_map(ev: Evaluator, node: Node) -> Term:
    if any(c.type == "struct" for c in node.named_children):
        return ev.source.dynamic(node, "struct")
    pairs: list[tuple[Term, Term]] = []
    content = next((c for c in node.named_children if c.type == "map_content"), None)
    for child in content.named_children if content is not None else []:
        if child.type == "keywords":
            pairs.extend(
                (t.items[0], t.items[1])
                for t in _as_list(_eval_keywords(ev, child))
                if isinstance(t, ETuple)
            )
        elif child.type == "binary_operator" and operator(ev.source, child) == "=>":
            left, right = operands(child)
            pairs.append((ev.eval(left), ev.eval(right)))
        elif child.type != "comment":
            return ev.source.dynamic(node, "map update or unsupported entry")
    return EMap(tuple(pairs))


def _eval_sigil(ev: Evaluator, node: Node) -> Term:
    name = next((ev.source.text(c) for c in node.named_children if c.type == "sigil_name"), "")
    modifiers = next(
        (ev.source.text(c) for c in node.named_children if c.type == "sigil_modifiers"), ""
    )
    content = (
        _string_content(ev, node)
        if name in ("w", "s")
        else "".join(ev.source.text(c) for c in node.named_children if c.type == "quoted_content")
    )
    if isinstance(content, Dynamic):
        return content
    if name in ("s", "S"):
        return content
    if name not in ("w", "W"):
        return ev.source.dynamic(node, f"~{name} sigil")
    words = content.split()
    if "a" in modifiers:
        return [Atom(w) for w in words]
    if "c" in modifiers:
        return [Charlist(w) for w in words]
    return list(words)


def _eval_unary(ev: Evaluator, node: Node) -> Term:
    op = operator(ev.source, node)
    operand = node.child_by_field_name("operand")
    assert operand is not None
    if op == "@":
        return _attribute(ev, node, operand)
    value = ev.eval(operand)
    if isinstance(value, Dynamic):
        return ev.source.dynamic(node, value.reason)
    if op in ("not", "!") and (op == "!" or isinstance(value, bool)):
        return not _truthy(value)
    if op == "-" and isinstance(value, int | float) and not isinstance(value, bool):
        return -value
    if op == "+" and isinstance(value, int | float):
        return value
    return ev.source.dynamic(node, f"operator {op}")


def _attribute(ev: Evaluator, node: Node, operand: Node) -> Term:
    name = call_name(operand) if operand.type == "call" else ev.source.text(operand)
    if ev.module is not None:
        # Only definitions complete before this use: `@a [@a]` reads the previous @a.
        defined = [
            v for n, v in ev.module.attributes if n == name and v.end_byte <= node.start_byte
        ]
        if defined:
            value = ev.fresh().eval(defined[-1])
            if isinstance(value, Dynamic):
                return ev.source.dynamic(node, f"@{name} is `{value.source}`")
            return value
    return ev.source.dynamic(node, f"module attribute @{name} is not defined before use")


def _truthy(value: Term) -> bool:
    return value is not None and value is not False


_COMPARE: dict[str, Callable[[Term, Term], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "===": lambda a, b: a == b and type(a) is type(b),
    "!==": lambda a, b: not (a == b and type(a) is type(b)),
}


def _eval_binary(ev: Evaluator, node: Node) -> Term:
    op = operator(ev.source, node)
    left_node, right_node = operands(node)
    if op in ("and", "or", "&&", "||"):
        return _logic(ev, node, op, left_node, right_node)
    if op == "=" and left_node.type == "identifier":
        return ev.bind(ev.source.text(left_node), ev.eval(right_node))
    left, right = ev.eval(left_node), ev.eval(right_node)
    if isinstance(left, Dynamic) or isinstance(right, Dynamic):
        inner = left if isinstance(left, Dynamic) else right
        assert isinstance(inner, Dynamic)
        return ev.source.dynamic(node, inner.reason)
    if op == "in" and isinstance(right, list):
        return left in right
    if op == "not in" and isinstance(right, list):
        return left not in right
    if op == "++" and isinstance(left, list) and isinstance(right, list):
        return left + right
    if op == "<>" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if op in _COMPARE:
        return _COMPARE[op](left, right)
    return ev.source.dynamic(node, f"operator {op}")


def _logic(ev: Evaluator, node: Node, op: str, left_node: Node, right_node: Node) -> Term:
    left = ev.eval(left_node)
    if isinstance(left, Dynamic):
        return ev.source.dynamic(node, left.reason)
    if op in ("and", "&&"):
        if not _truthy(left):
            return left
    elif _truthy(left):
        return left
    right = ev.eval(right_node)
    return ev.source.dynamic(node, right.reason) if isinstance(right, Dynamic) else right


def _eval_identifier(ev: Evaluator, node: Node) -> Term:
    name = ev.source.text(node)
    if name in ev.locals:
        return _named(ev, node, ev.locals[name])
    variables = ev.module.variables if ev.module is not None else {}
    # Only an assignment complete before this use: in `x = [x]` the right `x` is not itself.
    if name in variables and variables[name].end_byte <= node.start_byte:
        return _named(
            ev,
            node,
            ev.fresh().eval(variables[name]),
        )
    if ev.module is not None and name in ev.module.functions:
        return _call_site(ev, node, ev.call_function(name, node))
    return ev.source.dynamic(node, f"variable `{name}`")


def _named(ev: Evaluator, node: Node, value: Term) -> Term:
    if isinstance(value, Dynamic):
        return ev.source.dynamic(node, f"`{ev.source.text(node)}` is bound to `{value.source}`")
    return value


def _eval_call(ev: Evaluator, node: Node) -> Term:
    name = call_name(node)
    args = call_args(node)
    if name == "Mix.env" and not args:
        return Atom(ev.env)
    if name == "Mix.Project.config" and not args and ev.mix_config is not None:
        return ev.mix_config
    if name == "System.get_env" and args:
        return _get_env(ev, node, args)
    if name == "if" and args:
        return _eval_if(ev, node, args)
    if name is not None and not args and do_block(node) is None and "." not in name:
        return _call_site(ev, node, ev.call_function(name, node))
    return ev.source.dynamic(node, f"call to {name or 'an expression'}")


def _call_site(ev: Evaluator, node: Node, value: Term) -> Term:
    """A dynamic function result is reported where the function is called."""
    if isinstance(value, Dynamic) and value.where.line != ev.source.pos(node).line:
        return ev.source.dynamic(node, f"returns `{value.source}` ({value.reason})")
    return value


def _get_env(ev: Evaluator, node: Node, args: list[Node]) -> Term:
    var = ev.eval(args[0])
    if not isinstance(var, str):
        return ev.source.dynamic(node, "environment variable name is not a literal")
    if var in ev.system_env:
        return ev.system_env[var]
    return ev.eval(args[1]) if len(args) > 1 else None


def _eval_if(ev: Evaluator, node: Node, args: list[Node]) -> Term:
    condition = ev.eval(args[0])
    if isinstance(condition, Dynamic):
        return ev.source.dynamic(node, f"condition `{condition.source}`")
    block = do_block(node)
    if block is not None:
        if _truthy(condition):
            return ev.eval_block(block)
        other = next((c for c in block.named_children if c.type == "else_block"), None)
        return ev.eval_block(other) if other is not None else None
    if len(args) > 1 and args[-1].type == "keywords":
        branch = _keyword_value(ev.source, args[-1], "do" if _truthy(condition) else "else")
        return ev.eval(branch) if branch is not None else None
    return ev.source.dynamic(node, "unsupported if form")


def _eval_access(ev: Evaluator, node: Node) -> Term:
    """`term[key]` on keyword lists, maps and nil (Access)."""
    target, key = node.child_by_field_name("target"), node.child_by_field_name("key")
    if target is None or key is None:
        return ev.source.dynamic(node)
    container, wanted = ev.eval(target), ev.eval(key)
    for value in (container, wanted):
        if isinstance(value, Dynamic):
            return ev.source.dynamic(node, value.reason)
    if container is None:
        return None
    if isinstance(container, EMap):
        return next((v for k, v in container.pairs if k == wanted), None)
    pairs = keyword_pairs(container)
    if pairs is not None and isinstance(wanted, Atom):
        return keyword_get(pairs, wanted.name)
    return ev.source.dynamic(node, "access on a value that is not a keyword list or map")


def _eval_wrapped(ev: Evaluator, node: Node) -> Term:
    children = [c for c in node.named_children if c.type != "comment"]
    return ev.eval(children[0]) if len(children) == 1 else ev.source.dynamic(node)


def _eval_block(ev: Evaluator, node: Node) -> Term:
    return ev.eval_block(node)


_HANDLERS: dict[str, Callable[[Evaluator, Node], Term]] = {
    "string": _eval_string,
    "charlist": _eval_charlist,
    "atom": _eval_atom,
    "quoted_atom": _eval_quoted_atom,
    "integer": _eval_integer,
    "char": _eval_integer,
    "float": _eval_float,
    "boolean": _eval_boolean,
    "nil": _eval_nil,
    "list": _eval_list,
    "keywords": _eval_keywords,
    "tuple": _eval_tuple,
    "map": _eval_map,
    "sigil": _eval_sigil,
    "unary_operator": _eval_unary,
    "binary_operator": _eval_binary,
    "identifier": _eval_identifier,
    "call": _eval_call,
    "parenthesized_expression": _eval_wrapped,
    "access_call": _eval_access,
    "block": _eval_block,
    "else_block": _eval_block,
}


# --------------------------------------------------------------------------- term helpers


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
