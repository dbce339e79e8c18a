"""The build-rehearsal tier: `nixgen init`, then rehearse what `nix build` and `nix flake check`
would run (tests/rehearsal.py), with the real mix/elixir/erl and cargo.

Each test copies a project to tmp (the repository is never written to), runs `nixgen init` through
the CLI, evaluates the generated flake against the mock inputs and rehearses the NIF crates, the
Mix dependencies, the release and the `nifLoad` check. The tests assert the CORRECT behaviour:
a rehearsal that fails shows the step, the command and the output that a Nix build would show.

Fixtures: example/ (the repository's example), fixtures/rehearse_path_dep (an in-repository path
dependency with its own NIF), fixtures/rehearse_external_resource (compile-time reads of project
files, a dynamic version read from VERSION), fixtures/rehearse_phoenix (esbuild/tailwind assets,
a runtime.exs that raises without DATABASE_URL). Their crates use the `rustler` crate from
crates.io, fetched by the rehearsal (into CARGO_HOME) when it is not there yet.

Marker `rehearsal`: skipped unless nix, mix and cargo are installed (tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from support.env import REPO
from support.example import EXAMPLE, copy_example, nixgen_init
from support.rehearsal import (
    STANDIN_BIN,
    Rehearsal,
    RehearsalError,
    RehearsalSkip,
    Rehearser,
    _hex_inner_checksum,
    rehearse,
)

FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def rehearsal_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cargo builds of the NIF crates (one CARGO_TARGET_DIR: rustler compiles once per session)
    and the compiled Hex stand-in, shared by all rehearsals."""
    return tmp_path_factory.mktemp("rehearsal-cache")


def initialised(source: Path, tmp_path: Path) -> tuple[Path, str]:
    """A copy of `source` in tmp_path after `nixgen init` (which must succeed); init's output."""
    project = copy_example(tmp_path / source.name, source)
    return project, nixgen_init(project)


def rehearsed(project: Path, tmp_path: Path, cache: Path) -> Rehearsal:
    try:
        return rehearse(project, tmp_path / "rehearsal", cache=cache)
    except RehearsalSkip as skip:
        pytest.skip(f"not rehearsable: {skip}")


def assert_nifs_loaded(result: Rehearsal, modules: list[str]) -> None:
    """nifLoad ran to the end and loaded every module; cargo never ran in a Mix step."""
    output = result.output_of("nifLoad: buildCommand (verbatim)")
    for module in modules:
        assert f"loaded {module}" in output, output
    assert result.nif_load_out.exists()
    assert result.cargo_calls() == [], f"cargo ran during the Mix steps: {result.cargo_calls()}"


def assert_nif_in_release(result: Rehearsal, app: str, load_path: str, crate: str) -> None:
    """The release carries the crate's library at the load path of its module (plus .so)."""
    released = result.release_app_dir(app) / f"{load_path}.so"
    assert released.is_file(), f"the release has no {released.relative_to(result.release_out)}"
    built = result.crate_outs[crate]
    assert released.read_bytes() == built.read_bytes(), f"{released} is not the library of {crate}"


def assert_no_cookie(result: Rehearsal) -> None:
    # removeCookie defaults to true (mix-release.nix L92, L187-191).
    assert not (result.release_out / "releases" / "COOKIE").exists()


# --------------------------------------------------------------------------- the harness itself


def test_substitution_maps_known_paths_and_refuses_the_others(tmp_path: Path) -> None:
    rehearser = Rehearser(tmp_path, tmp_path / "work", cache=tmp_path / "cache")
    crate = "/nix/store/" + "a" * 32 + "-my_nif-0.1.0"
    rehearser.store_map[crate] = tmp_path / "crate"
    tool = "/nix/store/" + "b" * 32 + "-esbuild-0.25.0"
    text = f"install {crate}/lib/libmy_nif.so x && {tool}/bin/esbuild --version"
    assert rehearser.substitute(text, "t") == (
        f"install {tmp_path}/crate/lib/libmy_nif.so x && {STANDIN_BIN}/esbuild --version"
    )
    unknown = "/nix/store/" + "c" * 32 + "-openssl-3.0"
    with pytest.raises(RehearsalError, match=re.escape(unknown)):
        rehearser.substitute(f"ls {unknown}/lib", "t")


def test_a_write_into_a_sealed_output_fails_the_step(tmp_path: Path) -> None:
    """Root ignores read-only bits: the rehearsal also compares snapshots of sealed outputs."""
    rehearser = Rehearser(tmp_path, tmp_path / "work", cache=tmp_path / "cache")
    out = tmp_path / "store" / "dep"
    (out / "lib").mkdir(parents=True)
    (out / "lib" / "a.beam").write_bytes(b"x")
    rehearser.seal(out)
    rehearser.check_read_only("nothing written")
    (out / "lib").chmod(0o755)
    (out / "lib" / "b.beam").write_bytes(b"y")
    with pytest.raises(
        RehearsalError, match=r"mix compile: wrote into the read-only output .*b\.beam"
    ):
        rehearser.check_read_only("mix compile")


