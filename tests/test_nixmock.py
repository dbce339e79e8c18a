"""Tests of the mock nixpkgs / crane / rust-overlay flakes in tests/nixmock.

Each test writes a small flake into tmp_path and evaluates it with
`nixeval.nix_eval` (Nix's own evaluator, offline, inputs replaced by the
mocks). They check that the mocks accept correct code and reject what the
real functions would reject (wrong argument names, malformed hashes, type
errors), plus the nixgen-specific rules the mocks enforce.
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from support.nixeval import nix_available, nix_env, nix_eval, nix_eval_command, nix_eval_json

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


def eval_with_stderr(path: Path, attr: str) -> tuple[str, str]:
    """Evaluate `attr` (expected to succeed); return stdout and Nix's stderr (warnings)."""
    cmd = nix_eval_command(path, attr)
    proc = subprocess.run(
        cmd, env=nix_env(), capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.rstrip("\n"), proc.stderr


def warnings_of(stderr: str) -> list[str]:
    """The `lib.warn` messages on stderr (`trace: evaluation warning: …` on Nix 2.8,
    `evaluation warning: …` where builtins.warn exists)."""
    return re.findall(r"^(?:trace: )?evaluation warning: (.*)$", stderr, re.MULTILINE)


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
    # U-MIXRELEASE-ARGS: upstream's own assertion and message.
    path = flake(tmp_path, "x = rel.drvPath;", let=release(f"{arg} = bp.{arg};"))
    err = eval_error(path, "x")
    assert "mixRelease no longer takes `elixir`, `erlang` or `hex`" in err
    assert "overrideScope" in err


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
        """
        drv = rel.drvPath;
        env = rel.mockEnv;
        again = (rel.overrideAttrs { version = "0.2.0"; }).name;
        names = builtins.attrNames rel.mixNixDeps;
        overridable = rel ? override;
        """,
        let=jason + release(deps="{ inherit jason; }"),
    )
    assert DRV_RE.match(nix_eval(path, "drv"))
    env = nix_eval_json(path, "env")
    assert env["PRECOMPILED_NIF"] == "true"
    assert env["MIX_ENV"] == "prod"
    assert re.search(
        r"cp /nix/store/\S+/lib/libx\.so priv/native/libmy_nif\.so", env["preConfigure"]
    )
    assert json.loads(env["mixNixDeps"]).keys() == {"jason"}
    assert "erlang27.3.4.17-jason-1.4.4" in env["nativeBuildInputs"]
    assert nix_eval_json(path, "names") == ["jason"]
    # U-MIXRELEASE-ARGS: the result of an extendMkDerivation builder has
    # overrideAttrs, not override.
    assert nix_eval(path, "again") == '"my_app-0.2.0"'
    assert nix_eval(path, "overridable") == "false"


def test_mix_release_dependency_attribute_must_be_app_name(tmp_path: Path) -> None:
    # The name mixRelease links into _build/<env>/lib is the installed
    # directory cut at its first '-' (U-MIXRELEASE-PHASES): beamModuleName for
    # buildMix/buildRebar3, the app name for buildErlangMk.
    deps = f"""
        dep = bp.buildMix {{
          name = "jason";
          version = "1.4.4";
          src = bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }};
        }};
        cowboy = bp.buildErlangMk {{
          name = "cowboy";
          version = "2.12.0";
          src = bp.fetchHex {{ pkg = "cowboy"; version = "2.12.0"; sha256 = "{LIBC_SUM}"; }};
        }};
        ranch = bp.buildRebar3 {{
          name = "ranch";
          version = "1.8.0";
          src = bp.fetchHex {{ pkg = "ranch"; version = "1.8.0"; sha256 = "{LIBC_SUM}"; }};
        }};
        ok = (bp.mixRelease {{ pname = "a"; version = "1"; src = ./.; mixNixDeps = {{ jason = dep; inherit cowboy ranch; }}; }}).drvPath;
        cow = (bp.mixRelease {{ pname = "a"; version = "1"; src = ./.; mixNixDeps = {{ cow = cowboy; }}; }}).drvPath;
        ranchy = (bp.mixRelease {{ pname = "a"; version = "1"; src = ./.; mixNixDeps = {{ ranch_ = ranch; }}; }}).drvPath;
    """
    path = flake(
        tmp_path,
        "x = rel.drvPath; inherit ok cow ranchy;",
        let=deps + release(deps="{ json = dep; }"),
    )
    assert "does not match the dependency's app name `jason`" in eval_error(path, "x")
    assert DRV_RE.match(nix_eval(path, "ok"))
    assert "app name `cowboy`" in eval_error(path, "cow")
    assert "app name `ranch`" in eval_error(path, "ranchy")


