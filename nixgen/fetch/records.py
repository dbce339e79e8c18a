"""What nixgen remembers between runs: one `# nixgen-source: {json}` comment line per record in
the generated files, one reader, and `KnownSources`, the sources a run need not fetch again.

Each record has a `kind`: "mix-git" (a git dep of mix.lock: its fetchgit hash and what its
checkout says), "cargo-git" (a Cargo git source of a NIF crate: its fetchgit hash), "hex" (a
Hex package: its tarball sha256, fetched for old 7-element mix.lock entries that lack it),
"crate" (a NIF crate of nix/nifs.nix) and "nif-dep" (a dependency that uses RustlerPrecompiled:
the upstream artifact of each of its modules per configured system, read from its Hex package).
Every Mix dep and every crate has one, so `update` can say what changed by comparing the
records of the old and the new file.

Files written before records had a kind are still read: `# nixgen-source:` without `kind`
(mix-git), `# nixgen-cargo-git:` and `# nixgen-hex: <pkg> <version> <sha256>`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, cast, get_args

from nixgen.constants import DEPS_FILE, NIFS_FILE, nif_lock_path
from nixgen.emit.render import check_store_name
from nixgen.errors import InputError, NixgenError, Position, shorten
from nixgen.fetch.nar import any_to_sri
from nixgen.model import GitLockEntry, HexLockEntry
from nixgen.readers.text import is_special, read_text_lenient
from nixgen.write import generated_body

RECORD = "# nixgen-source: "
_LINE = re.compile(
    r"^[ \t]*# nixgen-(?P<tag>source|cargo-git): (?P<json>\{.*\})[ \t]*$"
    r"|^[ \t]*# nixgen-hex: (?P<hex>.*?)[ \t]*$",
    re.MULTILINE,
)
Builder = Literal["mix", "rebar3", "make", "none"]
_SRI_SHA256 = re.compile(r"sha256-[A-Za-z0-9+/]{43}=")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class GitSourceInfo:
    """A git dep of mix.lock, fetched once: its fetchgit hash and what its checkout says."""

    kind: ClassVar[str] = "mix-git"
    url: str
    rev: str
    submodules: bool
    root: str | None  # the app's directory inside the repository (`sparse:`/`subdir:`)
    hash: str  # SRI sha256 of the whole checkout without .git (fetchgit)
    version: str
    builder: Builder
    deps: tuple[str, ...]  # its own deps for a :prod build (names)
    optional_deps: tuple[str, ...] = ()  # linked when the release includes them anyway
    name: str = ""  # the mix.lock key it was recorded for ("" in records without a kind)

    def key(self) -> tuple[str, str, bool, str | None]:
        return (self.url, self.rev, self.submodules, self.root)


@dataclass(frozen=True)
class CargoGitSource:
    """A Cargo git source of a NIF crate: its fetchgit hash, submodules and LFS included (as
    crane fetches it)."""

    kind: ClassVar[str] = "cargo-git"
    url: str
    rev: str
    hash: str  # SRI sha256

    def key(self) -> tuple[str, str]:
        return (self.url, self.rev)


@dataclass(frozen=True)
class HexSource:
    """A Hex package of nix/deps.nix; for an old 7-element mix.lock entry, which lacks the
    checksum, also the Hex package and the sha256 (base16) of its tarball that nixgen fetched."""

    kind: ClassVar[str] = "hex"
    name: str  # the mix.lock key ("" in `# nixgen-hex:` lines)
    version: str
    package: str | None = None
    sha256: str | None = None  # with `package`, or neither

    def key(self) -> tuple[str, str] | None:
        return (self.package, self.version) if self.package and self.sha256 else None


@dataclass(frozen=True)
class CrateRecord:
    """A NIF crate of nix/nifs.nix (nothing to fetch: recorded for `update`'s summary)."""

    kind: ClassVar[str] = "crate"
    attr: str
    manifest: str


@dataclass(frozen=True)
class NifArtifactRecord:
    """The upstream artifact rustler_precompiled loads for one module on one system."""

    system: str
    file: str  # its upstream file name, <lib_name>.so.tar.gz
    url: str
    sha256: str  # base16, from the package's checksum file

    @property
    def sri(self) -> str:
        return any_to_sri("sha256", self.sha256)


@dataclass(frozen=True)
class NifMissing:
    """Why a module has no usable upstream artifact on a system."""

    system: str
    reason: str
    # the file rustler_precompiled looks for there, when it can be named: a library built from
    # source can be staged under that name (strategy B); "" when it cannot
    file: str = ""


@dataclass(frozen=True)
class NifModuleRecord:
    """One `use RustlerPrecompiled` module of a NIF dependency."""

    module: str  # as in its checksum file's name: Elixir.Foo.Native
    app: str  # its `otp_app` (where the library is extracted)
    unset: tuple[str, ...]  # the variables its body reads (force-build switches)
    artifacts: tuple[NifArtifactRecord, ...]  # sorted by system
    missing: tuple[NifMissing, ...] = ()  # sorted by system
    crate: str = ""  # the directory of its Rust crate in the package ("": not a literal)

    def file_for(self, system: str) -> str:
        """The file name rustler_precompiled looks for on `system` ("": none can be named)."""
        found = [a.file for a in self.artifacts if a.system == system]
        found += [m.file for m in self.missing if m.system == system]
        return found[0] if found else ""

    def systems(self) -> set[str]:
        return {a.system for a in self.artifacts} | {m.system for m in self.missing}


@dataclass(frozen=True)
class NifCrateRecord:
    """A Rust crate of a NIF dependency's package, as strategy B builds it from source: read from
    the package at generation time, so that evaluation reads no file of it (no IFD)."""

    dir: str  # in the package, e.g. native/ecto_libsql
    name: str  # the Cargo package
    version: str
    lib_name: str  # crane installs lib<lib_name>.so (.dylib)
    cargo_lock: str  # base16 sha256 of the Cargo.lock copied to nix/nif-deps/ ("": none yet)
    lock_from: str  # where that Cargo.lock comes from: "package" or the path given by the user
    # its rust-toolchain file's channel, profile and components ("", (): no such file)
    channel: str = ""
    profile: str = ""
    components: tuple[str, ...] = ()
    # (target, flags) of its .cargo/config's build.rustflags, which cargo drops on a target once
    # nixgen sets that target's CARGO_TARGET_<T>_RUSTFLAGS (nixgen passes them on)
    config_rustflags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NifDepRecord:
    """A NIF dependency (a Hex package using RustlerPrecompiled) as read from its verified
    tarball, for one OTP major and libc; valid while mix.lock pins the same tarball."""

    kind: ClassVar[str] = "nif-dep"
    name: str  # the mix.lock key
    package: str
    version: str
    outer_checksum: str  # base16 sha256 of the tarball it was read from
    otp: int
    libc: str
    modules: tuple[NifModuleRecord, ...]  # none: no module uses RustlerPrecompiled
    crates: tuple[NifCrateRecord, ...] = ()  # the crates of the modules, sorted by dir

    def crate(self, directory: str) -> NifCrateRecord | None:
        return next((c for c in self.crates if c.dir == directory), None)

    def key(self) -> tuple[str, str, str, int, str]:
        return (self.package, self.version, self.outer_checksum, self.otp, self.libc)

    def covers(self, systems: Iterable[str]) -> bool:
        return all(set(systems) <= m.systems() for m in self.modules)


Record = GitSourceInfo | CargoGitSource | HexSource | CrateRecord | NifDepRecord


@dataclass(frozen=True)
class NifLock:
    """The text of a NIF dependency crate's Cargo.lock (strategy B), known by its sha256: read
    from its package or a file the user gave, or from the copy under nix/nif-deps/."""

    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


Known = Record | NifLock  # what KnownSources holds
Kind = Literal["mix-git", "cargo-git", "hex", "crate", "nif-dep"]


def record_line(record: Record) -> str:
    """The comment line of a record: its JSON with `kind`, sorted keys, ASCII only (so a
    single line whatever the values hold)."""
    data = {"kind": record.kind, **asdict(record)}
    if isinstance(record, HexSource) and record.sha256 is None:
        del data["package"], data["sha256"]  # the checksum is in mix.lock
    return RECORD + json.dumps(data, sort_keys=True, ensure_ascii=True)


class KnownSources:
    """Sources already fetched, looked up by what their hash depends on, per kind."""

    def __init__(self, records: Iterable[Known] = ()) -> None:
        self._mix_git: dict[tuple[str, str, bool, str | None], GitSourceInfo] = {}
        self._cargo_git: dict[tuple[str, str], CargoGitSource] = {}
        self._hex: dict[tuple[str, str], HexSource] = {}
        self._nif_deps: dict[tuple[str, str, str, int, str], NifDepRecord] = {}
        self._nif_locks: dict[str, NifLock] = {}
        for record in records:
            self._add(record)

    def _add(self, record: Known) -> None:
        if isinstance(record, GitSourceInfo):
            self._mix_git[record.key()] = record
        elif isinstance(record, CargoGitSource):
            self._cargo_git[record.key()] = record
        elif isinstance(record, HexSource) and (key := record.key()) is not None:
            self._hex[key] = record
        elif isinstance(record, NifDepRecord):
            self._nif_deps[record.key()] = record
        elif isinstance(record, NifLock):
            self._nif_locks[record.sha256] = record

    def adding(self, records: Iterable[Known]) -> KnownSources:
        """These sources and `records` (a new value; this one is unchanged)."""
        return KnownSources([*self.records(), *self._nif_locks.values(), *records])

    def records(self) -> tuple[Record, ...]:
        return (
            *self._mix_git.values(), *self._cargo_git.values(), *self._hex.values(),
            *self._nif_deps.values(),
        )  # fmt: skip

    def nif_lock(self, sha256: str) -> NifLock | None:
        return self._nif_locks.get(sha256)

    def mix_git(self, entry: GitLockEntry) -> GitSourceInfo | None:
        return self._mix_git.get((entry.url, entry.rev, entry.submodules, source_root(entry)))

    def cargo_git(self, url: str, rev: str) -> CargoGitSource | None:
        return self._cargo_git.get((url, rev))

    def hex(self, package: str, version: str) -> HexSource | None:
        return self._hex.get((package, version))

    def nif_dep(
        self, entry: HexLockEntry, otp: int, libc: str, systems: Iterable[str]
    ) -> NifDepRecord | None:
        """The record read from the tarball `entry` pins, for that OTP and libc and covering
        every system; a changed version or checksum, OTP, libc or a new system: None."""
        checksum = (entry.outer_checksum or "").lower()
        found = self._nif_deps.get((entry.package, entry.version, checksum, otp, libc))
        return found if found is not None and found.covers(systems) else None


def source_root(entry: GitLockEntry) -> str | None:
    return entry.subdir or entry.sparse


def load_known(root: Path) -> KnownSources:
    """The sources recorded in the generated files of a previous run (none if absent), and the
    unedited Cargo.lock copies of NIF dependencies those name. Records are taken one at a time:
    a large deps.nix has one per dependency, most of which (hex packages whose checksum is in
    mix.lock) KnownSources does not keep."""
    nif_deps: list[NifDepRecord] = []

    def recorded() -> Iterator[Record]:
        for path in (DEPS_FILE, NIFS_FILE):
            for record in _load_records(root, path):
                if isinstance(record, NifDepRecord):
                    nif_deps.append(record)
                yield record

    known = KnownSources(recorded())
    locks = [
        lock
        for r in nif_deps
        for c in r.crates if c.cargo_lock
        if (lock := _nif_lock(root, nif_lock_path(r.name, c.dir))) is not None
    ]  # fmt: skip
    return known.adding(locks)


def _nif_lock(root: Path, path: str) -> NifLock | None:
    target = root / path
    if not target.is_file() or target.resolve() != root.resolve() / path:
        return None  # absent, or a link: written anew (the writer refuses a link)
    body = generated_body(read_text_lenient(root, Path(path)))
    return None if body is None else NifLock(body)


def _load_records(root: Path, path: str) -> Iterator[Record]:
    target = root / path
    if not (target.is_file() or is_special(target)) or target.resolve() != root.resolve() / path:
        return iter(())  # a link is refused by the writer, without reading what it points to
    return iter_records(read_text_lenient(root, Path(path)), path)


def read_records(text: str, path: str = DEPS_FILE) -> tuple[Record, ...]:
    """Every record of a generated file (`path`, for messages), in order.

    A damaged record is an error rather than skipped: nixgen would otherwise fetch again
    silently, or carry a wrong value into the next file."""
    return tuple(iter_records(text, path))


def iter_records(text: str, path: str = DEPS_FILE) -> Iterator[Record]:
    """`read_records`, one record at a time (the error when the reading gets to it)."""
    line, counted = 1, 0  # lines counted from the previous record on: linear in the file
    for match in _LINE.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        where = Position(path, line, 1)
        if match["hex"] is not None:
            yield _legacy_hex(match["hex"], where)
        else:
            yield _record(_json_object(match["json"], where), match["tag"], where)


def _json_object(text: str, where: Position) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _damaged(f"not valid JSON ({shorten(str(error))})", where) from None
    if not isinstance(data, dict):
        raise _damaged("not a JSON object", where)
    return data


def _record(data: dict[str, Any], tag: str, where: Position) -> Record:
    if tag == "cargo-git":  # before records had a kind
        return _cargo_git(data, where)
    kind = data.get("kind", "mix-git")  # a record without a kind is a mix.lock git source
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        known = ", ".join(get_args(Kind))
        raise _damaged(f"unknown kind {shorten(str(kind))!r} (nixgen knows {known})", where)
    return reader(data, where)


def _mix_git(data: dict[str, Any], where: Position) -> GitSourceInfo:
    url, rev, hash_, version, builder = _strings(
        data, where, "url", "rev", "hash", "version", "builder"
    )
    if not isinstance(data.get("submodules"), bool):
        raise _damaged("`submodules` must be true or false", where)
    if data.get("root") is not None and not isinstance(data["root"], str):
        raise _damaged("`root` must be a string or null", where)
    deps = _names(data.get("deps"), "deps", where)
    optional = _names(data.get("optional_deps", []), "optional_deps", where)
    if builder not in get_args(Builder):
        raise _damaged(f"unknown builder {shorten(builder)!r}", where)
    return GitSourceInfo(
        url, rev, data["submodules"], data.get("root"), _sri(hash_, where),
        _store_name(version, "`version`", where), cast(Builder, builder), deps, optional,
        _optional_name(data, where),
    )  # fmt: skip


def _cargo_git(data: dict[str, Any], where: Position) -> CargoGitSource:
    url, rev, hash_ = _strings(data, where, "url", "rev", "hash")
    try:  # records without a kind held whatever nix-prefetch-git printed
        sri = any_to_sri("sha256", hash_) if "kind" not in data else _sri(hash_, where)
    except ValueError:
        raise _damaged("`hash` is not a sha256 hash", where) from None
    return CargoGitSource(url, rev, sri)


def _hex(data: dict[str, Any], where: Position) -> HexSource:
    name, version = _strings(data, where, "name", "version")
    if "sha256" not in data and "package" not in data:
        return HexSource(name, _store_name(version, "`version`", where))
    package, sha256 = _strings(data, where, "package", "sha256")
    return _hex_source(package, version, sha256, where, name)


def _crate(data: dict[str, Any], where: Position) -> CrateRecord:
    attr, manifest = _strings(data, where, "attr", "manifest")
    return CrateRecord(attr, manifest)


def _nif_dep(data: dict[str, Any], where: Position) -> NifDepRecord:
    name, package, version, checksum, libc = _strings(
        data, where, "name", "package", "version", "outer_checksum", "libc"
    )
    otp = data.get("otp")
    if not isinstance(otp, int) or isinstance(otp, bool):
        raise _damaged("`otp` must be an integer", where)
    if not _HEX_SHA256.fullmatch(checksum):
        raise _damaged("`outer_checksum` is not a base16 sha256 hash", where)
    modules = [_nif_module(m, where) for m in _objects(data.get("modules"), "modules", where)]
    crates = [_nif_crate(c, where) for c in _objects(data.get("crates", []), "crates", where)]
    return NifDepRecord(
        _store_name(name, "`name`", where), _store_name(package, "`package`", where),
        _store_name(version, "`version`", where), checksum, otp, libc, tuple(modules),
        tuple(crates),
    )  # fmt: skip


_CRATE_DIR = re.compile(r"[A-Za-z0-9_.+-]+(?:/[A-Za-z0-9_.+-]+)*")


def is_package_dir(value: str) -> bool:
    """A directory inside a package: relative, plain names, no `.` or `..` part."""
    return bool(_CRATE_DIR.fullmatch(value)) and not {".", ".."} & set(value.split("/"))


def _nif_crate(data: dict[str, Any], where: Position) -> NifCrateRecord:
    directory, name, version, lib_name, lock, lock_from, channel, profile = _strings(
        data, where, "dir", "name", "version", "lib_name", "cargo_lock", "lock_from", "channel",
        "profile",
    )  # fmt: skip
    if not is_package_dir(directory):
        raise _damaged(f"`dir` {shorten(directory)!r} is not a relative path", where)
    if lock and not _HEX_SHA256.fullmatch(lock):
        raise _damaged("`cargo_lock` is not a base16 sha256 hash", where)
    components = _names(data.get("components", []), "components", where)
    flags = data.get("config_rustflags", [])
    if not isinstance(flags, list) or not all(
        isinstance(f, list) and len(f) == 2 and all(isinstance(v, str) for v in f) for f in flags
    ):
        raise _damaged("`config_rustflags` must be a list of [target, flags] pairs", where)
    return NifCrateRecord(
        directory, name, _store_name(version, "`version`", where),
        _store_name(lib_name, "`lib_name`", where), lock, lock_from, channel, profile, components,
        tuple((t, f) for t, f in flags),
    )  # fmt: skip


_SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE_NAME = re.compile(r"[A-Za-z0-9_.]+")


def _nif_module(data: dict[str, Any], where: Position) -> NifModuleRecord:
    module, app = _strings(data, where, "module", "app")
    if not _MODULE_NAME.fullmatch(module):
        raise _damaged(f"`module` {shorten(module)!r} is not a module name", where)
    unset = _names(data.get("unset"), "unset", where)
    if odd := [v for v in unset if not _SHELL_NAME.fullmatch(v)]:
        raise _damaged(f"`unset` holds {shorten(odd[0])!r}, not a variable name", where)
    artifacts = tuple(
        _nif_artifact(a, where) for a in _objects(data.get("artifacts"), "artifacts", where)
    )
    missing = tuple(
        _nif_missing(m, where) for m in _objects(data.get("missing", []), "missing", where)
    )
    crate = data.get("crate", "")
    if not isinstance(crate, str) or (crate and not is_package_dir(crate)):
        raise _damaged("`crate` must be a relative path", where)
    app = _store_name(app, "`app`", where)
    return NifModuleRecord(module, app, unset, artifacts, missing, crate)


def _nif_missing(data: dict[str, Any], where: Position) -> NifMissing:
    system, reason = _strings(data, where, "system", "reason")
    file = data.get("file", "")
    if not isinstance(file, str):
        raise _damaged("`file` must be a string", where)
    return NifMissing(system, reason, _store_name(file, "`file`", where) if file else "")


def _nif_artifact(data: dict[str, Any], where: Position) -> NifArtifactRecord:
    system, file, url, sha256 = _strings(data, where, "system", "file", "url", "sha256")
    if not _HEX_SHA256.fullmatch(sha256):
        raise _damaged("`sha256` is not a base16 sha256 hash", where)
    return NifArtifactRecord(system, _store_name(file, "`file`", where), url, sha256)


def _objects(value: object, key: str, where: Position) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _damaged(f"`{key}` must be a list of objects", where)
    return value


_READERS: dict[str, Callable[[dict[str, Any], Position], Record]] = {
    "mix-git": _mix_git,
    "cargo-git": _cargo_git,
    "hex": _hex,
    "crate": _crate,
    "nif-dep": _nif_dep,
}


def _legacy_hex(text: str, where: Position) -> HexSource:
    parts = text.split(" ")
    if len(parts) != 3:
        raise _damaged("`# nixgen-hex:` needs a package, a version and a sha256", where)
    package, version, sha256 = parts
    return _hex_source(package, version, sha256, where)


def _hex_source(
    package: str, version: str, sha256: str, where: Position, name: str = ""
) -> HexSource:
    if not _HEX_SHA256.fullmatch(sha256):
        raise _damaged("`sha256` is not a base16 sha256 hash", where)
    return HexSource(
        name, _store_name(version, "`version`", where), _store_name(package, "`package`", where),
        sha256,
    )  # fmt: skip


def _strings(data: dict[str, Any], where: Position, *keys: str) -> list[str]:
    for key in keys:
        if not isinstance(data.get(key), str):
            raise _damaged(f"`{key}` must be a string", where)
    return [data[key] for key in keys]


def _optional_name(data: dict[str, Any], where: Position) -> str:
    name = data.get("name", "")
    if not isinstance(name, str):
        raise _damaged("`name` must be a string", where)
    return name


def _sri(value: str, where: Position) -> str:
    if not _SRI_SHA256.fullmatch(value):
        raise _damaged("`hash` is not an SRI sha256 hash", where)
    return value


def _store_name(value: str, what: str, where: Position) -> str:
    try:
        return check_store_name(value, what, where)
    except NixgenError as error:
        raise _damaged(error.message, where) from None


def _names(value: object, key: str, where: Position) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _damaged(f"`{key}` must be a list of strings", where)
    return tuple(value)


def _damaged(reason: str, where: Position) -> InputError:
    return InputError(
        f"damaged `{RECORD.strip()}` record: {reason}",
        where,
        "delete this line (nixgen then fetches the source again), or restore the file",
    )
