"""A fake Hex repository: real package tarballs (hexpm/specifications package_tarball.md,
docs/UPSTREAM.md U-HEX-TARBALL), their mix.lock lines, served over HTTP on 127.0.0.1 or as a
file:// mirror."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.env import FIXTURES

# An extra inner member as the test wants it: a TarInfo (any type, any name) and its data.
RawMember = tuple[tarfile.TarInfo, bytes]


def _tar(members: Sequence[RawMember]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return out.getvalue()


def file_member(name: str, data: bytes, size: int | None = None) -> RawMember:
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    info.mtime = 0
    return info, data


def link_member(name: str, target: str, hard: bool = False) -> RawMember:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info, b""


def device_member(name: str) -> RawMember:
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    return info, b""


def contents_tar_gz(files: Mapping[str, bytes], extra: Sequence[RawMember] = ()) -> bytes:
    members = [file_member(name, data) for name, data in sorted(files.items())]
    return gzip.compress(_tar([*members, *extra]), mtime=0)


METADATA = b'{<<"name">>,<<"%s">>}.\n{<<"version">>,<<"%s">>}.\n{<<"build_tools">>,[<<"mix">>]}.\n'


def hex_tarball(
    name: str,
    version: str,
    files: Mapping[str, bytes],
    extra: Sequence[RawMember] = (),
    *,
    format_version: bytes = b"3",
    checksum: bytes | None = None,
    outer_extra: Sequence[RawMember] = (),
) -> bytes:
    """A package tarball as `mix hex.build` writes it (VERSION, CHECKSUM, metadata.config,
    contents.tar.gz); the keyword arguments break it on purpose."""
    metadata = METADATA % (name.encode(), version.encode())
    contents = contents_tar_gz(files, extra)
    inner = hashlib.sha256(format_version + metadata + contents).hexdigest().upper().encode()
    return _tar(
        [
            file_member("VERSION", format_version),
            file_member("CHECKSUM", inner if checksum is None else checksum),
            file_member("metadata.config", metadata),
            file_member("contents.tar.gz", contents),
            *outer_extra,
        ]
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lock_line(app: str, version: str, tarball: bytes, deps: str = "[]", package: str = "") -> str:
    """The mix.lock entry for `tarball` (inner checksum, outer = sha256 of the whole file)."""
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        inner = tar.extractfile("CHECKSUM")
        inner_hex = inner.read().decode().lower() if inner is not None else ""
    return (
        f'  "{app}": {{:hex, :{package or app}, "{version}", "{inner_hex}", [:mix], {deps}, '
        f'"hexpm", "{sha256(tarball)}"}},\n'
    )


@dataclass
class FakeHexRepo:
    """A directory laid out like repo.hex.pm (`tarballs/<name>-<version>.tar`)."""

    root: Path
    requests: list[str] = field(default_factory=list)

    def add(self, name: str, version: str, tarball: bytes) -> Path:
        path = self.root / "tarballs" / f"{name}-{version}.tar"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tarball)
        return path

    @property
    def file_url(self) -> str:
        return self.root.resolve().as_uri()

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the directory on 127.0.0.1 (a free port) for the block; yields the base URL."""
        repo = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(repo.root), **kwargs)  # type: ignore[arg-type]

            def do_GET(self) -> None:
                repo.requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


# The sources of fake_nif 0.1.0 are the fixture's (fixtures/nif_dep/hex/fake_nif).
FAKE_NIF_DIR = FIXTURES / "nif_dep" / "hex" / "fake_nif"


FAKE_NIF_CHECKSUM = (
    b"%{\n"
    b'  "libfake_nif-v0.1.0-nif-2.16-x86_64-unknown-linux-gnu.so.tar.gz" => '
    b'"sha256:' + b"1" * 64 + b'",\n'
    b'  "libfake_nif-v0.1.0-nif-2.16-x86_64-unknown-linux-musl.so.tar.gz" => '
    b'"sha256:' + b"2" * 64 + b'",\n'
    b"}\n"
)


def fake_nif_files() -> dict[str, bytes]:
    """The files of a small RustlerPrecompiled package (`fake_nif` 0.1.0)."""
    return {
        "mix.exs": (FAKE_NIF_DIR / "mix.exs").read_bytes(),
        "lib/fake_nif/native.ex": (FAKE_NIF_DIR / "lib/fake_nif/native.ex").read_bytes(),
        "checksum-Elixir.FakeNif.Native.exs": FAKE_NIF_CHECKSUM,
        "native/fake_nif/Cargo.toml": b'[package]\nname = "fake_nif"\nversion = "0.1.0"\n',
        "native/fake_nif/src/lib.rs": b"// not read by nixgen\n",
        "README.md": b"not read by nixgen\n",
    }
