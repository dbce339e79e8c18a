"""NIF dependencies (Hex packages that `use RustlerPrecompiled`) rehearsed without Nix.

What the generated Nix will do for such a dependency (README "NIF dependencies": strategy A, and
strategy B) is replayed here with the real mix/elixir/erl and cargo, the way tests/support/
rehearsal.py replays nixpkgs' builders, and with its hook bodies (U-BUILDMIX, U-MIXRELEASE-PHASES):

* the fake NIF dependency tests/standins/fake_nif, its crate built with this machine's cargo and
  packed upstream-style as `libfake_nif-v0.1.0-nif-<nif>-<triple>.so.tar.gz`, listed in its
  `checksum-Elixir.FakeNif.Native.exs` (what a Hex tarball of it would carry);
* tests/standins/rustler_precompiled, the stand-in for the Hex package it uses;
* each dependency built as buildMix does, its phases in ONE bash process as stdenv runs them (so
  what preBuild exports reaches `mix compile`): mixAppConfigPatchHook, beamCopySourceHook,
  mixBuildDirHook, the caller's preBuild, `mix compile --no-deps-check`, the caller's postBuild,
  beamModuleInstallHook; the staging snippets of templates/nif-deps/ run verbatim in preBuild and
  postBuild, after the assignments of their inputs that the generated Nix will make;
* an app depending on fake_nif built as mixRelease does (mixBuildDirHook, `mix deps.compile`,
  mixNixDepsPostConfigure, `mix compile`, `mix release`), then the NIF called from the release
  as the nifLoad check boots it (start_clean, no config providers; U-RELEASE-EVAL).

Every build runs as in a sandbox without network: HTTP(S)_PROXY point at a closed port (the
stand-in's download then fails at once), HOME lies below a regular file (no directory can be made
there, not even by root), no variable of the caller's leaks in. Outputs are snapshotted after
their build: a later write into one (mixRelease recompiling a dependency) fails the step.
"""

from __future__ import annotations

import hashlib
import io
import shlex
import shutil
import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from support.env import REPO
from support.example import tool_env
from support.rehearsal import (
    BEAM_COPY_SOURCE_HOOK,
    BEAM_MODULE_INSTALL_HOOK,
    MIX_APP_CONFIG_PATCH_HOOK,
    MIX_BUILD_DIR_HOOK,
    MIX_NIX_DEPS_POST_CONFIGURE,
    SANDBOX_KEEP,
    RehearsalError,
    _snapshot,
    run_command,
    succeeded,
)

STANDINS = REPO / "tests" / "standins"
FAKE_NIF = STANDINS / "fake_nif"
RUSTLER_PRECOMPILED = STANDINS / "rustler_precompiled"
SNIPPETS = REPO / "templates" / "nif-deps"
FAKE_NIF_MODULE = "Elixir.FakeNif.Native"
FAKE_NIF_VERSION = "0.1.0"
FAKE_NIF_NIF_VERSIONS = ("2.15", "2.16")  # its `nif_versions:` (lib/fake_nif/native.ex)
RUSTLER_PRECOMPILED_VERSION = "0.8.4"
CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # discard: nothing listens there
# What a build keeps of tool_env: no MIX_HOME/HEX_HOME (buildMix sets neither).
KEEP = SANDBOX_KEEP - {"MIX_HOME", "HEX_HOME"}


# ----------------------------------------------------------------------------- artifacts


@dataclass(frozen=True)
class Libraries:
    """fake_nif's library as upstream would publish it, and as nixgen's strategy B builds it."""

    upstream: Path
    rebuilt: Path


