"""Strategy choice over the corpus's RustlerPrecompiled packages (issue 12, "Done when": per
corpus NIF dependency, the strategy and why). Hex is unreachable here, so each package is
modelled from its repository in ../shared/corpus (its `-dev` version made the release it
precedes): the files a Hex package keeps that nixgen
reads (mix.exs, lib/**/*.ex, the Cargo and toolchain files under native/ — the repository root's
Cargo.lock is not shipped, as ecto_libsql's `files:` shows) and a checksum file listing what its
release CI publishes: every target of its `targets:` (upstream's default list when not literal)
for every NIF version of `nif_versions:` (docs/UPSTREAM.md U-RP-CHECKSUM-FILE, U-RP-ARTIFACT).
Then the flake's default targets (x86_64-linux, aarch64-linux, aarch64-darwin; musl; OTP 28)
decide between the upstream artifact (A) and a build from source (B), which needs the crate and
its Cargo.lock in the package."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpushex import corpus_package
from support.env import CORPUS

from nixgen.constants import DEFAULT_SYSTEMS
from nixgen.emit.deps import nif_staging
from nixgen.emit.nifs import dep_crate, dep_toolchain
from nixgen.errors import NixgenError, Position
from nixgen.fetch.nifdeps import choose_source, read_nif_dep
from nixgen.fetch.records import KnownSources
from nixgen.model import GivenLock, HexLockEntry
from nixgen.resolve.project import NifTargets

pytestmark = pytest.mark.corpus

TARGETS = NifTargets(DEFAULT_SYSTEMS, "musl", 28)

# package → (strategy, why). "A": every flake target has an upstream artifact; "B": built from
# source (its crate and Cargo.lock are in the package); "stop": neither, and why.
EXPECTED: dict[str, tuple[str, str]] = {
    "philss__rustler_precompilation_example": ("A", "musl targets published"),
    "ExWeb3__ex_keccak": ("A", "musl targets published"),
    "mrdotb__resvg_nif": ("A", "musl targets published"),
    "elixir-explorer__explorer": ("A", "musl targets published"),
    "elixir-nx__tokenizers": ("A", "musl targets published"),
    "ash-project__igniter_js": ("A", "musl targets published"),
    "ocean__ecto_libsql": ("A", "musl targets published"),
    "adoptoposs__mjml_nif": ("A", "musl targets published"),
    "rusterlium__html5ever_elixir": ("A", "musl targets published"),
    "mimiquate__candlex": ("stop", "not among the package's targets"),
}


def _entry(name: str) -> HexLockEntry:
    return HexLockEntry(name, name, "0.0.0", "1" * 64, ("mix",), (), "hexpm", "0" * 64,
                        Position("mix.lock"))  # fmt: skip


def strategy(repo: Path) -> tuple[str, str]:
    package = corpus_package(repo)
    entry = _entry(package.package)
    try:
        record, locks = read_nif_dep(entry, package, TARGETS)
    except NixgenError as error:
        return "stop", error.message
    missing = [m for module in record.modules for m in module.missing]
    if choose_source(record, None, TARGETS.systems) == "precompiled":
        return "A", "musl targets published"
    reason = missing[0].reason
    if any(not m.file for m in missing):
        return "stop", reason
    if not record.crates or not locks:
        return "stop", f"{reason}; no crate/Cargo.lock in the package"
    return "B", reason


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_nif_dependency_strategy(name: str) -> None:
    chosen, why = strategy(CORPUS / name)
    expected, because = EXPECTED[name]
    assert chosen == expected, why
    assert because in why, why


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_every_corpus_crate_is_read_for_strategy_b() -> None:
    """What B would build, read from each package: crate, library name, toolchain, lock."""
    seen = {}
    for name in sorted(EXPECTED):
        package = corpus_package(CORPUS / name)
        entry = _entry(name)
        try:
            record, _ = read_nif_dep(entry, package, TARGETS)
        except NixgenError as error:
            seen[name] = error.message
            continue
        seen[name] = ", ".join(
            f"{c.dir} lib {c.lib_name} lock={'yes' if c.cargo_lock else 'no'} "
            f"toolchain={c.channel or 'stable'}"
            for c in record.crates
        )
    assert (
        "native/explorer lib explorer lock=yes toolchain=nightly"
        in seen["elixir-explorer__explorer"]
    )
    assert "lock=no" in seen["ocean__ecto_libsql"]  # its lock is at the repository root
    assert "lock=yes" in seen["mimiquate__candlex"]


# package → what `source = "build"` gives: the C tools and libraries its Cargo.lock needs
# (nixgen/data/sys_crates.toml), or why it stops. ecto_libsql with its repository's root
# Cargo.lock given (`--nif-dep-lock`), as its Hex package ships none.
FORCED_BUILD: dict[str, tuple[str, ...] | str] = {
    "philss__rustler_precompilation_example": (),
    "ExWeb3__ex_keccak": (),
    "mrdotb__resvg_nif": (),
    "elixir-explorer__explorer": ("pkg-config", "zstd"),
    "elixir-nx__tokenizers": ("pkg-config", "oniguruma"),
    "ash-project__igniter_js": (),
    "ocean__ecto_libsql": "has no native/ecto_libsql/Cargo.lock",
    "ocean__ecto_libsql+lock": ("cmake", "rustPlatform.bindgenHook"),
    "adoptoposs__mjml_nif": (),
    "rusterlium__html5ever_elixir": (),
    "mimiquate__candlex": "aarch64-unknown-linux-musl is not among the package's targets",
}


def forced_build(name: str) -> tuple[str, ...] | str:
    repo = name.removesuffix("+lock")
    root_lock = CORPUS / repo / "Cargo.lock"
    given = GivenLock("Cargo.lock", root_lock.read_text("utf-8")) if repo != name else None
    entry = _entry(repo)
    record, locks = read_nif_dep(entry, corpus_package(CORPUS / repo), TARGETS, given)
    try:
        staging = nif_staging(entry, record, TARGETS, "build")
        assert staging is not None
        known = KnownSources(locks)
        crates = [dep_crate(repo, c, dep_toolchain(repo, c).key, known) for c in staging.crates]
    except NixgenError as error:
        return error.message
    return tuple(sorted({*(n for c in crates for n in c.sys.native),
                         *(lib for c in crates for lib in c.sys.libs)}))  # fmt: skip


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("name", sorted(FORCED_BUILD))
def test_corpus_nif_dependency_built_from_source(name: str) -> None:
    found, expected = forced_build(name), FORCED_BUILD[name]
    if isinstance(expected, str):
        assert isinstance(found, str) and expected in found, found
    else:
        assert found == tuple(sorted(expected))
