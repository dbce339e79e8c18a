"""A RustlerPrecompiled package of ../shared/corpus as Hex would serve it (Hex is unreachable
here): the files a Hex package keeps that nixgen reads (mix.exs, lib/**/*.ex, the Cargo and
toolchain files under native/; the repository root's Cargo.lock is not shipped, as ecto_libsql's
`files:` shows), its `-dev` version made the release it precedes, and a checksum file listing
what its release CI publishes: every target of its `targets:` (upstream's default list when not
literal) for every NIF version of `nif_versions:` (docs/UPSTREAM.md U-RP-CHECKSUM-FILE,
U-RP-ARTIFACT), each with a made-up sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from nixgen.readers.checksum_file import checksum_file_name
from nixgen.readers.hex_tarball import HexPackage, is_wanted
from nixgen.readers.precompiled import PrecompiledModule, package_precompiled_modules
from nixgen.resolve.precompiled import artifact_file_name, lib_name

# rustler_precompiled 0.8.4's default targets (U-RP-OPTIONS), for a package that lists none.
DEFAULT_TARGETS = (
    "aarch64-apple-darwin", "aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl",
    "arm-unknown-linux-gnueabihf", "riscv64gc-unknown-linux-gnu", "x86_64-apple-darwin",
    "x86_64-pc-windows-gnu", "x86_64-pc-windows-msvc", "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
)  # fmt: skip


def corpus_package(repo: Path) -> HexPackage:
    """The package as Hex would serve it, with the checksum file its release would list."""
    files = {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and is_wanted(p.relative_to(repo).as_posix())
    }
    # A repository between releases says "0.12.0-dev"; what Hex serves is the release.
    files["mix.exs"] = files["mix.exs"].replace(b'-dev"', b'"')
    package = HexPackage(repo.name.lower(), "0.0.0", "0" * 64, files)
    for module in package_precompiled_modules(package):
        if isinstance(module.basename, str) and isinstance(module.version, str):
            files[checksum_file_name(module.module)] = _published(module).encode()
    return HexPackage(repo.name.lower(), "0.0.0", "0" * 64, files)


def _published(module: PrecompiledModule) -> str:
    assert isinstance(module.basename, str) and isinstance(module.version, str)
    targets = module.targets if isinstance(module.targets, tuple) else DEFAULT_TARGETS
    nifs = module.nif_versions if isinstance(module.nif_versions, tuple) else ("2.15",)
    names = sorted(
        artifact_file_name(lib_name(module.basename, module.version, nif, triple), triple)
        for triple in targets for nif in nifs
    )  # fmt: skip
    lines = [f'  "{n}" => "sha256:{hashlib.sha256(n.encode()).hexdigest()}",' for n in names]
    return "%{\n" + "\n".join(lines) + "\n}\n"


def corpus_files(repo: Path) -> dict[str, bytes]:
    """The package's files, for a tarball (tests/support/fakehex.py)."""
    return dict(corpus_package(repo).files)


def corpus_module(repo: Path) -> PrecompiledModule:
    """The package's (first) `use RustlerPrecompiled` module."""
    return package_precompiled_modules(corpus_package(repo))[0]