def build_fake_nif_libraries(cache: Path) -> Libraries:
    """Both builds of native/fake_nif with this machine's cargo: the locked crates.io dependencies
    fetched first (as crane vendors them), then two offline builds in one target directory (the
    second only recompiles fake_nif itself, with the feature `rebuilt`)."""
    crate = cache / "fake_nif-crate"
    shutil.rmtree(crate, ignore_errors=True)
    shutil.copytree(
        FAKE_NIF / "native" / "fake_nif", crate, ignore=shutil.ignore_patterns("target")
    )
    env = tool_env(cache / "cargo-tmp", precompiled=False, mix_env="prod")
    env["CARGO_TARGET_DIR"] = str(cache / "cargo-target")
    online = {k: v for k, v in env.items() if k != "CARGO_NET_OFFLINE"}
    _run("fake_nif: cargo fetch", ["cargo", "fetch", "--locked"], crate, online)
    built = {}
    for kind, features in (("upstream", []), ("rebuilt", ["--features", "rebuilt"])):
        argv = ["cargo", "build", "--release", "--locked", *features]
        _run(f"fake_nif ({kind}): cargo build", argv, crate, env)
        built[kind] = cache / f"libfake_nif-{kind}.so"
        shutil.copyfile(cache / "cargo-target" / "release" / "libfake_nif.so", built[kind])
    return Libraries(upstream=built["upstream"], rebuilt=built["rebuilt"])


def build_with_lock(cache: Path, lock_text: str, name: str) -> Path:
    """native/fake_nif built the way nix/nifs.nix builds a NIF dependency's crate (strategy B):
    a fresh copy of the crate whose Cargo.lock is replaced by `lock_text` (crane's
    replaceCargoLockHook copies nixgen's copy over it, docs/UPSTREAM.md U-CRANE-FETCHED-SRC),
    then `cargo build --release --locked` offline from the crates build_fake_nif_libraries
    fetched (crane's vendored sources)."""
    crate = cache / f"{name}-crate"
    shutil.rmtree(crate, ignore_errors=True)
    shutil.copytree(
        FAKE_NIF / "native" / "fake_nif", crate, ignore=shutil.ignore_patterns("target")
    )
    (crate / "Cargo.lock").write_text(lock_text, encoding="utf-8")
    env = tool_env(cache / "cargo-tmp", precompiled=False, mix_env="prod")
    env["CARGO_TARGET_DIR"] = str(cache / f"{name}-target")
    argv = ["cargo", "build", "--release", "--locked", "--offline"]
    _run(f"fake_nif ({name}): cargo build", argv, crate, env)
    return cache / f"{name}-target" / "release" / "libfake_nif.so"


def beam_info() -> tuple[str, str]:
    """This BEAM's `system_architecture` and `nif_version`."""
    script = (
        'io:format("~s ~s", [erlang:system_info(system_architecture), '
        "erlang:system_info(nif_version)]), halt()."
    )
    out = subprocess.run(
        ["erl", "-noshell", "-eval", script], capture_output=True, text=True, check=True
    ).stdout
    arch, nif = out.split()
    return arch, nif


def host_triple(system_architecture: str) -> str:
    """The triple rustler_precompiled derives for a Linux or macOS host (U-RUSTLER-PRECOMPILED-
    TARGET), computed here independently of the stand-in (the hosts tests run on only)."""
    arch, vendor, os_name, *abi = system_architecture.split("-")
    if "darwin" in os_name:
        return "-".join(["aarch64" if arch == "arm" else arch, vendor, "darwin"])
    vendor = "unknown" if vendor in ("pc", "redhat", "suse", "alpine") else vendor
    arch = {"amd64": "x86_64", "riscv64": "riscv64gc"}.get(arch, arch)
    return "-".join([arch, vendor, os_name, *abi])


def picked_nif_version(running: str, offered: Sequence[str]) -> str:
    """The NIF version rustler_precompiled picks (U-RUSTLER-PRECOMPILED-TARGET)."""
    major, minor = (int(p) for p in running.split("."))
    same_major = [v for v in offered if int(v.split(".")[0]) == major]
    compatible = [v for v in same_major if int(v.split(".")[1]) <= minor]
    if running in offered:
        return running
    if not compatible:
        raise AssertionError(f"no NIF version of {offered} loads into NIF {running}")
    return max(compatible, key=lambda v: int(v.split(".")[1]))


