"""Option extraction over ../shared/corpus (issue 12, "Tests"): the `use RustlerPrecompiled`
options (docs/UPSTREAM.md U-RP-OPTIONS) of every corpus package that has one, and the NIF
dependencies of every corpus mix.lock (the expected sets are the corpus README's)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from support.env import CORPUS

from nixgen.model import Dynamic
from nixgen.readers.elixir import parse_file
from nixgen.readers.mix_exs import read_mix_exs
from nixgen.readers.mix_lock import read_mix_lock
from nixgen.readers.precompiled import PrecompiledModule, read_precompiled_modules
from nixgen.resolve.precompiled import (
    artifact_file_name,
    artifact_url,
    forces_build,
    lib_name,
    nif_dependencies,
    select_nif_version,
    target_triple,
)

pytestmark = pytest.mark.corpus

MUSL_TARGETS = {"x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"}
DYN = "dynamic"  # the value is expected to stay a Dynamic


@dataclass(frozen=True)
class Expect:
    file: str
    module: str
    basename: str
    version: str
    base_url: str
    targets: str | int | None  # DYN, the number of targets, or None (upstream's default)
    musl: bool | None  # both musl targets listed (None: targets not literal / default)
    nif_versions: tuple[str, ...] | None
    force_build: bool | str
    force_build_env: tuple[str, ...]
    variants: tuple[str, ...] = ()  # targets with variants
    wrapper: str | None = None


GH = "https://github.com"
EXPECTED: dict[str, Expect] = {
    "philss__rustler_precompilation_example": Expect(
        "lib/rustler_precompilation_example/native.ex",
        "RustlerPrecompilationExample.Native",
        "example",
        "0.7.0",
        f"{GH}/philss/rustler_precompilation_example/releases/download/v0.7.0",
        DYN,
        None,
        None,
        False,
        ("RUSTLER_PRECOMPILATION_EXAMPLE_BUILD",),
    ),
    "ExWeb3__ex_keccak": Expect(
        "lib/ex_keccak.ex",
        "ExKeccak",
        "exkeccak",
        "0.7.8",
        f"{GH}/exWeb3/ex_keccak/releases/download/v0.7.8",
        DYN,
        None,
        ("2.15", "2.16"),
        DYN,
        ("RUSTLER_BUILD",),
    ),
    "mimiquate__candlex": Expect(
        "lib/candlex/native.ex",
        "Candlex.Native",
        "candlex",
        "0.1.10",
        f"{GH}/mimiquate/candlex/releases/download/v0.1.10",
        5,
        False,
        ("2.16",),
        False,
        ("CANDLEX_NIF_BUILD",),
        ("x86_64-unknown-linux-gnu",),
    ),
    "mrdotb__resvg_nif": Expect(
        "lib/resvg/native.ex",
        "Resvg.Native",
        "resvg",
        "0.5.0",
        f"{GH}/mrdotb/resvg_nif/releases/download/v0.5.0",
        10,
        True,
        None,
        False,
        ("RESVG_BUILD",),
    ),
    "elixir-explorer__explorer": Expect(
        "lib/explorer/polars_backend/native.ex",
        "Explorer.PolarsBackend.Native",
        "explorer",
        "0.12.0-dev",
        f"{GH}/elixir-nx/explorer/releases/download/v0.12.0-dev",
        9,
        True,
        ("2.15",),
        False,
        ("EXPLORER_BUILD",),
        (
            "x86_64-pc-windows-gnu",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-freebsd",
            "x86_64-unknown-linux-gnu",
        ),
    ),
    "elixir-nx__tokenizers": Expect(
        "lib/tokenizers/native.ex",
        "Tokenizers.Native",
        "ex_tokenizers",
        "0.6.0-dev",
        f"{GH}/elixir-nx/tokenizers/releases/download/v0.6.0-dev",
        None,
        None,
        None,
        False,
        ("TOKENIZERS_BUILD",),
    ),
    "ash-project__igniter_js": Expect(
        "lib/igniter_js/native.ex",
        "IgniterJs.Native",
        "igniter_js",
        "0.4.11",
        f"{GH}/ash-project/igniter_js/releases/download/v0.4.11",
        10,
        True,
        None,
        False,
        ("ASH_CI_BUILD", "IGNITERJS_BUILD"),
    ),
    "ocean__ecto_libsql": Expect(  # its tags have no `v`
        "lib/ecto_libsql/native.ex",
        "EctoLibSql.Native",
        "ecto_libsql",
        "0.9.1",
        f"{GH}/ocean/ecto_libsql/releases/download/0.9.1",
        6,
        True,
        ("2.15",),
        False,
        ("ECTO_LIBSQL_BUILD",),
    ),
    "adoptoposs__mjml_nif": Expect(
        "lib/mjml/native.ex",
        "Mjml.Native",
        "mjml_nif",
        "5.3.1",
        f"{GH}/adoptoposs/mjml_nif/releases/download/v5.3.1",
        11,
        True,
        ("2.15", "2.16"),
        "unset",
        (),
        wrapper="Precompiled.options",
    ),
    "rusterlium__html5ever_elixir": Expect(
        "lib/html5ever/native.ex",
        "Html5ever.Native",
        "html5ever_nif",
        "0.19.0-dev",
        f"{GH}/rusterlium/html5ever_elixir/releases/download/v0.19.0-dev",
        None,
        None,
        None,
        DYN,
        ("HTML5EVER_BUILD",),
    ),
}


def read_package(project: str, file: str) -> list[PrecompiledModule]:
    root = CORPUS / project
    config = read_mix_exs(parse_file(root, root / "mix.exs")).config
    return read_precompiled_modules(parse_file(root, root / file), config)


def test_every_corpus_package_with_the_macro_is_covered() -> None:
    users = {
        path.relative_to(CORPUS).parts[0]
        for path in CORPUS.glob("*/lib/**/*.ex")
        if "use RustlerPrecompiled" in path.read_text(errors="replace")
    }
    assert users - set(EXPECTED) == {"code-supply__deps_nix"}  # only inside a string there
    (deps_nix,) = [
        p
        for p in (CORPUS / "code-supply__deps_nix/lib").rglob("*.ex")
        if "use RustlerPrecompiled" in p.read_text()
    ]
    assert (
        read_package(
            "code-supply__deps_nix", str(deps_nix.relative_to(CORPUS / "code-supply__deps_nix"))
        )
        == []
    )


def check_value(value: object, expected: object) -> None:
    if expected == DYN:
        assert isinstance(value, Dynamic), value
    elif expected == "unset":
        assert value is None
    else:
        assert value == expected


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_options(project: str) -> None:
    want = EXPECTED[project]
    (found,) = read_package(project, want.file)
    assert (found.module, found.options, found.wrapper) == (want.module, None, want.wrapper)
    assert (found.basename, found.version, found.base_url) == (
        want.basename,
        want.version,
        want.base_url,
    )
    if want.targets == DYN or want.targets is None:
        check_value(found.targets, want.targets if want.targets == DYN else "unset")
    else:
        assert isinstance(found.targets, tuple) and len(found.targets) == want.targets
        assert MUSL_TARGETS.issubset(found.targets) is want.musl
    assert found.nif_versions == want.nif_versions
    check_value(found.force_build, want.force_build)
    assert found.force_build_env == want.force_build_env
    assert set(found.force_build_env) <= set(found.env_reads)
    variants = found.variants if isinstance(found.variants, tuple) else ()
    assert tuple(sorted(t for t, _ in variants)) == want.variants


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_musl_artifact_names(project: str) -> None:
    """What a musl x86_64 flake on OTP 27 would fetch, from the options alone."""
    (found,) = read_package(project, EXPECTED[project].file)
    assert isinstance(found.basename, str) and isinstance(found.version, str)
    triple = target_triple("x86_64-linux", "musl")
    listed = not isinstance(found.targets, tuple) or triple in found.targets
    assert listed is (project != "mimiquate__candlex")  # candlex publishes no musl build
    nif = select_nif_version(
        27, found.nif_versions if isinstance(found.nif_versions, tuple) else None
    )
    assert nif == (
        "2.16"
        if project == "mimiquate__candlex"
        else "2.16"
        if found.nif_versions == ("2.15", "2.16")
        else "2.15"
    )
    file = artifact_file_name(lib_name(found.basename, found.version, nif, triple), triple)
    assert isinstance(found.base_url, str)
    url = artifact_url(found.base_url, file)
    assert (
        url
        == f"{EXPECTED[project].base_url}/lib{EXPECTED[project].basename}-v{found.version}-nif-{nif}-x86_64-unknown-linux-musl.so.tar.gz"
    )
    assert forces_build(found.version) is found.version.endswith("-dev")


@dataclass(frozen=True)
class LockExpect:
    nif_deps: dict[str, str]  # app → version
    rustler_precompiled: str | None
    rustler: str | None


LOCKS: dict[str, LockExpect] = {  # the corpus README's NIF dependencies
    "ComponentsGuide__components_guide/mix.lock": LockExpect(
        {"html5ever": "0.14.3", "orb_wasmtime": "0.1.10"}, "0.6.2", "0.29.1"
    ),
    "bonfire-networks__bonfire-app/mix.lock": LockExpect(
        {
            "fast_rss": "0.5.0",
            "lumis": "0.6.3",
            "mdex_native": "0.2.7",
            "mjml": "6.0.0",
            "tokenizers": "0.5.1",
        },
        "0.9.0",
        "0.38.0",
    ),
    "code-supply__deps_nix/fixtures/example/mix.lock": LockExpect(
        {
            "ex_keccak": "0.7.8",
            "ex_secp256k1": "0.7.6",
            "explorer": "0.11.1",
            "tokenizers": "0.3.2",
        },
        "0.9.0",
        "0.36.2",
    ),
    "leandrocp__mdex/mix.lock": LockExpect(
        {"lumis": "0.6.3", "mdex_native": "0.2.8"}, "0.9.0", None
    ),
    "mimiquate__candlex/mix.lock": LockExpect({"tokenizers": "0.4.0"}, "0.8.2", "0.36.0"),
}


def all_locks() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("**/mix.lock"))


@pytest.mark.parametrize("lock_path", sorted(LOCKS))
def test_nif_dependencies_of_corpus_locks(lock_path: str) -> None:
    path = CORPUS / lock_path
    deps = nif_dependencies(read_mix_lock(path.parent, path))
    want = LOCKS[lock_path]
    assert {e.name: e.version for e in deps.entries} == want.nif_deps
    assert (deps.rustler_precompiled, deps.rustler) == (want.rustler_precompiled, want.rustler)
    assert all(e.outer_checksum is not None and e.repo == "hexpm" for e in deps.entries)


def test_no_other_corpus_lock_has_nif_deps() -> None:
    locks = all_locks()
    assert set(LOCKS) <= set(locks) and len(locks) >= 20
    for lock_path in set(locks) - set(LOCKS):
        path = CORPUS / lock_path
        assert nif_dependencies(read_mix_lock(path.parent, path)).entries == (), lock_path


def test_optional_edges_are_not_nif_deps() -> None:
    """bonfire and deps_nix lock `image`, whose rustler dependency is optional (corpus README)."""
    for lock_path in (
        "bonfire-networks__bonfire-app/mix.lock",
        "code-supply__deps_nix/fixtures/example/mix.lock",
    ):
        path = CORPUS / lock_path
        lock = read_mix_lock(Path(path.parent), path)
        assert lock.get("image") is not None
        assert "image" not in nif_dependencies(lock).apps
