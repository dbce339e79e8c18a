"""Elixir modules → every `use Rustler` / `use RustlerPrecompiled` with its options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nixgen.model import Dynamic, LoadFrom, RustlerKind, RustlerModule
from nixgen.readers.elixir import (
    Module,
    Node,
    Source,
    call_args,
    call_name,
    do_block,
    modules,
    walk,
)
from nixgen.readers.evaluator import Evaluator
from nixgen.readers.terms import Atom, ETuple, Term, atom_or_str, keyword_get, keyword_pairs

_KINDS: dict[str, RustlerKind] = {"Rustler": "rustler", "RustlerPrecompiled": "precompiled"}
# Bodies that are not the module's own code: a `use` inside them configures something else
# (a macro's quoted template, a function, a nested module read separately).
_OPAQUE_CALLS = {"defmodule", "def", "defp", "defmacro", "defmacrop", "quote"}
_LITERAL_NODES = {"string", "charlist", "sigil", "comment"}
# nixgen's macro for rustler < 0.22 (nixgen/emit/glue.py): `App.NixgenRustler.rustler_use(opts)`
# stands for `use Rustler, opts`.
_MACRO_SUFFIX = ".NixgenRustler.rustler_use"


def rustler_modules(
    source: Source,
    env: str = "prod",
    system_env: Mapping[str, str] | None = None,
    mix_config: Term = None,
) -> list[RustlerModule]:
    reads_switch = b"PRECOMPILED_NIF" in source.data
    found: list[RustlerModule] = []
    for module in modules(source):
        ev = Evaluator(source, module, env, dict(system_env or {}), mix_config=mix_config)
        for use in _uses(source, module):
            found.append(_read_use(source, ev, module, use, reads_switch))
    return found


def _uses(source: Source, module: Module) -> list[Node]:
    body = do_block(module.node)
    if body is None:
        return []

    def opaque(node: Node) -> bool:
        return node.type in _LITERAL_NODES or (
            node is not body and call_name(node) in _OPAQUE_CALLS
        )

    return [n for n in walk(body, opaque) if _kind(source, n)]


def _via_macro(use: Node) -> bool:
    return (call_name(use) or "").endswith(_MACRO_SUFFIX)


def _kind(source: Source, use: Node) -> RustlerKind | None:
    if _via_macro(use):
        return "rustler"
    if call_name(use) != "use":
        return None
    args = call_args(use)
    return _KINDS.get(source.text(args[0])) if args and args[0].type == "alias" else None


def _read_use(
    source: Source, ev: Evaluator, module: Module, use: Node, reads_switch: bool
) -> RustlerModule:
    kind = _kind(source, use)
    assert kind is not None
    via_macro = _via_macro(use)
    args = call_args(use)[0 if via_macro else 1 :]
    base = RustlerModule(
        module=module.name,
        where=source.pos(use),
        kind=kind,
        options=None,
        reads_precompiled_nif=reads_switch and not via_macro,
        via_macro=via_macro,
    )
    if not args:
        return base
    options = ev.eval(args[0]) if len(args) == 1 else source.dynamic(args[0])
    pairs = keyword_pairs(options)
    if pairs is None:
        dynamic = options if isinstance(options, Dynamic) else source.dynamic(args[0])
        return replace(base, options=dynamic)
    return replace(base, **_fields(pairs))


def _fields(pairs: list[tuple[str, Term]]) -> dict[str, Any]:
    def get(key: str) -> Term:
        return keyword_get(pairs, key)

    return {
        "otp_app": _name(get("otp_app")),
        "crate": _name(get("crate")),
        "path": _string(get("path")),
        "mode": _name(get("mode")),
        "load_from": _load_from(get("load_from")),
        "skip_compilation": _bool(get("skip_compilation?")),
        "features": _names(get("features")),
        "version": _string(get("version")),
        "nif_versions": _names(get("nif_versions")),
        "force_build": _bool(get("force_build")),
    }


def _name(term: Term) -> str | Dynamic | None:
    return term if isinstance(term, Dynamic) else atom_or_str(term)


def _string(term: Term) -> str | Dynamic | None:
    return term if isinstance(term, str | Dynamic) else None


def _bool(term: Term) -> bool | Dynamic | None:
    return term if isinstance(term, bool | Dynamic) else None


def _names(term: Term) -> tuple[str, ...] | Dynamic | None:
    if isinstance(term, Dynamic) or term is None:
        return term
    if not isinstance(term, list):
        return None
    names = [_name(t) for t in term]
    dynamic = next((n for n in names if isinstance(n, Dynamic)), None)
    if dynamic is not None:
        return dynamic
    return tuple(n for n in names if isinstance(n, str))


def _load_from(term: Term) -> LoadFrom | Dynamic | None:
    if isinstance(term, Dynamic) or term is None:
        return term
    if isinstance(term, ETuple) and len(term.items) == 2:
        app, path = term.items
        app_name = (
            app if isinstance(app, Dynamic) else (app.name if isinstance(app, Atom) else None)
        )
        path_value = path if isinstance(path, str | Dynamic) else None
        if app_name is not None and path_value is not None:
            return LoadFrom(app_name, path_value)
    return None