def test_beam_builders_names_env_and_passthru(tmp_path: Path) -> None:
    # U-BUILDMIX, U-BUILDMIX-ENV, U-BUILDREBAR3, U-BUILDERLANGMK
    let = f"""
        src = bp.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }};
        mix = bp.buildMix {{ name = "jason"; version = "1.4.4"; inherit src; env.FOO = "1"; passthru.extra = 1; }};
        rebar = bp.buildRebar3 {{ name = "ranch"; version = "1.8.0"; inherit src; env.FOO = "1"; passthru.extra = 1; }};
        mk = bp.buildErlangMk {{ name = "cowboy"; version = "2.12.0"; inherit src; }};
        patched = mix.overrideAttrs (old: {{ env = old.env // {{ FOO = "2"; }}; }});
    """
    path = flake(
        tmp_path,
        """
        facts = {
          mixName = mix.name;
          mixModule = mix.beamModuleName;
          mixFoo = mix.mockEnv ? FOO;
          mixPackageName = mix ? packageName;
          mixExtra = mix ? extra;
          mixDeps = mix.beamDeps;
          rebarName = rebar.name;
          rebarPname = rebar.pname;
          rebarFoo = rebar.mockEnv.FOO;
          rebarExtra = rebar ? extra;
          rebarNative = map (d: d.pname or d.name) rebar.nativeBuildInputs;
          rebarBuildInputs = map (d: d.pname) rebar.buildInputs;
          mkName = mk.name;
          mkApp = mk.app_name;
          mkPackageName = mk.packageName;
          mkShell = mk.env.name;
          patchedFoo = patched.mockEnv.FOO;
          patchedMix = patched.mockEnv.MIX_ENV;
        };
        """,
        let=let,
    )
    assert nix_eval_json(path, "facts") == {
        "mixName": "erlang27.3.4.17-jason-1.4.4",
        "mixModule": "jason",
        "mixFoo": False,  # the caller's env is replaced, not merged
        "mixPackageName": False,
        "mixExtra": True,
        "mixDeps": [],
        "rebarName": "erlang27.3.4.17-ranch-1.8.0",
        "rebarPname": "ranch",
        "rebarFoo": "1",
        "rebarExtra": False,  # passthru = { beamDeps } only
        "rebarNative": [
            "erlang",
            "rebar3-with-plugins",
            "rebar-devendor-patch-hook",
            "beam-copy-source-hook",
            "beam-module-install-hook",
            "rebar3-compile-hook",
        ],
        "rebarBuildInputs": ["erlang", "openssl", "libyaml"],
        "mkName": "cowboy-2.12.0",
        "mkApp": "cowboy",
        "mkPackageName": "cowboy",
        "mkShell": "interactive-shell-cowboy-2.12.0",
        "patchedFoo": "2",
        "patchedMix": "prod",
    }


def test_mix_release_env_values_must_be_strings(tmp_path: Path) -> None:
    path = flake(tmp_path, "x = rel.drvPath;", let=release('env.EXTRA = [ "a" ];'))
    assert "can only contain derivation, string, boolean or integer" in eval_error(path, "x")


def test_package_set_override_scope_selects_elixir(tmp_path: Path) -> None:
    # U-BEAM-SCOPE: the replacement for `.extend`.
    path = flake(
        tmp_path,
        """
        default = bp.mixRelease { pname = "a"; version = "1"; src = ./.; };
        old = (bp.overrideScope (final: prev: { elixir = final.elixir_1_17; })).mixRelease { pname = "a"; version = "1"; src = ./.; };
        """,
    )
    default = nix_eval_json(path, "default.mockEnv")
    old = nix_eval_json(path, "old.mockEnv")
    assert "elixir-1.18.4" in default["nativeBuildInputs"]
    assert "elixir-1.17.3" in old["nativeBuildInputs"]
    assert nix_eval(path, "default.drvPath") != nix_eval(path, "old.drvPath")


