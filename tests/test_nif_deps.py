"""NIF dependencies, strategy A end to end: the `nif-dep` record, the fetch stage reading the
package once, nix/deps.nix staging the upstream artifact (evaluated over the mocks with no IFD),
`update` without network, and the stop when a configured target has no artifact."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.depseval import deps_harness
from support.env import FIXTURES
from support.fakehex import hex_tarball
from support.fakes import (
    failing_hex_packages,
    fake_fetchers,
    fetched,
    package_without_nif_modules,
)
from support.nifdep import hook
from support.nifdepfixture import NifDepProject, nif_dep_project, package_files
from support.nixeval import nix_available, nix_env, nix_eval_json

from nixgen.cli import main
from nixgen.constants import DEPS_FILE
from nixgen.errors import InputError, NixgenError
from nixgen.fetch.hex import HexConfig, fetch_hex_package
from nixgen.fetch.nifdeps import read_nif_dep
from nixgen.fetch.records import (
    KnownSources,
    NifArtifactRecord,
    NifDepRecord,
    NifMissing,
    NifModuleRecord,
    read_records,
    record_line,
)
from nixgen.model import HexLockEntry
from nixgen.pipeline import InitOptions, out_of_date, plan_init, plan_update
from nixgen.readers.hex_tarball import read_hex_tarball, sha256_hex
from nixgen.resolve.project import DepsRequest, NifTargets, choose_top, load_project
from nixgen.write import apply_changes

SYSTEMS = ("aarch64-darwin", "aarch64-linux", "x86_64-linux")
MUSL = "libfake_nif-v0.1.0-nif-2.17-x86_64-unknown-linux-musl.so.tar.gz"

RECORD = NifDepRecord(
    "fake_nif", "fake_nif", "0.1.0", "a" * 64, 28, "musl",
    (NifModuleRecord(
        "Elixir.FakeNif.Native", "fake_nif", ("FAKE_NIF_BUILD",),
        (NifArtifactRecord("x86_64-linux", MUSL, "https://h/" + MUSL, "b" * 64),),
        (NifMissing("aarch64-linux", "not published"),),
    ),),
)  # fmt: skip


# --------------------------------------------------------------------------- the record


def test_record_round_trips_through_its_comment_line() -> None:
    assert read_records(record_line(RECORD)) == (RECORD,)


def test_record_without_modules_round_trips() -> None:
    empty = replace(RECORD, modules=())
    assert read_records(record_line(empty)) == (empty,)


def _damage(path: tuple[Any, ...], value: object) -> str:
    data = json.loads(record_line(RECORD).split(": ", 1)[1])
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return "# nixgen-source: " + json.dumps(data)


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("otp",), "28", "`otp` must be an integer"),
        (("otp",), True, "`otp` must be an integer"),
        (("outer_checksum",), "A" * 64, "`outer_checksum` is not a base16 sha256"),
        (("version",), "1.0 $(x)", "cannot be part of a Nix store path"),
        (("modules",), {}, "`modules` must be a list of objects"),
        (("modules", 0, "unset"), ["A B"], "not a variable name"),
        (("modules", 0, "unset"), "X", "`unset` must be a list of strings"),
        (("modules", 0, "module"), "Foo; rm", "is not a module name"),
        (("modules", 0, "artifacts", 0, "sha256"), "sha256:" + "b" * 64, "not a base16"),
        (("modules", 0, "artifacts", 0, "file"), "../x.tar.gz", "cannot be part of a Nix store"),
        (("modules", 0, "artifacts", 0, "url"), None, "`url` must be a string"),
        (("modules", 0, "missing", 0, "reason"), 3, "`reason` must be a string"),
    ],
)
def test_damaged_record_is_an_error_naming_the_line(
    path: tuple[Any, ...], value: object, reason: str
) -> None:
    with pytest.raises(InputError) as info:
        read_records("# header\n" + _damage(path, value) + "\n", DEPS_FILE)
    assert str(info.value).startswith(f"{DEPS_FILE}:2:1: damaged `# nixgen-source:` record")
    assert reason in str(info.value)
    assert "delete this line" in str(info.value)


def _entry(version: str = "0.1.0", checksum: str = "a" * 64) -> HexLockEntry:
    lock = load_project(FIXTURES / "deps_hex").locks[0]
    base = next(e for e in lock.entries if isinstance(e, HexLockEntry))
    return replace(base, name="fake_nif", package="fake_nif", version=version,
                   outer_checksum=checksum)  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "otp", "libc", "systems", "found"),
    [
        (_entry(), 28, "musl", ("x86_64-linux", "aarch64-linux"), True),
        (_entry(checksum="A" * 64), 28, "musl", ("x86_64-linux",), True),  # case of the lock
        (_entry(version="0.1.1"), 28, "musl", ("x86_64-linux",), False),
        (_entry(checksum="c" * 64), 28, "musl", ("x86_64-linux",), False),
        (_entry(), 27, "musl", ("x86_64-linux",), False),
        (_entry(), 28, "gnu", ("x86_64-linux",), False),
        (_entry(), 28, "musl", ("x86_64-linux", "aarch64-darwin"), False),  # a new system
    ],
)
def test_a_record_is_used_only_for_the_tarball_and_targets_it_was_read_for(
    entry: HexLockEntry, otp: int, libc: str, systems: tuple[str, ...], found: bool
) -> None:
    assert (KnownSources([RECORD]).nif_dep(entry, otp, libc, systems) is not None) is found


# --------------------------------------------------------------------------- reading a package


def _package(version: str) -> tuple[HexLockEntry, Any]:
    tarball = hex_tarball("fake_nif", version, package_files(version))
    entry = _entry(version, sha256_hex(tarball))
    return entry, read_hex_tarball(tarball, "fake_nif", version, sha256_hex(tarball))


def test_a_package_is_read_into_one_artifact_per_system() -> None:
    entry, package = _package("0.1.0")
    record, _ = read_nif_dep(entry, package, NifTargets(SYSTEMS, "musl", 28))
    (module,) = record.modules
    assert (module.module, module.app, module.unset) == (
        "Elixir.FakeNif.Native", "fake_nif", ("FAKE_NIF_BUILD",)
    )  # fmt: skip
    assert module.missing == ()
    by_system = {a.system: a for a in module.artifacts}
    assert set(by_system) == set(SYSTEMS)
    musl = by_system["x86_64-linux"]
    assert musl.file == MUSL
    assert musl.url == f"https://github.com/example/fake_nif/releases/download/v0.1.0/{MUSL}"
    checksums = package.text("checksum-Elixir.FakeNif.Native.exs")
    assert f'"{MUSL}" => "sha256:{musl.sha256}"' in checksums
    assert by_system["aarch64-darwin"].file.endswith("-nif-2.17-aarch64-apple-darwin.so.tar.gz")


def test_a_target_without_an_artifact_is_recorded_with_the_reason() -> None:
    entry, package = _package("0.2.0")
    record, _ = read_nif_dep(entry, package, NifTargets(SYSTEMS, "musl", 27))
    (module,) = record.modules
    assert [a.system for a in module.artifacts] == ["aarch64-darwin"]
    assert [m.system for m in module.missing] == ["aarch64-linux", "x86_64-linux"]
    assert "x86_64-unknown-linux-musl.so.tar.gz is not in" in module.missing[1].reason


def test_options_computed_by_code_are_recorded_as_missing_everywhere() -> None:
    files = package_files("0.1.0")
    native = files["lib/fake_nif/native.ex"].decode()
    start = native.index("  use RustlerPrecompiled,")
    end = native.index("  def add")
    files["lib/fake_nif/native.ex"] = (
        native[:start] + "  @opts Application.compile_env(:fake_nif, :nif, [])\n"
        "  use RustlerPrecompiled, @opts\n\n" + native[end:]
    ).encode()
    tarball = hex_tarball("fake_nif", "0.1.0", files)
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256_hex(tarball))
    entry = _entry("0.1.0", sha256_hex(tarball))
    (module,) = read_nif_dep(entry, package, NifTargets(SYSTEMS, "musl", 28))[0].modules
    assert module.artifacts == ()
    assert [m.system for m in module.missing] == sorted(SYSTEMS)
    assert all("computed by code" in m.reason for m in module.missing)


def test_a_lock_without_nif_deps_fetches_no_package() -> None:
    project = load_project(FIXTURES / "deps_hex")
    request = DepsRequest(project, choose_top(project))
    fetchers = fake_fetchers(project, hex_packages=failing_hex_packages)
    known = fetched(project, request, fetchers)
    assert not any(isinstance(r, NifDepRecord) for r in known.records())


# --------------------------------------------------------------------------- init, update, stop


@pytest.fixture
def initialised(tmp_path: Path) -> NifDepProject:
    project = nif_dep_project(tmp_path)
    progress: list[str] = []
    changes = plan_init(project.root, InitOptions(), force=False, fetchers=project.fetchers(),
                        progress=lambda n, m, what: progress.append(what))  # fmt: skip
    apply_changes(project.root, changes)
    assert progress == ["fake_nif 0.1.0 (NIF artifacts)"]
    assert project.fetched == ["fake_nif"]
    return project


def test_init_records_the_artifacts_in_deps_nix(initialised: NifDepProject) -> None:
    text = (initialised.root / DEPS_FILE).read_text(encoding="utf-8")
    (record,) = [r for r in read_records(text) if isinstance(r, NifDepRecord)]
    assert (record.name, record.version, record.otp, record.libc) == (
        "fake_nif",
        "0.1.0",
        28,
        "musl",
    )
    assert f'file = "{MUSL}";' in text
    assert 'unset = [ "FAKE_NIF_BUILD" ];' in text
    assert "fake_nif = buildMix (\n      nifDep {" in text


def test_update_after_init_needs_no_network(initialised: NifDepProject) -> None:
    initialised.repo.root.rename(initialised.repo.root.with_name("gone"))
    fetchers = initialised.fetchers(failing_hex_packages)
    assert out_of_date(plan_update(initialised.root, force=False, fetchers=fetchers)) == []


def test_a_new_version_in_the_lock_is_read_again(initialised: NifDepProject) -> None:
    settings = initialised.root / "nixgen.toml"
    settings.write_text(settings.read_text().replace('# otp = "27"', 'otp = "27"'))
    changes = plan_update(initialised.root, force=False, fetchers=initialised.fetchers())
    assert initialised.fetched == ["fake_nif", "fake_nif"]  # OTP 27: read again
    (deps,) = [c for c in changes if c.path == DEPS_FILE]
    assert '"otp": 27' in (deps.new or "")


def test_init_reads_the_package_over_http_once(tmp_path: Path) -> None:
    project = nif_dep_project(tmp_path)
    with project.repo.serve() as url:
        config = HexConfig(url, None, project.cache)
        fetchers = project.fetchers(lambda entry: fetch_hex_package(entry, config))
        apply_changes(project.root, plan_init(project.root, InitOptions(), force=False,
                                              fetchers=fetchers))  # fmt: skip
    assert project.repo.requests == ["/tarballs/fake_nif-0.1.0.tar"]
    assert f'file = "{MUSL}";' in (project.root / DEPS_FILE).read_text(encoding="utf-8")


def test_a_package_without_a_module_is_recorded_too(tmp_path: Path) -> None:
    project = nif_dep_project(tmp_path)
    fetchers = project.fetchers(package_without_nif_modules)
    apply_changes(project.root, plan_init(project.root, InitOptions(), force=False,
                                          fetchers=fetchers))  # fmt: skip
    text = (project.root / DEPS_FILE).read_text(encoding="utf-8")
    (record,) = [r for r in read_records(text) if isinstance(r, NifDepRecord)]
    assert record.modules == ()
    assert "nifDep" not in text
    fetchers = project.fetchers(failing_hex_packages)  # read once: update needs no network
    assert out_of_date(plan_update(project.root, force=False, fetchers=fetchers)) == []


def test_a_missing_musl_artifact_stops_with_the_package_target_and_fix(tmp_path: Path) -> None:
    project = nif_dep_project(tmp_path, "0.2.0")
    with pytest.raises(NixgenError) as info:
        plan_init(project.root, InitOptions(), force=False, fetchers=project.fetchers())
    message = str(info.value)
    assert message.startswith("mix.lock:2:")
    assert (
        "NIF dependency fake_nif 0.2.0: no precompiled library of Elixir.FakeNif.Native "
        "for aarch64-linux (musl, OTP 28)" in message
    )
    assert (
        "nor can it be built from source: the package does not ship its crate directory "
        "(native/fake_nif/Cargo.toml)" in message
    )
    assert "set libc = \"gnu\" or remove 'aarch64-linux' from `systems`" in message


def test_with_gnu_the_same_package_generates(tmp_path: Path) -> None:
    project = nif_dep_project(tmp_path, "0.2.0")
    changes = plan_init(project.root, InitOptions(libc="gnu"), force=False,
                        fetchers=project.fetchers())  # fmt: skip
    (deps,) = [c for c in changes if c.path == DEPS_FILE]
    assert "libfake_nif-v0.2.0-nif-2.17-x86_64-unknown-linux-gnu.so.tar.gz" in (deps.new or "")


def _derivations(drv: str) -> dict[str, Any]:
    argv = ["nix", "--extra-experimental-features", "nix-command", "show-derivation", "-r", drv]
    done = subprocess.run(argv, env=nix_env(), capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs the `nix` command")
def test_the_flake_evaluates_and_the_dependency_stages_the_artifact(
    initialised: NifDepProject,
) -> None:
    release = nix_eval_json(initialised.root, "packages.x86_64-linux.default.drvPath",
                            forbid_warnings=True)  # fmt: skip
    drvs = _derivations(release)
    (artifact,) = [p for p in drvs if p.endswith(f"-{MUSL}.drv")]
    (dep,) = [p for p in drvs if re.search(r"-erlang[0-9.]+-fake_nif-0\.1\.0\.drv$", p)]
    assert artifact in drvs[dep]["inputDrvs"]
    # a real fixed-output derivation: Nix holds the checksum file's sha256
    text = (initialised.root / DEPS_FILE).read_text(encoding="utf-8")
    (record,) = [r for r in read_records(text) if isinstance(r, NifDepRecord)]
    sha = next(a.sha256 for a in record.modules[0].artifacts if a.system == "x86_64-linux")
    assert drvs[artifact]["outputs"]["out"]["hash"] == sha
    # The hooks Nix evaluates are exactly what the rehearsal (tests/test_nifdep_rehearsal.py)
    # runs with real Mix: the snippets after their inputs, quoted as by `lib.escapeShellArg`.
    env = drvs[dep]["env"]
    line = f"Elixir.FakeNif.Native {MUSL} {drvs[artifact]['outputs']['out']['path']}\n"
    stage = {"nixgenNifArtifacts": line, "nixgenNifUnset": "FAKE_NIF_BUILD",
             "nixgenNifRewriteChecksums": ""}  # fmt: skip
    expected = hook("stage", stage)
    assert env["preBuild"].rstrip("\n") == expected.rstrip("\n")
    check = {"nixgenNifApp": "fake_nif", "nixgenNifArtifacts": line}
    assert env["postBuild"].rstrip("\n") == hook("check", check).rstrip("\n")


# --------------------------------------------------------------------------- show


def _show(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["show", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_lists_the_nif_dependency_from_the_records(initialised: NifDepProject) -> None:
    initialised.repo.root.rename(initialised.repo.root.with_name("gone"))  # show fetches nothing
    document = json.loads(_show(initialised.root, "--json"))
    (report,) = document["nif_deps"]
    assert (report["name"], report["version"], report["source"]) == (
        "fake_nif",
        "0.1.0",
        "upstream",
    )
    (module,) = report["record"]["modules"]
    assert module["module"] == "Elixir.FakeNif.Native"
    assert {a["system"] for a in module["artifacts"]} == set(SYSTEMS)
    text = _show(initialised.root)
    assert "  fake_nif 0.1.0 (mix.lock): upstream artifacts (strategy A)" in text
    assert "    read for OTP 28, musl" in text
    assert "    Elixir.FakeNif.Native (app fake_nif; unsets FAKE_NIF_BUILD)" in text
    assert f"      x86_64-linux: {MUSL}" in text


def test_show_before_init_says_the_package_is_not_read(tmp_path: Path) -> None:
    project = nif_dep_project(tmp_path)
    (report,) = json.loads(_show(project.root, "--json"))["nif_deps"]
    assert (report["source"], report["record"]) == ("not-read", None)
    assert "package not read yet: `nixgen update` reads it" in _show(project.root)


def _harness(root: Path, tmp_path: Path, beam: str = "beamMinimal28Packages") -> Path:
    """A flake importing `root`'s nix/deps.nix alone, with the BEAM set `beam`."""
    harness = tmp_path / "harness"
    (harness / "nix").mkdir(parents=True, exist_ok=True)
    shutil.copy(root / DEPS_FILE, harness / DEPS_FILE)
    flake = deps_harness(
        beam, "lib fetchgit fetchurl runCommand stdenv", "drv = deps.fake_nif.drvPath;"
    )
    (harness / "flake.nix").write_text(flake, encoding="utf-8")
    return harness


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs the `nix` command")
def test_a_system_without_a_recorded_artifact_throws_naming_the_fix(
    initialised: NifDepProject, tmp_path: Path
) -> None:
    settings = initialised.root / "nixgen.toml"
    settings.write_text(settings.read_text().replace(', "x86_64-linux"]', "]"))
    fetchers = initialised.fetchers(failing_hex_packages)  # the record covers fewer systems
    apply_changes(initialised.root, plan_update(initialised.root, force=False, fetchers=fetchers))
    assert '"x86_64-linux"' not in (initialised.root / "flake.nix").read_text()
    with pytest.raises(AssertionError) as info:
        nix_eval_json(_harness(initialised.root, tmp_path), "drv")
    assert (
        "nix/deps.nix: the NIF dependency fake_nif has no library recorded for "
        'x86_64-linux: add "x86_64-linux" to `systems` in nixgen.toml and run `nixgen update`'
    ) in str(info.value)


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs the `nix` command")
def test_the_nif_load_check_loads_the_dependency_module(initialised: NifDepProject) -> None:
    script = nix_eval_json(initialised.root, "checks.x86_64-linux.nifLoad.loadNifs.text")
    (line,) = [s for s in script.splitlines() if s.startswith("for m <- [")]
    assert line == "for m <- [FakeNif.Native] do"


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs the `nix` command")
@pytest.mark.parametrize("beam", ["beamMinimal28Packages", "beam28Packages"])
def test_an_erlang_of_the_recorded_otp_evaluates(
    initialised: NifDepProject, tmp_path: Path, beam: str
) -> None:
    assert nix_eval_json(_harness(initialised.root, tmp_path, beam), "drv").endswith(".drv")


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs the `nix` command")
@pytest.mark.parametrize(("beam", "otp", "version"), [
    ("beamMinimal27Packages", "27", "27.3.4.17"), ("beamMinimal29Packages", "29", "29.1"),
])  # fmt: skip
def test_an_erlang_of_another_otp_throws_naming_the_package_and_the_fix(
    initialised: NifDepProject, tmp_path: Path, beam: str, otp: str, version: str
) -> None:
    """The record holds OTP 28 (nixgen.toml's); a BEAM set of another major (e.g. after a
    nixpkgs bump) stops evaluation (docs/UPSTREAM.md U-ERLANG-VERSION; mock beam.nix)."""
    with pytest.raises(AssertionError) as info:
        nix_eval_json(_harness(initialised.root, tmp_path, beam), "drv")
    assert (
        "nix/deps.nix: the NIF dependency fake_nif was read for Erlang/OTP 28, but "
        f"beamPackages.erlang is {version} (OTP {otp}): its precompiled library is for another "
        f'NIF version; run `nixgen update` (with `otp = "{otp}"` in nixgen.toml if you pin the '
        "OTP there)"
    ) in str(info.value)
