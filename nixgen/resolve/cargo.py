"""The Cargo side of resolved NIFs: which package each loads, its Cargo.lock and the checks
that lock must pass before crane can build from it (present, readable, complete)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from nixgen.constants import Version
from nixgen.errors import InputError, Position, ResolveError
from nixgen.model import CargoLock, CargoPackage, Nif, Project
from nixgen.paths import inside, join
from nixgen.resolve.nifs import parse_version
from nixgen.resolve.syscrates import (
    RustToolchain,
    toolchain_for,
)


def nif_packages(project: Project) -> Iterator[tuple[CargoPackage, tuple[Nif, ...]]]:
    by_manifest = {p.manifest: p for p in project.cargo_packages}
    groups: dict[str, list[Nif]] = {}
    for nif in project.nifs:
        if isinstance(nif, Nif):
            groups.setdefault(nif.package, []).append(nif)
    for manifest in sorted(groups):
        yield by_manifest[manifest], tuple(groups[manifest])


def locked_rustler(lock: CargoLock) -> Version | None:
    versions = [v for c in lock.find("rustler") if (v := parse_version(c.version))]
    return max(versions, default=None)


def cargo_lock_path(package: CargoPackage) -> str:
    return join(package.workspace_root, "Cargo.lock")


# The oldest cargo that reads a Cargo.lock of each version (docs/UPSTREAM.md U-CARGO-LOCKFILE).
_LOCK_READABLE_SINCE = {4: (1, 78)}


def check_lock_readable(lock: CargoLock, toolchain: RustToolchain) -> None:
    """A pinned toolchain whose cargo cannot read the lock fails in crane's first step."""
    needed = _LOCK_READABLE_SINCE.get(lock.version)
    pinned = re.match(r"^(\d+)\.(\d+)", toolchain.channel)
    if needed is None or pinned is None or (int(pinned[1]), int(pinned[2])) >= needed:
        return
    raise InputError(
        f"{lock.path} is a version {lock.version} lock file, which the cargo of the pinned "
        f"toolchain {toolchain.channel} ({toolchain.key}) cannot read: it needs "
        f"{needed[0]}.{needed[1]} or later",
        Position(toolchain.key),
        f"pin Rust {needed[0]}.{needed[1]} or later in {toolchain.key}, or write the lock "
        f"with that toolchain's cargo (`cargo +{toolchain.channel} generate-lockfile`)",
    )


def check_lock_complete(lock: CargoLock, package: CargoPackage) -> None:
    """crane builds with `--locked`: a crate Cargo.toml names but the lock lacks fails it."""
    missing = [name for name in (package.name, *package.dependencies) if not lock.find(name)]
    if missing:
        raise InputError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} in Cargo.toml but "
            f"not in {lock.path}: the Nix build runs cargo with --locked and would stop",
            Position(package.manifest),
            f"run `cargo update --workspace` in {package.workspace_root}/ (locked versions "
            "stay) and commit the Cargo.lock",
        )


def cargo_lock_of(project: Project, package: CargoPackage) -> CargoLock:
    lock = next(lock for lock in project.cargo_locks if lock.path == cargo_lock_path(package))
    if lock.version == 1:
        # crane reads each package's `checksum`; version 1 keeps them apart in [metadata].
        raise InputError(
            f"{lock.path} is a version 1 lock file, which crane cannot vendor from",
            Position(lock.path),
            f"rewrite it in the current format with `cargo update --workspace` in "
            f"{package.workspace_root}/ (locked versions stay) and commit it",
        )
    return lock


def _relative(path: str, root: str) -> str:
    return "" if path == root else posixpath.relpath(path, root)


def crate_members(project: Project, package: CargoPackage, lock: CargoLock) -> tuple[str, ...]:
    """Workspace members (or the crate itself) plus every path crate of the lock."""
    root = package.workspace_root
    workspace = next((w for w in project.workspaces if w.dir == root), None)
    dirs = set(workspace.member_dirs if workspace else (package.dir,))
    for crate in lock.packages:
        if crate.source is None:
            dirs |= _path_crate_dirs(project, crate.name, root, lock)
    return tuple(sorted(_relative(d, root) for d in dirs))


def _path_crate_dirs(project: Project, name: str, root: str, lock: CargoLock) -> set[str]:
    found = {p.dir for p in project.cargo_packages if p.name == name and inside(p.dir, root)}
    if not found:
        raise ResolveError(
            f"path crate {name!r} of {lock.path} is not below {root}/, where the Cargo.lock "
            "is: nixgen builds from that directory only",
            Position(lock.path),
            "move the crate into that directory, or make a Cargo workspace at a directory "
            "that holds both, with the Cargo.lock there",
        )
    return found


def check_cargo_locks(project: Project) -> None:
    """Stop when a NIF crate has no Cargo.lock: its dependencies would be unpinned."""
    missing = missing_locks(project)
    if not missing:
        return
    root, packages = next(iter(missing.items()))
    names = ", ".join(p.name for p in packages)
    lock = join(root, "Cargo.lock")
    where = "the project root" if root == "." else f"{root}/"
    subject = f"NIF crates {names} have" if len(packages) > 1 else f"NIF crate {names} has"
    raise InputError(
        f"{subject} no Cargo.lock (looked for {lock})",
        Position(packages[0].manifest),
        f"run `cargo generate-lockfile` in {where} and commit {lock}, "
        "or let nixgen run it with --generate-lockfiles",
    )


def missing_locks(project: Project) -> dict[str, list[CargoPackage]]:
    by_manifest = {p.manifest: p for p in project.cargo_packages}
    missing: dict[str, list[CargoPackage]] = {}
    for nif in project.nifs:
        package = by_manifest.get(nif.package or "")
        if package is None or not package.is_dynamic_library or nif.cargo_lock is not None:
            continue
        found = missing.setdefault(package.workspace_root, [])
        if package not in found:
            found.append(package)
    return dict(sorted(missing.items()))


def shared_toolchain(project: Project, crates: Iterable[tuple[str, str]]) -> RustToolchain:
    """For the devShell: the toolchain of the crates, given as (toolchain key, root), when they
    agree, else the project root's."""
    pairs = list(crates)
    keys = {key for key, _ in pairs}
    if len(keys) == 1:
        key = keys.pop()
        return next(toolchain_for(project, root) for k, root in pairs if k == key)
    return toolchain_for(project, ".")
