"""The Mix deps a release needs: roots from mix.exs for the target env, edges from mix.lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nixgen.errors import ResolveError
from nixgen.model import (
    Dynamic,
    DynamicDep,
    GitLockEntry,
    HexLockEntry,
    MixDep,
    MixLock,
    MixProject,
    PathDep,
    UmbrellaDep,
)
from nixgen.paths import join

# Names of a git dependency's own runtime deps (read from its mix.exs in the checkout).
GitEdges = Callable[[GitLockEntry], tuple[str, ...]]


@dataclass(frozen=True)
class Excluded:
    name: str
    reason: str


@dataclass(frozen=True)
class Closure:
    included: tuple[str, ...]  # lock keys, sorted
    path_deps: tuple[tuple[str, str], ...]  # (name, directory relative to the root)
    excluded: tuple[Excluded, ...]
    notes: tuple[str, ...]


@dataclass
class _Walk:
    lock: MixLock
    env: str
    roots: dict[str, str]  # name -> why it is a root
    skipped: dict[str, str]  # name -> why a mix.exs dep was left out
    path_deps: dict[str, str]
    notes: list[str]
    take_all: bool = False


def release_closure(
    projects: Iterable[MixProject],
    lock: MixLock,
    env: str,
    git_edges: GitEdges,
    path_projects: dict[str, MixProject] | None = None,
    take_all: bool = False,
) -> Closure:
    """`projects` are the apps built together (an umbrella's children included), sharing `lock`.
    An optional lock edge is followed only when its target is needed for another reason.
    `take_all`: every lock entry is included (`nixgen deps --all`)."""
    walk = _Walk(lock, env, {}, {}, {}, [], take_all)
    for project in projects:
        _roots(walk, project, path_projects or {}, set())
    included = {e.name for e in lock.entries} if walk.take_all else _reach(walk, git_edges)
    parents = _parents(lock)
    excluded = tuple(
        Excluded(e.name, _why_excluded(walk, e.name, included, parents))
        for e in lock.entries
        if e.name not in included
    )
    notes = [*walk.notes, *_nif_dependency_notes(lock, included)]
    return Closure(
        included=tuple(sorted(included)),
        path_deps=tuple(sorted(walk.path_deps.items())),
        excluded=excluded,
        notes=tuple(notes),
    )


def _roots(
    walk: _Walk,
    project: MixProject,
    path_projects: dict[str, MixProject],
    seen: set[str],
    as_dependency: bool = False,
) -> None:
    """Deps of `project` that the build needs. A path dependency's optional deps are not
    (Mix fetches them only when something else requires them)."""
    if isinstance(project.deps, Dynamic):
        walk.take_all = True
        walk.notes.append(
            f"{project.dir}: deps are computed by code (`{project.deps.source}`); "
            "every mix.lock entry is included"
        )
        return
    for dep in project.deps:
        if as_dependency and not isinstance(dep, DynamicDep) and dep.options.optional is True:
            continue
        _root(walk, project, dep, path_projects, seen)


def _root(
    walk: _Walk,
    project: MixProject,
    dep: MixDep,
    path_projects: dict[str, MixProject],
    seen: set[str],
) -> None:
    if isinstance(dep, DynamicDep):
        walk.take_all = True
        walk.notes.append(
            f"{dep.value.where}: dependency `{dep.value.source}` cannot be read "
            f"({dep.value.reason}); every mix.lock entry is included"
        )
        return
    reason = _not_for_env(dep, walk.env)
    if reason is not None:
        walk.skipped.setdefault(dep.name, reason)
        return
    if isinstance(dep, UmbrellaDep):
        return  # a sibling app of the umbrella, built as part of the release
    if isinstance(dep, PathDep):
        _path_root(walk, project, dep, path_projects, seen)
        return
    if walk.lock.get(dep.name) is None:
        raise ResolveError(
            f"dependency {dep.name!r} is in mix.exs but not in {walk.lock.path}",
            dep.where,
            f"run `mix deps.get` in {project.dir} and commit {walk.lock.path}",
        )
    walk.roots.setdefault(dep.name, f"required by {project.dir}/mix.exs")


def _path_root(
    walk: _Walk,
    project: MixProject,
    dep: PathDep,
    path_projects: dict[str, MixProject],
    seen: set[str],
) -> None:
    """`path_projects` maps directories (relative to the root) to the Mix projects read there."""
    target = None
    if not isinstance(dep.path, Dynamic):
        target = path_projects.get(join(project.dir, dep.path))
    if target is None or isinstance(dep.path, Dynamic):
        where = dep.path.where if isinstance(dep.path, Dynamic) else dep.where
        raise ResolveError(
            f"path dependency {dep.name!r} is not a Mix project inside the repository",
            where,
            "a flake can only build sources inside its repository; vendor the "
            "dependency into the repository or publish it and depend on a version",
        )
    walk.path_deps[dep.name] = target.dir
    if target.dir not in seen:
        seen.add(target.dir)
        _roots(walk, target, path_projects, seen, as_dependency=True)


def _not_for_env(dep: MixDep, env: str) -> str | None:
    only = dep.options.only if not isinstance(dep, DynamicDep) else None
    if isinstance(only, Dynamic) or only is None or env in only:
        return None
    return f"only: [{', '.join(':' + o for o in only)}] in mix.exs (building for :{env})"


def _reach(walk: _Walk, git_edges: GitEdges) -> set[str]:
    included: set[str] = set()
    queue = sorted(walk.roots)
    while queue:
        name = queue.pop()
        if name in included:
            continue
        included.add(name)
        queue.extend(n for n in _edges(walk, name, git_edges) if n not in included)
    return included


def _edges(walk: _Walk, name: str, git_edges: GitEdges) -> list[str]:
    entry = walk.lock.get(name)
    if isinstance(entry, HexLockEntry):
        required = [d.name for d in entry.deps if not d.optional]
    elif isinstance(entry, GitLockEntry):
        required = list(git_edges(entry))
    else:
        return []
    missing = [n for n in required if walk.lock.get(n) is None]
    if missing:
        walk.notes.append(
            f"{name} requires {', '.join(missing)}, which mix.lock does not "
            "contain; run `mix deps.get`"
        )
    return [n for n in required if walk.lock.get(n) is not None]


def _parents(lock: MixLock) -> dict[str, dict[str, bool]]:
    """For each name, the hex entries depending on it and whether optionally."""
    parents: dict[str, dict[str, bool]] = {}
    for entry in lock.entries:
        for dep in entry.deps if isinstance(entry, HexLockEntry) else ():
            parents.setdefault(dep.name, {})[entry.name] = dep.optional
    return parents


def _why_excluded(
    walk: _Walk, name: str, included: set[str], all_parents: dict[str, dict[str, bool]]
) -> str:
    if name in walk.skipped:
        return walk.skipped[name]
    parents = all_parents.get(name, {})
    optional_of = sorted(p for p, optional in parents.items() if optional and p in included)
    if optional_of:
        return f"optional dependency of {', '.join(optional_of)}, required by nothing else"
    if parents:
        return f"needed only by {', '.join(sorted(parents))}, left out of the :{walk.env} build"
    return f"not needed by any dependency of the :{walk.env} build"


PRECOMPILED = "rustler_precompiled"


def _nif_dependency_notes(lock: MixLock, included: set[str]) -> list[str]:
    """Deps that fetch a prebuilt NIF while compiling (RustlerPrecompiled): the Nix sandbox has
    no network, so nix/deps.nix stages the upstream library for them (strategy A,
    docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-DECIDE; README, NIF dependencies)."""
    names = sorted(
        e.name
        for e in lock.entries
        if e.name in included
        and isinstance(e, HexLockEntry)
        and any(d.name == PRECOMPILED and not d.optional for d in e.deps)
    )
    if not names:
        return []
    return [
        f"{', '.join(names)} download a prebuilt NIF while compiling (RustlerPrecompiled), "
        "which the Nix sandbox forbids: nix/deps.nix fetches the upstream library pinned by "
        "each package's checksum file and stages it (`nixgen show` lists them); building NIF "
        "dependencies from source is not supported yet (see README, NIF dependencies)"
    ]