def test_package_set_override_scope_propagates_erlang(tmp_path: Path) -> None:
    # U-BEAM-SCOPE: members are called from the scope's fixed point, so a new
    # `erlang` reaches every Elixir, hex, rebar3, buildMix and mixRelease.
    let = f"""
        otp29 = pkgs.beam29Packages.erlang;
        set = bp.overrideScope (final: prev: {{ erlang = otp29; }});
        erlangOf = d: (builtins.head d.buildInputs).version;
        byPname = n: ds: lib.findFirst (d: (d.pname or "") == n) null ds;
        rel = set.mixRelease {{ pname = "a"; version = "1"; src = ./.; }};
        jason = set.buildMix {{
          name = "jason";
          version = "1.4.4";
          src = set.fetchHex {{ pkg = "jason"; version = "1.4.4"; sha256 = "{JASON_SHA}"; }};
        }};
    """
    path = flake(
        tmp_path,
        """
        versions = {
          erlang = set.erlang.version;
          elixir = erlangOf set.elixir;
          elixir_1_20 = erlangOf set.elixir_1_20;
          hex = erlangOf (builtins.head set.hex.buildInputs);
          rebar3 = erlangOf set.rebar3;
          releaseErlang = (byPname "erlang" rel.nativeBuildInputs).version;
          releaseElixir = erlangOf (byPname "elixir" rel.nativeBuildInputs);
          before = erlangOf bp.elixir;
        };
        jasonName = jason.name;
        rebar3Path = rel.mockEnv.MIX_REBAR3;
        setRebar3 = "${set.rebar3}/bin/rebar3";
        """,
        let=let,
    )
    versions = nix_eval_json(path, "versions")
    assert versions == {
        "erlang": "29.1",
        "elixir": "29.1",
        "elixir_1_20": "29.1",
        "hex": "29.1",
        "rebar3": "29.1",
        "releaseErlang": "29.1",
        "releaseElixir": "29.1",
        "before": "27.3.4.17",
    }
    assert nix_eval(path, "jasonName") == '"erlang29.1-jason-1.4.4"'
    assert nix_eval(path, "rebar3Path") == nix_eval(path, "setRebar3")


def test_package_set_extend_throws(tmp_path: Path) -> None:
    # U-BEAM-SCOPE: `.extend` throws since 2026-08-24; `beam.packagesWith` too.
    path = flake(
        tmp_path,
        """
        extended = (bp.extend (final: prev: { })).mixRelease;
        packagesWith = pkgs.beam.packagesWith pkgs.beam.interpreters.erlang_27;
        """,
    )
    assert "'beamPackages.extend' has been replaced by 'beamPackages.overrideScope'" in (
        eval_error(path, "extended")
    )
    assert "'beam.packagesWith' has been removed" in eval_error(path, "packagesWith")


