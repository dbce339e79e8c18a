"""`checksum-<Module>.exs` (RustlerPrecompiled) → artifact file name → sha256, read as data.

rustler_precompiled evaluates this file with `Code.eval_string`; nixgen parses it with
tree-sitter and accepts only a map of string literals (docs/UPSTREAM.md U-RP-CHECKSUM-FILE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixgen.errors import InputError, Position, shorten
from nixgen.fetch.nar import hex_to_sri
from nixgen.readers.elixir import Node, Source, operands, operator, parse_text
from nixgen.readers.evaluator import Evaluator

_HINT = (
    'nixgen reads checksum files as data: a map of "<file>.tar.gz" => "sha256:<64 lowercase '
    'hex>" literals, as `mix rustler_precompiled.download` writes them'
)
_VALUE = re.compile(r"sha256:[0-9a-f]{64}")
# Artifact names as rustler_precompiled builds them: lib<name>-v<version>-nif-<nif>-<triple>
# [--<variant>].so.tar.gz (or .dll.tar.gz); a plain file name, safe in a URL and a Nix string.
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.tar\.gz")


@dataclass(frozen=True)
class ChecksumEntry:
    file: str  # the artifact's file name (a basename)
    sha256: str  # 64 lowercase hex digits: sha256 of the whole .tar.gz
    where: Position

    @property
    def sri(self) -> str:
        """The same hash as Nix writes it (`fetchurl { hash = …; }`)."""
        return hex_to_sri("sha256", self.sha256)


@dataclass(frozen=True)
class ChecksumFile:
    path: str
    entries: tuple[ChecksumEntry, ...]  # sorted by file name

    def get(self, file: str) -> ChecksumEntry | None:
        return next((e for e in self.entries if e.file == file), None)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(e.file for e in self.entries)


def checksum_file_name(module: str) -> str:
    """`checksum-#{module}.exs`: an Elixir alias interpolates as `Elixir.<Alias>`, an Erlang
    module atom (`:my_nif`) as its bare name (U-RP-CHECKSUM-FILE)."""
    name = module[1:] if module.startswith(":") else module
    if name[:1].isupper() and not name.startswith("Elixir."):
        name = f"Elixir.{name}"
    return f"checksum-{name}.exs"


def read_checksum_file(path: str, text: str) -> ChecksumFile:
    """Parse `text` (BOM and CRLF already removed, e.g. by `HexPackage.text`)."""
    source = parse_text(path, text)
    top = [c for c in source.tree.root_node.named_children if c.type != "comment"]
    if len(top) != 1 or top[0].type != "map":
        where = source.pos(top[0]) if top else Position(path)
        raise InputError("a checksum file is a single map `%{...}`", where, _HINT)
    entries: dict[str, ChecksumEntry] = {}
    for key, value in _pairs(source, top[0]):
        entry = _entry(source, key, value)
        if entry.file in entries:
            raise InputError(f"{entry.file!r} is listed twice", source.pos(key), _HINT)
        entries[entry.file] = entry
    return ChecksumFile(path, tuple(entries[k] for k in sorted(entries)))


def _pairs(source: Source, node: Node) -> list[tuple[Node, Node]]:
    if any(c.type == "struct" for c in node.named_children):
        raise InputError("a struct, not a map", source.pos(node), _HINT)
    content = next((c for c in node.named_children if c.type == "map_content"), None)
    pairs: list[tuple[Node, Node]] = []
    for child in content.named_children if content is not None else []:
        if child.type == "binary_operator" and operator(source, child) == "=>":
            pairs.append(operands(child))
        elif child.type != "comment":
            raise InputError(
                f"unexpected `{shorten(source.text(child), 40)}` in the map",
                source.pos(child),
                _HINT,
            )
    return pairs


def _entry(source: Source, key: Node, value: Node) -> ChecksumEntry:
    file, digest = _literal(source, key), _literal(source, value)
    if not _FILE.fullmatch(file):
        raise InputError(
            f"{shorten(file, 80)!r} is not an artifact file name (`<name>.tar.gz`)",
            source.pos(key),
            _HINT,
        )
    if not _VALUE.fullmatch(digest):
        raise InputError(_digest_problem(file, digest), source.pos(value), _HINT)
    return ChecksumEntry(file, digest.removeprefix("sha256:"), source.pos(key))


def _literal(source: Source, node: Node) -> str:
    """A plain string literal; anything else (interpolation, a call, an atom) is refused,
    never evaluated."""
    value = Evaluator(source).eval(node) if node.type == "string" else None
    if not isinstance(value, str):
        raise InputError(
            f"`{shorten(source.text(node), 60)}` is not a string literal",
            source.pos(node),
            _HINT,
        )
    return value


def _digest_problem(file: str, digest: str) -> str:
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256":
        return (
            f"{file}: checksum algorithm {shorten(algo, 20)!r}; rustler_precompiled accepts "
            "only sha256"
        )
    if re.fullmatch(r"[0-9a-fA-F]{64}", hexdigest):
        return (
            f"{file}: uppercase hex digits; rustler_precompiled compares the lowercase form, "
            "so this artifact would fail its integrity check"
        )
    return f"{file}: {shorten(hexdigest, 70)!r} is not 64 hex digits"
