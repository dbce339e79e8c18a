"""NAR serialisation and hash formats, checked against Nix's own `nix-hash` / `nix-store --dump`."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.env import missing_tools

from nixgen.errors import InputError
from nixgen.fetch.nar import (
    any_to_sri,
    dump_nar,
    from_nix_base32,
    hex_to_sri,
    nar_hash,
    to_nix_base32,
    to_sri,
)

NIX_ABSENT = missing_tools("nix-hash", "nix-store")
requires_nix = pytest.mark.skipif(NIX_ABSENT is not None, reason=str(NIX_ABSENT))


def nix_hash(path: Path) -> str:
    # Nix 2.8's nix-hash has no --sri: it prints hex, which we convert.
    out = subprocess.run(
        ["nix-hash", "--type", "sha256", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return hex_to_sri("sha256", out.strip())


def nix_dump(path: Path) -> bytes:
    dump = ["nix-store", "--dump", str(path)]
    return subprocess.run(dump, check=True, capture_output=True).stdout


def python_dump(path: Path) -> bytes:
    chunks: list[bytes] = []
    dump_nar(path, chunks.append)
    return b"".join(chunks)


def write(path: Path, content: bytes = b"", mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Every kind of entry NAR knows, with names whose byte order differs from a naive one."""
    root = tmp_path / "tree"
    write(root / "a" / "b" / "c" / "deep.txt", b"deep\n")
    write(root / "bin" / "run.sh", b"#!/bin/sh\necho hi\n", 0o755)
    write(root / "bin" / "owner-only-x", b"x", 0o700)
    write(root / "bin" / "group-x-only", b"g", 0o654)
    write(root / "empty")
    (root / "empty-dir").mkdir()
    for name in ["B", "a.txt", "é", "Z", "a-b", "_", "日本"]:
        write(root / "names" / name, name.encode())
    write(root / "padding" / "seven", b"1234567")
    write(root / "padding" / "eight", b"12345678")
    write(root / "padding" / "nine", b"123456789")
    (root / "link-to-file").symlink_to("bin/run.sh")
    (root / "link-to-dir").symlink_to("a/b")
    (root / "dangling").symlink_to("does/not/exist")
    (root / "absolute").symlink_to("/etc/hostname")
    return root


def test_known_hash_of_a_single_file(tmp_path: Path) -> None:
    # Recorded from `nix-hash --type sha256` (Nix 2.8) so it runs where Nix is absent.
    file = write(tmp_path / "hello", b"hello\n")
    assert nar_hash(file) == "sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM="


def test_nar_starts_with_magic_and_pads_strings(tmp_path: Path) -> None:
    data = python_dump(write(tmp_path / "f", b"abc"))
    assert data[:24] == (13).to_bytes(8, "little") + b"nix-archive-1\0\0\0"
    assert len(data) % 8 == 0
    assert b"abc\0\0\0\0\0" in data


def test_exclude_only_applies_at_the_top(tmp_path: Path) -> None:
    with_git = tmp_path / "with"
    write(with_git / "src" / "f", b"f")
    write(with_git / ".git" / "HEAD", b"ref")
    write(with_git / "src" / ".git", b"gitdir: elsewhere")
    without = tmp_path / "without"
    write(without / "src" / "f", b"f")
    write(without / "src" / ".git", b"gitdir: elsewhere")
    assert nar_hash(with_git, exclude={".git"}) == nar_hash(without)
    assert nar_hash(with_git) != nar_hash(without)


def test_unsupported_file_type_is_an_input_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="not regular, a directory or a symlink"):
        nar_hash(tmp_path)


def test_nix_base32_known_vector() -> None:
    hexdigest = "b36154f5515ee457fc8fd9be47bdba1415c94f71b6a2dafe2a73b7ce4fbfa517"
    base32 = "05x5px7wxdvk5bzdm8mnf57wj58lpaylggnrizy5gr2ya7sm8qdk"  # nix-hash --base32
    assert to_nix_base32(bytes.fromhex(hexdigest)) == base32
    assert from_nix_base32(base32).hex() == hexdigest


