"""Tests of the mock nixpkgs / crane / rust-overlay flakes in tests/nixmock.

Each test writes a small flake into tmp_path and evaluates it with
`nixeval.nix_eval` (Nix's own evaluator, offline, inputs replaced by the
mocks). They check that the mocks accept correct code and reject what the
real functions would reject (wrong argument names, malformed hashes, type
errors), plus the nixgen-specific rules the mocks enforce.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from nixeval import nix_available, nix_eval, nix_eval_json

pytestmark = [
    pytest.mark.nix,
    pytest.mark.skipif(not nix_available(), reason="nix is not on PATH"),
]

JASON_SHA = "c5eb0cab91f094599f94d55bc63409236a8ec69a21a67814529e8d5f6cc90b3b"
LIBC_SUM = "97b3888a4aecf77e811145cadf6eef5901f4782c53886191b2f693f24761847c"
EMPTY_SRI = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
GIT_SOURCE = (
    "git+https://github.com/example/gitdep?branch=main#0123456789abcdef0123456789abcdef01234567"
)
DRV_RE = re.compile(r'^"/nix/store/[0-9a-z]{32}-[^"]+\.drv"$')


def flake(
    tmp_path: Path,
    outputs: str,
    *,
    let: str = "",
    system: str = "x86_64-linux",
    files: dict[str, str] | None = None,
) -> Path:
    """Write a flake using all three mocked inputs; `outputs` is an attrset body."""
    for rel, content in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    text = (
        textwrap.dedent(
            """\
        {
          inputs = {
            nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
            crane.url = "github:ipetkov/crane";
            rust-overlay.url = "github:oxalica/rust-overlay";
            rust-overlay.inputs.nixpkgs.follows = "nixpkgs";
          };
          outputs = { self, nixpkgs, crane, rust-overlay }:
            let
              system = "@SYSTEM@";
              pkgs = import nixpkgs { inherit system; overlays = [ rust-overlay.overlays.default ]; };
              lib = pkgs.lib;
              bp = pkgs.beamMinimal27Packages;
              craneLib = crane.mkLib pkgs;
        @LET@
            in {
        @OUTPUTS@
            };
        }
        """
        )
        .replace("@SYSTEM@", system)
        .replace("@LET@", textwrap.indent(textwrap.dedent(let), " " * 6))
        .replace("@OUTPUTS@", textwrap.indent(textwrap.dedent(outputs), " " * 6))
    )
    (tmp_path / "flake.nix").write_text(text)
    return tmp_path


def eval_error(path: Path, attr: str) -> str:
    """Evaluate `attr`, expecting failure; return Nix's stderr."""
    with pytest.raises(AssertionError) as info:
        nix_eval(path, attr)
    return str(info.value)


def as_string(value: str) -> str:
    """A `nix eval` string literal without its quotes."""
    assert value.startswith('"') and value.endswith('"'), value
    return value[1:-1]


# ---------------------------------------------------------------- fetchHex


def fetch_hex(sha: str, extra: str = "") -> str:
    return f"""
        x = (bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{sha}"; {extra} }}).drvPath;
    """


def test_fetch_hex_evaluates(tmp_path: Path) -> None:
    out = nix_eval(flake(tmp_path, fetch_hex(JASON_SHA)), "x")
    assert DRV_RE.match(out)
    assert "hex-source-jason-1.4.4" in out


def test_fetch_hex_inner_fetch_is_fixed_output(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        f"""
        x = (bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }}).src.drvAttrs;
        """,
    )
    attrs = nix_eval_json(path, "x")
    assert attrs["outputHash"] == JASON_SHA
    assert attrs["outputHashMode"] == "flat"
    assert attrs["urls"] == ["https://repo.hex.pm/tarballs/jason-1.4.4.tar"]