def test_hex_manifest_checksum_is_the_inner_one_of_the_lock() -> None:
    checksum = _hex_inner_checksum(FIXTURES / "rehearse_phoenix", "esbuild", "0.10.0")
    lock = (FIXTURES / "rehearse_phoenix" / "mix.lock").read_text(encoding="utf-8")
    assert f'"0.10.0", "{checksum}"' in lock
    with pytest.raises(RehearsalError, match="no :hex entry"):
        _hex_inner_checksum(FIXTURES / "rehearse_phoenix", "esbuild", "9.9.9")


def run_standin(program: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run(
        [str(STANDIN_BIN / program), *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return proc.stdout


def test_standin_clis_write_their_outputs(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("let a = 1;\nconsole.log(a);\n", encoding="utf-8")
    (tmp_path / "app.css").write_text("body {\n  margin: 0;\n}\n", encoding="utf-8")
    run_standin("esbuild", "app.js", "--bundle", "--minify", "--outdir=out", cwd=tmp_path)
    assert (tmp_path / "out" / "app.js").read_text(encoding="utf-8").startswith("/* esbuild")
    run_standin("tailwindcss", "--input=app.css", "--output=o/app.css", "--minify", cwd=tmp_path)
    assert "margin: 0;" in (tmp_path / "o" / "app.css").read_text(encoding="utf-8")
    assert re.search(r"tailwindcss v\d", run_standin("tailwindcss", "--help", cwd=tmp_path))
    assert run_standin("esbuild", "--version", cwd=tmp_path).strip() == "0.25.0"


# --------------------------------------------------------------------------- rehearsals


@pytest.mark.rehearsal
def test_example(tmp_path: Path, rehearsal_cache: Path) -> None:
    """example/: one NIF, rustler as an in-repository path dependency (vendor/rustler)."""
    project, _ = initialised(EXAMPLE, tmp_path)
    result = rehearsed(project, tmp_path, rehearsal_cache)
    assert_nifs_loaded(result, ["Example.Native"])
    assert_nif_in_release(result, "example", "priv/native/libexample_nif", "example_nif")
    assert_no_cookie(result)


@pytest.mark.rehearsal
def test_path_dependency_with_its_own_nif(tmp_path: Path, rehearsal_cache: Path) -> None:
    """An in-repository path dependency (libs/local_lib) whose module loads a NIF of its own."""
    project, _ = initialised(FIXTURES / "rehearse_path_dep", tmp_path)
    result = rehearsed(project, tmp_path, rehearsal_cache)
    assert_nifs_loaded(result, ["PathApp.Native", "LocalLib.Native"])
    assert_nif_in_release(result, "path_app", "priv/native/libpath_app_nif", "path_app_nif")
    # Rustler's default load path is relative to the module's own otp_app (rustler <= 0.36).
    assert_nif_in_release(result, "local_lib", "priv/native/liblocal_nif", "local_nif")
    assert result.release_app_dir("local_lib").name == "local_lib-0.2.0"
    # Both crates lock the same rustler: the second build reuses the first one's (shared target).
    second = result.output_of("nif-path_app_nif: cargo build")
    assert "Compiling rustler" not in second, second


@pytest.mark.rehearsal
def test_compile_time_reads_of_project_files(tmp_path: Path, rehearsal_cache: Path) -> None:
    """README.md read at compile time, VERSION read by mix.exs, a .formatter.exs."""
    project, output = initialised(FIXTURES / "rehearse_external_resource", tmp_path)
    # nixgen reads mix.exs without running it: the computed version is reported, with its place.
    assert "mix.exs:8" in output and 'File.read!("VERSION")' in output, output
    result = rehearsed(project, tmp_path, rehearsal_cache)
    assert_nifs_loaded(result, ["ExtRes.Native"])
    # Mix itself read VERSION in the build: the release's app directory carries it.
    assert result.release_app_dir("ext_res").name == "ext_res-0.3.0"
    assert_nif_in_release(result, "ext_res", "priv/native/libext_res_nif", "ext_res_nif")


@pytest.mark.rehearsal
def test_phoenix_assets_and_runtime_config(
    tmp_path: Path, rehearsal_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """esbuild/tailwind Hex packages (stand-ins) with nixpkgs' binaries (stand-ins), the
    assets.deploy alias, and a runtime.exs that raises without DATABASE_URL."""
    # Even if the machine running the tests sets it, the rehearsed builds must not see it.
    monkeypatch.setenv("DATABASE_URL", "ecto://leaked")
    project, _ = initialised(FIXTURES / "rehearse_phoenix", tmp_path)
    result = rehearsed(project, tmp_path, rehearsal_cache)
    static = result.release_app_dir("phx_like") / "priv" / "static" / "assets"
    js, css = static / "js" / "app.js", static / "css" / "app.css"
    assert js.is_file() and css.is_file(), f"assets missing from the release: {static}"
    assert js.read_text(encoding="utf-8").startswith("/* esbuild stand-in"), js.read_text()
    assert css.read_text(encoding="utf-8").startswith("/* tailwindcss stand-in"), css.read_text()
    # The release has the runtime configuration that would raise; nifLoad must not run it.
    assert list(result.release_out.glob("releases/*/runtime.exs")), "runtime.exs not in the release"
    assert_nifs_loaded(result, ["PhxLike.Native"])
    assert_nif_in_release(result, "phx_like", "priv/native/libphx_like_nif", "phx_like_nif")
    assert "DATABASE_URL" not in result.evaluated["release"]["env"]
    assert os.environ["DATABASE_URL"] == "ecto://leaked"