@given(st.binary(min_size=1, max_size=64))
def test_nix_base32_round_trips(digest: bytes) -> None:
    assert from_nix_base32(to_nix_base32(digest)) == digest


def test_hash_formats_convert_to_the_same_sri() -> None:
    hexdigest = "b36154f5515ee457fc8fd9be47bdba1415c94f71b6a2dafe2a73b7ce4fbfa517"
    sri = "sha256-s2FU9VFe5Ff8j9m+R726FBXJT3G2otr+KnO3zk+/pRc="
    assert hex_to_sri("sha256", hexdigest) == sri
    assert to_sri("sha256", bytes.fromhex(hexdigest)) == sri
    assert any_to_sri("sha256", hexdigest) == sri
    assert any_to_sri("sha256", to_nix_base32(bytes.fromhex(hexdigest))) == sri
    assert any_to_sri("sha256", sri) == sri


@pytest.mark.parametrize(
    "text",
    [
        "sha256-AAAA",  # too short a digest
        "sha256-not base64!",
        "abc",
        "e" * 52,  # 'e' is not in Nix's alphabet
        "z" * 52,  # overflows 256 bits
    ],
)
def test_malformed_hashes_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        any_to_sri("sha256", text)


@pytest.mark.nix
@requires_nix
def test_tree_matches_nix(tree: Path) -> None:
    assert python_dump(tree) == nix_dump(tree)
    assert nar_hash(tree) == nix_hash(tree)


@pytest.mark.nix
@requires_nix
@pytest.mark.parametrize(
    "entry", ["empty", "bin/run.sh", "bin/group-x-only", "link-to-file", "dangling", "empty-dir"]
)
def test_single_entry_as_root_matches_nix(tree: Path, entry: str) -> None:
    assert nar_hash(tree / entry) == nix_hash(tree / entry)


@pytest.mark.nix
@requires_nix
def test_non_utf8_name_matches_nix(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    for name in [b"\xff-raw", b"A", b"\xc3\xa9", b"z"]:
        with open(os.path.join(root, name), "wb") as file:
            file.write(name)
    assert nar_hash(tmp_path) == nix_hash(tmp_path)


@pytest.mark.nix
@requires_nix
def test_large_file_matches_nix(tmp_path: Path) -> None:
    # Not a multiple of the read chunk nor of 8, to exercise both boundaries.
    big = write(tmp_path / "big.bin", os.urandom(3 * 1024 * 1024 + 13), 0o755)
    assert nar_hash(big) == nix_hash(big)
    assert nar_hash(tmp_path) == nix_hash(tmp_path)


# Random trees for the property test: files (content, executable), symlinks, directories.
@dataclass(frozen=True)
class File:
    content: bytes
    executable: bool


@dataclass(frozen=True)
class Link:
    target: str


Node = File | Link | dict[str, "Node"]

names = st.text(alphabet="aAbZ_.-é日 \t", min_size=1, max_size=4).filter(
    lambda name: name not in {".", ".."}
)
leaves: st.SearchStrategy[Node] = st.one_of(
    st.builds(File, st.binary(max_size=40), st.booleans()),
    st.builds(Link, st.sampled_from(["a", "../x", "/nix/store/none", "é/日", "."])),
)
nodes: st.SearchStrategy[Node] = st.recursive(
    leaves, lambda children: st.dictionaries(names, children, max_size=4), max_leaves=12
)


def materialise(node: Node, path: Path) -> None:
    if isinstance(node, File):
        write(path, node.content, 0o755 if node.executable else 0o644)
    elif isinstance(node, Link):
        path.symlink_to(node.target)
    else:
        path.mkdir()
        for name, child in node.items():
            materialise(child, path / name)


@pytest.mark.nix
@requires_nix
@settings(max_examples=25, deadline=None)
@given(nodes)
def test_random_trees_match_nix(node: Node) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        materialise(node, root)
        assert nar_hash(root) == nix_hash(root)
