"""NIF dependencies end to end without Nix or network (issue 12, "Tests"; docs/UPSTREAM.md
U-RUSTLER-PRECOMPILED-CACHE, U-RUSTLER-PRECOMPILED-CHECKSUM): the staging snippets
of templates/nif-deps/ run verbatim in the emulated buildMix of a RustlerPrecompiled dependency
(tests/support/nifdep.py), which then compiles with proxies pointed at a closed port and an
uncreatable HOME; an app depending on it is released and calls the NIF.

The dependency is tests/standins/fake_nif (a Rust crate using the rustler crate from crates.io,
built once per session for both builds: "upstream artifact" and "rebuilt from source"); the
package it uses is the stand-in tests/standins/rustler_precompiled (contract of 0.8.4).

Marker `elixir` (mix and cargo): nothing here evaluates Nix yet. The hooks are what the generated
Nix will evaluate to: the snippet's input assignments (quoted as `lib.escapeShellArg` does) and the
snippet verbatim. Once the generator emits them, tests/support/rehearsal.py can run them from the
evaluated flake instead.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.nifdep import (
    FAKE_NIF,
    FAKE_NIF_MODULE,
    FAKE_NIF_NIF_VERSIONS,
    FAKE_NIF_VERSION,
    RUSTLER_PRECOMPILED,
    RUSTLER_PRECOMPILED_VERSION,
    SNIPPETS,
    Builds,
    Libraries,
    artifacts_value,
    beam_info,
    build_fake_nif_libraries,
    build_with_lock,
    checksum_file_text,
    hex_source,
    hook,
    host_triple,
    lib_name,
    pack_upstream_style,
    picked_nif_version,
    sha256_of,
    snippet,
    write_app,
)
from support.nifdepfixture import nif_dep_project
from support.rehearsal import RehearsalError, Rehearser

from nixgen.constants import nif_lock_path
from nixgen.emit.render import nix_ind
from nixgen.pipeline import InitOptions, plan_init
from nixgen.write import apply_changes

UPSTREAM, REBUILT = "upstream artifact", "rebuilt from source"


@dataclass(frozen=True)
class Session:
    """What all rehearsals share: the libraries, the Hex stand-in, rustler_precompiled's build,
    and what this BEAM makes rustler_precompiled pick."""

    cache: Path
    libraries: Libraries
    hex_libs: Path
    rustler_precompiled: Path
    nif: str
    triple: str
    upstream_tarball: Path  # packed upstream-style: the file a GitHub release would hold

    @property
    def lib_name(self) -> str:
        return lib_name(self.nif, self.triple)

    @property
    def file(self) -> str:
        return f"{self.lib_name}.so.tar.gz"

    def published_checksums(self) -> str:
        """The checksum file of the "published" fake_nif: the host artifact, plus made-up
        entries for the other targets and NIF versions its release would list."""
        entries = {self.file: sha256_of(self.upstream_tarball)}
        for triple in ("aarch64-apple-darwin", "x86_64-unknown-linux-musl"):
            for nif in FAKE_NIF_NIF_VERSIONS:
                name = f"{lib_name(nif, triple)}.so.tar.gz"
                entries[name] = hashlib.sha256(name.encode()).hexdigest()
        return checksum_file_text(entries)


@pytest.fixture(scope="session")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    cache = tmp_path_factory.mktemp("nifdep")
    libraries = build_fake_nif_libraries(cache)
    hex_libs = Rehearser(cache, cache / "hex-work", cache=cache).hex_standin()
    builds = Builds(cache / "shared", hex_libs)
    src = hex_source(cache / "src-rp", RUSTLER_PRECOMPILED, RUSTLER_PRECOMPILED_VERSION, None)
    rustler_precompiled = builds.build_mix(
        "rustler_precompiled", RUSTLER_PRECOMPILED_VERSION, src, []
    )
    arch, running = beam_info()
    nif, triple = picked_nif_version(running, FAKE_NIF_NIF_VERSIONS), host_triple(arch)
    tarball = pack_upstream_style(libraries.upstream, lib_name(nif, triple), cache / "release")
    return Session(cache, libraries, hex_libs, rustler_precompiled, nif, triple, tarball)


@dataclass
class Rehearsed:
    builds: Builds
    fake_nif: Path | None = None
    log: str = ""


def build_fake_nif(
    session: Session,
    tmp_path: Path,
    artifacts: list[tuple[str, str, Path]],
    *,
    rewrite: bool = False,
    unset: str = "FAKE_NIF_BUILD",
    env: dict[str, str] | None = None,
    after_stage: str = "",
) -> Rehearsed:
    """fake_nif's buildMix with the staging snippets; raises RehearsalError when it fails."""
    builds = Builds(tmp_path / "work", session.hex_libs)
    builds.seal(session.rustler_precompiled)
    src = hex_source(
        tmp_path / "src-fake_nif", FAKE_NIF, FAKE_NIF_VERSION, session.published_checksums()
    )
    value = artifacts_value(artifacts)
    stage_inputs = {
        "nixgenNifArtifacts": value,
        "nixgenNifUnset": unset,
        "nixgenNifRewriteChecksums": "1" if rewrite else "",
    }
    pre_build = hook("stage", stage_inputs) + after_stage
    post_build = hook("check", {"nixgenNifApp": "fake_nif", "nixgenNifArtifacts": value})
    result = Rehearsed(builds)
    result.fake_nif = builds.build_mix(
        "fake_nif",
        FAKE_NIF_VERSION,
        src,
        [session.rustler_precompiled],
        pre_build=pre_build,
        post_build=post_build,
        env=env or {},
    )
    result.log = builds.outputs[-1]
    return result


