"""`use RustlerPrecompiled, …` in a Hex package's modules → its options as data.

Like nixgen/readers/rustler.py for the project's own modules, but for a dependency's: string
interpolation is evaluated (`base_url: "#{github_url}/releases/download/v#{version}"`), a call
wrapping the keyword list (`Precompiled.options(kw)`) is read through, and the options nixgen
needs to name an artifact are kept (docs/UPSTREAM.md U-RP-OPTIONS). Nothing is guessed: a value
that is not a literal stays a `Dynamic` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nixgen.errors import InputError, Position, shorten
from nixgen.model import Dynamic, LoadFrom
from nixgen.readers.elixir import (
    Module,
    Node,
    Source,
    call_args,
    call_name,
    do_block,
    keyword_value,
    modules,
    parse_text,
    unescape,
    walk,
)
from nixgen.readers.evaluator import MAX_DEPTH, Evaluator, env_read
from nixgen.readers.hex_tarball import HexPackage
from nixgen.readers.mix_exs import read_mix_exs
from nixgen.readers.terms import (
    Atom,
    Charlist,
    EMap,
    ETuple,
    Term,
    atom_or_str,
    keyword_get,
    keyword_pairs,
    term_text,
)

Names = tuple[str, ...]
Variants = tuple[tuple[str, Names], ...]  # target triple → variant names, in source order


@dataclass(frozen=True)
class PrecompiledModule:
    """One `use RustlerPrecompiled` in a module body, as the package wrote it."""

    module: str
    where: Position
    options: Dynamic | None  # set when the option list itself is not readable
    wrapper: str | None = None  # `Precompiled.options`: the options are its keyword argument
    otp_app: str | Dynamic | None = None
    crate: str | Dynamic | None = None
    version: str | Dynamic | None = None
    base_url: str | Dynamic | None = None
    targets: Names | Dynamic | None = None  # None: rustler_precompiled's default list
    nif_versions: Names | Dynamic | None = None  # None: its default (U-RP-NIF-VERSION)
    variants: Variants | Dynamic | None = None
    force_build: bool | Dynamic | None = None
    force_build_env: Names = ()  # variables the `force_build:` expression reads
    env_reads: Names = ()  # every variable the module body reads while compiling
    load_from: LoadFrom | Dynamic | None = None
    path: str | Dynamic | None = None  # the crate's directory, as Rustler's `path:` option

    @property
    def crate_dir(self) -> str | Dynamic | None:
        """Where the crate is in the package: `path:`, else Rustler's `native/<crate>`, the crate
        being `crate || otp_app` (docs/UPSTREAM.md U-RP-OPTIONS)."""
        if self.path is not None:
            return self.path
        name = self.basename
        return name if name is None or isinstance(name, Dynamic) else f"native/{name}"

    @property
    def basename(self) -> str | Dynamic | None:
        """The artifact's base name: `crate || otp_app` (U-RP-ARTIFACT)."""
        return self.crate if self.crate is not None else self.otp_app

    def variant_names(self, triple: str) -> Names:
        if isinstance(self.variants, Dynamic) or self.variants is None:
            return ()
        return next((names for target, names in self.variants if target == triple), ())


