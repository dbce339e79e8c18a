"""config/*.exs → literal values of `config :app, key: value` calls (read, never evaluated)."""

from __future__ import annotations

from nixgen.readers.elixir import Node, Source, call_args, call_name, keyword_value, parse_text
from nixgen.readers.elixir import walk as walk_nodes


def config_string(path: str, text: str | None, app: str, key: str) -> str | None:
    """The string literal given to `key` in the last `config :app, key: "..."` of the config
    file `path` whose content is `text`; None when the file, the call or a literal is missing."""
    if text is None:
        return None
    source = parse_text(path, text)
    found: str | None = None
    for node in walk_nodes(source.tree.root_node, lambda n: n.type in ("string", "comment")):
        value = _config_value(source, node, app, key)
        if value is not None:
            found = value
    return found


def _config_value(source: Source, node: Node, app: str, key: str) -> str | None:
    if call_name(node) != "config":
        return None
    args = call_args(node)
    if len(args) != 2 or source.text(args[0]) != f":{app}" or args[1].type != "keywords":
        return None
    value = keyword_value(source, args[1], key)
    if value is None or value.type != "string":
        return None
    parts = value.named_children
    if any(p.type != "quoted_content" for p in parts):
        return None  # interpolation or escapes: not a plain literal
    return "".join(source.text(p) for p in parts)