def release_origin(session: Session, tmp_path: Path, rehearsed: Rehearsed) -> str:
    """Release the app that depends on fake_nif and return what the NIF answers there."""
    assert rehearsed.fake_nif is not None
    app = write_app(tmp_path / "nif_user")
    deps = {"fake_nif": rehearsed.fake_nif, "rustler_precompiled": session.rustler_precompiled}
    release = rehearsed.builds.release(app, deps)
    so = release / "lib" / f"fake_nif-{FAKE_NIF_VERSION}" / "priv" / "native"
    assert (so / f"{session.lib_name}.so").is_file(), sorted(p.name for p in so.iterdir())
    out = rehearsed.builds.call_nif(release, 'IO.puts("origin=" <> NifUser.origin())')
    match = re.search(r"^origin=(.*)$", out, re.MULTILINE)
    assert match, out
    return match[1]


def assert_offline_cache_hit(log: str) -> None:
    """No download was attempted; the staged file was used."""
    assert "couldn't fetch" not in log and "Attempt" not in log, log
    assert "nixgen: staged" in log, log


# --------------------------------------------------------------------------- the snippets


def test_snippets_embed_verbatim_in_a_nix_indented_string() -> None:
    """No `${` (Nix interpolation) and no `''` (end of string): the generator can put each
    snippet into `preBuild = '' … ''` unchanged."""
    for path in sorted(SNIPPETS.glob("*.sh")):
        text = path.read_text(encoding="utf-8")
        assert nix_ind(text) == text, path
        subprocess.run(["bash", "-n", str(path)], check=True)


def test_pack_is_reproducible_and_upstream_shaped(tmp_path: Path) -> None:
    """pack.sh twice over the same library gives the same bytes: one member `<lib_name>.so`."""
    library = tmp_path / "libfake_nif.so"
    library.write_bytes(b"\x7fELF not really a library")
    name = lib_name("2.16", "x86_64-unknown-linux-gnu")
    sums = set()
    for run in ("a", "b"):
        out = tmp_path / f"{run}.tar.gz"
        env = {"nixgenNifLibrary": str(library), "nixgenNifLibName": name, "out": str(out)}
        subprocess.run(
            ["bash", "-eu", "-o", "pipefail", "-c", snippet("pack")],
            env={**env, "PATH": "/usr/bin:/bin"},
            check=True,
        )
        sums.add(sha256_of(out))
    listing = subprocess.run(["tar", "tzf", str(out)], capture_output=True, text=True, check=True)
    assert listing.stdout == f"{name}.so\n"
    assert len(sums) == 1