@dataclass
class _InterpolatingEvaluator(Evaluator):
    """The evaluator, plus `"…#{expr}…"` when every `expr` is a literal that `to_string`
    turns into text (string, atom, integer, charlist, nil, boolean)."""

    def eval(self, node: Node) -> Term:
        if node.type != "string" or all(c.type != "interpolation" for c in node.named_children):
            return super().eval(node)
        if self._depth >= MAX_DEPTH:
            return self.source.dynamic(node, f"nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            return self._interpolate(node)
        finally:
            self._depth -= 1

    def fresh(self) -> Evaluator:
        base = super().fresh()
        return _InterpolatingEvaluator(
            base.source,
            base.module,
            base.env,
            base.system_env,
            mix_config=base.mix_config,
            _active=base._active,
            _depth=base._depth,
        )

    def _interpolate(self, node: Node) -> Term:
        parts: list[str] = []
        for child in node.named_children:
            if child.type == "quoted_content":
                parts.append(self.source.text(child))
            elif child.type == "escape_sequence":
                parts.append(unescape(self.source, child))
            elif child.type == "interpolation":
                inner = [c for c in child.named_children if c.type != "comment"]
                value = self.eval(inner[0]) if len(inner) == 1 else self.source.dynamic(child)
                text = _to_string(value)
                if text is None:
                    return self.source.dynamic(
                        node, _interpolation_reason(self.source, child, value)
                    )
                parts.append(text)
        return "".join(parts)


def _interpolation_reason(source: Source, child: Node, value: Term) -> str:
    """Why `#{…}` is not text; an inner interpolation's reason is passed on, not wrapped again."""
    why = value.reason if isinstance(value, Dynamic) else "not text"
    if why.startswith("interpolates"):
        return why
    return f"interpolates `{shorten(source.text(child), 60)}` ({why})"


def _to_string(value: Term) -> str | None:
    """What Elixir's String.Chars gives for the literal kinds nixgen evaluates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Atom):
        return value.name
    if isinstance(value, Charlist):
        return value.text
    return str(value) if isinstance(value, int) else None


# Bodies that run later than the module body (functions), or are another module's.
_LATER = {"defmodule", "def", "defp", "defmacro", "defmacrop", "quote"}
_LITERALS = {"string", "charlist", "sigil", "comment"}


def package_precompiled_modules(
    package: HexPackage, env: str = "prod"
) -> tuple[PrecompiledModule, ...]:
    """Every `use RustlerPrecompiled` in the package's lib/**/*.ex, with `Mix.Project.config()`
    read from its mix.exs."""
    config = _package_config(package, env)
    found: list[PrecompiledModule] = []
    for path in package.paths(r"lib/.*\.ex"):
        if b"RustlerPrecompiled" in package.files[path]:
            source = parse_text(f"{package.label}:{path}", package.text(path))
            found.extend(read_precompiled_modules(source, config, env))
    return tuple(found)


def _package_config(package: HexPackage, env: str) -> Term:
    """project/0 of the package's mix.exs, or None (then `Mix.Project.config()` stays dynamic)
    when it has none nixgen can read: the package is not the user's to fix."""
    if "mix.exs" not in package.files:
        return None
    try:
        return read_mix_exs(
            parse_text(f"{package.label}:mix.exs", package.text("mix.exs")), env
        ).config
    except InputError:
        return None


def read_precompiled_modules(
    source: Source, mix_config: Term = None, env: str = "prod"
) -> list[PrecompiledModule]:
    """The `use RustlerPrecompiled` calls of `source`, evaluated with no environment variable
    set (as in nixgen's builds, where the package's force-build variables are unset)."""
    found: list[PrecompiledModule] = []
    for module in modules(source):
        ev = _InterpolatingEvaluator(source, module, env, {}, mix_config=mix_config)
        reads = _env_names(source, _compile_time_nodes(module))
        found.extend(_read_use(source, ev, module, use, reads) for use in _uses(source, module))
    return found


def _compile_time_nodes(module: Module) -> list[Node]:
    body = do_block(module.node)
    if body is None:
        return []
    return list(walk(body, lambda n: n is not body and call_name(n) in _LATER))


def _uses(source: Source, module: Module) -> list[Node]:
    body = do_block(module.node)
    if body is None:
        return []

    def opaque(node: Node) -> bool:
        return node.type in _LITERALS or (node is not body and call_name(node) in _LATER)

    return [n for n in walk(body, opaque) if _is_precompiled_use(source, n)]


def _is_precompiled_use(source: Source, node: Node) -> bool:
    args = call_args(node) if call_name(node) == "use" else []
    return bool(args) and args[0].type == "alias" and source.text(args[0]) == "RustlerPrecompiled"


def _env_names(source: Source, nodes: list[Node]) -> Names:
    return tuple(sorted({name for node in nodes if (name := env_read(source, node))}))


def _read_use(
    source: Source, ev: Evaluator, module: Module, use: Node, env_reads: Names
) -> PrecompiledModule:
    where = source.pos(use)
    base = PrecompiledModule(module.name, where, options=None, env_reads=env_reads)
    args = call_args(use)[1:]
    if len(args) != 1:
        return replace(
            base, options=Dynamic(source.text(use), where, "not `use RustlerPrecompiled, options`")
        )
    keywords, wrapper = _option_list(source, args[0])
    pairs = keyword_pairs(ev.eval(keywords))
    if pairs is None:
        return replace(base, options=source.dynamic(args[0], "not a keyword list nixgen can read"))
    force_node = (
        keyword_value(source, keywords, "force_build") if keywords.type == "keywords" else None
    )
    force_env = _env_names(source, list(walk(force_node, lambda n: False))) if force_node else ()
    return _with_options(replace(base, wrapper=wrapper, force_build_env=force_env), pairs, where)


def _option_list(source: Source, node: Node) -> tuple[Node, str | None]:
    """The node holding the keyword list: the argument itself, or the one argument of a call
    wrapping it (`Precompiled.options(otp_app: …, …)`), with the wrapper's name."""
    if node.type == "call" and do_block(node) is None:
        inner = call_args(node)
        if len(inner) == 1 and inner[0].type in ("keywords", "list"):
            target = node.child_by_field_name("target")
            return inner[0], call_name(node) or (source.text(target) if target else None)
    return node, None


def _with_options(
    base: PrecompiledModule, pairs: list[tuple[str, Term]], where: Position
) -> PrecompiledModule:
    def get(key: str) -> Term:
        return keyword_get(pairs, key)

    return replace(
        base,
        otp_app=_name(get("otp_app"), where),
        crate=_name(get("crate"), where),
        path=_string(get("path"), where),
        version=_string(get("version"), where),
        base_url=_base_url(get("base_url"), where),
        targets=_names(get("targets"), where),
        nif_versions=_names(get("nif_versions"), where),
        variants=_variants(get("variants"), where),
        force_build=_flag(get("force_build"), where),
        load_from=_load_from(get("load_from"), where),
    )


def _wrong(term: Term, where: Position, what: str) -> Dynamic:
    return Dynamic(term_text(term), where, f"not {what}")


def _name(term: Term, where: Position) -> str | Dynamic | None:
    if term is None or isinstance(term, Dynamic):
        return term
    name = atom_or_str(term)
    return name if name is not None else _wrong(term, where, "an atom or a string")


def _string(term: Term, where: Position) -> str | Dynamic | None:
    if term is None or isinstance(term, str | Dynamic):
        return term
    return _wrong(term, where, "a string")


def _flag(term: Term, where: Position) -> bool | Dynamic | None:
    if term is None or isinstance(term, bool | Dynamic):
        return term
    return _wrong(term, where, "a boolean")


def _names(term: Term, where: Position) -> Names | Dynamic | None:
    if term is None or isinstance(term, Dynamic):
        return term
    if not isinstance(term, list):
        return _wrong(term, where, "a list")
    names = [_name(t, where) for t in term]
    odd = next((n for n in names if not isinstance(n, str)), None)
    if odd is not None or len(names) != len(term):
        return odd if isinstance(odd, Dynamic) else _wrong(term, where, "a list of names")
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str)))  # Enum.uniq, as upstream