@pytest.mark.parametrize(
    ("sha", "message"),
    [
        (JASON_SHA[:-1], "wrong length"),
        ("z" * 64, "invalid base-16 hash"),
        ("", "no hash given"),
    ],
)
def test_fetch_hex_malformed_hash_fails(tmp_path: Path, sha: str, message: str) -> None:
    err = eval_error(flake(tmp_path, fetch_hex(sha)), "x")
    assert message in err


def test_fetch_hex_has_no_hash_argument(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        f"""
        x = (bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; hash = "{EMPTY_SRI}"; }}).drvPath;
        """,
    )
    err = eval_error(path, "x")
    assert "called without required argument 'sha256'" in err


def test_fetch_hex_rejects_unexpected_argument(tmp_path: Path) -> None:
    err = eval_error(flake(tmp_path, fetch_hex(JASON_SHA, f'hash = "{EMPTY_SRI}";')), "x")
    assert "unexpected argument 'hash'" in err


# ------------------------------------------------------- fetchgit & friends


def test_fetchgit_sri_and_sha256_evaluate(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        f"""
        a = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; hash = "{EMPTY_SRI}"; }}).drvPath;
        b = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; sha256 = "{"0" * 52}"; }}).drvPath;
        mode = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; hash = "{EMPTY_SRI}"; }}).outputHashMode;
        """,
    )
    assert DRV_RE.match(nix_eval(path, "a"))
    assert DRV_RE.match(nix_eval(path, "b"))
    assert nix_eval(path, "mode") == '"recursive"'


def test_fetchgit_malformed_hash_and_unknown_argument_fail(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        f"""
        bad = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; hash = "sha256-tooshort"; }}).drvPath;
        typo = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; hash = "{EMPTY_SRI}"; submodules = true; }}).drvPath;
        nohash = (pkgs.fetchgit {{ url = "https://example.org/r.git"; rev = "abc"; }}).drvPath;
        """,
    )
    assert "invalid SRI hash" in eval_error(path, "bad")
    assert "unexpected argument 'submodules'" in eval_error(path, "typo")
    assert "no hash given" in eval_error(path, "nohash")


# --------------------------------------------------------------- mixRelease


def release(extra: str = "", deps: str = "{ }") -> str:
    return f"""
        rel = bp.mixRelease {{
          pname = "my_app";
          version = "0.1.0";
          src = ./.;
          mixNixDeps = {deps};
          env.PRECOMPILED_NIF = "true";
          preConfigure = "mkdir -p priv/native && cp ${{pkgs.zstd}}/lib/libx.so priv/native/libmy_nif.so";
          {extra}
        }};
    """


@pytest.mark.parametrize("arg", ["elixir", "erlang", "hex"])
def test_mix_release_rejects_toolchain_arguments(tmp_path: Path, arg: str) -> None:
    path = flake(tmp_path, "x = rel.drvPath;", let=release(f"{arg} = bp.{arg};"))
    err = eval_error(path, "x")
    assert f"do not pass `{arg}` to mixRelease" in err


def test_mix_release_environment_is_readable(tmp_path: Path) -> None:
    jason = f"""
        jason = bp.buildMix {{
          name = "jason";
          version = "1.4.4";
          src = bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }};
          beamDeps = [ ];
        }};
    """
    path = flake(
        tmp_path,
        'drv = rel.drvPath; env = rel.mockEnv; again = (rel.override { version = "0.2.0"; }).name;',
        let=jason + release(deps="{ inherit jason; }"),
    )
    assert DRV_RE.match(nix_eval(path, "drv"))
    env = nix_eval_json(path, "env")
    assert env["PRECOMPILED_NIF"] == "true"
    assert env["MIX_ENV"] == "prod"
    assert re.search(
        r"cp /nix/store/\S+/lib/libx\.so priv/native/libmy_nif\.so", env["preConfigure"]
    )
    assert env["mixNixDepNames"] == "jason"
    assert "erlang27.3.4.3-jason-1.4.4" in env["nativeBuildInputs"]
    assert nix_eval(path, "again") == '"my_app-0.2.0"'


