"""End to end: `nixgen init` on example/, a real Rust NIF, a real Mix build, both switch branches.

What runs here is what the generated flake does inside Nix, minus Nix: build the crate with cargo
(crane's job), copy the library to the path nixgen's release copies it to (the `preConfigure` of
nix/release.nix), compile and release the app with `PRECOMPILED_NIF=true` (the release's env),
then call the NIF from `mix test` and from the built release. Without the variable, the same
sources must build the crate with cargo at compile time, as Rustler does in development.

The Elixir `rustler` package comes from Hex, which is NOT reachable on the machines that run this
test; example/vendor/rustler is a small stand-in path dependency implementing the part of
Rustler's option contract the switch relies on (application config merged over the `use`
options, `skip_compilation?`, `load_from`, `@on_load` -> `:erlang.load_nif/2`). The crate is a
real Rustler crate (`rustler` 0.36.0 from crates.io, Cargo.lock committed): as crane vendors the
locked crates before its offline build, `cargo fetch --locked` runs first with the network allowed
(a no-op once CARGO_HOME has them; on a fresh machine crates.io is needed once), then every cargo
build runs offline.

Needs Debian's `elixir` (OTP 25) and cargo; skipped otherwise (marker `elixir`, tests/conftest.py).
Everything happens in copies under tmp_path: the repository is never written to.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from support.example import (
    EXAMPLE,
    copy_example,
    make_fake_cargo,
    nixgen_init,
    tool_env,
)

from nixgen.emit.glue import BEGIN, END
from nixgen.model import Nif
from nixgen.resolve.project import load_project

pytestmark = pytest.mark.elixir


TIMEOUT = 180  # seconds, per subprocess; the whole module takes well under a minute
EVAL_ADD_AND_BRANCH = "IO.puts(Example.add(1, 2)); IO.puts(Example.Native.__rustler_branch__())"


# --------------------------------------------------------------------------- helpers


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """stdout + stderr of a command that must succeed."""
    try:
        proc = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{' '.join(args)} in {cwd} timed out after {TIMEOUT}s\n{error.output!r}")
    output = f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert proc.returncode == 0, f"{' '.join(args)} in {cwd} exited {proc.returncode}\n{output}"
    return proc.stdout + proc.stderr


def the_nif(project: Path) -> Nif:
    nifs = load_project(project).nifs
    assert len(nifs) == 1 and nifs[0].resolved, nifs
    return nifs[0]


def release_copy_destinations(project: Path) -> list[str]:
    """The destinations of the `(copyNif CRATE DEST)` elements of nix/release.nix's `nifCopies`
    (`copyNif` runs `install -D -m 0644 SRC DEST`)."""
    text = (project / "nix" / "release.nix").read_text(encoding="utf-8")
    assert 'copyNif = crate: dest: "install -D -m 0644 ' in text
    copies = re.findall(r'\(copyNif\s+nifs\.crates\.\S+\s+"((?:[^"\\]|\\.)*)"\s*\)', text)
    return copies


def library_lines(project: Path) -> list[str]:
    """The `libName = ...` lines of nix/nifs.nix: buildNif makes the `library` crane's output
    holds from them (lib<libName> and the platform's shared library suffix)."""
    text = (project / "nix" / "nifs.nix").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if re.match(r"\s*libName\s*=", line)]


def fetch_crates(project: Path, nif: Nif, env: dict[str, str]) -> None:
    """crane's vendoring: the locked crates into CARGO_HOME, the only step with network."""
    assert nif.workspace_root
    online = {k: v for k, v in env.items() if k != "CARGO_NET_OFFLINE"}
    run(["cargo", "fetch", "--locked"], project / nif.workspace_root, online)


def build_crate(project: Path, nif: Nif, target_dir: Path, env: dict[str, str]) -> Path:
    """crane's part: `cargo build --release` for the host; the library it produced."""
    assert nif.workspace_root and nif.artifact and nif.crate
    crate_dir = project / nif.workspace_root
    fetch_crates(project, nif, env)
    env = {**env, "CARGO_TARGET_DIR": str(target_dir)}
    run(["cargo", "build", "--release", "--offline", "--locked"], crate_dir, env)
    artifact = nif.artifact
    if sys.platform == "darwin":  # cargo names it .dylib there; load_nif still wants .so
        artifact = artifact.removesuffix(".so") + ".dylib"
    built = target_dir / "release" / artifact
    assert built.is_file(), f"cargo did not produce {built}"
    return built


def nif_destination(nif: Nif) -> str:
    """Where the release's preConfigure copies the library: the module's load path plus .so."""
    assert nif.load_path
    return posixpath.normpath(posixpath.join(nif.mix_dir, nif.load_path)) + ".so"


def compiled_branch(project: Path, env: dict[str, str]) -> str:
    """Which branch of the stand-in compiled Example.Native (in env's MIX_ENV)."""
    script = "IO.puts(Example.Native.__rustler_branch__())"
    return run(["mix", "run", "--no-compile", "--no-start", "-e", script], project, env).strip()


