"""Cargo.lock (v1 to v4), .cargo/config(.toml) and rust-toolchain(.toml) → model values."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from nixgen.errors import InputError, Position
from nixgen.model import (
    CargoConfig,
    CargoLock,
    CrateSource,
    GitSource,
    LockedCrate,
    RegistrySource,
    Toolchain,
)
from nixgen.paths import outside
from nixgen.readers.checks import check_crate_name, check_semver, is_crate_name, is_semver
from nixgen.readers.text import is_file, parse_toml, parse_toml_fast, read_text, rel
from nixgen.readers.tomlvalues import Table, as_string, as_strings, as_table, fail

_LOCK_KEY = re.compile(r'^(\s*)(name|source)\s*=\s*"(.*)"\s*$')


# --------------------------------------------------------------------------- Cargo.lock


def read_cargo_lock(root: Path, path: Path) -> CargoLock:
    """A Cargo.lock of version 1 to 4, packages sorted by (name, version).

    Versions 1 and 2 have no `version` key: a file with `[metadata]` (where v1 keeps its
    checksums) is 1, one without is 2. A `sparse+` registry keeps its prefix in
    `RegistrySource.url` (it is part of that registry's URL); `registry+` is dropped.
    """
    return parse_cargo_lock(read_text(root, path), root, path)


def parse_cargo_lock(text: str, root: Path, path: Path) -> CargoLock:
    """`text`, the contents of `path` (relative to `root`, for messages): see read_cargo_lock."""
    data = parse_toml_fast(root, path, text)
    where = Position(rel(root, path))
    checksums = _v1_checksums(as_table(data.get("metadata"), "metadata", where))
    entries = data.get("package", [])
    if not isinstance(entries, list):
        raise fail("`package` must be an array of tables", where)
    if "root" in data:  # the earliest v1 files keep the root package apart
        entries = [data["root"], *entries]
    crates = [_locked_crate(as_table(e, "package", where), checksums, text, where) for e in entries]
    crates.sort(key=lambda c: (c.name, c.version))
    return CargoLock(where.path, _lock_version(data, where), tuple(crates))


def _lock_version(data: Table, where: Position) -> int:
    version = data.get("version")
    if version is None:
        return 1 if "metadata" in data else 2
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= 4:
        return version
    raise InputError(
        f"unsupported Cargo.lock version {version!r}",
        where,
        hint="nixgen reads Cargo.lock versions 1 to 4; regenerate the lock with an older cargo",
    )


def _v1_checksums(metadata: Table) -> dict[str, str | None]:
    """`"checksum NAME VERSION (SOURCE)" = "hex"` by `NAME VERSION (SOURCE)`."""
    return {
        key.removeprefix("checksum "): None if value == "<none>" else str(value)
        for key, value in metadata.items()
        if key.startswith("checksum ")
    }


def _locked_crate(
    entry: Table, checksums: dict[str, str | None], text: str, where: Position
) -> LockedCrate:
    name = as_string(entry.get("name"), "package.name", where)
    version = as_string(entry.get("version"), "package.version", where)
    if name is None or version is None:
        raise fail("a [[package]] entry lacks `name` or `version`", where)
    if not (is_crate_name(name) and is_semver(version)):  # the position only when needed
        at = _name_position(text, name, where)
        check_crate_name(name, "package.name", at, _LOCK_HINT)
        check_semver(version, f"the version of {name}", at, _LOCK_HINT)
    raw = as_string(entry.get("source"), "package.source", where)
    checksum = as_string(entry.get("checksum"), "package.checksum", where)
    if checksum is None:
        checksum = checksums.get(f"{name} {version} ({raw})")
    source = None if raw is None else _source(raw, name, version, text, where)
    return LockedCrate(name, version, source, checksum)


def _source(raw: str, name: str, version: str, text: str, where: Position) -> CrateSource:
    kind, _, rest = raw.partition("+")
    if kind == "registry":
        return RegistrySource(rest)
    if kind == "sparse":
        return RegistrySource(raw)
    if kind == "git":
        return _git_source(raw, name, text, where)
    raise InputError(
        f'crate "{name}" {version} has an unsupported source "{raw}"',
        _source_position(text, name, raw, where),
        hint=f"nixgen reads registry+, sparse+ and git+ sources and path crates; "
        f"point {name} at one of those and run `cargo update -p {name}`",
    )


def _git_source(raw: str, name: str, text: str, where: Position) -> GitSource:
    rest, _, rev = raw.removeprefix("git+").partition("#")
    url, _, query = rest.partition("?")
    if not rev:
        raise InputError(
            f'git source of crate "{name}" has no locked commit',
            _source_position(text, name, raw, where),
            hint=f"run `cargo update -p {name}` to lock a commit",
        )
    # Cargo >= 1.77 (lock v4) percent-encodes query values; `+` stays a plus sign.
    pairs = (part.partition("=") for part in query.split("&") if part)
    query_pairs = tuple(sorted((unquote(k), unquote(v)) for k, _, v in pairs))
    return GitSource(url, rev, query_pairs, raw)


_LOCK_HINT = "restore the file or regenerate it with `cargo generate-lockfile`"


def _name_position(text: str, name: str, where: Position) -> Position:
    """Where `name = "<name>"` of a [[package]] is written."""
    for number, line in enumerate(text.split("\n"), start=1):
        match = _LOCK_KEY.match(line)
        if match is not None and match[2] == "name" and match[3] == name:
            return Position(where.path, number, len(match[1]) + 1)
    return where


def _source_position(text: str, name: str, raw: str, where: Position) -> Position:
    """Where `source = "<raw>"` of the [[package]] named `name` is written."""
    current = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = _LOCK_KEY.match(line)
        if match is None:
            continue
        indent, key, value = match.groups()
        if key == "name":
            current = value
        elif value == raw and current == name:
            return Position(where.path, number, len(indent) + 1)
    return where


# --------------------------------------------------------------------------- .cargo/config


def read_cargo_config(root: Path, path: Path) -> CargoConfig:
    """`.cargo/config` or `.cargo/config.toml`: rustflags, linkers and `build.target`.

    A string of rustflags is split on whitespace, as Cargo does. `build.target` may be an
    array (a multi-target build); its first entry is taken, since nixgen builds one target
    per derivation.
    """
    return parse_cargo_config(read_text(root, path), root, path)


def parse_cargo_config(text: str, root: Path, path: Path) -> CargoConfig:
    """`text`, the contents of `path` (relative to `root`, for messages): see read_cargo_config."""
    data = parse_toml(root, path, text)
    where = Position(rel(root, path))
    build = as_table(data.get("build"), "build", where)
    targets = as_table(data.get("target"), "target", where)
    tables = {key: as_table(value, f"target.{key}", where) for key, value in targets.items()}
    flags = (
        (k, _flags(t.get("rustflags"), f"target.{k}.rustflags", where)) for k, t in tables.items()
    )
    linkers = (
        (k, as_string(t.get("linker"), f"target.{k}.linker", where)) for k, t in tables.items()
    )
    return CargoConfig(
        path=where.path,
        build_rustflags=_flags(build.get("rustflags"), "build.rustflags", where),
        target_rustflags=tuple(sorted((k, f) for k, f in flags if f is not None)),
        target_linkers=tuple(sorted((k, linker) for k, linker in linkers if linker is not None)),
        build_target=_build_target(build.get("target"), where),
    )


def _flags(value: object, key: str, where: Position) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(value.split())
    return as_strings(value, key, where)


def _build_target(value: object, where: Position) -> str | None:
    if isinstance(value, list):
        targets = as_strings(value, "build.target", where) or (None,)
        return targets[0]
    return as_string(value, "build.target", where)


# --------------------------------------------------------------------------- rust-toolchain


def read_toolchain(root: Path, path: Path) -> Toolchain:
    """`rust-toolchain.toml`, or legacy `rust-toolchain`: that TOML or one line naming a channel.

    A real symlink is read through. A file holding nothing but the relative path of an
    existing file is a git symlink checked out as text (`core.symlinks = false`): it is
    followed once.
    """
    source, text = _follow_link_stub(root, path, read_text(root, path))
    return parse_toolchain(text, root, path, source)


def parse_toolchain(text: str, root: Path, path: Path, source: Path | None = None) -> Toolchain:
    """`text`, the contents of the toolchain file `path` (read from `source`, for messages)."""
    where = Position(rel(root, path))
    source = source or path
    if path.name == "rust-toolchain" and not text.strip():
        raise InputError("empty rust-toolchain file", where, hint="write a channel, e.g. `stable`")
    if path.name == "rust-toolchain" and _single_line(text) and "=" not in text:
        return Toolchain(where.path, text.strip())
    table = as_table(parse_toml(root, source, text).get("toolchain"), "toolchain", where)
    return Toolchain(
        path=where.path,
        channel=as_string(table.get("channel"), "toolchain.channel", where),
        components=as_strings(table.get("components"), "toolchain.components", where) or (),
        targets=as_strings(table.get("targets"), "toolchain.targets", where) or (),
        profile=as_string(table.get("profile"), "toolchain.profile", where),
    )


def _single_line(text: str) -> bool:
    stripped = text.strip()
    return "\n" not in stripped and not stripped.startswith("[")


def _follow_link_stub(root: Path, path: Path, text: str) -> tuple[Path, str]:
    target = text.strip()
    if not _single_line(text) or not target or re.search(r"[\s=\"']", target):
        return path, text
    candidate = (root / path).parent / target
    if not is_file(candidate) or outside(rel(root, candidate)):
        return path, text
    return candidate, read_text(root, candidate)
