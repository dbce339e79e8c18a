"""Cargo.toml trees → packages and workspaces, resolved as Cargo resolves them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from nixgen.errors import InputError, Position
from nixgen.model import (
    CargoDepSpec,
    CargoPackage,
    CargoWorkspace,
)
from nixgen.paths import inside, join, outside, parents
from nixgen.readers.checks import check_crate_name, check_semver
from nixgen.readers.text import is_file, parse_toml, read_text, rel
from nixgen.readers.tomlvalues import Table, as_string, as_strings, as_table, fail

_DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
_GLOB_CHARS = re.compile(r"[*?\[]")
_LOCK_KEY = re.compile(r'^(\s*)(name|source)\s*=\s*"(.*)"\s*$')


# --------------------------------------------------------------------------- Cargo.toml


@dataclass(frozen=True)
class RawWorkspace:
    """A `[workspace]` table as written."""

    members: tuple[str, ...]
    exclude: tuple[str, ...]
    package_version: str | None  # `[workspace.package] version`
    rustler: CargoDepSpec | None  # `[workspace.dependencies] rustler`, path relative to its dir


@dataclass(frozen=True)
class RawPackage:
    """A `[package]` with its targets and dependencies, workspace inheritance not yet resolved."""

    name: str
    version: str | None
    inherits_version: bool  # `version.workspace = true`
    lib_name: str
    crate_types: tuple[str, ...]
    rustler: CargoDepSpec | None  # path relative to the package dir
    features: tuple[str, ...]
    workspace_key: str | None  # `package.workspace`, as a root-relative dir
    dependencies: tuple[str, ...] = ()  # crate names of every kind, not workspace-inherited


@dataclass(frozen=True)
class RawManifest:
    """One Cargo.toml; every path is relative to the project root."""

    manifest: str
    dir: str
    package: RawPackage | None  # None for a virtual manifest
    workspace: RawWorkspace | None
    path_deps: tuple[str, ...] = ()  # dirs of path dependencies of every kind, sorted


def read_manifest(root: Path, manifest: Path) -> RawManifest:
    """Parse one Cargo.toml without looking at any other file."""
    text = read_text(root, manifest)
    data = parse_toml(root, manifest, text)
    where = Position(rel(root, manifest))
    base = posixpath.dirname(where.path) or "."
    workspace = _raw_workspace(data["workspace"], where) if "workspace" in data else None
    if "package" not in data:
        if workspace is None:
            raise InputError(
                "neither [package] nor [workspace] in this Cargo.toml",
                where,
                hint="add the missing table, or remove the file if it is not a crate",
            )
        return RawManifest(where.path, base, None, workspace)
    # Without [lib] and src/lib.rs a package has no library target (only binaries).
    has_lib = "lib" in data or (root / manifest).parent.joinpath("src", "lib.rs").is_file()
    package = _raw_package(data, base, where, has_lib)
    _check_package(package, text, where)
    return RawManifest(where.path, base, package, workspace, _path_deps(data, base, where))


def _raw_package(data: Table, base: str, where: Position, has_lib: bool) -> RawPackage:
    package = as_table(data["package"], "package", where)
    name = as_string(package.get("name"), "package.name", where)
    if not name:
        raise fail("`package.name` is missing", where)
    lib = as_table(data.get("lib"), "lib", where)
    version, inherits = _version(package.get("version"), where)
    pointer = as_string(package.get("workspace"), "package.workspace", where)
    return RawPackage(
        name=name,
        version=version,
        inherits_version=inherits,
        lib_name=as_string(lib.get("name"), "lib.name", where) or name.replace("-", "_"),
        # `crate_type` is the deprecated spelling Cargo still accepts.
        crate_types=as_strings(
            lib.get("crate-type", lib.get("crate_type")), "lib.crate-type", where
        )
        or (("lib",) if has_lib else ()),
        rustler=_find_rustler(data, where),
        features=tuple(sorted(as_table(data.get("features"), "features", where))),
        workspace_key=None if pointer is None else join(base, pointer),
        dependencies=_dependency_names(data, where),
    )


_NAMES_HINT = "fix the value (cargo rejects it as well)"


def _check_package(package: RawPackage, text: str, where: Position) -> None:
    """Name and version become store names and a `cargo -p` argument: refused here unless
    they are what Cargo itself accepts."""
    check_crate_name(package.name, "package.name", key_line(text, "name", where), _NAMES_HINT)
    if package.lib_name != package.name.replace("-", "_"):
        check_crate_name(package.lib_name, "lib.name", where, _NAMES_HINT)
    if package.version is not None:
        at = key_line(text, "version", where)
        check_semver(package.version, "package.version", at, _NAMES_HINT)


def key_line(text: str, key: str, where: Position) -> Position:
    """Where `key = ...` is first written in the TOML `text` of `where.path` (approximate:
    the first such line in any table)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.split("\n"), start=1):
        if pattern.match(line):
            return Position(where.path, number, line.index(key) + 1)
    return where