def test_beam_sets_and_versions(tmp_path: Path) -> None:
    # U-BEAM-VERSIONS
    path = flake(
        tmp_path,
        """
        versions = {
          beamPackages = pkgs.beamPackages.erlang.version;
          beamMinimalPackages = pkgs.beamMinimalPackages.erlang.version;
          beam27 = pkgs.beam27Packages.erlang.version;
          beam28 = pkgs.beamMinimal28Packages.erlang.version;
          beam29 = pkgs.beamMinimal29Packages.erlang.version;
          elixir = pkgs.beam29Packages.elixir.version;
          elixir_1_20 = pkgs.beam29Packages.elixir_1_20.version;
          minimalWx = pkgs.beamMinimal28Packages.erlang.wxSupport;
          fullWx = pkgs.beam28Packages.erlang.wxSupport;
          elixirs = builtins.filter (lib.hasPrefix "elixir_") (builtins.attrNames pkgs.beam28Packages);
        };
        beam26 = pkgs.beam26Packages.erlang;
        minimal26 = pkgs.beamMinimal26Packages.erlang;
        erlang26 = pkgs.beam.packages.erlang_26;
        elixir16 = pkgs.beam28Packages.elixir_1_16;
        """,
    )
    assert nix_eval_json(path, "versions") == {
        "beamPackages": "28.5.0.6",
        "beamMinimalPackages": "28.5.0.6",
        "beam27": "27.3.4.17",
        "beam28": "28.5.0.6",
        "beam29": "29.1",
        "elixir": "1.18.4",
        "elixir_1_20": "1.20.4",
        "minimalWx": False,
        "fullWx": True,
        "elixirs": ["elixir_1_17", "elixir_1_18", "elixir_1_19", "elixir_1_20"],
    }
    assert "attribute 'beam26Packages' missing" in eval_error(path, "beam26")
    assert "attribute 'beamMinimal26Packages' missing" in eval_error(path, "minimal26")
    assert "'erlang_26' has been removed, as it is EOL" in eval_error(path, "erlang26")
    assert "attribute 'elixir_1_16' missing" in eval_error(path, "elixir16")


@pytest.mark.parametrize(
    ("expr", "ok"),
    [
        ("pkgs.beam27Packages.elixir_1_17", True),
        ("pkgs.beam28Packages.elixir_1_17", False),
        ("pkgs.beam29Packages.elixir_1_18", True),
        ("pkgs.beam28Packages.elixir_1_19", True),
        ("pkgs.beam29Packages.elixir_1_19", False),
        ("pkgs.beam27Packages.elixir_1_20", True),
        ("pkgs.beamMinimal29Packages.elixir_1_20", True),
        (
            "(bp.overrideScope (final: prev: { erlang = pkgs.beam29Packages.erlang; })).elixir_1_17",
            False,
        ),
        (
            "(pkgs.beam29Packages.overrideScope (final: prev: { elixir = final.elixir_1_19; }))"
            '.mixRelease { pname = "a"; version = "1"; src = ./.; }',
            False,
        ),
    ],
)
def test_elixir_otp_bounds_assert(tmp_path: Path, expr: str, ok: bool) -> None:
    # U-ELIXIR-OTP-BOUNDS: 1.17 25-27, 1.18 25-, 1.19 26-28, 1.20 27-29.
    path = flake(tmp_path, f"x = ({expr}).drvPath;")
    if ok:
        assert DRV_RE.match(nix_eval(path, "x"))
    else:
        assert "Unsupported elixir and erlang OTP combination." in eval_error(path, "x")


def test_elixir_otp_bounds_without_aliases_is_null(tmp_path: Path) -> None:
    path = flake(
        tmp_path,
        """
        x = (import nixpkgs { inherit system; config.allowAliases = false; }).beam29Packages.elixir_1_19;
        extend = (import nixpkgs { inherit system; config.allowAliases = false; }).beamPackages ? extend;
        """,
    )
    assert nix_eval(path, "x") == "null"
    assert nix_eval(path, "extend") == "false"


