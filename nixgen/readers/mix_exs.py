"""mix.exs → the project() keyword list: app, version, deps, releases, umbrella, aliases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nixgen.emit.render import check_store_name
from nixgen.errors import InputError, Position
from nixgen.model import (
    DepOptions,
    Dynamic,
    DynamicDep,
    GitDep,
    HexDep,
    MixAlias,
    MixDep,
    PathDep,
    UmbrellaDep,
)
from nixgen.readers.checks import check_numbers, check_path
from nixgen.readers.elixir import (
    Module,
    Source,
    block_body,
    call_args,
    call_name,
    do_block,
    modules,
    operands,
    operator,
)
from nixgen.readers.evaluator import Evaluator
from nixgen.readers.terms import (
    Atom,
    ETuple,
    Term,
    atom_or_str,
    keyword_get,
    keyword_pairs,
    term_text,
)

Pairs = list[tuple[str, Term]]


@dataclass(frozen=True)
class MixExs:
    """What nixgen needs from one mix.exs; paths are as written (relative to its directory)."""

    app: str | Dynamic | None
    version: str | Dynamic | None
    elixir: str | Dynamic | None
    deps: tuple[MixDep, ...] | Dynamic
    releases: tuple[str, ...] | Dynamic
    apps_path: str | Dynamic | None
    apps: tuple[str, ...] | Dynamic | None
    aliases: tuple[MixAlias, ...] | Dynamic
    lockfile: str | Dynamic
    config_path: str | Dynamic
    project_extra: Dynamic | None = None  # a non-literal part merged into project/0
    config: Term = None  # project/0's keyword list, for `Mix.Project.config()` elsewhere


def read_mix_exs(
    source: Source, env: str = "prod", system_env: Mapping[str, str] | None = None
) -> MixExs:
    module = _project_module(source)
    ev = Evaluator(source, module, env, dict(system_env or {}))
    pairs, extra = _project_pairs(source, module, ev)

    def path(key: str, default: str | None) -> str | Dynamic | None:
        value = _str(keyword_get(pairs, key, default)) or default
        if isinstance(value, str):
            check_path(value, f"`{key}:`", source.find(value))
        return value

    return MixExs(
        app=_name(keyword_get(pairs, "app")),
        version=_version(source, keyword_get(pairs, "version")),
        elixir=_elixir(source, keyword_get(pairs, "elixir")),
        deps=_deps(source, keyword_get(pairs, "deps", [])),
        releases=_releases(keyword_get(pairs, "releases", [])),
        apps_path=path("apps_path", None),
        apps=_names_or_none(keyword_get(pairs, "apps")),
        aliases=_aliases(keyword_get(pairs, "aliases", [])),
        lockfile=path("lockfile", "mix.lock") or "mix.lock",
        config_path=path("config_path", "config/config.exs") or "config/config.exs",
        project_extra=extra,
        config=[ETuple((Atom(k), v)) for k, v in pairs],
    )


def _project_pairs(source: Source, module: Module, ev: Evaluator) -> tuple[Pairs, Dynamic | None]:
    """project/0's keyword list; for `[...] |> Keyword.merge(f())` or `[...] ++ f()` the literal
    part, with the rest reported as a Dynamic."""
    pairs = keyword_pairs(ev.call_function("project", module.node))
    if pairs is not None:
        return pairs, None
    body = module.functions.get("project")
    statements = block_body(body) if body is not None and body.type == "do_block" else [body]
    last = statements[-1] if statements else None
    if (
        last is not None
        and last.type == "binary_operator"
        and operator(source, last) in ("|>", "++")
    ):
        left, right = operands(last)
        base = keyword_pairs(ev.eval(left))
        if base is not None:
            return base, source.dynamic(right, "added to project/0 by code nixgen does not run")
    raise InputError(
        "project/0 does not return a keyword list nixgen can read",
        source.pos(body) if body is not None else Position(source.path),
        "keep `def project, do: [app: ..., version: ..., deps: deps()]` literal",
    )


def _project_module(source: Source) -> Module:
    found = modules(source)
    for module in found:
        body = do_block(module.node)
        statements = block_body(body) if body is not None else []
        if any(
            call_name(s) == "use" and call_args(s) and source.text(call_args(s)[0]) == "Mix.Project"
            for s in statements
        ):
            return module
    with_project = [m for m in found if "project" in m.functions]
    if with_project:
        return with_project[0]
    raise InputError(
        "no module with `use Mix.Project` and a project/0 function",
        Position(source.path),
        "is this a Mix project? nixgen needs the project's mix.exs",
    )


def _str(term: Term) -> str | Dynamic | None:
    if isinstance(term, str | Dynamic) or term is None:
        return term
    return None


def _version(source: Source, term: Term) -> str | Dynamic | None:
    """The app version names the release's store path: checked here, where its line is."""
    version = _str(term)
    if isinstance(version, str):
        where = source.find(version)
        check_numbers(version, "the app version", where, "use a SemVer version like 1.2.3")
        check_store_name(version, "the app version", where)
    return version


def _elixir(source: Source, term: Term) -> str | Dynamic | None:
    requirement = _str(term)
    if isinstance(requirement, str):
        check_numbers(
            requirement, "the `elixir:` requirement", source.find(requirement),
            'write a requirement like "~> 1.15"',
        )  # fmt: skip
    return requirement


def _name(term: Term) -> str | Dynamic | None:
    return term if isinstance(term, Dynamic) else atom_or_str(term)


