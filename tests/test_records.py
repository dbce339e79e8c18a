"""What nixgen remembers between runs: the `# nixgen-source:` records (one format, a `kind` per
record, one reader), the files of the previous nixgen, and the fetch stage that fills the gaps."""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from support.fakes import FakeCheckouts, default_mix_exs, fake_fetchers, fake_hash, fetched
from support.hostile import add_deps, project
from support.projects import copy_fixture, offline_fetchers

from nixgen.constants import DEPS_FILE, NIFS_FILE, REGENERATE
from nixgen.errors import InputError
from nixgen.fetch.nar import to_nix_base32
from nixgen.fetch.records import (
    CargoGitSource,
    CrateRecord,
    GitSourceInfo,
    HexSource,
    KnownSources,
    read_records,
    record_line,
)
from nixgen.fetch.stage import Fetchers
from nixgen.pipeline import InitOptions, plan_init, plan_update, summarize
from nixgen.resolve.project import DepsRequest, load_project
from nixgen.write import apply_changes, with_header

SHA = "ab" * 32
SRI = fake_hash("https://x/r", "abc")
RECORDS = [
    GitSourceInfo("https://x/r", "abc", False, None, SRI, "1.0.0", "mix", ("a",), ("b",), "r"),
    CargoGitSource("https://x/c", "def", SRI),
    HexSource("jason", "1.4.4"),
    HexSource("cowboy", "2.4.0", "cowboy", SHA),
    CrateRecord("my_nif", "native/my_nif/Cargo.toml"),
]


@pytest.mark.parametrize(
    "record", RECORDS, ids=lambda r: r.kind + ("-fetched" if getattr(r, "sha256", None) else "")
)
def test_every_kind_round_trips_as_one_sorted_ascii_line(
    record: GitSourceInfo | CargoGitSource | HexSource | CrateRecord,
) -> None:
    line = record_line(record)
    assert line.startswith("# nixgen-source: {") and "\n" not in line and line.isascii()
    data = json.loads(line.removeprefix("# nixgen-source: "))
    assert data["kind"] == record.kind and list(data) == sorted(data)
    assert read_records(f"  {line}\n") == (record,)


def test_non_ascii_values_stay_on_one_ascii_line() -> None:
    record = GitSourceInfo("https://x/日本\n${x}", "abc", True, "a/b", SRI, "1.0.0", "none", (), ())
    line = record_line(record)
    assert line.isascii() and "\n" not in line
    assert read_records(line) == (record,)