def test_mix_release_tools_come_from_the_enclosing_set(tmp_path: Path) -> None:
    # U-MIXRELEASE-TOOLS, U-PKGSMUSL: a set taken from pkgsMusl builds
    # everything for musl; the default set with a musl `erlang` swapped in
    # keeps glibc tools (cached) and only the ERTS is musl.
    let = """
        muslErlang = pkgs.pkgsMusl.beamMinimal28Packages.erlang;
        mixed = pkgs.beamMinimal28Packages.overrideScope (final: prev: { erlang = muslErlang; });
        args = { pname = "a"; version = "1"; src = ./.; };
        hostOf = n: rel: (lib.findFirst (d: (d.pname or "") == n) (throw "no ${n}") (rel.nativeBuildInputs ++ rel.buildInputs)).mockHostPlatform;
        describe = rel: {
          release = rel.mockHostPlatform;
          erlang = hostOf "erlang" rel;
          elixir = hostOf "elixir" rel;
          elixirErlang = (builtins.head (lib.findFirst (d: (d.pname or "") == "elixir") null rel.nativeBuildInputs).buildInputs).mockHostPlatform;
          bbe = hostOf "bbe" rel;
          git = hostOf "git" rel;
          ripgrep = hostOf "ripgrep" rel;
          bash = hostOf "bashNonInteractive" rel;
          hook = (lib.findFirst (d: d.name == "writableTmpDirAsHomeHook-1.0-mock") null rel.nativeBuildInputs).mockHostPlatform;
        };
    """
    path = flake(
        tmp_path,
        """
        musl = describe (pkgs.pkgsMusl.beamMinimal28Packages.mixRelease args);
        mixed = describe (mixed.mixRelease args);
        erlangIsMusl = mixed.erlang.isMusl;
        defaultIsMusl = pkgs.beamMinimal28Packages.erlang.isMusl;
        """,
        let=let,
    )
    musl, gnu = "x86_64-unknown-linux-musl", "x86_64-unknown-linux-gnu"
    assert nix_eval_json(path, "musl") == dict.fromkeys(
        ("release", "erlang", "elixir", "elixirErlang", "bbe", "git", "ripgrep", "bash", "hook"),
        musl,
    )
    assert nix_eval_json(path, "mixed") == {
        "release": gnu,
        "erlang": musl,
        "elixir": gnu,
        "elixirErlang": musl,
        "bbe": gnu,
        "git": gnu,
        "ripgrep": gnu,
        "bash": gnu,
        "hook": gnu,
    }
    assert nix_eval(path, "erlangIsMusl") == "true"
    assert nix_eval(path, "defaultIsMusl") == "false"


def test_mix_release_structure(tmp_path: Path) -> None:
    # U-MIXRELEASE-ARGS / -ENV / -TOOLS
    let = """
        rel = bp.mixRelease {
          pname = "a";
          version = "1";
          src = ./.;
          buildInputs = [ pkgs.zstd ];
          nativeBuildInputs = [ pkgs.jq ];
          env = { MIX_ENV = "staging"; EXTRA = "x"; };
        };
    """
    path = flake(
        tmp_path,
        """
        attrs = {
          structured = rel.__structuredAttrs;
          strictDeps = rel.strictDeps;
          firstBuildInput = (builtins.head rel.buildInputs).pname;
          buildInputs = map (d: d.pname) rel.buildInputs;
          nativeNames = map (d: d.pname or d.name) rel.nativeBuildInputs;
        };
        env = rel.mockEnv;
        flags = (bp.mixRelease { pname = "a"; version = "1"; src = ./.; mixCompileFlags = [ "--warnings-as-errors" ]; }).mockEnv.mixCompileFlags;
        dropped = (bp.mixRelease { pname = "a"; version = "1"; src = ./.; compileFlags = [ "--warnings-as-errors" ]; }).drvPath;
        emptyFlags = (bp.mixRelease { pname = "a"; version = "1"; src = ./.; compileFlags = [ ]; }).drvPath;
        """,
        let=let,
    )
    attrs = nix_eval_json(path, "attrs")
    assert attrs["structured"] is True
    assert attrs["strictDeps"] is True
    assert attrs["buildInputs"] == ["bashNonInteractive", "zstd"]
    assert attrs["nativeNames"][:11] == [
        "jq",
        "erlang",
        "elixir",
        "hex",
        "bbe",
        "findutils",
        "git",
        "makeWrapper",
        "ripgrep",
        "writableTmpDirAsHomeHook",
        "mix-build-dir-hook",
    ]
    assert "mix-release-setup-hook" in attrs["nativeNames"]
    assert "mix-nix-deps-setup-hook" not in attrs["nativeNames"]
    env = nix_eval_json(path, "env")
    assert env["MIX_ENV"] == "staging"  # the caller's env wins
    assert env["EXTRA"] == "x"
    assert env["MIX_BUILD_PREFIX"] == "prod"  # computed from mixEnv, not env.MIX_ENV
    assert env["HEX_OFFLINE"] == "1"
    assert env["LANG"] == "C.UTF-8"
    assert env["ERL_COMPILER_OPTIONS"] == "[deterministic]"
    assert env["MIX_REBAR3"].endswith("-rebar3-3.25.1/bin/rebar3")
    assert "LC_ALL" not in env
    assert nix_eval(path, "flags") == '"--warnings-as-errors"'
    assert "pass `mixCompileFlags` instead" in eval_error(path, "dropped")
    assert DRV_RE.match(nix_eval(path, "emptyFlags"))


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
    assert "Musl libc only supports 64-bit Linux systems, and i686-linux." in eval_error(
        path, "darwin"
    )


