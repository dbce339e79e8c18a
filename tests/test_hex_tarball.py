"""Reading a Hex package tarball: outer checksum first, limits, unsafe members, kept files."""

from __future__ import annotations

import re
import tarfile

import pytest
from support.fakehex import (
    RawMember,
    device_member,
    fake_nif_files,
    file_member,
    hex_tarball,
    link_member,
    sha256,
)

from nixgen.errors import InputError
from nixgen.readers.hex_tarball import DEFAULT_LIMITS, Limits, is_wanted, read_hex_tarball


def read(tarball: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    return dict(read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball), limits).files)


def test_keeps_the_files_nixgen_reads() -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files())
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball).upper())
    assert package.paths() == (
        "checksum-Elixir.FakeNif.Native.exs",
        "lib/fake_nif/native.ex",
        "mix.exs",
        "native/fake_nif/Cargo.toml",
    )
    assert package.outer_checksum == sha256(tarball)
    assert package.text("mix.exs").startswith("defmodule FakeNif.MixProject do")
    assert b"fake_nif" in package.metadata


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("mix.exs", True),
        ("lib/a.ex", True),
        ("lib/a/b/c.ex", True),
        ("lib/a.exs", False),
        ("checksum-Elixir.A.Native.exs", True),
        ("sub/checksum-Elixir.A.exs", False),
        ("native/a/Cargo.toml", True),
        ("native/a/Cargo.lock", True),
        ("native/a/rust-toolchain", True),
        ("native/a/rust-toolchain.toml", True),
        ("native/a/.cargo/config.toml", True),
        ("Cargo.lock", True),
        ("native/a/src/lib.rs", False),
        ("test/a.ex", False),
        ("README.md", False),
    ],
)
def test_wanted_paths(path: str, wanted: bool) -> None:
    assert is_wanted(path) is wanted


def test_text_strips_bom_and_crlf() -> None:
    files = {"mix.exs": b"\xef\xbb\xbfdefmodule A do\r\nend\r\n"}
    tarball = hex_tarball("fake_nif", "0.1.0", files)
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball))
    assert package.text("mix.exs") == "defmodule A do\nend\n"


def test_tampered_byte_is_refused_before_reading() -> None:
    tarball = bytearray(hex_tarball("fake_nif", "0.1.0", fake_nif_files()))
    expected = sha256(bytes(tarball))
    tarball[-700] ^= 1
    with pytest.raises(InputError) as error:
        read_hex_tarball(bytes(tarball), "fake_nif", "0.1.0", expected)
    message = str(error.value)
    assert "Hex package fake_nif 0.1.0 does not match mix.lock" in message
    assert expected in message and "HEX_MIRROR" in message


def test_not_a_tar_but_matching_checksum() -> None:
    data = b"<html>not found</html>"
    with pytest.raises(InputError, match="not a Hex package tarball: the outer tar"):
        read_hex_tarball(data, "fake_nif", "0.1.0", sha256(data))


def test_oversized_tarball_is_refused_before_hashing() -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files())
    with pytest.raises(InputError, match=r"fake_nif 0\.1\.0 is \d+ bytes, over nixgen's limit"):
        read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball), Limits(tarball=1000))


BAD_OUTER = [
    ({"format_version": b"2"}, "tarball format version"),
    ({"checksum": b"00" * 32}, "CHECKSUM does not match"),
    ({"outer_extra": [file_member("evil.sh", b"x")]}, "unexpected member 'evil.sh'"),
    ({"outer_extra": [file_member("VERSION", b"3")]}, "VERSION appears twice"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_OUTER)
def test_malformed_outer_tar(kwargs: dict[str, object], message: str) -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=message):
        read(tarball)


UNSAFE: list[tuple[RawMember, str]] = [
    (file_member("../evil.ex", b"x"), r"leads outside the package"),
    (file_member("lib/../../evil.ex", b"x"), r"leads outside the package"),
    (file_member("/etc/passwd", b"x"), r"absolute or Windows path"),
    (file_member("C:/evil.ex", b"x"), r"absolute or Windows path"),
    (file_member("lib\\evil.ex", b"x"), r"absolute or Windows path"),
    (link_member("lib/evil.ex", "/etc/passwd"), r"is a link"),
    (link_member("lib/evil.ex", "../../x"), r"is a link"),
    (link_member("lib/hard.ex", "mix.exs", hard=True), r"is a link"),
    (device_member("lib/dev"), r"device, FIFO or special file"),
    (file_member("mix.exs", b"again"), r"'mix.exs' appears twice"),
    (file_member("./mix.exs", b"again"), r"'mix.exs' appears twice"),
]


@pytest.mark.parametrize(
    ("member", "message"), UNSAFE, ids=[f"{m[0][0].name}-{m[0][0].type!r}" for m in UNSAFE]
)
def test_unsafe_members_are_refused(member: RawMember, message: str) -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files(), [member])
    with pytest.raises(InputError) as error:
        read(tarball)
    assert "refusing the Hex package" in str(error.value)
    assert error.value.where is not None and str(error.value.where) == "fake_nif-0.1.0.tar"
    assert re.search(message, str(error.value))


LIMITS = [
    (Limits(members=3), [], "more than 3 files"),
    (Limits(member=1000), [file_member("big.bin", b"x" * 1001)], "'big.bin' is 1001 bytes"),
    (Limits(unpacked=2000), [file_member("big.bin", b"x" * 1500)], "more than 2000 bytes"),
    (Limits(wanted_file=50), [], "nixgen reads at most 50"),
]


@pytest.mark.parametrize(("limits", "extra", "message"), LIMITS)
def test_limits(limits: Limits, extra: list[RawMember], message: str) -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files(), extra)
    with pytest.raises(InputError, match=message):
        read(tarball, limits)


def test_harmless_directories_and_dot_prefix_are_read() -> None:
    directory = tarfile.TarInfo("lib")
    directory.type = tarfile.DIRTYPE
    tarball = hex_tarball(
        "fake_nif",
        "0.1.0",
        {"mix.exs": b"x"},
        [(directory, b""), file_member("./lib//a.ex", b"defmodule A do end")],
    )
    assert read(tarball) == {"mix.exs": b"x", "lib/a.ex": b"defmodule A do end"}


def test_missing_text_file_names_the_package() -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", {"mix.exs": b"x"})
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball))
    with pytest.raises(InputError, match=r"fake_nif-0\.1\.0\.tar:lib/a\.ex: the Hex package"):
        package.text("lib/a.ex")