def assert_loaded_at_compile_time(output: str) -> None:
    # The compiler loads each module it defines, so @on_load runs during `mix compile` too.
    assert "Failed to load NIF" not in output and "on_load function" not in output, output


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """(a) A copy of example/ after `nixgen init`; each test copies it again."""
    project = copy_example(tmp_path_factory.mktemp("init") / "example")
    output = nixgen_init(project)
    nif = the_nif(project)
    config = (project / "config" / "config.exs").read_text(encoding="utf-8")
    assert BEGIN in config and END in config, config
    assert 'if System.get_env("PRECOMPILED_NIF") in ["1", "true"] do' in config, config
    assert f"config :{nif.otp_app}, {nif.module}," in config, config
    assert "skip_compilation?: true" in config, config
    assert f'load_from: {{:{nif.load_app}, "{nif.load_path}"}}' in config, config
    for generated in ("flake.nix", "nix/release.nix", "nix/nifs.nix", "nix/deps.nix"):
        assert (project / generated).is_file(), f"nixgen init did not write {generated}\n{output}"
    return project


@pytest.fixture
def fresh(initialized: Path, tmp_path: Path) -> Callable[[], Path]:
    def make() -> Path:
        return copy_example(tmp_path / "example", initialized)

    return make


# --------------------------------------------------------------------------- tests


def test_example_is_clean_and_resolves() -> None:
    """The committed example carries no build output and nixgen resolves its one NIF."""
    assert not (EXAMPLE / "flake.nix").exists(), "example/ must stay un-initialised"
    nif = the_nif(EXAMPLE)
    assert (nif.module, nif.otp_app, nif.crate) == ("Example.Native", "example", "example_nif")
    assert nif.rustler_version == "0.36.0"  # the stand-in's version: the lib-prefixed default
    assert nif.load_path == "priv/native/libexample_nif"
    assert (EXAMPLE / "native/example_nif/Cargo.lock").is_file()


def test_example_crate_is_a_real_rustler_crate() -> None:
    """The crate uses the `rustler` crate, locked at the version of the Elixir-side stand-in."""
    crate = EXAMPLE / "native" / "example_nif"
    manifest = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    assert manifest["dependencies"] == {"rustler": "0.36.0"}
    lock = tomllib.loads((crate / "Cargo.lock").read_text(encoding="utf-8"))
    versions = {package["name"]: package["version"] for package in lock["package"]}
    assert versions["rustler"] == versions["rustler_codegen"] == the_nif(EXAMPLE).rustler_version
    source = (crate / "src" / "lib.rs").read_text(encoding="utf-8")
    assert 'rustler::init!("Elixir.Example.Native");' in source
    assert "#[rustler::nif]" in source and "ErlNifEntry" not in source
    assert not (crate / "build.rs").exists()  # rustler >= 0.35 needs none, macOS included


def test_precompiled_nif_true_loads_the_copied_library(
    fresh: Callable[[], Path], tmp_path: Path
) -> None:
    project = fresh()
    nif = the_nif(project)
    assert nif.artifact

    # (b) crane's build, then the release's copy step, with the model's paths.
    target_dir = tmp_path / "cargo-target"
    built = build_crate(
        project, nif, target_dir, tool_env(tmp_path, precompiled=False, mix_env="prod")
    )
    destination = nif_destination(nif)
    # The same file and destination as the generated release's preConfigure.
    assert release_copy_destinations(project) == [destination]
    libraries = library_lines(project)
    assert any(f'"{nif.lib_name}"' in line for line in libraries), libraries
    (project / destination).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, project / destination)
    shutil.rmtree(target_dir)  # nothing left for Mix to pick up from a cargo build

    # (c) PRECOMPILED_NIF=true: cargo must not run (a failing cargo comes first on PATH).
    marker = tmp_path / "cargo-was-called"
    make_fake_cargo(tmp_path / "fake-bin", marker)
    prod = tool_env(tmp_path, precompiled=True, mix_env="prod", path_prefix=tmp_path / "fake-bin")
    compiled = run(["mix", "compile"], project, prod)
    assert not marker.exists(), f"cargo ran: {marker.read_text()}\n{compiled}"
    assert "Compiling crate" not in compiled, compiled
    assert_loaded_at_compile_time(compiled)

    run(["mix", "release", "--overwrite"], project, prod)
    script = project / "_build" / "prod" / "rel" / "example" / "bin" / "example"
    evaluated = run([str(script), "eval", EVAL_ADD_AND_BRANCH], project, prod)
    assert evaluated.split() == ["3", "skip_compilation"], evaluated
    released = project / "_build/prod/rel/example/lib/example-0.1.0" / destination
    assert released.is_file(), "the release does not carry the NIF at its load path"

    # mix test builds _build/test separately, from the same priv/native library.
    test_env = {**prod, "MIX_ENV": "test"}
    tested = run(["mix", "test"], project, test_env)
    assert "0 failures" in tested, tested
    assert not marker.exists(), f"cargo ran: {marker.read_text()}\n{tested}"
    assert_loaded_at_compile_time(tested)
    assert compiled_branch(project, test_env) == "skip_compilation"


def test_without_precompiled_nif_rustler_builds_with_cargo(
    fresh: Callable[[], Path], tmp_path: Path
) -> None:
    """(d) The block is inert without the variable: the stand-in takes its cargo branch."""
    project = fresh()
    nif = the_nif(project)
    destination = project / nif_destination(nif)
    assert not destination.exists()
    env = tool_env(tmp_path, precompiled=False, mix_env="test")
    env["CARGO_TARGET_DIR"] = str(tmp_path / "cargo-target")
    fetch_crates(project, nif, env)  # Rustler's cargo build below runs offline

    compiled = run(["mix", "compile"], project, env)
    assert f"Compiling crate {nif.crate}" in compiled, compiled
    assert destination.is_file(), f"the cargo branch did not copy the library to {destination}"
    assert_loaded_at_compile_time(compiled)

    tested = run(["mix", "test"], project, env)
    assert "0 failures" in tested, tested
    assert compiled_branch(project, env) == "cargo"