# --------------------------------------------------------------------------- rehearsals


@pytest.mark.elixir
def test_strategy_a_upstream_artifact_loads(session: Session, tmp_path: Path) -> None:
    """The published tarball, staged under its upstream name: verified against the package's own
    checksum file, extracted, loaded from the release."""
    rehearsed = build_fake_nif(
        session, tmp_path, [(FAKE_NIF_MODULE, session.file, session.upstream_tarball)]
    )
    assert_offline_cache_hit(rehearsed.log)
    assert "Using global cache for rustler precompiled artifacts" in rehearsed.log
    # The metadata went to the staged cache, not to the HOME that cannot be created.
    cache = rehearsed.builds.work / "tmp" / "fake_nif" / "tmpdir" / "nixgen-nif-cache"
    metadata = (
        cache / "rustler_precompiled" / "precompiled_nifs" / f"metadata-{FAKE_NIF_MODULE}.exs"
    )
    assert metadata.is_file() and "Cannot write metadata" not in rehearsed.log, rehearsed.log
    assert release_origin(session, tmp_path, rehearsed) == UPSTREAM


@pytest.mark.elixir
def test_strategy_b_rebuilt_library_with_checksum_rewrite_loads(
    session: Session, tmp_path: Path
) -> None:
    """Our own build packed by pack.sh under the upstream name, the checksum file rewritten:
    rustler_precompiled loads it through its normal path (another answer than upstream's)."""
    builds = Builds(tmp_path / "pack", session.hex_libs)
    packed = builds.run_command(
        session.file,
        snippet("pack"),
        {"nixgenNifLibrary": str(session.libraries.rebuilt), "nixgenNifLibName": session.lib_name},
    )
    rehearsed = build_fake_nif(
        session, tmp_path, [(FAKE_NIF_MODULE, session.file, packed)], rewrite=True
    )
    assert_offline_cache_hit(rehearsed.log)
    assert (
        f"checksum-{FAKE_NIF_MODULE}.exs now lists the library built from source" in rehearsed.log
    )
    assert release_origin(session, tmp_path, rehearsed) == REBUILT


@pytest.mark.elixir
def test_strategy_b_builds_with_the_generated_lock_copy_and_loads(
    session: Session, tmp_path: Path
) -> None:
    """The whole of strategy B from what `nixgen init` writes: the Cargo.lock copy under
    nix/nif-deps/ (nixgen's header included) put in the crate as crane does, a `--locked` offline
    cargo build, pack.sh, then staging with the checksum rewrite: the dependency compiles with no
    network and the release loads that library."""
    project = nif_dep_project(tmp_path / "generated", "0.2.0", crate=True)
    apply_changes(project.root, plan_init(project.root, InitOptions(), force=False,
                                          fetchers=project.fetchers()))  # fmt: skip
    copy = (project.root / nif_lock_path("fake_nif", "native/fake_nif")).read_text("utf-8")
    assert copy.startswith("# Generated by nixgen")  # cargo keeps leading comments (--locked)
    library = build_with_lock(session.cache, copy, "from-copy")
    builds = Builds(tmp_path / "pack", session.hex_libs)
    packed = builds.run_command(
        session.file,
        snippet("pack"),
        {"nixgenNifLibrary": str(library), "nixgenNifLibName": session.lib_name},
    )
    rehearsed = build_fake_nif(
        session, tmp_path, [(FAKE_NIF_MODULE, session.file, packed)], rewrite=True
    )
    assert_offline_cache_hit(rehearsed.log)
    assert release_origin(session, tmp_path, rehearsed) == UPSTREAM  # the crate's default build