DAMAGED = {
    "unknown kind": ('{"kind": "npm"}', "unknown kind 'npm'"),
    "kind not a string": ('{"kind": 1}', "unknown kind '1'"),
    "hex sha256": (
        '{"kind": "hex", "name": "a", "package": "a", "sha256": "x", "version": "1.0.0"}',
        "`sha256` is not a base16 sha256 hash",
    ),
    "hex sha256 without package": (
        f'{{"kind": "hex", "name": "a", "sha256": "{SHA}", "version": "1.0.0"}}',
        "`package` must be a string",
    ),
    "hex version": (
        f'{{"kind": "hex", "name": "a", "package": "a", "sha256": "{SHA}", "version": "1 0"}}',
        "cannot be part of a Nix store path",
    ),
    "cargo hash": (
        '{"hash": "nope", "kind": "cargo-git", "rev": "r", "url": "u"}',
        "`hash` is not an SRI sha256 hash",
    ),
    "crate attr": ('{"kind": "crate", "manifest": "Cargo.toml"}', "`attr` must be a string"),
    "mix-git name": ('{"kind": "mix-git", "name": 3}', "`url` must be a string"),
    "list": ("[1]", "not valid JSON"),  # the line's JSON must be an object: `{...}`
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_record_of_any_kind_names_its_line_and_the_fix(case: str) -> None:
    record, reason = DAMAGED[case]
    text = f"{{\n  x = 1;\n    # nixgen-source: {record}\n}}\n"
    if case == "list":
        text = text.replace(f"# nixgen-source: {record}", "# nixgen-source: {[1]}")
    with pytest.raises(InputError) as caught:
        read_records(text, NIFS_FILE)
    message = str(caught.value)
    assert message.startswith("nix/nifs.nix:3:1: damaged `# nixgen-source:` record: "), message
    assert reason in message
    assert "delete this line" in message


def test_records_of_the_previous_nixgen_are_read() -> None:
    """Before kinds: a source without `kind` is a mix.lock git dep, and Cargo git hashes and
    old Hex entries had lines of their own (a Cargo hash as nix-prefetch-git printed it)."""
    git: dict[str, object] = {"builder": "mix", "deps": [], "hash": SRI, "optional_deps": [], "rev": "abc",
           "root": None, "submodules": False, "url": "https://x/r", "version": "1.0.0"}  # fmt: skip
    base32 = to_nix_base32(bytes.fromhex(SHA))
    cargo = {"hash": base32, "rev": "def", "submodules": True, "url": "https://x/c"}
    text = (
        f"    # nixgen-source: {json.dumps(git)}\n"
        f"    # nixgen-cargo-git: {json.dumps(cargo)}\n"
        f"    # nixgen-hex: cowboy 2.4.0 {SHA}\n"
    )
    known = KnownSources(read_records(text))
    assert read_records(text)[0] == GitSourceInfo(
        "https://x/r", "abc", False, None, SRI, "1.0.0", "mix", (), (), ""
    )
    cargo_hash = known.cargo_git("https://x/c", "def")
    assert cargo_hash is not None and cargo_hash.hash.startswith("sha256-")
    assert known.hex("cowboy", "2.4.0") == HexSource("", "2.4.0", "cowboy", SHA)


def test_a_damaged_previous_hex_line_is_refused() -> None:
    with pytest.raises(InputError, match=r"deps\.nix:2:1: damaged .*a package, a version"):
        read_records(f"\n# nixgen-hex: cowboy {SHA}\n", DEPS_FILE)


# --------------------------------------------------------------------------- the previous format


class NoNetwork:
    """Fetchers that fail the test when asked anything."""

    def checkout(
        self, url: str, rev: str, *, submodules: bool = False
    ) -> AbstractContextManager[tuple[str, Path]]:
        raise AssertionError(f"checkout of {url}")

    def prefetch_git(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> str:
        raise AssertionError(f"prefetch of {url}")

    def hex_hash(self, package: str, version: str) -> str:
        raise AssertionError(f"download of {package}")


def no_network() -> Fetchers:
    fetchers = NoNetwork()
    return Fetchers(fetchers, fetchers, fetchers.hex_hash)


def as_previous_nixgen(text: str) -> str:
    """A generated file as the previous nixgen wrote it: its records without kinds."""
    lines = []
    for line in text.split("\n")[3:]:  # the header is written again below
        prefix, marker, record = line.partition("# nixgen-source: ")
        if not marker:
            lines.append(line)
            continue
        data = json.loads(record)
        kind = data.pop("kind")
        if kind == "mix-git":
            del data["name"]
            lines.append(f"{prefix}# nixgen-source: {json.dumps(data, sort_keys=True)}")
        elif kind == "cargo-git":
            data["submodules"] = True
            lines.append(f"{prefix}# nixgen-cargo-git: {json.dumps(data, sort_keys=True)}")
        elif kind == "hex" and "sha256" in data:
            lines.append(
                f"{prefix}# nixgen-hex: {data['package']} {data['version']} {data['sha256']}"
            )
    return with_header("\n".join(lines), REGENERATE)


@pytest.mark.parametrize("name", ["deps_git", "deps_old_lock", "nifs_git_crate"])
def test_update_of_files_from_the_previous_nixgen_needs_no_network(
    name: str, tmp_path: Path
) -> None:
    root = copy_fixture(name, tmp_path)
    apply_changes(
        root, plan_init(root, InitOptions(), force=False, fetchers=offline_fetchers(root))
    )
    written = {path: (root / path).read_text() for path in (DEPS_FILE, NIFS_FILE)}
    for path, text in written.items():
        (root / path).write_text(as_previous_nixgen(text))
        assert "kind" not in (root / path).read_text()
    changes = plan_update(root, force=False, fetchers=no_network())
    apply_changes(root, changes)
    assert {path: (root / path).read_text() for path in written} == written  # the new format
    assert {c.path for c in changes if c.action == "update"} <= set(written)


def test_update_summary_compares_records() -> None:
    """A Hex dep bumped, a git dep added, a crate removed: said from the records alone."""
    hex_old = HexSource("jason", "1.4.3")
    hex_new = HexSource("jason", "1.4.4", "jason", SHA)
    git = GitSourceInfo("https://x/r", "abc", False, None, SRI, "0.1.0", "mix", (), (), "lib")
    crate = CrateRecord("old_nif", "native/old_nif/Cargo.toml")
    from nixgen.write import Change

    def file(*records: GitSourceInfo | HexSource | CrateRecord) -> str:
        return "\n".join(record_line(r) for r in records) + "\n"

    changes = [
        Change(DEPS_FILE, "update", file(hex_old), file(hex_new, git)),
        Change(NIFS_FILE, "update", file(crate), file()),
    ]
    assert summarize(changes) == [
        "dep added: lib 0.1.0",
        "dep bumped: jason 1.4.3 -> 1.4.4",
        "crate removed: old_nif",
        "update: nix/deps.nix",
        "update: nix/nifs.nix",
    ]


# --------------------------------------------------------------------------- the fetch stage

CHAIN_A = "https://example.invalid/chain_a.git"
CHAIN_B = "https://example.invalid/chain_b.git"
REV = "0123456789abcdef0123456789abcdef01234567"


def test_git_deps_reached_through_a_fetched_git_dep_are_fetched_next(tmp_path: Path) -> None:
    """chain_b is needed only by chain_a's own mix.exs: known after chain_a is fetched."""
    root = project(tmp_path)
    add_deps(
        root,
        f'{{:chain_a, git: "{CHAIN_A}", ref: "{REV}"}}',
        f'  "chain_a": {{:git, "{CHAIN_A}", "{REV}", [ref: "{REV}"]}},\n'
        f'  "chain_b": {{:git, "{CHAIN_B}", "{REV}", [ref: "{REV}"]}},\n',
    )
    needs_b = f'[{{:chain_b, git: "{CHAIN_B}"}}]'
    checkouts = FakeCheckouts(
        apps={CHAIN_A: {"mix.exs": default_mix_exs("chain_a", "1.0.0", needs_b)}}
    )
    loaded = load_project(root)
    progress: list[tuple[int, int, str]] = []
    known = fetched(
        loaded,
        DepsRequest(loaded, loaded.mix_projects[0]),
        fake_fetchers(loaded, checkouts=checkouts),
        progress=lambda n, m, what: progress.append((n, m, what)),
    )
    assert progress == [(1, 1, "chain_a"), (2, 2, "chain_b")]
    assert [url for url, _, _ in checkouts.calls] == [CHAIN_A, CHAIN_B]
    assert {r.url for r in known.records() if isinstance(r, GitSourceInfo)} == {CHAIN_A, CHAIN_B}


def test_nothing_known_is_fetched_again(tmp_path: Path) -> None:
    root = copy_fixture("nifs_git_crate", tmp_path)
    loaded = load_project(root)
    first = fetched(loaded)
    progress: list[tuple[int, int, str]] = []
    again = fetched(
        loaded, fetchers=no_network(), known=first, progress=lambda *a: progress.append(a)
    )
    assert progress == [] and again.records() == first.records()
    assert len([r for r in first.records() if re.match("https://", getattr(r, "url", ""))]) == 2