def test_platform_rust_and_library_facts(tmp_path: Path) -> None:
    # U-PLATFORM-RUST: the Rust target, its env-var spelling and the shared library suffix.
    path = flake(
        tmp_path,
        """
        facts = builtins.mapAttrs (name: platform: {
          inherit (platform.rust) rustcTarget cargoShortTarget cargoEnvVarTarget;
          inherit (platform.extensions) sharedLibrary;
        }) {
          gnu = pkgs.stdenv.hostPlatform;
          musl = pkgs.pkgsMusl.stdenv.hostPlatform;
          darwin = nixpkgs.legacyPackages.aarch64-darwin.stdenv.hostPlatform;
        };
        """,
    )
    assert nix_eval_json(path, "facts") == {
        "gnu": {
            "rustcTarget": "x86_64-unknown-linux-gnu",
            "cargoShortTarget": "x86_64-unknown-linux-gnu",
            "cargoEnvVarTarget": "X86_64_UNKNOWN_LINUX_GNU",
            "sharedLibrary": ".so",
        },
        "musl": {
            "rustcTarget": "x86_64-unknown-linux-musl",
            "cargoShortTarget": "x86_64-unknown-linux-musl",
            "cargoEnvVarTarget": "X86_64_UNKNOWN_LINUX_MUSL",
            "sharedLibrary": ".so",
        },
        "darwin": {
            "rustcTarget": "aarch64-apple-darwin",
            "cargoShortTarget": "aarch64-apple-darwin",
            "cargoEnvVarTarget": "AARCH64_APPLE_DARWIN",
            "sharedLibrary": ".dylib",
        },
    }


def test_x86_64_darwin_throws_unless_forced(tmp_path: Path) -> None:
    # U-X86-DARWIN: importing nixpkgs 26.11 for x86_64-darwin (local or cross) throws.
    path = flake(
        tmp_path,
        """
        legacy = nixpkgs.legacyPackages.x86_64-darwin.stdenv.hostPlatform.system;
        imported = (import nixpkgs { system = "x86_64-darwin"; }).hello;
        cross = (import nixpkgs { inherit system; crossSystem = { config = "x86_64-apple-darwin"; }; }).stdenv.hostPlatform.system;
        forced = (import nixpkgs { system = "x86_64-darwin"; config.allowDeprecatedx86_64Darwin = "force"; }).stdenv.hostPlatform.system;
        arm = nixpkgs.legacyPackages.aarch64-darwin.stdenv.hostPlatform.system;
        lib = nixpkgs.lib.version;
        """,
    )
    for attr in ("legacy", "imported", "cross"):
        err = eval_error(path, attr)
        assert "Nixpkgs 26.11 has dropped support for x86_64-darwin." in err, attr
        assert "nixpkgs-26.05-darwin" in err, attr
    assert nix_eval(path, "forced") == '"x86_64-darwin"'
    assert nix_eval(path, "arm") == '"aarch64-darwin"'
    assert nix_eval(path, "lib") == '"26.11-mock"'