def _names_or_none(term: Term) -> tuple[str, ...] | Dynamic | None:
    if term is None or isinstance(term, Dynamic):
        return term
    if isinstance(term, list):
        names = [atom_or_str(t) for t in term]
        return tuple(n for n in names if n is not None)
    return None


def _releases(term: Term) -> tuple[str, ...] | Dynamic:
    if isinstance(term, Dynamic):
        return term
    pairs = keyword_pairs(term)
    return tuple(k for k, _ in pairs) if pairs is not None else ()


def _aliases(term: Term) -> tuple[MixAlias, ...] | Dynamic:
    if isinstance(term, Dynamic):
        return term
    pairs = keyword_pairs(term)
    if pairs is None:
        return ()
    return tuple(MixAlias(name, _alias_tasks(value)) for name, value in pairs)


def _alias_tasks(value: Term) -> tuple[str | Dynamic, ...] | Dynamic:
    if isinstance(value, Dynamic):
        return value
    items = value if isinstance(value, list) else [value]
    return tuple(i if isinstance(i, str | Dynamic) else str(i) for i in items)


# --------------------------------------------------------------------------- deps


def _deps(source: Source, term: Term) -> tuple[MixDep, ...] | Dynamic:
    if isinstance(term, Dynamic):
        return term
    if not isinstance(term, list):
        return ()
    return tuple(_dep(source, item) for item in term)


def _dep(source: Source, item: Term) -> MixDep:
    if isinstance(item, Dynamic):
        return DynamicDep(item)
    if not (
        isinstance(item, ETuple) and 1 <= len(item.items) <= 3 and isinstance(item.items[0], Atom)
    ):
        return DynamicDep(
            Dynamic(term_text(item), _where(source, item), "not a {:name, ...} dependency")
        )
    name = item.items[0].name
    rest = list(item.items[1:])
    requirement: str | Dynamic | None = None
    if rest and isinstance(rest[0], str | Dynamic):
        requirement, rest = rest[0], rest[1:]
    options = keyword_pairs(rest[0]) if rest else []
    if options is None:
        return DynamicDep(
            rest[0]
            if isinstance(rest[0], Dynamic)
            else Dynamic(
                f"{{:{name}, ...}}", _where(source, item), "options are not a keyword list"
            )
        )
    return _classify(name, requirement, options, _where(source, item))


def _where(source: Source, item: Term) -> Position:
    if isinstance(item, ETuple) and item.where is not None:
        return item.where
    return Position(source.path)


def _classify(
    name: str, requirement: str | Dynamic | None, pairs: Pairs, where: Position
) -> MixDep:
    opts = _options(pairs)
    if keyword_get(pairs, "in_umbrella") is True:
        return UmbrellaDep(name, opts, where)
    path = keyword_get(pairs, "path")
    if path is not None:
        if isinstance(path, str):
            check_path(path, f"the `path:` of {name!r}", where)
        return PathDep(name, path if isinstance(path, str | Dynamic) else str(path), opts, where)
    git, github = keyword_get(pairs, "git"), keyword_get(pairs, "github")
    if git is not None or github is not None:
        return _git_dep(name, requirement, pairs, opts, where, git, github)
    package = atom_or_str(keyword_get(pairs, "hex")) or name
    repo = keyword_get(pairs, "repo")
    org = keyword_get(pairs, "organization")
    repo_name = (
        repo if isinstance(repo, str) else (f"hexpm:{org}" if isinstance(org, str) else None)
    )
    return HexDep(name, requirement, package, repo_name, opts, where)


def _git_dep(
    name: str,
    requirement: str | Dynamic | None,
    pairs: Pairs,
    opts: DepOptions,
    where: Position,
    git: Term,
    github: Term,
) -> GitDep:
    if isinstance(github, str):
        url: str | Dynamic = f"https://github.com/{github}.git"
    else:
        url = git if isinstance(git, str | Dynamic) else str(git)

    def opt(key: str) -> str | None:
        value = keyword_get(pairs, key)
        return value if isinstance(value, str) else None

    return GitDep(
        name,
        url,
        requirement,
        opt("ref"),
        opt("branch"),
        opt("tag"),
        opt("sparse"),
        opt("subdir"),
        keyword_get(pairs, "submodules") is True,
        opts,
        where,
    )


def _flag(term: Term, default: bool) -> bool | Dynamic:
    if isinstance(term, bool | Dynamic):
        return term
    return default if term is None else True


def _options(pairs: Pairs) -> DepOptions:
    only = keyword_get(pairs, "only")
    if isinstance(only, Atom):
        only_value: tuple[str, ...] | Dynamic | None = (only.name,)
    elif isinstance(only, list):
        only_value = tuple(sorted(n for n in (atom_or_str(o) for o in only) if n))
    else:
        only_value = only if isinstance(only, Dynamic) else None
    compile_ = keyword_get(pairs, "compile")
    manager = keyword_get(pairs, "manager")
    return DepOptions(
        only=only_value,
        runtime=_flag(keyword_get(pairs, "runtime"), True),
        optional=_flag(keyword_get(pairs, "optional"), False),
        app=_flag(keyword_get(pairs, "app"), True),
        compile=compile_ if isinstance(compile_, str) else _flag(compile_, True),
        override=_flag(keyword_get(pairs, "override"), False),
        manager=manager if isinstance(manager, Dynamic) else atom_or_str(manager),
    )