def lib_name(nif: str, triple: str) -> str:
    """fake_nif's lib_name (U-RUSTLER-PRECOMPILED-NAME); the artifact is `<lib_name>.so.tar.gz`."""
    return f"libfake_nif-v{FAKE_NIF_VERSION}-nif-{nif}-{triple}"


def pack_upstream_style(library: Path, name: str, dest_dir: Path) -> Path:
    """`<name>.so.tar.gz` holding one member `<name>.so`, as upstream's release artifacts do."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{name}.so.tar.gz"
    data = library.read_bytes()
    info = tarfile.TarInfo(f"{name}.so")
    info.size, info.mode = len(data), 0o755
    with tarfile.open(dest, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(data))
    return dest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksum_file_text(entries: Mapping[str, str]) -> str:
    """A checksum-<Module>.exs as `mix rustler_precompiled.download` writes it: one
    `"<file>" => "sha256:<hex>",` line per artifact, sorted (U-RUSTLER-PRECOMPILED-CHECKSUM)."""
    lines = [f'  "{name}" => "sha256:{entries[name]}",\n' for name in sorted(entries)]
    return "%{\n" + "".join(lines) + "}\n"


def hex_source(dest: Path, package: Path, version: str, checksum_text: str | None) -> Path:
    """fetchHex's output for a stand-in package (U-FETCHHEX): the package files, `.hex` and
    `hex_metadata.config`; for fake_nif also the checksum file its Hex tarball would carry."""
    shutil.copytree(
        package, dest, ignore=shutil.ignore_patterns("_build", "deps", "target", "README.md")
    )
    name = package.name
    (dest / ".hex").write_text(f"{name},{version},{inner_checksum(name)},hexpm", encoding="utf-8")
    metadata = (
        f'{{<<"name">>,<<"{name}">>}}.\n{{<<"version">>,<<"{version}">>}}.\n'
        f'{{<<"app">>,<<"{name}">>}}.\n{{<<"build_tools">>,[<<"mix">>]}}.\n'
    )
    (dest / "hex_metadata.config").write_text(metadata, encoding="utf-8")
    if checksum_text is not None:
        (dest / f"checksum-{FAKE_NIF_MODULE}.exs").write_text(checksum_text, encoding="utf-8")
    return dest


def inner_checksum(package: str) -> str:
    """A stand-in's (made-up, fixed) inner checksum, the same in the app's mix.lock and `.hex`."""
    return hashlib.sha256(f"inner {package}".encode()).hexdigest()


# ----------------------------------------------------------------------------- the snippets


def snippet(name: str) -> str:
    """templates/nif-deps/<name>.sh, the text the generator includes verbatim."""
    return (SNIPPETS / f"{name}.sh").read_text(encoding="utf-8")


def artifacts_value(artifacts: Sequence[tuple[str, str, Path]]) -> str:
    """nixgenNifArtifacts: one "<Module> <file> <path>" per line."""
    return "".join(f"{module} {file} {path}\n" for module, file, path in artifacts)


def hook(name: str, inputs: Mapping[str, str]) -> str:
    """What a generated hook will be once Nix evaluated it: the input assignments (each value
    quoted, as `lib.escapeShellArg` does) followed by the snippet verbatim."""
    assignments = "".join(f"{var}={shlex.quote(value)}\n" for var, value in inputs.items())
    return assignments + snippet(name)


# ----------------------------------------------------------------------------- the builds


class Builds:
    """Emulated derivations in `work`: each output is a directory standing for a store path."""

    def __init__(self, work: Path, hex_libs: Path):
        self.work = work
        self.hex_libs = hex_libs  # the Hex stand-in, installed as nixpkgs' `hex` (on ERL_LIBS)
        self.sealed: dict[Path, dict[str, tuple[int, int]]] = {}
        self.outputs: list[str] = []

    def env(self, name: str, extra: Mapping[str, str] = {}) -> dict[str, str]:
        """A sandbox-like environment for one build: no network, HOME not creatable."""
        tmp = self.work / "tmp" / name
        base = tool_env(tmp, precompiled=False, mix_env="prod")
        env = {k: v for k, v in base.items() if k in KEEP}
        (tmp / "tmpdir").mkdir(parents=True, exist_ok=True)
        (tmp / "a-file").write_text("HOME lies below this regular file\n", encoding="utf-8")
        env.update(
            TMPDIR=str(tmp / "tmpdir"),
            NIX_BUILD_TOP=str(tmp / "tmpdir"),
            HOME=str(tmp / "a-file" / "home"),
            MIX_ENV="prod",
            MIX_TARGET="host",
            MIX_BUILD_PREFIX="prod",
            HEX_OFFLINE="1",
            LANG="C.UTF-8",
            LC_CTYPE="C.UTF-8",
        )
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[var] = CLOSED_PORT_PROXY
        env.update(extra)
        return env

    def run_script(self, name: str, script: str, cwd: Path, env: Mapping[str, str]) -> str:
        path = self.work / "scripts" / f"{len(self.outputs):02d}-{name}.sh"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8")
        try:
            out = _run(name, ["bash", "-eu", "-o", "pipefail", str(path)], cwd, env)
        except RehearsalError as error:
            self.outputs.append(str(error))
            raise RehearsalError(f"{error}\n--- script {path}") from None
        self.outputs.append(out)
        self.check_sealed(name)
        return out

    def build_mix(
        self,
        name: str,
        version: str,
        src: Path,
        deps: Sequence[Path],
        *,
        pre_build: str = "",
        post_build: str = "",
        env: Mapping[str, str] = {},
    ) -> Path:
        """buildMix (U-BUILDMIX): `$out/lib/erlang/lib/<name>-<version>` and `$out/src`."""
        out = self.work / "store" / f"erlang-{name}-{version}"
        source = self.work / "build" / name / "source"
        shutil.copytree(src, source, symlinks=True)
        build_env = self.env(name, env)
        build_env.update(out=str(out), version=version, beamModuleName=name, appConfigPath="")
        build_env["ERL_LIBS"] = self.erl_libs(deps)
        script = "\n".join(
            [
                "# prePatch: mixAppConfigPatchHook",
                MIX_APP_CONFIG_PATCH_HOOK,
                "# postPatch: beamCopySourceHook",
                BEAM_COPY_SOURCE_HOOK,
                "# preConfigure: mixBuildDirHook",
                MIX_BUILD_DIR_HOOK,
                "# buildPhase (mixCompileHook): preBuild, mix compile, postBuild",
                pre_build,
                "mix compile --no-deps-check",
                post_build,
                "# installPhase: beamModuleInstallHook",
                BEAM_MODULE_INSTALL_HOOK,
            ]
        )
        self.run_script(f"{name}-buildMix", script, source, build_env)
        self.seal(out)
        return out

    def release(self, app: Path, deps: Mapping[str, Path]) -> Path:
        """mixRelease's phases (U-MIXRELEASE-PHASES) with `mixNixDeps = deps`."""
        out = self.work / "store" / f"{app.name}-release"
        source = self.work / "build" / app.name / "source"
        shutil.copytree(app, source)
        env = self.env(app.name)
        env.update(out=str(out), ERL_LIBS=self.erl_libs(list(deps.values())))
        declare = " ".join(
            f"[{shlex.quote(n)}]={shlex.quote(str(p))}" for n, p in sorted(deps.items())
        )
        script = "\n".join(
            [
                "# preConfigure: mixBuildDirHook",
                MIX_BUILD_DIR_HOOK,
                "# postConfigure: mixDepsCompileHook, mixNixDepsPostConfigure",
                "mix deps.compile --no-deps-check --skip-umbrella-children",
                f"declare -A mixNixDeps=({declare})",
                MIX_NIX_DEPS_POST_CONFIGURE,
                "# buildPhase, installPhase",
                "mix compile --no-deps-check",
                'mix release --no-deps-check --path "$out"',
            ]
        )
        self.run_script(f"{app.name}-mixRelease", script, source, env)
        self.seal(out)
        return out

    def call_nif(self, release: Path, expression: str) -> str:
        """Evaluate `expression` in the release booted as the nifLoad check boots it."""
        script = (
            'vsn=$(cut -d" " -f2 "$rel/releases/start_erl.data")\n'
            '"$rel/releases/$vsn/elixir" --boot "$rel/releases/$vsn/start_clean" '
            '--boot-var RELEASE_LIB "$rel/lib" --eval "$expression"\n'
        )
        env = self.env("call", {"rel": str(release), "expression": expression})
        return self.run_script("call-nif", script, Path(env["TMPDIR"]), env)

    def run_command(self, name: str, script: str, env: Mapping[str, str]) -> Path:
        """pkgs.runCommand: `script` with `$out` set, in a fresh TMPDIR."""
        out = self.work / "store" / name
        build_env = self.env(name, env)
        build_env["out"] = str(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.run_script(name, script, Path(build_env["TMPDIR"]), build_env)
        self.seal(out)
        return out

    def erl_libs(self, deps: Sequence[Path]) -> str:
        return ":".join([str(self.hex_libs), *(str(d / "lib" / "erlang" / "lib") for d in deps)])

    def seal(self, out: Path) -> None:
        self.sealed[out] = _snapshot(out)

    def check_sealed(self, step: str) -> None:
        for out, before in self.sealed.items():
            if _snapshot(out) != before:
                raise RehearsalError(f"{step}: wrote into the finished output {out}")


def _run(name: str, argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    return succeeded(name, argv, cwd, run_command(name, argv, cwd, env))


# ----------------------------------------------------------------------------- the app

APP_MIX_EXS = """\
defmodule NifUser.MixProject do
  use Mix.Project

  def project do
    [app: :nif_user, version: "0.1.0", elixir: "~> 1.14", deps: deps(), releases: [nif_user: []]]
  end

  def application do
    [extra_applications: [:logger]]
  end

  defp deps do
    [{:fake_nif, "~> 0.1"}]
  end
end
"""

APP_MODULE = """\
defmodule NifUser do
  @moduledoc "Calls the NIF of its Hex dependency fake_nif."
  def origin, do: FakeNif.Native.origin()
end
"""


def lock_entry(package: str, version: str, deps: str) -> str:
    outer = hashlib.sha256(f"outer {package}".encode()).hexdigest()
    return (
        f'  "{package}": {{:hex, :{package}, "{version}", "{inner_checksum(package)}", [:mix], '
        f'[{deps}], "hexpm", "{outer}"}},\n'
    )


def write_app(dest: Path) -> Path:
    """An app whose only dependency is the Hex package fake_nif (mix.lock as Mix writes it)."""
    (dest / "lib").mkdir(parents=True)
    (dest / "mix.exs").write_text(APP_MIX_EXS, encoding="utf-8")
    (dest / "lib" / "nif_user.ex").write_text(APP_MODULE, encoding="utf-8")
    fake_nif_deps = (
        '{:rustler, ">= 0.0.0", [hex: :rustler, repo: "hexpm", optional: true]}, '
        '{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", '
        "optional: false]}"
    )
    lock = (
        "%{\n"
        + lock_entry("fake_nif", FAKE_NIF_VERSION, fake_nif_deps)
        + lock_entry("rustler_precompiled", RUSTLER_PRECOMPILED_VERSION, "")
        + "}\n"
    )
    (dest / "mix.lock").write_text(lock, encoding="utf-8")
    return dest