def test_mix_release_dependency_attribute_must_be_app_name(tmp_path: Path) -> None:
    dep = f"""
        dep = bp.buildMix {{
          name = "jason";
          version = "1.4.4";
          src = bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }};
        }};
    """
    path = flake(tmp_path, "x = rel.drvPath;", let=dep + release(deps="{ json = dep; }"))
    assert "does not match the dependency's app name `jason`" in eval_error(path, "x")


def test_mix_release_env_values_must_be_strings(tmp_path: Path) -> None:
    path = flake(tmp_path, "x = rel.drvPath;", let=release('env.EXTRA = [ "a" ];'))
    assert "can only contain derivation, string, boolean or integer" in eval_error(path, "x")


def test_package_set_extend_propagates_to_builders(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        default = bp.mixRelease { pname = "a"; version = "1"; src = ./.; };
        old = (bp.extend (final: prev: { elixir = final.elixir_1_15; })).mixRelease { pname = "a"; version = "1"; src = ./.; };
        """,
    )
    default = nix_eval_json(path, "default.mockEnv")
    old = nix_eval_json(path, "old.mockEnv")
    assert "elixir-1.18.4" in default["nativeBuildInputs"]
    assert "elixir-1.15.8" in old["nativeBuildInputs"]
    assert nix_eval(path, "default.drvPath") != nix_eval(path, "old.drvPath")


def test_mk_derivation_rejects_set_attribute(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        'x = (pkgs.stdenv.mkDerivation { pname = "a"; version = "1"; oops = { a = 1; }; }).drvPath;',
    )
    assert "cannot coerce a set to a string" in eval_error(path, "x")


# -------------------------------------------------------------------- crane

NIF_TOML = """\
[package]
name = "my_nif"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]
"""


def cargo_lock(*packages: str) -> str:
    body = "\n".join(packages)
    return f'version = 3\n\n{body}\n[[package]]\nname = "my_nif"\nversion = "0.1.0"\n'


def registry_pkg(checksum: str = LIBC_SUM) -> str:
    return (
        '[[package]]\nname = "libc"\nversion = "0.2.155"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
        f'checksum = "{checksum}"\n'
    )


def git_pkg() -> str:
    return f'[[package]]\nname = "gitdep"\nversion = "0.3.0"\nsource = "{GIT_SOURCE}"\n'


def crane_project(lock: str) -> dict[str, str]:
    return {
        "Cargo.toml": NIF_TOML,
        "Cargo.lock": lock,
        "src/lib.rs": "pub fn f() {}\n",
        "README.md": "not a cargo file\n",
    }


CRANE_LET = """
    common = {
      src = craneLib.cleanCargoSource ./.;
      pname = "my_nif";
      version = "0.1.0";
      strictDeps = true;
      doCheck = false;
      cargoExtraArgs = "--locked -p my_nif";
      env.CARGO_BUILD_TARGET = "x86_64-unknown-linux-musl";
    };
    deps = craneLib.buildDepsOnly common;
    nif = craneLib.buildPackage (common // { cargoArtifacts = deps; });
"""


def test_crane_build_package_with_registry_crate(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "nif = nif.drvPath; env = nif.mockEnv; deps = deps.drvPath;",
        let=CRANE_LET,
        files=crane_project(cargo_lock(registry_pkg())),
    )
    assert "my_nif-0.1.0.drv" in nix_eval(path, "nif")
    assert "my_nif-deps-0.1.0.drv" in nix_eval(path, "deps")
    env = nix_eval_json(path, "env")
    assert env["CARGO_BUILD_TARGET"] == "x86_64-unknown-linux-musl"
    assert env["cargoExtraArgs"] == "--locked -p my_nif"
    assert env["doCheck"] == ""
    assert env["strictDeps"] == "1"
    assert env["cargoArtifacts"].endswith("-my_nif-deps-0.1.0")


def test_crane_vendors_crates_as_fixed_output_derivations(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "crate = builtins.head (craneLib.vendorCargoDeps { src = ./.; }).crates;",
        files=crane_project(cargo_lock(registry_pkg())),
    )
    attrs = nix_eval_json(path, "crate.drvAttrs")
    assert attrs["name"] == "crate-libc-0.2.155.tar.gz"
    assert attrs["outputHash"] == LIBC_SUM
    assert attrs["outputHashMode"] == "flat"


def test_crane_bad_checksum_fails(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "nif = nif.drvPath;",
        let=CRANE_LET,
        files=crane_project(cargo_lock(registry_pkg(LIBC_SUM[:-2]))),
    )
    assert "wrong length for hash type 'sha256'" in eval_error(path, "nif")


def test_crane_git_crate_needs_output_hash(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "nif = nif.drvPath;",
        let=CRANE_LET,
        files=crane_project(cargo_lock(registry_pkg(), git_pkg())),
    )
    err = eval_error(path, "nif")
    assert "no outputHash for git dependency gitdep-0.3.0" in err


def test_crane_git_crate_output_hashes_keyed_by_source(tmp_path: Path) -> None:
    let = CRANE_LET.replace(
        "strictDeps = true;",
        f'strictDeps = true;\n  outputHashes = {{ "{GIT_SOURCE}" = "{EMPTY_SRI}"; }};',
    )
    path = flake(
        tmp_path,
        "nif = nif.drvPath; repo = builtins.head (craneLib.vendorCargoDeps common).gitRepos;",
        let=let,
        files=crane_project(cargo_lock(registry_pkg(), git_pkg())),
    )
    assert DRV_RE.match(nix_eval(path, "nif"))
    repo = nix_eval_json(path, "repo.drvAttrs")
    assert repo["url"] == "https://github.com/example/gitdep"
    assert repo["rev"] == "0123456789abcdef0123456789abcdef01234567"
    assert repo["outputHashMode"] == "recursive"


def test_crane_git_crate_name_version_key_is_not_cranes(tmp_path: Path) -> None:
    let = CRANE_LET.replace(
        "strictDeps = true;",
        f'strictDeps = true;\n  outputHashes = {{ "gitdep-0.3.0" = "{EMPTY_SRI}"; }};',
    )
    path = flake(
        tmp_path,
        "nif = nif.drvPath;",
        let=let,
        files=crane_project(cargo_lock(registry_pkg(), git_pkg())),
    )
    assert "importCargoLock's convention" in eval_error(path, "nif")


@pytest.mark.parametrize("field", ['pname = "my_nif";', 'version = "0.1.0";'])
def test_crane_requires_pname_and_version(tmp_path: Path, field: str) -> None:
    path = flake(
        tmp_path,
        "nif = nif.drvPath;",
        let=CRANE_LET.replace(field, ""),
        files=crane_project(cargo_lock(registry_pkg())),
    )
    assert "needs explicit `pname` and `version`" in eval_error(path, "nif")


def test_crane_default_cargo_extra_args_is_locked(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "nif = nif.drvPath;",
        let=CRANE_LET.replace('cargoExtraArgs = "--locked -p my_nif";', ""),
        files=crane_project(cargo_lock(registry_pkg())),
    )
    assert DRV_RE.match(nix_eval(path, "nif"))


def test_crane_cargo_extra_args_must_keep_locked(tmp_path: Path) -> None:
    let = CRANE_LET.replace('"--locked -p my_nif"', '"-p my_nif"')
    path = flake(
        tmp_path, "nif = nif.drvPath;", let=let, files=crane_project(cargo_lock(registry_pkg()))
    )
    assert "keep `--locked`" in eval_error(path, "nif")


def test_crane_deps_survive_source_edits(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        "deps = deps.drvPath; nif = nif.drvPath;",
        let=CRANE_LET,
        files=crane_project(cargo_lock(registry_pkg())),
    )
    deps1, nif1 = nix_eval(path, "deps"), nix_eval(path, "nif")
    (tmp_path / "src" / "lib.rs").write_text("pub fn g() {}\n")
    deps2, nif2 = nix_eval(path, "deps"), nix_eval(path, "nif")
    assert deps1 == deps2
    assert nif1 != nif2


def test_crane_override_toolchain(tmp_path: Path) -> None:
    let = """
        toolchain = pkgs.rust-bin.stable."1.76.0".default.override {
          targets = [ "x86_64-unknown-linux-musl" ];
        };
        viaFn = (craneLib.overrideToolchain (p: toolchain)).rustc.name;
        viaDrv = (craneLib.overrideToolchain toolchain).cargo.name;
    """
    path = flake(
        tmp_path,
        "inherit viaFn viaDrv; bad = (craneLib.overrideToolchain pkgs.rust-bin.stable.latest).rustc;",
        let=let,
    )
    assert nix_eval(path, "viaFn") == '"rust-default-1.76.0"'
    assert nix_eval(path, "viaDrv") == '"rust-default-1.76.0"'
    assert "expects a toolchain derivation" in eval_error(path, "bad")


# ------------------------------------------------------------------ fileset


def test_fileset_to_source_tracks_only_included_files(tmp_path: Path) -> None:
    outputs = """
        src = (lib.fileset.toSource {
          root = ./.;
          fileset = lib.fileset.unions [
            ./mix.exs
            ./lib
            (lib.fileset.fileFilter (f: f.hasExt "rs" || f.name == "Cargo.toml") ./native)
            (lib.fileset.maybeMissing ./Cargo.lock)
          ];
        }).outPath;
    """
    path = flake(
        tmp_path,
        outputs,
        files={
            "mix.exs": "defmodule A.MixProject do end\n",
            "lib/a.ex": "defmodule A do end\n",
            "native/n/Cargo.toml": NIF_TOML,
            "native/n/src/lib.rs": "pub fn f() {}\n",
            "native/n/target/junk.txt": "x\n",
            "README.md": "v1\n",
        },
    )
    first = as_string(nix_eval(path, "src"))
    included = sorted(str(p.relative_to(first)) for p in Path(first).rglob("*") if p.is_file())
    assert included == ["lib/a.ex", "mix.exs", "native/n/Cargo.toml", "native/n/src/lib.rs"]
    assert not (Path(first) / "native" / "n" / "target").exists()

    (tmp_path / "README.md").write_text("v2\n")
    (tmp_path / "native/n/target/junk.txt").write_text("y\n")
    (tmp_path / "deps" / "x").mkdir(parents=True)
    (tmp_path / "deps" / "x" / "mix.exs").write_text("ignored\n")
    assert as_string(nix_eval(path, "src")) == first

    (tmp_path / "lib" / "a.ex").write_text("defmodule A do def x, do: 1 end\n")
    changed = as_string(nix_eval(path, "src"))
    assert changed != first

    (tmp_path / "Cargo.lock").write_text("version = 3\n")
    assert as_string(nix_eval(path, "src")) != changed


def test_fileset_errors_like_upstream(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        missing = (lib.fileset.toSource { root = ./.; fileset = ./nope; }).outPath;
        stringRoot = (lib.fileset.toSource { root = "${./.}"; fileset = ./a; }).outPath;
        git = (lib.fileset.toSource { root = ./.; fileset = lib.fileset.gitTracked ./.; }).outPath;
        """,
        files={"a": "x\n"},
    )
    assert "does not exist" in eval_error(path, "missing")
    assert "should be a path instead" in eval_error(path, "stringRoot")
    assert "not supported in pure evaluation mode" in eval_error(path, "git")