def test_top_level_beam_aliases_warn(tmp_path: Path) -> None:
    # U-TOPLEVEL-ALIASES: warnAlias = lib.warnOnInstantiate for derivations, so
    # instantiating warns (once per value) and `name`/`meta` do not.
    path = flake(
        tmp_path,
        """
        elixir = pkgs.elixir.drvPath;
        elixirName = pkgs.elixir.name;
        sameAsSet = pkgs.elixir_1_19.drvPath == pkgs.beamPackages.elixir_1_19.drvPath;
        elixir17 = pkgs.elixir_1_17.drvPath;
        erlang27 = pkgs.erlang_27.version;
        exDoc = "${pkgs.ex_doc}";
        viaSet = pkgs.beamPackages.elixir.drvPath;
        elixir20 = pkgs.elixir_1_20;
        erlang29 = pkgs.erlang_29;
        elixir15 = pkgs.elixir_1_15.drvPath;
        erlang26 = pkgs.erlang_26.drvPath;
        noAliases = (import nixpkgs { inherit system; config.allowAliases = false; }) ? elixir;
        """,
    )
    deprecated = "is deprecated in favor of using the beamPackages sets."
    _, err = eval_with_stderr(path, "elixir")
    assert warnings_of(err) == [f"'elixir' {deprecated} Use 'beamPackages.elixir' instead."]
    _, err = eval_with_stderr(path, "elixirName")
    assert warnings_of(err) == []
    out, err = eval_with_stderr(path, "sameAsSet")
    assert out == "true"
    assert warnings_of(err) == [
        f"'elixir_1_19' {deprecated} Use 'beamPackages.elixir_1_19' instead."
    ]
    # beamPackages is OTP 28, beyond 1.17's maximum (U-ELIXIR-OTP-BOUNDS)
    assert "Unsupported elixir and erlang OTP combination." in eval_error(path, "elixir17")
    out, err = eval_with_stderr(path, "erlang27")
    assert out == '"27.3.4.17"'
    assert warnings_of(err) == [f"'erlang_27' {deprecated} Use 'beam27Packages.erlang' instead."]
    _, err = eval_with_stderr(path, "exDoc")
    assert warnings_of(err)[:1] == [f"'ex_doc' {deprecated} Use 'beamPackages.ex_doc' instead."]
    _, err = eval_with_stderr(path, "viaSet")
    assert warnings_of(err) == []
    assert "attribute 'elixir_1_20' missing" in eval_error(path, "elixir20")
    assert "attribute 'erlang_29' missing" in eval_error(path, "erlang29")
    assert "'elixir_1_15' has been removed" in eval_error(path, "elixir15")
    assert "'erlang_26' has been removed, as it is EOL" in eval_error(path, "erlang26")
    assert nix_eval(path, "noAliases") == "false"


def test_nixfmt_alias_and_tree(tmp_path: Path) -> None:
    # U-NIXFMT
    path = flake(
        tmp_path,
        """
        same = pkgs.nixfmt-rfc-style.drvPath == pkgs.nixfmt.drvPath;
        tree = lib.getExe pkgs.nixfmt-tree;
        classic = pkgs.nixfmt-classic.drvPath;
        """,
    )
    out, err = eval_with_stderr(path, "same")
    assert out == "true"
    assert warnings_of(err) == [
        "nixfmt-rfc-style is now the same as pkgs.nixfmt which should be used instead."
    ]
    out, err = eval_with_stderr(path, "tree")
    assert out.endswith('/bin/treefmt"')
    assert warnings_of(err) == []
    assert "nixfmt-classic has been removed" in eval_error(path, "classic")


def test_tailwindcss_and_esbuild(tmp_path: Path) -> None:
    # U-TAILWINDCSS, U-ESBUILD
    path = flake(
        tmp_path,
        """
        versions = {
          tailwindcss_3 = pkgs.tailwindcss_3.version;
          tailwindcss_4 = pkgs.tailwindcss_4.version;
          tailwindcss = pkgs.tailwindcss.version;
          esbuild = pkgs.esbuild.version;
          platforms4 = pkgs.tailwindcss_4.meta.platforms;
        };
        exe3 = lib.getExe pkgs.tailwindcss_3;
        exe4 = lib.getExe pkgs.tailwindcss_4;
        esbuild = lib.getExe pkgs.esbuild;
        darwin4 = nixpkgs.legacyPackages.aarch64-darwin.tailwindcss_4.drvPath;
        x86Darwin4 = (import nixpkgs { system = "x86_64-darwin"; config.allowDeprecatedx86_64Darwin = "force"; }).tailwindcss_4.drvPath;
        """,
    )
    assert nix_eval_json(path, "versions") == {
        "tailwindcss_3": "3.4.17",
        "tailwindcss_4": "4.3.2",
        "tailwindcss": "3.4.17",
        "esbuild": "0.27.2",
        "platforms4": ["aarch64-darwin", "aarch64-linux", "x86_64-linux"],
    }
    assert nix_eval(path, "exe3").endswith('/bin/tailwindcss"')
    assert nix_eval(path, "exe4").endswith('/bin/tailwindcss"')
    assert nix_eval(path, "esbuild").endswith('/bin/esbuild"')
    assert DRV_RE.match(nix_eval(path, "darwin4"))
    assert "tailwindcss has not been packaged for x86_64-darwin yet." in eval_error(
        path, "x86Darwin4"
    )


