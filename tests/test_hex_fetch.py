"""Fetching Hex packages from a fake Hex repository (HTTP on 127.0.0.1 and file://), with
nixgen's cache and Hex's, each copy checked against mix.lock."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support.fakehex import FakeHexRepo, fake_nif_files, file_member, hex_tarball, lock_line

from nixgen.errors import InputError, ToolError
from nixgen.fetch.hex import (
    HEXPM_URL,
    HexConfig,
    fetch_hex_package,
    fetch_hex_tarball,
    tarball_sha256,
    tarball_url,
)
from nixgen.model import HexLockEntry
from nixgen.readers.hex_tarball import Limits
from nixgen.readers.mix_lock import read_mix_lock_text
from nixgen.resolve.precompiled import nif_dependencies

TARBALL = hex_tarball("fake_nif", "0.1.0", fake_nif_files())
DEPS = '[{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", optional: false]}]'


def entry_for(tarball: bytes, name: str = "fake_nif") -> HexLockEntry:
    lock = read_mix_lock_text("mix.lock", "%{\n" + lock_line(name, "0.1.0", tarball, DEPS) + "}\n")
    found = lock.get(name)
    assert isinstance(found, HexLockEntry)
    return found


def config(repo_url: str, tmp_path: Path, hex_cache: Path | None = None) -> HexConfig:
    return HexConfig(repo_url, hex_cache, tmp_path / "cache" / "nixgen" / "hex")


@pytest.fixture
def repo(tmp_path: Path) -> FakeHexRepo:
    fake = FakeHexRepo(tmp_path / "repo")
    fake.add("fake_nif", "0.1.0", TARBALL)
    return fake


def test_http_then_cache_when_the_server_is_gone(repo: FakeHexRepo, tmp_path: Path) -> None:
    entry = entry_for(TARBALL)
    with repo.serve() as url:
        package = fetch_hex_package(entry, config(url, tmp_path))
    assert repo.requests == ["/tarballs/fake_nif-0.1.0.tar"]
    assert "lib/fake_nif/native.ex" in package.files
    assert (tmp_path / "cache/nixgen/hex/fake_nif-0.1.0.tar").read_bytes() == TARBALL
    # the server is stopped: the second run is served from nixgen's cache
    again = fetch_hex_package(entry, config(url, tmp_path))
    assert again.files == package.files and len(repo.requests) == 1


def test_file_mirror(repo: FakeHexRepo, tmp_path: Path) -> None:
    assert fetch_hex_tarball(entry_for(TARBALL), config(repo.file_url, tmp_path)) == TARBALL


def test_hex_cache_is_used_without_network(tmp_path: Path) -> None:
    hex_cache = tmp_path / "hex/packages/hexpm"
    hex_cache.mkdir(parents=True)
    (hex_cache / "fake_nif-0.1.0.tar").write_bytes(TARBALL)
    got = fetch_hex_tarball(entry_for(TARBALL), config("http://127.0.0.1:9", tmp_path, hex_cache))
    assert got == TARBALL


def test_tampered_download_is_refused_and_not_cached(repo: FakeHexRepo, tmp_path: Path) -> None:
    tampered = bytearray(TARBALL)
    tampered[600] ^= 1
    repo.add("fake_nif", "0.1.0", bytes(tampered))
    with repo.serve() as url, pytest.raises(InputError) as error:
        fetch_hex_tarball(entry_for(TARBALL), config(url, tmp_path))
    assert "Hex package fake_nif 0.1.0 does not match mix.lock" in str(error.value)
    assert not (tmp_path / "cache/nixgen/hex/fake_nif-0.1.0.tar").exists()


def test_corrupt_cache_is_passed_over(repo: FakeHexRepo, tmp_path: Path) -> None:
    cached = tmp_path / "cache/nixgen/hex/fake_nif-0.1.0.tar"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"garbage")
    with repo.serve() as url:
        assert fetch_hex_tarball(entry_for(TARBALL), config(url, tmp_path)) == TARBALL
    assert repo.requests and cached.read_bytes() == TARBALL


def test_oversized_download_stops(repo: FakeHexRepo, tmp_path: Path) -> None:
    with repo.serve() as url, pytest.raises(InputError, match="download stopped"):
        fetch_hex_tarball(entry_for(TARBALL), config(url, tmp_path), Limits(tarball=1000))


@pytest.mark.parametrize(
    ("name", "member", "message"),
    [
        ("traversal", file_member("../../evil.ex", b"x"), "leads outside the package"),
        ("dotdot", file_member("lib/..", b"x"), "leads outside the package"),
        ("absolute", file_member("/tmp/evil.ex", b"x"), "absolute"),
    ],
)
def test_hostile_package_matching_the_lock(
    repo: FakeHexRepo, tmp_path: Path, name: str, member: tuple[object, bytes], message: str
) -> None:
    hostile = hex_tarball(name, "0.1.0", fake_nif_files(), [member])  # type: ignore[list-item]
    repo.add(name, "0.1.0", hostile)
    with pytest.raises(InputError, match=message):
        fetch_hex_package(entry_for(hostile, name), config(repo.file_url, tmp_path))


def test_missing_package_names_the_mirror(repo: FakeHexRepo, tmp_path: Path) -> None:
    other = hex_tarball("other", "0.1.0", {"mix.exs": b"x"})
    with repo.serve() as url, pytest.raises(ToolError, match=r"HTTP 404 from http://127"):
        fetch_hex_tarball(entry_for(other, "other"), config(url, tmp_path))


def test_unreachable_repository(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"cannot download Hex package fake_nif 0\.1\.0"):
        fetch_hex_tarball(entry_for(TARBALL), config("http://127.0.0.1:9", tmp_path))


def test_lock_without_nif_deps_needs_no_network(tmp_path: Path) -> None:
    def no_network(url: str, timeout: float) -> object:
        raise AssertionError(f"network used: {url}")

    lock = read_mix_lock_text("mix.lock", "%{\n" + lock_line("plain", "0.1.0", TARBALL) + "}\n")
    for entry in nif_dependencies(lock).entries:
        fetch_hex_tarball(entry, config("http://127.0.0.1:9", tmp_path), opener=no_network)  # type: ignore[arg-type]
    assert nif_dependencies(lock).entries == ()


def test_entries_nixgen_cannot_fetch(tmp_path: Path) -> None:
    head, _, tail = lock_line("fake_nif", "0.1.0", TARBALL, DEPS).rpartition('"hexpm"')
    line = f'{head}"hexpm:acme"{tail}'
    private = read_mix_lock_text("mix.lock", "%{\n" + line + "}\n").get("fake_nif")
    assert isinstance(private, HexLockEntry)
    with pytest.raises(InputError, match="needs credentials"):
        fetch_hex_tarball(private, config("http://127.0.0.1:9", tmp_path))


@pytest.mark.parametrize(
    ("env", "repo_url", "hex_cache", "cache"),
    [
        ({"HOME": "/h"}, HEXPM_URL, "/h/.hex/packages/hexpm", "/h/.cache/nixgen/hex"),
        ({"HOME": "/h", "HEX_MIRROR": "https://m/"}, "https://m", "/h/.hex/packages/hexpm", None),
        (
            {"HOME": "/h", "HEX_MIRROR_URL": "https://a", "HEX_MIRROR": "https://b"},
            "https://a",
            None,
            None,
        ),
        ({"HOME": "/h", "HEX_HOME": "/hh"}, HEXPM_URL, "/hh/packages/hexpm", None),
        (
            {"HOME": "/h", "MIX_XDG": "1", "XDG_CACHE_HOME": "/x"},
            HEXPM_URL,
            "/x/hex/packages/hexpm",
            "/x/nixgen/hex",
        ),
    ],
)
def test_config_from_env(
    env: dict[str, str], repo_url: str, hex_cache: str | None, cache: str | None
) -> None:
    found = HexConfig.from_env(env)
    assert found.repo_url == repo_url
    if hex_cache:
        assert str(found.hex_cache) == hex_cache
    if cache:
        assert str(found.cache) == cache


def test_tarball_url() -> None:
    assert tarball_url(HexConfig(HEXPM_URL, None, Path("c")), entry_for(TARBALL)) == (
        "https://repo.hex.pm/tarballs/fake_nif-0.1.0.tar"
    )


def test_old_lock_entry_checksum_is_the_mirror_tarball_sha256(
    repo: FakeHexRepo, tmp_path: Path
) -> None:
    """Old 7-element entries record no checksum: nixgen hashes the download from HEX_MIRROR."""
    with repo.serve() as url:
        digest = tarball_sha256(config(url, tmp_path), "fake_nif", "0.1.0")
    assert digest == hashlib.sha256(TARBALL).hexdigest()
    assert repo.requests == ["/tarballs/fake_nif-0.1.0.tar"]


def test_old_lock_entry_download_failure_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as error:
        tarball_sha256(config("http://127.0.0.1:9", tmp_path), "fake_nif", "0.1.0")
    assert "cannot download Hex package fake_nif 0.1.0" in str(error.value)
    assert "HEX_MIRROR" in (error.value.hint or "")
