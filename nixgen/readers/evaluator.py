"""Elixir expressions → terms, without running anything: literals, attributes, local
functions and the few calls nixgen knows (Mix.env(), System.get_env/1,2, ...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from nixgen.errors import InputError
from nixgen.model import Dynamic
from nixgen.readers.elixir import (
    ESCAPES,
    Module,
    Node,
    Source,
    block_body,
    call_args,
    call_name,
    do_block,
    keyword_key,
    keyword_value,
    operands,
    operator,
    unescape,
)
from nixgen.readers.terms import (
    Atom,
    Charlist,
    EMap,
    ETuple,
    Term,
    keyword_get,
    keyword_pairs,
)

MAX_DEPTH = 200  # nested expressions evaluated; far beyond real code, within Python's limit


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
            parts.append(unescape(ev.source, child))
        elif child.type == "interpolation":
            return ev.source.dynamic(node, "string interpolation")
    return "".join(parts)


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


# Python's int() refuses longer decimal strings (sys.get_int_max_str_digits()).
_MAX_INTEGER_DIGITS = 4000


def _eval_integer(ev: Evaluator, node: Node) -> Term:
    text = ev.source.text(node)
    if text.startswith("?"):
        # `?_` is 95, `?\n` 10. For `?\` + newline (10 in Elixir) tree-sitter leaves the newline
        # out of the node, so it stays unread.
        char = ESCAPES.get(text[2:], text[2:]) if text[1:2] == "\\" else text[1:]
        return ord(char) if len(char) == 1 else ev.source.dynamic(node, "character literal")
    digits = text.replace("_", "")
    if len(digits) > _MAX_INTEGER_DIGITS:
        raise InputError(
            f"integer literal of {len(digits)} digits",
            ev.source.pos(node),
            f"nixgen reads integers of up to {_MAX_INTEGER_DIGITS} digits; write a shorter one",
        )
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


# The calls that read an environment variable by name.
ENV_CALLS = frozenset({"System.get_env", "System.fetch_env", "System.fetch_env!"})


def env_read(source: Source, node: Node) -> str | None:
    """The variable `node` reads when it is one of ENV_CALLS with a literal name, else None."""
    args = call_args(node) if call_name(node) in ENV_CALLS else []
    name = Evaluator(source).eval(args[0]) if args and args[0].type == "string" else None
    return name if isinstance(name, str) else None


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
        branch = keyword_value(ev.source, args[-1], "do" if _truthy(condition) else "else")
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