def _dependency_names(data: Table, where: Position) -> tuple[str, ...]:
    """Every dependency Cargo.lock must hold (optional, per-target, dev and build ones too: the
    lock does not depend on features or platform). Inherited ones (`workspace = true`) are
    left out: their name may be renamed in the workspace's table."""
    names = {
        _crate_name(key, spec, where)
        for table in _dependency_tables(data, where)
        for key, spec in table.items()
        if not (isinstance(spec, dict) and spec.get("workspace") is True)
    }
    return tuple(sorted(names))


def _version(value: object, where: Position) -> tuple[str | None, bool]:
    if isinstance(value, dict) and value.get("workspace") is True:
        return None, True
    if value is None:
        return "0.0.0", False  # Cargo >= 1.75: an omitted version means 0.0.0
    return as_string(value, "package.version", where), False


def _dependency_tables(data: Table, where: Position) -> Iterator[Table]:
    """`[dependencies]` (plain, then per target) first, then dev- and build-dependencies."""
    targets = as_table(data.get("target"), "target", where)
    scopes = [data, *(as_table(t, f"target.{k}", where) for k, t in targets.items())]
    for key in _DEP_TABLES:
        for scope in scopes:
            yield as_table(scope.get(key), key, where)


def _crate_name(key: str, spec: object, where: Position) -> str:
    """The crate a dependency entry names: its `package = "..."` (a rename), else its key."""
    if isinstance(spec, dict) and "package" in spec:
        return as_string(spec["package"], f"dependencies.{key}.package", where) or key
    return key


def _find_rustler(data: Table, where: Position) -> CargoDepSpec | None:
    for table in _dependency_tables(data, where):
        for key, spec in table.items():
            if _crate_name(key, spec, where) == "rustler":
                return _dep_spec(spec, key, where)
    return None


def _dep_spec(spec: object, key: str, where: Position) -> CargoDepSpec:
    if isinstance(spec, str):
        return CargoDepSpec(requirement=spec)
    table = as_table(spec, key, where)
    return CargoDepSpec(
        requirement=as_string(table.get("version"), f"{key}.version", where),
        git=as_string(table.get("git"), f"{key}.git", where),
        path=as_string(table.get("path"), f"{key}.path", where),
        workspace=table.get("workspace") is True,
    )


def _path_deps(data: Table, base: str, where: Position) -> tuple[str, ...]:
    found = {
        join(base, spec["path"])
        for table in _dependency_tables(data, where)
        for spec in table.values()
        if isinstance(spec, dict) and isinstance(spec.get("path"), str)
    }
    return tuple(sorted(found))


def _raw_workspace(value: object, where: Position) -> RawWorkspace:
    table = as_table(value, "workspace", where)
    package = as_table(table.get("package"), "workspace.package", where)
    deps = as_table(table.get("dependencies"), "workspace.dependencies", where)
    rustler = next(
        (_dep_spec(s, k, where) for k, s in deps.items() if _crate_name(k, s, where) == "rustler"),
        None,
    )
    return RawWorkspace(
        members=as_strings(table.get("members"), "workspace.members", where) or (),
        exclude=as_strings(table.get("exclude"), "workspace.exclude", where) or (),
        package_version=as_string(package.get("version"), "workspace.package.version", where),
        rustler=rustler,
    )


def _under(directory: str, base: str, entries: tuple[str, ...]) -> bool:
    return any(inside(directory, join(base, entry)) for entry in entries)


def _excluded(ws_dir: str, ws: RawWorkspace, directory: str) -> bool:
    """Cargo's `is_excluded`: under an `exclude` entry, not under a `members` entry as written."""
    return _under(directory, ws_dir, ws.exclude) and not _under(directory, ws_dir, ws.members)


def _expand_members(root: Path, ws_dir: str, ws: RawWorkspace) -> Iterator[str]:
    """Member dirs named by `members`; globs match one path component per `*` like Cargo's."""
    for pattern in ws.members:
        if _GLOB_CHARS.search(pattern) is None:
            yield join(ws_dir, pattern)
            continue
        if pattern.startswith("/"):
            continue  # outside the project: nixgen reads nothing there
        try:
            matches = sorted((root / ws_dir).glob(posixpath.normpath(pattern)))
        except (ValueError, OSError):
            raise InputError(
                f"workspace member pattern {pattern!r} is not a valid glob",
                Position(join(ws_dir, "Cargo.toml")),
                'use Cargo\'s forms, e.g. "native/*"',
            ) from None
        for match in matches:
            if is_file(match / "Cargo.toml"):
                yield rel(root, match)


