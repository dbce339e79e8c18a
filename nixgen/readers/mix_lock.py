"""mix.lock → MixLock: hex and git entries, read as data, never executed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from sys import intern  # names and versions recur in every entry that depends on them

from nixgen.emit.render import check_store_name
from nixgen.errors import InputError, NixgenError
from nixgen.model import GitLockEntry, HexLockEntry, LockDep, LockEntry, MixLock
from nixgen.readers.checks import check_numbers, check_sha256_hex
from nixgen.readers.elixir import Node, Source, keyword_text, parse_part, parse_text
from nixgen.readers.evaluator import Evaluator
from nixgen.readers.terms import Atom, ETuple, Term, atom_or_str, keyword_get, keyword_pairs
from nixgen.readers.text import read_text, rel

_HINT = "regenerate the lock with `mix deps.get` (nixgen never drops a lock entry it cannot read)"
# The layout `mix deps.get` writes (docs/UPSTREAM.md U-MIX-LOCK-LAYOUT): `%{\n`, one
# `  "name": {...},\n` line per entry, `}\n`.
_HEAD, _TAIL = "%{\n", "}\n"

# (source, key, value) of one entry; the source is the whole file or the entry's line.
EntryNodes = tuple[Source, Node, Node]


class _NotMixLayout(Exception):
    """The lock is not in Mix's layout, line by line: it is read whole."""


def read_mix_lock(root: Path, path: Path) -> MixLock:
    return read_mix_lock_text(rel(root, path), read_text(root, path))


def read_mix_lock_text(path: str, text: str) -> MixLock:
    """A lock in Mix's layout is read one entry line at a time, each line's syntax tree freed
    before the next: the whole file's tree takes ~23 bytes per byte of mix.lock. Any other
    text, and any lock with an error, is read whole, so what nixgen says about it is what the
    whole-file reading says."""
    if len(text) >= len(_HEAD + _TAIL) and text.startswith(_HEAD) and text.endswith(_TAIL):
        try:
            return _lock(path, _line_entries(path, text))
        except (_NotMixLayout, NixgenError):
            pass
    return lock_from_source(parse_text(path, text))


def lock_from_source(source: Source) -> MixLock:
    """The lock read from its whole file's syntax tree."""
    top = [c for c in source.tree.root_node.named_children if c.type != "comment"]
    if not top:
        return MixLock(source.path, ())
    if len(top) != 1 or top[0].type != "map":
        raise InputError("mix.lock is not a single map `%{...}`", source.pos(top[0]), _HINT)
    content = next((c for c in top[0].named_children if c.type == "map_content"), None)
    return _lock(source.path, ((source, k, v) for k, v in _entries(source, content)))


# One object per distinct dependency edge of a lock (`{:jason, "~> 1.0", [...]}` recurs in many
# entries); frozen, so shared.
Shared = dict[LockDep, LockDep]


def _lock(path: str, nodes: Iterable[EntryNodes]) -> MixLock:
    entries: dict[str, LockEntry] = {}
    shared: Shared = {}
    for source, key_node, value_node in nodes:
        entry = _entry(source, key_node, value_node, shared)
        if entry.name in entries:
            raise InputError(f"duplicate lock entry {entry.name!r}", source.pos(key_node), _HINT)
        entries[entry.name] = entry
    return MixLock(path, tuple(entries[k] for k in sorted(entries)))


def _line_entries(path: str, text: str) -> Iterator[EntryNodes]:
    """The entry on each line between `_HEAD` and `_TAIL`, each parsed alone as `%{\n<line>\n}`
    so that its positions (line + offset, same columns) are the whole file's. Every line must
    be one `key: value` ending in a comma: then the lines together are the same keyword list."""
    start, end, row = len(_HEAD), len(text) - len(_TAIL), 1  # row: 0-based, of the file
    while start < end:
        stop = text.find("\n", start, end)
        if stop < 0:
            raise _NotMixLayout
        yield _line_entry(path, row, text[start:stop])
        start, row = stop + 1, row + 1


def _line_entry(path: str, row: int, line: str) -> EntryNodes:
    source = parse_part(path, f"{_HEAD}{line}\n}}", row - 1) if line.endswith(",") else None
    pair = _only_pair(source.tree.root_node) if source is not None else None
    if source is None or pair is None:
        raise _NotMixLayout
    return source, _field(pair, "key"), _field(pair, "value")


def _only_pair(root: Node) -> Node | None:
    """The pair of `%{key: value,}`, None for any other text (comments are nodes too)."""
    node: Node | None = root
    for kind in ("map", "map_content", "keywords", "pair"):
        if node is None or node.named_child_count != 1:
            return None
        node = node.named_child(0)
        if node is None or node.type != kind:
            return None
    return node


def _entries(source: Source, content: Node | None) -> Iterator[tuple[Node, Node]]:
    """(key, value) nodes of every entry, one at a time. Nodes are taken by index: a node's
    `children` list stays cached on it, so holding the lock's list would keep a Python object
    for every node of every entry evaluated so far (~40 bytes per byte of mix.lock)."""
    for child in _named_children(content):  # every item is checked before any entry is read
        if child.type not in ("keywords", "binary_operator", "comment"):
            raise InputError("unexpected item in mix.lock", source.pos(child), _HINT)
    for child in _named_children(content):
        if child.type == "keywords":
            for pair in _named_children(child):
                if pair.type == "pair":
                    yield _field(pair, "key"), _field(pair, "value")
        elif child.type == "binary_operator":
            yield _field(child, "left"), _field(child, "right")