def _base_url(term: Term, where: Position) -> str | Dynamic | None:
    """A URL, or `{url, []}`; `{url, headers}` (private hosting) and `{module, function}` (a
    URL computed by code) are not something nixgen can fetch from (U-RP-OPTIONS)."""
    if term is None or isinstance(term, str | Dynamic):
        return term
    if isinstance(term, ETuple) and len(term.items) == 2:
        url, second = term.items
        if isinstance(url, str) and second == []:
            return url
        if isinstance(url, str):
            return Dynamic(term_text(term), where, "base_url with request headers (private host)")
        if isinstance(second, Atom):  # `{Module, :function}`; an alias is not a literal
            return Dynamic(term_text(term), where, "base_url is a function called at compile time")
    return _wrong(term, where, "a URL")


def _variants(term: Term, where: Position) -> Variants | Dynamic | None:
    if term is None or isinstance(term, Dynamic):
        return term
    if not isinstance(term, EMap):
        return _wrong(term, where, "a map of target => [variant: fun]")
    found: list[tuple[str, Names]] = []
    for target, value in term.pairs:
        pairs = keyword_pairs(value)
        if isinstance(value, Dynamic):
            return value
        if not isinstance(target, str) or pairs is None:
            return _wrong(term, where, "a map of target => [variant: fun]")
        found.append((target, tuple(name for name, _ in pairs)))
    return tuple(found)


def _load_from(term: Term, where: Position) -> LoadFrom | Dynamic | None:
    if term is None or isinstance(term, Dynamic):
        return term
    if isinstance(term, ETuple) and len(term.items) == 2:
        app, path = term.items
        app_name = app.name if isinstance(app, Atom) else app if isinstance(app, Dynamic) else None
        if app_name is not None and isinstance(path, str | Dynamic):
            return LoadFrom(app_name, path)
    return _wrong(term, where, '{:app, "path"}')
