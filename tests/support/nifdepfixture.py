"""The fixtures/nif_dep project made ready to run: its app copied, the fake_nif Hex package of
the chosen version packed (tests/support/fakehex.py) into a file:// repository, and mix.lock
written with that tarball's checksums, so `init` reads the package as from hex.pm."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from nixgen.fetch.hex import HexConfig, fetch_hex_package
from nixgen.fetch.stage import Fetchers, HexPackages
from nixgen.model import HexLockEntry
from nixgen.readers.hex_tarball import HexPackage
from nixgen.resolve.project import load_project
from support.env import FIXTURES
from support.fakehex import FAKE_NIF_DIR, FakeHexRepo, hex_tarball, lock_line
from support.fakes import fake_fetchers
from support.nifdep import FAKE_NIF

FIXTURE = FIXTURES / "nif_dep"
RUSTLER_PRECOMPILED_LINE = (
    '  "rustler_precompiled": {:hex, :rustler_precompiled, "0.8.4", "' + "3" * 64
    + '", [:mix], [], "hexpm", "' + "4" * 64 + '"},\n'
)  # fmt: skip
FAKE_NIF_DEPS = (
    '[{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", '
    "optional: false]}]"
)


@dataclass
class NifDepProject:
    root: Path
    repo: FakeHexRepo
    cache: Path
    fetched: list[str]

    def hex_packages(self) -> HexPackages:
        config = HexConfig(self.repo.file_url, None, self.cache)

        def fetch(entry: HexLockEntry) -> HexPackage:
            self.fetched.append(entry.name)
            return fetch_hex_package(entry, config)

        return fetch

    def fetchers(self, hex_packages: HexPackages | None = None) -> Fetchers:
        return fake_fetchers(
            load_project(self.root), hex_packages=hex_packages or self.hex_packages()
        )


# The Rust crate of the fake_nif package (the stand-in's: tests/standins/fake_nif), shipped in
# the Hex package as `files: ["native/fake_nif/..."]` would (strategy B builds it).
CRATE = FAKE_NIF / "native" / "fake_nif"
CRATE_DIR = "native/fake_nif"


def _files(base: Path, prefix: str = "") -> dict[str, bytes]:
    return {
        prefix + p.relative_to(base).as_posix(): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file() and "target" not in p.relative_to(base).parts
    }


def _with_version(mix_exs: bytes, version: str) -> bytes:
    """The package's mix.exs (written for 0.1.0) at `version`: one release differs from the
    next by its version and checksum file only (fixtures/nif_dep/hex/fake_nif-<version>/)."""
    old = b'@version "0.1.0"'
    assert old in mix_exs
    return mix_exs.replace(old, b'@version "' + version.encode() + b'"')


def package_files(version: str, *, crate: bool = False, lock: bool = True) -> dict[str, bytes]:
    """The package's files; with `crate`, its Rust crate too (with or without its Cargo.lock)."""
    files = _files(FAKE_NIF_DIR) | _files(FIXTURE / "hex" / f"fake_nif-{version}")
    files["mix.exs"] = _with_version(files["mix.exs"], version)
    if crate:
        shipped = _files(CRATE, CRATE_DIR + "/")
        files |= {k: v for k, v in shipped.items() if lock or not k.endswith("/Cargo.lock")}
    return files


def nif_dep_project(
    tmp: Path,
    version: str = "0.1.0",
    *,
    crate: bool = False,
    lock: bool = True,
    extra: dict[str, bytes] | None = None,
) -> NifDepProject:
    """The app depending on fake_nif `version`; `extra`: more files in the package."""
    root = tmp / "app"
    shutil.copytree(FIXTURE / "app", root)
    repo = FakeHexRepo(tmp / "hexrepo")
    files = package_files(version, crate=crate, lock=lock) | (extra or {})
    tarball = hex_tarball("fake_nif", version, files)
    repo.add("fake_nif", version, tarball)
    mix_lock = (
        "%{\n"
        + lock_line("fake_nif", version, tarball, FAKE_NIF_DEPS)
        + RUSTLER_PRECOMPILED_LINE
        + "}\n"
    )
    (root / "mix.lock").write_text(mix_lock, encoding="utf-8")
    return NifDepProject(root, repo, tmp / "cache", [])
