"""The `checksum-<Module>.exs` reader (docs/UPSTREAM.md U-RP-CHECKSUM-FILE), its shapes and its
refusals."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from support.fakehex import hex_tarball, sha256

from nixgen.errors import InputError
from nixgen.readers.checksum_file import checksum_file_name, read_checksum_file
from nixgen.readers.hex_tarball import read_hex_tarball

A = "a" * 64
B = "0123456789abcdef" * 4
FILE_A = "libx-v1.0.0-nif-2.15-x86_64-unknown-linux-musl.so.tar.gz"
FILE_B = "libx-v1.0.0-nif-2.15-aarch64-apple-darwin.so.tar.gz"

# What write_checksum!/2 writes: sorted, one entry a line, trailing comma (U-RP-CHECKSUM-FILE).
WRITTEN = f'%{{\n  "{FILE_B}" => "sha256:{B}",\n  "{FILE_A}" => "sha256:{A}",\n}}\n'
# What `mix format` makes of it: the value on the next line, no trailing comma.
FORMATTED = f'%{{\n  "{FILE_B}" =>\n    "sha256:{B}",\n  "{FILE_A}" =>\n    "sha256:{A}"\n}}\n'
ONE_LINE = f'%{{"{FILE_A}" => "sha256:{A}", "{FILE_B}" => "sha256:{B}"}}'
COMMENTED = (
    f'# generated\n%{{\n  # musl\n  "{FILE_A}" => "sha256:{A}",\n  "{FILE_B}" => "sha256:{B}"\n}}\n'
)


@pytest.mark.parametrize("text", [WRITTEN, FORMATTED, ONE_LINE, COMMENTED])
def test_shapes(text: str) -> None:
    parsed = read_checksum_file("checksum-Elixir.X.Native.exs", text)
    assert parsed.files == (FILE_B, FILE_A)
    entry = parsed.get(FILE_A)
    assert entry is not None and entry.sha256 == A
    assert parsed.get("other.so.tar.gz") is None


def test_positions_point_at_the_key() -> None:
    parsed = read_checksum_file("c.exs", WRITTEN)
    assert [str(e.where) for e in parsed.entries] == ["c.exs:2:3", "c.exs:3:3"]


def test_empty_map() -> None:
    assert read_checksum_file("c.exs", "%{}\n").entries == ()


def test_crlf_and_bom_through_the_package_reader() -> None:
    data = b"\xef\xbb\xbf" + WRITTEN.replace("\n", "\r\n").encode()
    tarball = hex_tarball("x", "1.0.0", {"checksum-Elixir.X.Native.exs": data})
    package = read_hex_tarball(tarball, "x", "1.0.0", sha256(tarball))
    parsed = read_checksum_file("c.exs", package.text("checksum-Elixir.X.Native.exs"))
    assert parsed.files == (FILE_B, FILE_A)


REFUSED = [
    (f'%{{"{FILE_A}" => "sha256:{A}", "{FILE_A}" => "sha256:{B}"}}', "listed twice"),
    (f'%{{"{FILE_A}" => "sha512:{A}{A}"}}', "algorithm 'sha512'; rustler_precompiled accepts only"),
    (f'%{{"{FILE_A}" => "sha256:{A.upper()}"}}', "uppercase hex digits"),
    (f'%{{"{FILE_A}" => "sha256:{A[:63]}"}}', "is not 64 hex digits"),
    (f'%{{"{FILE_A}" => "{A}"}}', "algorithm"),
    (f'%{{"{FILE_A}" => File.read!("/etc/passwd")}}', "is not a string literal"),
    (f'%{{"{FILE_A}" => "sha256:#{{System.cmd("id", [])}}"}}', "is not a string literal"),
    (f'%{{"{FILE_A}" => :sha256}}', "is not a string literal"),
    (f'%{{{FILE_A!r}: "sha256:{A}"}}', "unexpected"),
    (f'%{{~s({FILE_A}) => "sha256:{A}"}}', "is not a string literal"),
    (f'%{{"../../etc/x.tar.gz" => "sha256:{A}"}}', "not an artifact file name"),
    (f'%{{"x.so" => "sha256:{A}"}}', "not an artifact file name"),
    (f'%{{"a b.tar.gz" => "sha256:{A}"}}', "not an artifact file name"),
    (f'%{{"x.tar.gz" => "sha256:{A}"}}\n%{{}}', "a single map"),
    ('System.cmd("rm", ["-rf", "/"])', "a single map"),
    ("", "a single map"),
    (f'%Struct{{"{FILE_A}" => "sha256:{A}"}}', "a struct"),
    (f'%{{m | "{FILE_A}" => "sha256:{A}"}}', "unexpected"),
    (f'%{{"{FILE_A}" => "sha256:{A}"', "syntax error"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_checksum_file("c.exs", text)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("EctoLibSql.Native", "checksum-Elixir.EctoLibSql.Native.exs"),
        ("Elixir.EctoLibSql.Native", "checksum-Elixir.EctoLibSql.Native.exs"),
        (":my_nif", "checksum-my_nif.exs"),
    ],
)
def test_checksum_file_name(module: str, name: str) -> None:
    assert checksum_file_name(module) == name


def test_sri_round_trip() -> None:
    entry = read_checksum_file("c.exs", WRITTEN).entries[0]
    assert entry.sri == "sha256-" + base64.b64encode(bytes.fromhex(B)).decode()


@pytest.mark.skipif(shutil.which("nix") is None, reason="`nix` is not on PATH")
def test_sri_agrees_with_nix() -> None:
    entry = read_checksum_file("c.exs", WRITTEN).entries[0]
    done = subprocess.run(
        [
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "to-sri",
            "--type",
            "sha256",
            entry.sha256,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == entry.sri
