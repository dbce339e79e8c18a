"""Work per lock entry stays constant: lookups by name use an index, and the benchmark's
synthetic locks (tests/support/synthetic.py) are what nixgen reads. Nothing here is timed; the
growth itself is measured by `python bench/bench.py --growth`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support.synthetic import write_project

from nixgen.cli import main
from nixgen.errors import Position
from nixgen.model import HexLockEntry, LockEntry, MixLock
from nixgen.readers.mix_lock import read_mix_lock


class CountingEntries(tuple[LockEntry, ...]):
    """A tuple of lock entries that counts how often it is iterated."""

    iterations = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).iterations += 1
        return super().__iter__()


def hex_entry(name: str) -> HexLockEntry:
    return HexLockEntry(
        name=name,
        package=name,
        version="1.0.0",
        inner_checksum="0" * 64,
        managers=("mix",),
        deps=(),
        repo="hexpm",
        outer_checksum="0" * 64,
        where=Position("mix.lock"),
    )


def test_lookups_by_name_do_not_scan_the_entries() -> None:
    entries = CountingEntries(hex_entry(f"dep_{i}") for i in range(100))
    lock = MixLock("mix.lock", entries)
    CountingEntries.iterations = 0
    found = [lock.get(f"dep_{i}") for i in range(100)] + [lock.get("absent")]
    assert [e.name if e else None for e in found] == [f"dep_{i}" for i in range(100)] + [None]
    assert CountingEntries.iterations <= 1


def test_the_benchmarks_synthetic_lock_is_read_whole(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", 300)
    lock = read_mix_lock(root, root / "mix.lock")
    assert len(lock.entries) == 300
    assert all(isinstance(e, HexLockEntry) for e in lock.entries)
    assert sum(len(e.deps) for e in lock.entries if isinstance(e, HexLockEntry)) > 300
    result = CliRunner().invoke(main, ["show", "--json", str(root)])
    assert result.exit_code == 0, result.output
    closure = json.loads(result.output)["deps"][0]["closure"]
    # Only optional-only entries are left out: most of the graph is in the release.
    assert len(closure["included"]) > 250
    assert len(closure["included"]) + len(closure["excluded"]) == 300


def test_reading_the_lock_keeps_no_python_node_per_tree_node(tmp_path: Path) -> None:
    """Memory: lock entries are evaluated one at a time, so what reading allocates beyond the
    syntax tree is about what the MixLock keeps. (Holding every entry's node would cache a
    Python object for each node of the tree until the end: peak ~5x what is kept.)"""
    import tracemalloc

    from nixgen.readers.elixir import parse_file
    from nixgen.readers.mix_lock import lock_from_source

    root = write_project(tmp_path / "p", 1000)
    source = parse_file(root, root / "mix.lock")
    tracemalloc.start()
    try:
        lock = lock_from_source(source)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lock.entries) == 1000
    assert peak < 2 * kept


def test_reading_a_large_lock_allocates_little_beyond_what_it_keeps(tmp_path: Path) -> None:
    """Memory (issue 13: peak under 10x the input): a lock in Mix's layout is parsed one entry
    line at a time, never as one syntax tree (~23 bytes per byte of mix.lock; py-tree-sitter
    allocates it through Python's allocator, so tracemalloc counts it). Beyond the MixLock
    kept, reading holds the text and, briefly, its bytes: about 3x the input."""
    import tracemalloc

    root = write_project(tmp_path / "p", 2000)
    size = (root / "mix.lock").stat().st_size
    tracemalloc.start()
    try:
        lock = read_mix_lock(root, root / "mix.lock")
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lock.entries) == 2000
    assert peak - kept < 4 * size
