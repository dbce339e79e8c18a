"""config/runtime.exs and lib/<app>/release.ex → what the NixOS module needs: the Phoenix port
variable, the server switch, the release's migrate function (read, never evaluated)."""

from __future__ import annotations

from dataclasses import dataclass

from nixgen.readers.elixir import (
    Node,
    Source,
    call_args,
    call_name,
    keyword_key,
    modules,
    operands,
    operator,
    parse_text,
    walk,
)
from nixgen.readers.evaluator import ENV_CALLS, env_read

# Phoenix's default port (what `mix phx.new`'s runtime.exs falls back to).
PHOENIX_PORT = 4000


@dataclass(frozen=True)
class PortVariable:
    variable: str  # the environment variable the endpoint's port is read from
    default: int  # its literal fallback (`|| "4000"`), else Phoenix's default
    where: str  # path:line of the read


@dataclass(frozen=True)
class RuntimeConfig:
    """What the NixOS module reads of config/runtime.exs."""

    port: PortVariable | None  # the endpoint's port variable, if the file reads one
    variables: frozenset[str]  # every variable it reads with a literal name


def read_runtime(path: str, text: str | None) -> RuntimeConfig:
    """The config file `path` (None: absent) parsed once for both."""
    if text is None:
        return RuntimeConfig(None, frozenset())
    source = parse_text(path, text)
    variables = {name for node in _nodes(source.tree.root_node) if (name := env_read(source, node))}
    return RuntimeConfig(_port(source), frozenset(variables))


def port_variable(path: str, text: str | None) -> PortVariable | None:
    """The variable of the first `System.get_env("VAR")` in a `port:` keyword value or a
    `port = …` assignment of the config file `path` (mix phx.new's runtime.exs writes either)."""
    return read_runtime(path, text).port


def _port(source: Source) -> PortVariable | None:
    for expression in _port_expressions(source):
        found = _env_read(source, expression)
        if found is not None:
            variable, node = found
            return PortVariable(variable, _fallback(source, expression), str(source.pos(node)))
    return None


def migrate_module(path: str, text: str | None) -> str | None:
    """The module of `path` (lib/<app>/release.ex, as `mix phx.gen.release` writes it) that
    defines a zero-argument `migrate`; None when there is none."""
    if text is None:
        return None
    source = parse_text(path, text)
    return next((m.name for m in modules(source) if _defines_migrate(source, m.node)), None)


def _port_expressions(source: Source) -> list[Node]:
    found = []
    for node in _nodes(source.tree.root_node):
        if node.type == "pair" and keyword_key(source, node) == "port":
            value = node.child_by_field_name("value")
            found.extend([value] if value is not None else [])
        elif node.type == "binary_operator" and operator(source, node) == "=":
            left, right = operands(node)
            if left.type == "identifier" and source.text(left) == "port":
                found.append(right)
    return found


def _env_read(source: Source, expression: Node) -> tuple[str, Node] | None:
    for node in _nodes(expression):
        name = env_read(source, node)
        if name is not None:
            return name, node
    return None


def _fallback(source: Source, expression: Node) -> int:
    """The literal port in `System.get_env("PORT") || "4000"` (or `System.get_env("PORT",
    "4000")`) within `expression`, else Phoenix's default."""
    for node in _nodes(expression):
        candidates: list[Node] = []
        if node.type == "binary_operator" and operator(source, node) == "||":
            candidates = [operands(node)[1]]
        elif call_name(node) in ENV_CALLS:
            candidates = call_args(node)[1:2]
        for candidate in candidates:
            port = _literal_port(source, candidate)
            if port is not None:
                return port
    return PHOENIX_PORT


def _literal_port(source: Source, node: Node) -> int | None:
    text = source.text(node).strip('"') if node.type in ("string", "integer") else ""
    if text.isascii() and text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    return None


def _defines_migrate(source: Source, module: Node) -> bool:
    for node in _nodes(module):
        if call_name(node) != "def":
            continue
        args = call_args(node)
        head = args[0] if args else None
        if head is None:
            continue
        if head.type == "identifier" and source.text(head) == "migrate":
            return True
        if head.type == "call" and call_name(head) == "migrate" and not call_args(head):
            return True
    return False


def _nodes(node: Node) -> list[Node]:
    return list(walk(node, lambda n: n.type in ("string", "comment", "sigil", "charlist")))