class _Tree:
    """Manifests by dir; ancestors and members not given are read from disk on first use."""

    def __init__(self, root: Path, manifests: list[Path]) -> None:
        self.root = root
        self.by_dir: dict[str, RawManifest | None] = {}
        self.members_of: dict[str, frozenset[str]] = {}
        for path in manifests:
            raw = read_manifest(root, path)
            self.by_dir[raw.dir] = raw

    def get(self, directory: str) -> RawManifest | None:
        if directory not in self.by_dir:
            path = self.root / directory / "Cargo.toml"
            found = not outside(directory) and is_file(path)
            self.by_dir[directory] = read_manifest(self.root, path) if found else None
        return self.by_dir[directory]

    def workspace_root(self, raw: RawManifest) -> str:
        """Cargo's search: own [workspace], `package.workspace`, else the first ancestor
        workspace not excluding this dir. Cargo refuses a package such a workspace does not
        list as a member; here it becomes its own root."""
        if raw.workspace is not None:
            return raw.dir
        if raw.package is not None and raw.package.workspace_key is not None:
            return raw.package.workspace_key
        for parent in parents(raw.dir):
            candidate = self.get(parent)
            ws = candidate.workspace if candidate else None
            if ws is None or _excluded(parent, ws, raw.dir):
                continue
            return parent if raw.dir in self.members(parent, ws) else raw.dir
        return raw.dir

    def members(self, ws_dir: str, ws: RawWorkspace) -> frozenset[str]:
        """Listed members plus, transitively, path dependencies inside the workspace dir."""
        if ws_dir not in self.members_of:
            found = set(_expand_members(self.root, ws_dir, ws))
            root_manifest = self.get(ws_dir)
            if root_manifest is not None and root_manifest.package is not None:
                found.add(ws_dir)
            pending = sorted(found)
            while pending:
                member = self.get(pending.pop())
                for dep in member.path_deps if member else ():
                    if dep not in found and inside(dep, ws_dir) and not _excluded(ws_dir, ws, dep):
                        found.add(dep)
                        pending.append(dep)
            self.members_of[ws_dir] = frozenset(found)
        return self.members_of[ws_dir]

    def package(self, raw: RawManifest, package: RawPackage) -> CargoPackage:
        root_dir = self.workspace_root(raw)
        root_manifest = self.get(root_dir)
        ws = root_manifest.workspace if root_manifest else None
        version = package.version
        if package.inherits_version:
            version = ws.package_version if ws else None
        return CargoPackage(
            manifest=raw.manifest,
            dir=raw.dir,
            name=package.name,
            version=version,
            lib_name=package.lib_name,
            crate_types=package.crate_types,
            rustler=_inherit_rustler(package.rustler, raw.dir, root_dir, ws),
            workspace_root=root_dir,
            features=package.features,
            dependencies=package.dependencies,
        )

    def workspace(self, raw: RawManifest, ws: RawWorkspace) -> CargoWorkspace:
        member_dirs = sorted(d for d in self.members(raw.dir, ws) if self._belongs(d, raw.dir))
        return CargoWorkspace(raw.dir, raw.manifest, ws.members, ws.exclude, tuple(member_dirs))

    def _belongs(self, directory: str, ws_dir: str) -> bool:
        member = self.get(directory)
        return bool(member and member.package and self.workspace_root(member) == ws_dir)


def _inherit_rustler(
    spec: CargoDepSpec | None, member_dir: str, ws_dir: str, ws: RawWorkspace | None
) -> CargoDepSpec | None:
    """Resolve `rustler.workspace = true`; an inherited path is rebased onto the member's dir."""
    if spec is None or not spec.workspace or ws is None or ws.rustler is None:
        return spec
    path = ws.rustler.path
    if path is not None:
        path = posixpath.relpath(join(ws_dir, path), member_dir)
    return replace(ws.rustler, path=path, workspace=True)


def read_cargo_tree(
    root: Path, manifests: list[Path]
) -> tuple[tuple[CargoPackage, ...], tuple[CargoWorkspace, ...]]:
    """Packages of the given manifests and the workspaces they (or the manifests) form.

    Both are sorted by dir; a virtual manifest contributes a workspace only.
    """
    tree = _Tree(root, manifests)
    given = [raw for raw in tree.by_dir.values() if raw is not None]
    packages = [tree.package(raw, raw.package) for raw in given if raw.package]
    roots = {p.workspace_root for p in packages} | {raw.dir for raw in given if raw.workspace}
    workspaces = []
    for ws_dir in sorted(roots):
        raw = tree.get(ws_dir)
        if raw is not None and raw.workspace is not None:
            workspaces.append(tree.workspace(raw, raw.workspace))
    return tuple(sorted(packages, key=lambda p: p.dir)), tuple(workspaces)