@pytest.mark.elixir
def test_xdg_layout_alone_serves_versions_before_the_global_cache(
    session: Session, tmp_path: Path
) -> None:
    """rustler_precompiled < 0.7.2 never reads RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH: without
    it, the same staged file is found under $XDG_CACHE_HOME/rustler_precompiled/precompiled_nifs."""
    rehearsed = build_fake_nif(
        session,
        tmp_path,
        [(FAKE_NIF_MODULE, session.file, session.upstream_tarball)],
        after_stage="unset RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH\n",
    )
    assert_offline_cache_hit(rehearsed.log)
    assert "Using global cache" not in rehearsed.log
    assert release_origin(session, tmp_path, rehearsed) == UPSTREAM


@pytest.mark.elixir
def test_force_build_variables_are_unset(session: Session, tmp_path: Path) -> None:
    """The package's own force-build variable and RUSTLER_PRECOMPILED_FORCE_BUILD_ALL, set in the
    build environment, would force `use Rustler` (absent from the lock); the snippet unsets them."""
    artifacts = [(FAKE_NIF_MODULE, session.file, session.upstream_tarball)]
    forcing = {"FAKE_NIF_BUILD": "1", "RUSTLER_PRECOMPILED_FORCE_BUILD_ALL": "true"}
    with pytest.raises(RehearsalError, match="Rustler dependency is needed to force the build"):
        build_fake_nif(session, tmp_path / "kept", artifacts, unset="", env={"FAKE_NIF_BUILD": "1"})
    rehearsed = build_fake_nif(session, tmp_path / "unset", artifacts, env=forcing)
    assert_offline_cache_hit(rehearsed.log)


@pytest.mark.elixir
def test_wrong_artifact_fails_the_integrity_check(session: Session, tmp_path: Path) -> None:
    """Other bytes under the upstream name (strategy A, checksum file kept): the build fails with
    rustler_precompiled's integrity error."""
    wrong = pack_upstream_style(session.libraries.rebuilt, session.lib_name, tmp_path / "wrong")
    with pytest.raises(RehearsalError) as failure:
        build_fake_nif(session, tmp_path, [(FAKE_NIF_MODULE, session.file, wrong)])
    message = str(failure.value)
    assert (
        "Error while downloading precompiled NIF: the integrity check failed because the checksum of files does not match"
        in message
    ), message
    assert "couldn't fetch" not in message


@pytest.mark.elixir
def test_missing_artifact_names_the_file_and_fails_offline(
    session: Session, tmp_path: Path
) -> None:
    """The artifact staged for another NIF version (the flake was generated for another OTP):
    rustler_precompiled asks for its own file, whose download fails at once (closed port); the
    error names that file, and the log names the one nixgen staged."""
    other_nif = next(v for v in FAKE_NIF_NIF_VERSIONS if v != session.nif)
    other = f"{lib_name(other_nif, session.triple)}.so.tar.gz"
    with pytest.raises(RehearsalError) as failure:
        build_fake_nif(session, tmp_path, [(FAKE_NIF_MODULE, other, session.upstream_tarball)])
    message = str(failure.value)
    url = f"https://github.com/nixgen-test/fake_nif/releases/download/v{FAKE_NIF_VERSION}/{session.file}"
    assert f"couldn't fetch NIF from {url}" in message, message
    assert "econnrefused" in message, message
    assert f"nixgen: staged {other} for {FAKE_NIF_MODULE}" in message, message


@pytest.mark.elixir
def test_check_fails_when_another_artifact_was_extracted(session: Session, tmp_path: Path) -> None:
    """A cache that already held the file rustler_precompiled wants, while nixgen staged another:
    the compile succeeds, the postBuild check fails naming both."""
    other_nif = next(v for v in FAKE_NIF_NIF_VERSIONS if v != session.nif)
    other = f"{lib_name(other_nif, session.triple)}.so.tar.gz"
    extra = f'cp {session.upstream_tarball} "$RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH/"\n'
    with pytest.raises(RehearsalError) as failure:
        build_fake_nif(
            session,
            tmp_path,
            [(FAKE_NIF_MODULE, other, session.upstream_tarball)],
            after_stage=extra,
        )
    message = str(failure.value)
    assert f"nixgen: {FAKE_NIF_MODULE} did not load the staged {other}" in message, message
    assert f"{session.lib_name}.so" in message, message
    assert "rustler_precompiled chose another artifact" in message, message