def test_lib_warn_prints_an_evaluation_warning(tmp_path: Path) -> None:
    # U-LIB-WARN: on Nix 2.8 (no builtins.warn) a trace with the same prefix.
    path = flake(tmp_path, 'x = lib.warn "careful" 1; y = lib.warnIf false "no" 2;')
    out, err = eval_with_stderr(path, "x")
    assert out == "1"
    assert warnings_of(err) == ["careful"]
    out, err = eval_with_stderr(path, "y")
    assert out == "2"
    assert warnings_of(err) == []


def test_bindgen_hook_uses_the_sets_clang(tmp_path: Path) -> None:
    # U-BINDGEN-HOOK, U-PKGSMUSL
    path = flake(
        tmp_path,
        """
        glibc = pkgs.rustPlatform.bindgenHook.clang.mockHostPlatform;
        musl = pkgs.pkgsMusl.rustPlatform.bindgenHook.clang.mockHostPlatform;
        """,
    )
    assert nix_eval(path, "glibc") == '"x86_64-unknown-linux-gnu"'
    assert nix_eval(path, "musl") == '"x86_64-unknown-linux-musl"'


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
        beamPackages = pkgs.beamMinimal27Packages.overrideScope (final: prev: { elixir = final.elixir_1_17; });
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
        "rel = rel.drvPath; names = builtins.attrNames rel.mixNixDeps; jason = mixNixDeps.jason.mockEnv;",
        let=let,
        files={"nix/deps.nix": DEPS_NIX, "config/config.exs": "import Config\n"},
    )
    assert DRV_RE.match(nix_eval(path, "rel"))
    assert nix_eval_json(path, "names") == ["jason", "telemetry"]
    jason = nix_eval_json(path, "jason")
    assert jason["appConfigPath"].startswith("/nix/store/")
    assert "elixir-1.17.3" in jason["nativeBuildInputs"]
    assert "telemetry-1.3.0" in jason["propagatedBuildInputs"]


def test_get_exe_prime_checks_its_arguments(tmp_path: Path) -> None:
    # U-LIB-GETEXE
    path = flake(
        tmp_path,
        """
        ok = lib.getExe' pkgs.esbuild "esbuild";
        nested = lib.getExe' pkgs.esbuild "bin/esbuild";
        notString = lib.getExe' pkgs.esbuild 1;
        notDrv = lib.getExe' { } "esbuild";
        """,
    )
    assert as_string(nix_eval(path, "ok")).endswith("/bin/esbuild")
    assert 'The second argument "bin/esbuild" is a nested path' in eval_error(path, "nested")
    assert "The second argument is of type int" in eval_error(path, "notString")
    assert "The first argument is of type set" in eval_error(path, "notDrv")


def test_run_command_passes_write_text_as_an_attribute(tmp_path: Path) -> None:
    # U-TRIVIAL-BUILDERS: what the rehearsal reads (tests/support/rehearsal.py, textFiles)
    path = flake(
        tmp_path,
        """
        text = check.script.text;
        sameOut = check.script.outPath == script.outPath;
        notString = pkgs.writeText "s" 1;
        unknownArg = pkgs.writeShellApplication { name = "a"; text = ""; shell = "x"; };
        """,
        let="""
        script = pkgs.writeText "s.exs" "IO.puts(1)\\n";
        check = pkgs.runCommand "c" { inherit script; } "touch $out";
        """,
    )
    assert nix_eval(path, "text") == '"IO.puts(1)\\n"'
    assert nix_eval(path, "sameOut") == "true"
    assert "The second argument should be a string" in eval_error(path, "notString")
    assert "unexpected argument 'shell'" in eval_error(path, "unknownArg")