# --------------------------------------------------------------- platforms


def test_pkgs_musl_linux_and_darwin(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        musl = pkgs.pkgsMusl.stdenv.hostPlatform.config;
        muslRust = pkgs.pkgsMusl.stdenv.hostPlatform.rust.rustcTarget;
        muslBeam = pkgs.pkgsMusl.beamMinimal27Packages.erlang.mockEnv.mockHostPlatform;
        cross = pkgs.pkgsCross.aarch64-multiplatform-musl.stdenv.hostPlatform.config;
        darwin = nixpkgs.legacyPackages.aarch64-darwin.pkgsMusl.stdenv.hostPlatform.config;
        darwinRust = nixpkgs.legacyPackages.aarch64-darwin.stdenv.hostPlatform.rust.rustcTarget;
        """,
    )
    assert nix_eval(path, "musl") == '"x86_64-unknown-linux-musl"'
    assert nix_eval(path, "muslRust") == '"x86_64-unknown-linux-musl"'
    assert nix_eval(path, "muslBeam") == '"x86_64-unknown-linux-musl"'
    assert nix_eval(path, "cross") == '"aarch64-unknown-linux-musl"'
    assert nix_eval(path, "darwinRust") == '"aarch64-apple-darwin"'
    assert "Musl libc only supports 64-bit Linux systems." in eval_error(path, "darwin")


def test_import_nixpkgs_needs_system_in_pure_mode(tmp_path: Path) -> None:
    path = flake(tmp_path, "x = (import nixpkgs { }).stdenv.hostPlatform.system;")
    assert "pure evaluation mode" in eval_error(path, "x")


def test_import_from_derivation_is_refused(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        'x = builtins.readFile "${pkgs.writeText "a" "b"}";',
    )
    assert "because the option 'allow-import-from-derivation' is disabled" in eval_error(path, "x")


# ------------------------------------------------------------- rust-overlay


def test_rust_overlay_toolchains(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        latest = pkgs.rust-bin.stable.latest.default.version;
        pinned = (pkgs.rust-bin.stable."1.76.0".default.override {
          targets = [ "x86_64-unknown-linux-musl" "aarch64-unknown-linux-musl" ];
          extensions = [ "rust-src" ];
        }).mockEnv;
        nightly = pkgs.rust-bin.nightly."2025-01-01".default.name;
        selected = (pkgs.rust-bin.selectLatestNightlyWith (t: t.minimal)).name;
        fromFile = (pkgs.rust-bin.fromRustupToolchainFile ./rust-toolchain.toml).mockEnv;
        fromLegacy = (pkgs.rust-bin.fromRustupToolchainFile ./rust-toolchain).name;
        badTarget = (pkgs.rust-bin.stable.latest.default.override { targets = [ "x86_64-unknown-linux-muls" ]; }).drvPath;
        badArg = (pkgs.rust-bin.stable.latest.default.override { target = "x86_64-unknown-linux-musl"; }).drvPath;
        noOverlay = nixpkgs.legacyPackages.${system}.rust-bin;
        """,
        files={
            "rust-toolchain.toml": (
                '[toolchain]\nchannel = "1.80.1"\ncomponents = ["rustfmt", "clippy"]\n'
                'targets = ["x86_64-unknown-linux-musl"]\nprofile = "minimal"\n'
            ),
            "rust-toolchain": "nightly-2024-05-01\n",
        },
    )
    assert nix_eval(path, "latest").startswith('"1.')
    pinned = nix_eval_json(path, "pinned")
    assert pinned["targets"].split() == [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
    ]
    assert "rust-src" in pinned["components"].split()
    assert nix_eval(path, "nightly") == '"rust-default-nightly-2025-01-01"'
    assert nix_eval(path, "selected").startswith('"rust-minimal-nightly-')
    from_file = nix_eval_json(path, "fromFile")
    assert from_file["name"] == "rust-minimal-1.80.1"
    assert "clippy" in from_file["components"].split()
    assert "x86_64-unknown-linux-musl" in from_file["targets"].split()
    assert nix_eval(path, "fromLegacy") == '"rust-default-nightly-2024-05-01"'
    assert "Unknown target `x86_64-unknown-linux-muls`" in eval_error(path, "badTarget")
    assert "unexpected argument 'target'" in eval_error(path, "badArg")
    assert "attribute 'rust-bin' missing" in eval_error(path, "noOverlay")