# --------------------------------------------------------------------------- the stand-in itself

# (system_architecture, TARGET_* variables) → triple, as upstream's tests and code have it
# (U-RUSTLER-PRECOMPILED-TARGET).
TRIPLES = [
    ("x86_64-pc-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
    ("x86_64-alpine-linux-musl", {}, "x86_64-unknown-linux-musl"),
    ("x86_64-pc-linux-musl", {}, "x86_64-unknown-linux-musl"),
    ("aarch64-unknown-linux-musl", {}, "aarch64-unknown-linux-musl"),
    ("x86_64-redhat-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
    ("riscv64-suse-linux-gnu", {}, "riscv64gc-unknown-linux-gnu"),
    ("amd64-pc-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
    ("aarch64-apple-darwin23.4.0", {}, "aarch64-apple-darwin"),
    ("arm-apple-darwin20.0", {}, "aarch64-apple-darwin"),
    ("x86_64-apple-darwin21.6.0", {}, "x86_64-apple-darwin"),
    ("amd64-portbld-freebsd14.0", {}, "x86_64-unknown-freebsd"),
    ("x86_64-pc-linux-gnu", {"TARGET_ABI": "musl"}, "x86_64-unknown-linux-musl"),
    (
        "x86_64-pc-linux-gnu",
        {"TARGET_ARCH": "arm", "TARGET_OS": "linux", "TARGET_ABI": "gnueabihf"},
        "arm-unknown-linux-gnueabihf",
    ),
    ("x86_64-pc-linux-gnu", {"TARGET_VENDOR": "nerves"}, "x86_64-nerves-linux-gnu"),
]
# (running NIF version, the package's nif_versions) → the one picked, or "error".
NIF_PICKS = [
    ("2.16", ["2.15", "2.16"], "2.16"),
    ("2.17", ["2.15"], "2.15"),
    ("2.17", ["2.15", "2.16"], "2.16"),
    ("2.16", ["2.15", "2.17"], "2.15"),
    ("2.14", ["2.15"], "error"),
    ("3.0", ["2.15"], "error"),
]


def elixir_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


@pytest.mark.elixir
def test_standin_triples_and_nif_versions(session: Session) -> None:
    """The stand-in's target and NIF-version rules, one `elixir` run over the table; the test
    helpers' own (independent) rules agree with it where they apply (Linux and macOS hosts)."""
    lines = []
    for arch, env, _ in TRIPLES:
        pairs = ", ".join(f'"{k}" => "{v}"' for k, v in env.items())
        lines.append(
            f'IO.puts(RustlerPrecompiled.target_triple("{arch}", &Map.get(%{{{pairs}}}, &1)))'
        )
    for running, offered, _ in NIF_PICKS:
        call = f'RustlerPrecompiled.nif_version("{running}", {elixir_list(offered)})'
        lines.append(f'IO.puts(case {call} do {{:ok, v}} -> v; :error -> "error" end)')
    ebin = next(session.rustler_precompiled.glob("lib/erlang/lib/rustler_precompiled-*/ebin"))
    proc = subprocess.run(
        ["elixir", "-pa", str(ebin), "-e", "\n".join(lines)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    expected = [t for *_, t in TRIPLES] + [n for *_, n in NIF_PICKS]
    assert out == expected
    for arch, env, triple in TRIPLES:
        if not env and ("linux" in arch or "darwin" in arch):
            assert host_triple(arch) == triple, arch
    for running, offered, nif in NIF_PICKS:
        if nif != "error":
            assert picked_nif_version(running, offered) == nif
