"""The -sys crate table (nixgen/data/sys_crates.toml): one test per entry, the table's own checks,
and an evaluation of every input it names against the mock nixpkgs (tests/nixmock)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support import nifseval
from support.env import FIXTURES

from nixgen.emit.nifs import plan_nifs, render_nifs
from nixgen.model import CargoLock, LockedCrate, Project, RegistrySource
from nixgen.resolve.project import load_project
from nixgen.resolve.syscrates import Exe, Recipe, SysNeeds, parse_table, sys_needs, sys_table

CRATES_IO = RegistrySource("https://github.com/rust-lang/crates.io-index")
PKG_CONFIG = ("pkg-config",)
BINDGEN = ("rustPlatform.bindgenHook",)

# crate -> (native, libs, env): what each entry must give. An entry added to the data file
# without a line here fails test_every_entry_has_a_test.
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str | Exe]]] = {
    "openssl-sys": (PKG_CONFIG, ("openssl",), {"OPENSSL_NO_VENDOR": "1"}),
    "libsqlite3-sys": (PKG_CONFIG, ("sqlite",), {}),
    "clang-sys": (BINDGEN, (), {}),
    "bindgen": (BINDGEN, (), {}),
    "cmake": (("cmake",), (), {}),
    "prost-build": (("protobuf",), (), {"PROTOC": Exe("protobuf", "protoc")}),
    "zstd-sys": (PKG_CONFIG, ("zstd",), {}),
    "lz4-sys": ((), (), {}),
    "bzip2-sys": (PKG_CONFIG, ("bzip2",), {}),
    "libgit2-sys": (PKG_CONFIG, ("libgit2",), {}),
    "libz-sys": (PKG_CONFIG, ("zlib",), {}),
    "onig_sys": (PKG_CONFIG, ("oniguruma",), {"RUSTONIG_SYSTEM_LIBONIG": "1"}),
    "libdbus-sys": (PKG_CONFIG, ("dbus",), {}),
    "virt-sys": (PKG_CONFIG, ("libvirt",), {}),
    "rustler_sys": ((), (), {}),
    "libmimalloc-sys": ((), (), {}),
    "backtrace-sys": ((), (), {}),
    "libsql-sys": ((), (), {}),
    "libz-rs-sys": ((), (), {}),
    "dirs-sys": ((), (), {}),
}


def lock_with(*names: str) -> CargoLock:
    crates = tuple(LockedCrate(n, "1.0.0", CRATES_IO, "0" * 64) for n in names)
    return CargoLock("native/x/Cargo.lock", 4, crates)


def test_every_entry_has_a_test() -> None:
    assert sorted(sys_table().recipes) == sorted(EXPECTED)


@pytest.mark.parametrize("crate", sorted(EXPECTED))
def test_entry(crate: str) -> None:
    native, libs, env = EXPECTED[crate]
    needs = sys_needs(lock_with(crate, "serde"))
    assert (needs.native, needs.libs, dict(needs.env)) == (native, libs, env)
    assert [r.crate for r in needs.recipes] == [crate]
    assert needs.unknown == ()
    assert needs.recipes[0].why


@pytest.mark.parametrize("crate", sorted(sys_table().ignored))
def test_ignored_crates_are_neither_needs_nor_unknown(crate: str) -> None:
    assert sys_needs(lock_with(crate)) == SysNeeds((), ())


def test_unknown_sys_crates() -> None:
    needs = sys_needs(lock_with("libfoo-sys", "bar_sys", "openssl-sys", "sysinfo"))
    assert needs.unknown == ("bar_sys 1.0.0", "libfoo-sys 1.0.0")


def test_needs_of_several_crates_are_merged_and_sorted() -> None:
    needs = sys_needs(lock_with("zstd-sys", "openssl-sys", "bzip2-sys", "lz4-sys"))
    assert needs.native == PKG_CONFIG
    assert needs.libs == ("bzip2", "openssl", "zstd")
    assert [r.crate for r in needs.active] == ["bzip2-sys", "openssl-sys", "zstd-sys"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[crates.a]\nwhy = "x"\nbogus = 1\n', "unknown keys bogus"),
        ("[crates.a]\n", "`why` must be a non-empty string"),
        ('[crates.a]\nwhy = "x"\nnative = ["pkgs; evil"]\n', "must be a list of attribute paths"),
        ('[crates.a]\nwhy = "x"\nenv = { "A B" = "1" }\n', "is not an environment variable name"),
        ('[crates.a]\nwhy = "x"\nenv = { A = { exe = "p" } }\n', "must be a string or"),
        (
            '[crates.a]\nwhy = "x"\nenv = { A = "1" }\n[crates.b]\nwhy = "y"\nenv = { A = "2" }\n',
            "env A: a and b disagree",
        ),
        ('[crates.a]\nwhy = "x"\n[ignore]\ncrates = ["a"]\n', "both ignored and mapped: a"),
        ('[crates.a]\nwhy = "x\\ny"\n', "`why` must be one line"),
    ],
)
def test_malformed_tables_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_table(text)


def test_recipe_defaults_are_empty() -> None:
    assert parse_table('[crates.a]\nwhy = "x"\n').recipes["a"] == Recipe("a", "x")


def every_recipe_project() -> Project:
    """single_crate with every mapped crate added to its Cargo.lock."""
    project = load_project(FIXTURES / "single_crate")
    lock = project.cargo_locks[0]
    extra = lock_with(*sys_table().recipes).packages
    return dataclasses.replace(
        project, cargo_locks=(dataclasses.replace(lock, packages=(*lock.packages, *extra)),)
    )


@pytest.mark.nix
def test_every_input_exists_in_nixpkgs(tmp_path: Path) -> None:
    """Each attribute path of the table evaluates, on every system and libc."""
    text = render_nifs(plan_nifs(every_recipe_project()))
    target = nifseval.install(FIXTURES / "single_crate", text, tmp_path)
    result = nifseval.evaluate(target)
    for system in nifseval.SYSTEMS:
        for libc in ("musl", "gnu"):
            crate = result[system][libc]["crates"]["single_nif"]
            env = crate["env"]
            assert env["PROTOC"].endswith("/bin/protoc")
            assert env["RUSTONIG_SYSTEM_LIBONIG"] == "1"
            assert len(crate["buildInputHosts"]) == len(
                sys_needs(every_recipe_project().cargo_locks[0]).libs
            )