# ---------------------------------------------------------------- misc pkgs


def test_trivial_builders_and_docker(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        script = (pkgs.writeShellScriptBin "smoke" "echo hi").drvPath;
        check = (pkgs.runCommand "check" { nativeBuildInputs = [ pkgs.git ]; } "touch $out").drvPath;
        image = (pkgs.dockerTools.buildLayeredImage {
          name = "my_app";
          tag = "latest";
          contents = [ pkgs.bashInteractive pkgs.cacert ];
          config.Cmd = [ "${pkgs.zstd}/bin/x" "start" ];
        }).drvPath;
        badImage = (pkgs.dockerTools.buildLayeredImage { name = "a"; cmd = [ ]; }).drvPath;
        shell = (pkgs.mkShell { packages = [ pkgs.nodejs pkgs.elixir-ls ]; shellHook = "true"; }).drvPath;
        exe = lib.getExe pkgs.nodejs;
        badText = (pkgs.writeText "a" [ "b" ]).drvPath;
        """,
    )
    for attr in ("script", "check", "image", "shell"):
        assert DRV_RE.match(nix_eval(path, attr)), attr
    assert "unexpected argument 'cmd'" in eval_error(path, "badImage")
    assert nix_eval(path, "exe").endswith('/bin/node"')
    assert "should be a string" in eval_error(path, "badText")


DEPS_NIX = f"""\
{{ lib, beamPackages, overrides ? (final: prev: {{ }}) }}:
let
  buildMix = lib.makeOverridable beamPackages.buildMix;
  buildRebar3 = lib.makeOverridable beamPackages.buildRebar3;
  self = packages // (overrides self packages);
  packages = with beamPackages; with self; {{
    jason = buildMix rec {{
      name = "jason";
      version = "1.4.4";
      src = fetchHex {{ pkg = "jason"; version = "${{version}}"; sha256 = "{JASON_SHA}"; }};
      beamDeps = [ telemetry ];
    }};
    telemetry = buildRebar3 rec {{
      name = "telemetry";
      version = "1.3.0";
      src = fetchHex {{ pkg = "telemetry"; version = "${{version}}"; sha256 = "{LIBC_SUM}"; }};
      beamDeps = [ ];
    }};
  }};
in
self
"""


def test_mix2nix_shaped_deps_file(tmp_path: Path) -> None:
    let = """
        beamPackages = pkgs.beamMinimal27Packages.extend (final: prev: { elixir = final.elixir_1_17; });
        mixNixDeps = import ./nix/deps.nix {
          inherit lib beamPackages;
          overrides = final: prev: {
            jason = prev.jason.override { appConfigPath = ./config; };
          };
        };
        rel = beamPackages.mixRelease {
          pname = "my_app";
          version = "0.1.0";
          src = ./.;
          inherit mixNixDeps;
        };
    """
    path = flake(
        tmp_path,
        "rel = rel.drvPath; names = rel.mockEnv.mixNixDepNames; jason = mixNixDeps.jason.mockEnv;",
        let=let,
        files={"nix/deps.nix": DEPS_NIX, "config/config.exs": "import Config\n"},
    )
    assert DRV_RE.match(nix_eval(path, "rel"))
    assert nix_eval(path, "names") == '"jason telemetry"'
    jason = nix_eval_json(path, "jason")
    assert jason["appConfigPath"].startswith("/nix/store/")
    assert "elixir-1.17.3" in jason["nativeBuildInputs"]
    assert "telemetry-1.3.0" in jason["propagatedBuildInputs"]