def _named_children(node: Node | None) -> Iterator[Node]:
    """`node`'s named children, each a new object no list keeps (nothing cached on `node`)."""
    for index in range(node.named_child_count if node is not None else 0):
        child = node.named_child(index) if node is not None else None
        if child is not None:
            yield child


def _field(node: Node, name: str) -> Node:
    value = node.child_by_field_name(name)
    assert value is not None, name
    return value


def _entry(source: Source, key_node: Node, value_node: Node, shared: Shared) -> LockEntry:
    ev = Evaluator(source)
    key = ev.eval(key_node) if key_node.type == "string" else keyword_text(source, key_node)
    value = ev.eval(value_node)
    if not isinstance(key, str) or not key:
        raise InputError("lock entry key is not a string", source.pos(key_node), _HINT)
    if isinstance(value, ETuple) and value.items and value.items[0] == Atom("hex"):
        return _hex(source, key, value, value_node, shared)
    if isinstance(value, ETuple) and value.items and value.items[0] == Atom("git"):
        return _git(source, key, value, value_node)
    raise InputError(
        f"lock entry {key!r} has an unknown shape (expected {{:hex, ...}} or {{:git, ...}})",
        source.pos(value_node),
        _HINT,
    )


def _shape_error(source: Source, key: str, node: Node, what: str) -> InputError:
    return InputError(f"lock entry {key!r}: {what}", source.pos(node), _HINT)


def _hex(source: Source, key: str, value: ETuple, node: Node, shared: Shared) -> HexLockEntry:
    items = value.items
    if len(items) not in (7, 8):
        raise _shape_error(
            source, key, node, f":hex tuple has {len(items)} elements, expected 7 or 8"
        )
    _, package, version, inner, managers, deps, repo, *outer = items
    strings = (atom_or_str(package), version, inner, repo, *outer)
    if not all(isinstance(s, str) for s in strings) or not isinstance(managers, list):
        raise _shape_error(source, key, node, ":hex tuple has a field of the wrong type")
    where = source.pos(node)
    check_numbers(str(version), f"lock entry {key!r}: version", where, _HINT)
    check_store_name(str(version), f"the version of {key!r}", where)
    if outer:
        check_sha256_hex(str(outer[0]), f"lock entry {key!r}: checksum", where, _HINT)
    manager_names = tuple(m.name for m in managers if isinstance(m, Atom))
    if len(manager_names) != len(managers):
        raise _shape_error(source, key, node, "build managers must be atoms")
    return HexLockEntry(
        name=intern(key),
        package=intern(str(atom_or_str(package))),
        version=intern(str(version)),
        inner_checksum=str(inner),
        managers=tuple(map(intern, manager_names)),
        deps=_lock_deps(source, key, deps, node, shared),
        repo=intern(str(repo)),
        outer_checksum=str(outer[0]) if outer else None,
        where=where,
    )


def _lock_deps(
    source: Source, key: str, deps: Term, node: Node, shared: Shared
) -> tuple[LockDep, ...]:
    if not isinstance(deps, list):
        raise _shape_error(source, key, node, "dependency list is not a list")
    result = []
    for dep in deps:
        if not (isinstance(dep, ETuple) and len(dep.items) == 3 and isinstance(dep.items[0], Atom)):
            raise _shape_error(source, key, node, "dependency is not {:name, requirement, options}")
        name, requirement, options = dep.items
        assert isinstance(name, Atom)
        pairs = keyword_pairs(options)
        if pairs is None or not (requirement is None or isinstance(requirement, str)):
            raise _shape_error(source, key, node, f"dependency {name.name!r} is malformed")
        dep_value = LockDep(
            name=intern(name.name),
            requirement=None if requirement is None else intern(requirement),
            package=intern(atom_or_str(keyword_get(pairs, "hex")) or name.name),
            repo=intern(str(keyword_get(pairs, "repo", "hexpm"))),
            optional=keyword_get(pairs, "optional", False) is True,
        )
        result.append(shared.setdefault(dep_value, dep_value))
    return tuple(result)


def _git(source: Source, key: str, value: ETuple, node: Node) -> GitLockEntry:
    if len(value.items) != 4:
        raise _shape_error(
            source, key, node, f":git tuple has {len(value.items)} elements, expected 4"
        )
    _, url, rev, options = value.items
    pairs = keyword_pairs(options)
    if not isinstance(url, str) or not isinstance(rev, str) or pairs is None:
        raise _shape_error(source, key, node, ":git tuple is not {:git, url, rev, options}")

    def opt(name: str) -> str | None:
        found = keyword_get(pairs, name)
        return found if isinstance(found, str) else None

    depth = keyword_get(pairs, "depth")
    return GitLockEntry(
        name=key,
        url=url,
        rev=rev,
        branch=opt("branch"),
        tag=opt("tag"),
        ref=opt("ref"),
        sparse=opt("sparse"),
        subdir=opt("subdir"),
        submodules=keyword_get(pairs, "submodules", False) is True,
        depth=depth if isinstance(depth, int) and not isinstance(depth, bool) else None,
        where=source.pos(node),
    )
