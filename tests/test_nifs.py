"""nix/nifs.nix: one crane build per NIF crate, musl on Linux, cached dependencies.

Fixtures (fixtures/README.md): single_crate, root_workspace (root workspace with a musl
.cargo/config.toml), two_crates (two crates of one workspace under native/), umbrella (a crate in
an umbrella child), precompiled, and the nifs_* fixtures: nifs_native_workspace (workspace under
native/ with a path crate and cargo configs at three levels), nifs_dylib (crate type dylib,
rustler 0.34), nifs_toolchain (pinned rust-toolchain.toml), nifs_git_crate (Cargo git sources),
nifs_openssl (openssl-sys), invalid/nifs_no_cargo_lock.

Every golden nifs.nix is parsed by `nix-instantiate --parse` and evaluated, for all four systems
and both libcs, against the mock crane / rust-overlay / nixpkgs (tests/nixmock) through the
harness flake of tests/nifseval.py; facts are asserted from the evaluated derivations
(`mockEnv`), not from the text. Regenerate the golden files with
`pytest tests/test_nifs.py --update-golden`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from support import nifseval
from support.env import CORPUS, FIXTURES
from support.fakes import FakePrefetcher, FakeRunner, fake_fetchers, fake_hash, fetched
from support.golden import check_golden
from support.nixeval import nix_env

from nixgen.constants import NIFS_FILE, REGENERATE
from nixgen.emit.nifs import NifsPlan, crate_attr, nifs_warnings, plan_nifs, render_nifs
from nixgen.errors import InputError, NixgenError, ResolveError
from nixgen.fetch.cargo import generate_lockfiles
from nixgen.fetch.records import CargoGitSource, KnownSources, read_records
from nixgen.model import (
    CargoConfig,
    CargoPackage,
    LockedCrate,
    Project,
    RegistrySource,
    Toolchain,
)
from nixgen.resolve.project import load_project
from nixgen.resolve.syscrates import cfg_matches, rust_target, rustflags
from nixgen.show import sys_report
from nixgen.write import inspect, with_header

GOLDEN = [
    "single_crate",
    "root_workspace",
    "two_crates",
    "umbrella",
    "precompiled",
    "nifs_native_workspace",
    "nifs_dylib",
    "nifs_toolchain",
    "nifs_git_crate",
    "nifs_openssl",
]
MUSL = ("x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl")
CRT = "-C target-feature=-crt-static"
LOOKUP = "-C link-arg=-undefined -C link-arg=dynamic_lookup"
RUSTLER_GIT = "https://github.com/rusterlium/rustler"
RUSTLER_REV = "1b4b0a8f9c3d2e5f6a7b8c9d0e1f2a3b4c5d6e7f"
HELPERS_GIT = "https://github.com/example/nif-helpers"
HELPERS_REV = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
Json = Any
CRATES_IO = RegistrySource("https://github.com/rust-lang/crates.io-index")

# --------------------------------------------------------------------------- helpers


@dataclasses.dataclass(frozen=True)
class Platform:
    """What nix/nifs.nix must derive from nixpkgs' platform on `system` with `libc`
    (docs/UPSTREAM.md U-PLATFORM-RUST)."""

    system: str
    libc: str

    @property
    def target(self) -> str:
        return rust_target(self.system, self.libc)

    @property
    def lib_suffix(self) -> str:
        return ".dylib" if self.system.endswith("-darwin") else ".so"


# The platforms nifseval evaluates: nixpkgs 26.11 throws for x86_64-darwin (U-X86-DARWIN).
EVALUATED = [Platform(s, libc) for libc in ("musl", "gnu") for s in nifseval.SYSTEMS]


def load(name: str) -> Project:
    return load_project(FIXTURES / name)


def plan(
    name: str,
    prefetcher: FakePrefetcher | None = None,
    known: KnownSources | None = None,
    **kwargs: Any,
) -> NifsPlan:
    """The plan of a fixture after the fetch stage (FakePrefetcher, starting from `known`)."""
    project = load(name)
    fetchers = fake_fetchers(project, prefetcher=prefetcher)
    return plan_nifs(project, known=fetched(project, fetchers=fetchers, known=known), **kwargs)


def flags(name: str, target: str, *, crate: str | None = None) -> str:
    crates = {c.attr: c for c in plan(name).crates}
    chosen = crates[crate] if crate else next(iter(crates.values()))
    return dict(chosen.rustflags).get(target, "")


@cache
def generated(name: str) -> str:
    return with_header(render_nifs(plan(name)), REGENERATE)


Evaluate = Callable[[str], Json]


@pytest.fixture(scope="module")
def evaluate(tmp_path_factory: pytest.TempPathFactory) -> Evaluate:
    """The harness summary of a fixture (every system and libc), evaluated once per module."""
    results: dict[str, Json] = {}

    def get(name: str) -> Json:
        if name not in results:
            work = tmp_path_factory.mktemp(name)
            results[name] = nifseval.evaluate(
                nifseval.install(FIXTURES / name, generated(name), work)
            )
        return results[name]

    return get


def package(project: Project, name: str) -> CargoPackage:
    return next(p for p in project.cargo_packages if p.name == name)


# --------------------------------------------------------------------------- names, targets


@pytest.mark.parametrize(
    ("name", "attr"),
    [("ws_nif", "ws_nif"), ("html5ever-nif", "html5ever-nif"), ("let", "let_"), ("or", "or_")],
)
def test_crate_attr_is_a_bare_identifier(name: str, attr: str) -> None:
    crate = dataclasses.replace(package(load("single_crate"), "single_nif"), name=name)
    assert crate_attr(crate) == attr


def test_targets_per_system_and_libc() -> None:
    systems = ("x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin")
    table = {(s, libc): rust_target(s, libc) for libc in ("musl", "gnu") for s in systems}
    assert table == {
        ("x86_64-linux", "musl"): "x86_64-unknown-linux-musl",
        ("aarch64-linux", "musl"): "aarch64-unknown-linux-musl",
        ("x86_64-darwin", "musl"): "x86_64-apple-darwin",
        ("aarch64-darwin", "musl"): "aarch64-apple-darwin",
        ("x86_64-linux", "gnu"): "x86_64-unknown-linux-gnu",
        ("aarch64-linux", "gnu"): "aarch64-unknown-linux-gnu",
        ("x86_64-darwin", "gnu"): "x86_64-apple-darwin",
        ("aarch64-darwin", "gnu"): "aarch64-apple-darwin",
    }


def test_libc_must_be_musl_or_gnu() -> None:
    with pytest.raises(InputError, match="libc must be one of musl, gnu, not 'glibc'"):
        plan("single_crate", libc="glibc")


# --------------------------------------------------------------------------- crates and sources


def test_each_resolved_nif_is_one_crate() -> None:
    crates = {c.attr: c for c in plan("two_crates").crates}
    assert set(crates) == {"fast", "slow"}
    assert crates["fast"].root == "native"
    assert crates["fast"].members == ("fast", "slow")
    assert crates["fast"].modules == ("Two.Fast",)


def test_root_workspace_is_rooted_at_the_repository() -> None:
    (crate,) = plan("root_workspace").crates
    assert (crate.root, crate.members, crate.version) == (".", ("native/ws_nif",), "0.2.0")
    assert (crate.lib_name, crate.name) == ("ws_nif_core", "ws_nif")


def test_umbrella_child_crate() -> None:
    (crate,) = plan("umbrella").crates
    assert crate.root == "apps/native_app/native/umbrella_nif"
    assert crate.members == ("",)


def test_path_crates_of_the_lock_are_sources() -> None:
    (crate,) = plan("nifs_native_workspace").crates
    assert crate.members == ("helpers", "nws_nif")


def test_path_crate_outside_the_lock_directory_stops() -> None:
    project = load("single_crate")
    lock = project.cargo_locks[0]
    outside = LockedCrate("shared", "0.1.0", None, None)
    project = dataclasses.replace(
        project,
        cargo_locks=(dataclasses.replace(lock, packages=(*lock.packages, outside)),),
    )
    with pytest.raises(ResolveError, match=r"path crate 'shared' of native/single_nif/Cargo\.lock"):
        plan_nifs(project)


def test_two_modules_of_one_crate_make_one_crate() -> None:
    project = load("single_crate")
    nif = project.nifs[0]
    twin = dataclasses.replace(nif, module="Single.Other")
    (crate,) = plan_nifs(dataclasses.replace(project, nifs=(nif, twin))).crates
    assert crate.modules == ("Single.Native", "Single.Other")


def test_unresolved_nifs_have_no_crate() -> None:
    assert plan("dynamic_options").crates == ()


def test_same_attribute_twice_stops() -> None:
    project = load("two_crates")
    renamed = tuple(
        dataclasses.replace(p, name="fast") if p.name == "slow" else p
        for p in project.cargo_packages
    )
    lock = project.cargo_locks[0]
    crates = tuple(
        dataclasses.replace(c, name="fast") if c.name == "slow" else c for c in lock.packages
    )
    project = dataclasses.replace(
        project,
        cargo_packages=renamed,
        cargo_locks=(dataclasses.replace(lock, packages=crates),),
    )
    with pytest.raises(ResolveError, match=r"would both be `crates\.fast`"):
        plan_nifs(project)


# --------------------------------------------------------------------------- Cargo.lock


def test_missing_cargo_lock_names_the_crate_and_the_command() -> None:
    directory = FIXTURES / "invalid" / "nifs_no_cargo_lock"
    expected = (directory / "expected-error.txt").read_text(encoding="utf-8")
    with pytest.raises(InputError) as error:
        plan_nifs(load_project(directory))
    assert str(error.value) + "\n" == expected


def test_generate_lockfiles_runs_cargo_where_the_lock_belongs() -> None:
    directory = FIXTURES / "invalid" / "nifs_no_cargo_lock"
    runner = FakeRunner({("cargo", "generate-lockfile"): ""})
    created = generate_lockfiles(load_project(directory), runner, directory)
    assert created == ("native/broken_nif/Cargo.lock",)
    assert [(c.args, c.cwd) for c in runner.calls] == [
        (("cargo", "generate-lockfile"), directory / "native" / "broken_nif")
    ]


def test_generate_lockfiles_does_nothing_when_every_lock_exists() -> None:
    runner = FakeRunner()
    assert generate_lockfiles(load("two_crates"), runner, FIXTURES / "two_crates") == ()
    assert runner.calls == []


def test_version_1_lock_stops() -> None:
    project = load("single_crate")
    old = dataclasses.replace(project.cargo_locks[0], version=1)
    with pytest.raises(InputError, match="version 1 lock file") as error:
        plan_nifs(dataclasses.replace(project, cargo_locks=(old,)))
    assert "cargo update --workspace" in str(error.value)


# --------------------------------------------------------------------------- git sources


def test_git_sources_are_prefetched_once_with_submodules() -> None:
    prefetcher = FakePrefetcher()
    result = plan("nifs_git_crate", prefetcher=prefetcher)
    assert sorted(prefetcher.calls) == [
        (HELPERS_GIT, HELPERS_REV, True),
        (RUSTLER_GIT, RUSTLER_REV, True),
    ]
    (crate,) = result.crates
    keys = {g.source: g.hash for g in crate.git}
    assert keys == {
        f"git+{HELPERS_GIT}?branch=feat%2Fnix#{HELPERS_REV}": fake_hash(HELPERS_GIT, HELPERS_REV),
        f"git+{RUSTLER_GIT}?branch=master#{RUSTLER_REV}": fake_hash(RUSTLER_GIT, RUSTLER_REV),
    }


def test_regenerating_reuses_the_recorded_hashes() -> None:
    known = KnownSources(read_records(generated("nifs_git_crate"), NIFS_FILE))
    prefetcher = FakePrefetcher()
    again = render_nifs(plan("nifs_git_crate", prefetcher=prefetcher, known=known))
    assert prefetcher.calls == []
    assert with_header(again, REGENERATE) == generated("nifs_git_crate")


def test_a_changed_revision_is_fetched_again() -> None:
    text = generated("nifs_git_crate").replace(HELPERS_REV, "f" * 40)
    prefetcher = FakePrefetcher()
    plan("nifs_git_crate", prefetcher=prefetcher, known=KnownSources(read_records(text)))
    assert prefetcher.calls == [(HELPERS_GIT, HELPERS_REV, True)]


def test_unfetched_git_source_without_prefetcher_stops() -> None:
    with pytest.raises(InputError, match="has not been fetched") as error:
        plan_nifs(load("nifs_git_crate"))
    assert error.value.hint is not None and "nixgen update" in error.value.hint


def test_cargo_git_records_are_read_back_and_damaged_ones_refused() -> None:
    """One `kind: "cargo-git"` record per source; a damaged one is an error with its line,
    not skipped (nixgen would fetch again silently)."""
    records = read_records(generated("nifs_git_crate"), NIFS_FILE)
    assert {(r.url, r.rev) for r in records if isinstance(r, CargoGitSource)} == {
        (HELPERS_GIT, HELPERS_REV), (RUSTLER_GIT, RUSTLER_REV),
    }  # fmt: skip
    text = '\n    # nixgen-source: {"hash": "nope", "kind": "cargo-git", "rev": "r", "url": "v"}'
    with pytest.raises(InputError, match=r"nix/nifs\.nix:2:1: damaged .*SRI sha256"):
        read_records(text, NIFS_FILE)


# --------------------------------------------------------------------------- rustflags


def test_musl_flag_only_for_musl_targets() -> None:
    (crate,) = plan("single_crate").crates
    assert dict(crate.rustflags) == {t: CRT for t in MUSL}


def test_config_at_the_source_root_is_left_to_cargo() -> None:
    # cargo appends CARGO_TARGET_<T>_RUSTFLAGS to the rustflags of the config it reads itself.
    assert flags("root_workspace", "x86_64-unknown-linux-musl") == CRT


def test_configs_cargo_cannot_see_come_through_the_variable() -> None:
    name = "nifs_native_workspace"
    assert flags(name, "x86_64-unknown-linux-musl") == f"-C force-frame-pointers=yes {CRT}"
    assert flags(name, "aarch64-unknown-linux-musl") == (
        f"-C target-cpu=generic -C force-frame-pointers=yes {CRT}"
    )
    assert flags(name, "x86_64-unknown-linux-gnu") == "-C force-frame-pointers=yes"
    # No target flags apply on macOS: build.rustflags would be dropped once the variable is
    # set, so they move into it.
    assert flags(name, "aarch64-apple-darwin") == "--cfg nws_root"


def project_with_configs(*configs: CargoConfig) -> tuple[Project, CargoPackage]:
    project = dataclasses.replace(load("single_crate"), cargo_configs=configs)
    return project, package(project, "single_nif")


def test_build_rustflags_only_without_target_flags() -> None:
    project, crate = project_with_configs(
        CargoConfig(".cargo/config.toml", ("--cfg", "a"), ()),
        CargoConfig(
            "native/.cargo/config.toml",
            ("--cfg", "b"),
            (('cfg(target_os = "macos")', ("-C", "x")),),
        ),
    )
    assert rustflags(project, crate, "x86_64-unknown-linux-gnu") == ("--cfg", "a", "--cfg", "b")
    assert rustflags(project, crate, "x86_64-apple-darwin") == ("-C", "x")


def test_config_without_extension_wins_in_one_directory() -> None:
    project, crate = project_with_configs(
        CargoConfig(".cargo/config", None, (("x86_64-unknown-linux-gnu", ("-C", "old")),)),
        CargoConfig(".cargo/config.toml", None, (("x86_64-unknown-linux-gnu", ("-C", "new")),)),
    )
    assert rustflags(project, crate, "x86_64-unknown-linux-gnu") == ("-C", "old")


def test_rustflag_with_whitespace_stops() -> None:
    project, crate = project_with_configs(
        CargoConfig(".cargo/config.toml", ("-C", "link-arg=-Wl,-rpath,/a b"), ()),
    )
    with pytest.raises(ResolveError, match="contains whitespace"):
        rustflags(project, crate, "x86_64-unknown-linux-gnu")


def test_dynamic_lookup_only_for_old_rustler_on_macos() -> None:
    assert flags("nifs_dylib", "x86_64-apple-darwin") == LOOKUP
    assert flags("nifs_dylib", "aarch64-apple-darwin") == LOOKUP
    assert flags("nifs_dylib", "x86_64-unknown-linux-musl") == CRT
    assert flags("single_crate", "aarch64-apple-darwin") == ""


@pytest.mark.parametrize(
    ("key", "target", "expected"),
    [
        ('cfg(target_os = "macos")', "aarch64-apple-darwin", True),
        ('cfg(target_os = "macos")', "x86_64-unknown-linux-musl", False),
        ('cfg(target_env = "musl")', "x86_64-unknown-linux-musl", True),
        ("cfg(unix)", "x86_64-unknown-linux-gnu", True),
        ("cfg(windows)", "x86_64-unknown-linux-gnu", False),
        (
            'cfg(all(target_os = "linux", target_arch = "aarch64"))',
            "aarch64-unknown-linux-musl",
            True,
        ),
        ('cfg(any(target_os = "linux", target_os = "macos"))', "x86_64-apple-darwin", True),
        ('cfg(not(target_env = "musl"))', "x86_64-unknown-linux-musl", False),
        ('cfg(target_os = "linux"', "x86_64-unknown-linux-gnu", False),
        ("cfg(not(unix, windows))", "x86_64-unknown-linux-gnu", False),
        ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-musl", False),
    ],
)
def test_cfg_matches(key: str, target: str, expected: bool) -> None:
    assert cfg_matches(key, target) is expected


# --------------------------------------------------------------------------- toolchain


def test_pinned_toolchain_is_used() -> None:
    result = plan("nifs_toolchain")
    (toolchain,) = result.toolchains
    assert (toolchain.key, toolchain.channel, toolchain.profile) == (
        "rust-toolchain.toml",
        "1.78.0",
        "minimal",
    )
    assert toolchain.components == ("rustfmt", "clippy")
    assert result.default_toolchain == "rust-toolchain.toml"
    assert result.crates[0].toolchain == "rust-toolchain.toml"


def test_nearest_toolchain_file_wins() -> None:
    project = dataclasses.replace(
        load("single_crate"),
        toolchains=(
            Toolchain("rust-toolchain.toml", "stable"),
            Toolchain("native/single_nif/rust-toolchain", "nightly-2025-01-01"),
        ),
    )
    result = plan_nifs(project)
    assert result.crates[0].toolchain == "native/single_nif/rust-toolchain"
    assert result.default_toolchain == "native/single_nif/rust-toolchain"


def test_unpinned_projects_use_latest_stable() -> None:
    result = plan("single_crate")
    assert [(t.key, t.channel) for t in result.toolchains] == [("default", "stable")]


@pytest.mark.parametrize(
    ("channel", "profile"), [("my-custom-toolchain", None), ("stable", "tiny")]
)
def test_toolchain_rust_overlay_cannot_select_stops(channel: str, profile: str | None) -> None:
    project = dataclasses.replace(
        load("single_crate"),
        toolchains=(Toolchain("rust-toolchain.toml", channel, profile=profile),),
    )
    with pytest.raises(ResolveError) as error:
        plan_nifs(project)
    assert error.value.where is not None and error.value.where.path == "rust-toolchain.toml"


# --------------------------------------------------------------------------- -sys crates


def with_lock_crates(name: str, *extra: LockedCrate) -> Project:
    project = load(name)
    locks = tuple(
        dataclasses.replace(lk, packages=(*lk.packages, *extra)) for lk in project.cargo_locks
    )
    return dataclasses.replace(project, cargo_locks=locks)


def test_openssl_sys_gets_openssl_and_pkg_config() -> None:
    (crate,) = plan("nifs_openssl").crates
    assert crate.sys.native == ("pkg-config",)
    assert crate.sys.libs == ("openssl",)
    assert crate.sys.env == (("OPENSSL_NO_VENDOR", "1"),)
    assert crate.sys.unknown == ()


def test_unknown_sys_crates_are_listed_and_warned_about() -> None:
    project = with_lock_crates(
        "single_crate", LockedCrate("libfoo-sys", "0.3.1", CRATES_IO, "ab" * 32)
    )
    result = plan_nifs(project)
    assert result.unknown_sys == (("single_nif", "libfoo-sys 0.3.1"),)
    (warning,) = nifs_warnings(result)
    assert "libfoo-sys 0.3.1" in warning and "nix/overrides.nix" in warning


def test_sys_report_needs_no_network_and_skips_missing_locks() -> None:
    report = dict(sys_report(load("nifs_git_crate")))
    assert set(report) == {"git_nif"} and report["git_nif"].recipes == ()
    openssl = dict(sys_report(load("nifs_openssl")))["ssl_nif"]
    assert [r.crate for r in openssl.active] == ["openssl-sys"]
    assert sys_report(load_project(FIXTURES / "invalid" / "nifs_no_cargo_lock")) == ()


def test_platform_only_sys_crates_are_not_unknown() -> None:
    assert plan("root_workspace").unknown_sys == ()
    project = with_lock_crates(
        "single_crate", LockedCrate("windows-sys", "0.52.0", CRATES_IO, "cd" * 32)
    )
    assert plan_nifs(project).unknown_sys == ()


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name: str, update_golden: bool) -> None:
    check_golden(FIXTURES / name / "expected" / "nifs.nix", generated(name), update_golden)


@pytest.mark.parametrize("name", GOLDEN)
def test_output_is_generated_and_machine_independent(name: str) -> None:
    text = generated(name)
    assert inspect(text).state == "generated"
    assert "/nix/store" not in text and str(FIXTURES) not in text and "/tmp" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_paths_are_relative_to_the_nix_directory() -> None:
    text = generated("umbrella")
    assert "  root = ./..;\n" in text
    assert 'cargoSource (root + "/apps/native_app/native/umbrella_nif") [ "" ]' in text
    assert 'cargoSource root [ "native/ws_nif" ]' in generated("root_workspace")


def test_libc_default_is_rendered() -> None:
    assert 'libc ? "gnu",' in render_nifs(plan("single_crate", libc="gnu"))


HOSTILE = 'we"ird${builtins.abort "x"}'


def hostile_plan() -> NifsPlan:
    result = plan("single_crate")
    crate = dataclasses.replace(
        result.crates[0], root=f"native/{HOSTILE}", modules=(HOSTILE,), lib_name=HOSTILE
    )
    return dataclasses.replace(result, crates=(crate,))


def test_hostile_values_are_escaped() -> None:
    text = render_nifs(hostile_plan())
    assert HOSTILE not in text
    assert '(root + "/native/we\\"ird\\${builtins.abort \\"x\\"}")' in text


@pytest.mark.nix
def test_hostile_values_parse(tmp_path: Path) -> None:
    path = tmp_path / "nifs.nix"
    path.write_text(render_nifs(hostile_plan()), encoding="utf-8")
    subprocess.run(["nix-instantiate", "--parse", str(path)], check=True, env=nix_env())


@pytest.mark.nix
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_parses(name: str, tmp_path: Path) -> None:
    path = tmp_path / "nifs.nix"
    path.write_text(generated(name), encoding="utf-8")
    subprocess.run(
        ["nix-instantiate", "--parse", str(path)],
        check=True,
        capture_output=True,
        env=nix_env(),
    )


# --------------------------------------------------------------------------- evaluation


def assert_store_drv(path: str) -> None:
    assert re.fullmatch(r"/nix/store/[0-9a-z]{32}-[^/]+\.drv", path), path


@pytest.mark.nix
@pytest.mark.parametrize("name", GOLDEN)
def test_every_crate_evaluates_on_every_system(name: str, evaluate: Evaluate) -> None:
    result = evaluate(name)
    planned = plan(name)
    expected = {c.attr: c for c in planned.crates}
    for platform in EVALUATED:
        summary = result[platform.system][platform.libc]
        assert summary["rustTarget"] == platform.target
        assert set(summary["crates"]) == set(expected)
        for attr, crate in summary["crates"].items():
            assert_store_drv(crate["drvPath"])
            assert_store_drv(crate["deps"])
            assert crate["deps"] != crate["drvPath"]
            assert crate["libName"] == expected[attr].lib_name
            assert crate["library"] == f"lib/lib{expected[attr].lib_name}{platform.lib_suffix}"
            env = crate["env"]
            assert env["CARGO_BUILD_TARGET"] == platform.target
            assert env["cargoExtraArgs"] == f"--locked -p {expected[attr].name}"
            assert (env["strictDeps"], env["doCheck"]) == ("1", "")
            # the dependencies of every NIF crate of the workspace, built once (U-CRANE-BUILD)
            packages = planned.workspace_of(expected[attr]).packages
            deps_args = "--locked" + "".join(f" -p {p}" for p in packages)
            assert crate["depsEnv"]["cargoExtraArgs"] == deps_args


@pytest.mark.nix
@pytest.mark.parametrize("name", ["single_crate", "nifs_native_workspace"])
def test_musl_builds_link_with_the_musl_package_set(name: str, evaluate: Evaluate) -> None:
    result = evaluate(name)
    for system in ("x86_64-linux", "aarch64-linux"):
        musl = result[system]["musl"]
        target = musl["rustTarget"]
        assert musl["beamPkgsHost"] == target
        assert target in musl["toolchainTargets"]
        for crate in musl["crates"].values():
            env = crate["env"]
            variable = target.upper().replace("-", "_")
            assert env[f"CARGO_TARGET_{variable}_RUSTFLAGS"].endswith(CRT)
            linker = env[f"CARGO_TARGET_{variable}_LINKER"]
            assert linker.startswith("/nix/store/") and linker.endswith("cc")
            assert env[f"CC_{target.replace('-', '_')}"] == linker
        gnu = result[system]["gnu"]
        assert gnu["beamPkgsHost"] == gnu["rustTarget"].replace("musl", "gnu")
        for crate in gnu["crates"].values():
            assert not any(k.endswith("_LINKER") for k in crate["env"])


@pytest.mark.nix
def test_a_project_without_crates_still_gives_the_toolchain(tmp_path: Path) -> None:
    text = render_nifs(plan("dynamic_options"))
    result = nifseval.evaluate(nifseval.install(FIXTURES / "dynamic_options", text, tmp_path))
    musl = result["x86_64-linux"]["musl"]
    assert musl["crates"] == {}
    assert musl["toolchainTargets"] == ["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"]


@pytest.mark.nix
def test_rustflags_merge_with_the_projects_musl_config(tmp_path: Path, evaluate: Evaluate) -> None:
    """root_workspace's .cargo/config.toml sets musl rustflags of its own. The file is in the
    crate's source, where cargo reads it and appends CARGO_TARGET_<T>_RUSTFLAGS to its flags
    (cargo's config lists merge environment values after file values): the effective flags are
    the config's, then nixgen's."""
    target = nifseval.install(FIXTURES / "root_workspace", generated("root_workspace"), tmp_path)
    config = nifseval.evaluate(target, "configFlags")["ws_nif"]
    crate = evaluate("root_workspace")["x86_64-linux"]["musl"]["crates"]["ws_nif"]
    variable = crate["env"]["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS"]
    effective = [*config["target"]["x86_64-unknown-linux-musl"]["rustflags"], *variable.split()]
    assert effective == [
        "-C",
        "target-feature=-crt-static",
        "-C",
        "link-arg=-s",
        "-C",
        "target-feature=-crt-static",
    ]
    assert ".cargo/config.toml" in crate["sources"]
    # On the gnu target neither the project nor nixgen sets flags: no variable at all.
    gnu = evaluate("root_workspace")["x86_64-linux"]["gnu"]["crates"]["ws_nif"]["env"]
    assert "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS" not in gnu


@pytest.mark.nix
def test_configs_outside_the_source_reach_the_build(evaluate: Evaluate) -> None:
    result = evaluate("nifs_native_workspace")
    crate = result["aarch64-linux"]["musl"]["crates"]["nws_nif"]
    assert crate["env"]["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS"] == (
        f"-C target-cpu=generic -C force-frame-pointers=yes {CRT}"
    )
    assert "nws_nif/.cargo/config.toml" not in crate["sources"]
    darwin = result["aarch64-darwin"]["musl"]["crates"]["nws_nif"]["env"]
    assert darwin["CARGO_TARGET_AARCH64_APPLE_DARWIN_RUSTFLAGS"] == "--cfg nws_root"


@pytest.mark.nix
def test_source_holds_only_cargo_files(evaluate: Evaluate) -> None:
    crate = evaluate("nifs_native_workspace")["x86_64-linux"]["musl"]["crates"]["nws_nif"]
    assert sorted(crate["sources"]) == [
        ".cargo/config.toml",
        "Cargo.lock",
        "Cargo.toml",
        "helpers/Cargo.toml",
        "helpers/src/lib.rs",
        "nws_nif/Cargo.toml",
        "nws_nif/src/lib.rs",
    ]


def drv_paths(target: Path) -> Json:
    return nifseval.evaluate(target, "drvPaths")


@pytest.mark.nix
@pytest.mark.parametrize(
    ("name", "rust_file"),
    [
        ("root_workspace", "native/ws_nif/src/lib.rs"),
        ("nifs_native_workspace", "native/helpers/src/lib.rs"),
        ("umbrella", "apps/native_app/native/umbrella_nif/src/lib.rs"),
    ],
)
def test_source_filtering_keeps_drv_paths_stable(name: str, rust_file: str, tmp_path: Path) -> None:
    target = nifseval.install(FIXTURES / name, generated(name), tmp_path)
    before = drv_paths(target)
    for ex in target.rglob("*.ex"):
        ex.write_text(ex.read_text() + "\n# edited\n")
    (target / "mix.exs").write_text((target / "mix.exs").read_text() + "\n# edited\n")
    (target / "README.md").write_text("edited\n")
    assert drv_paths(target) == before
    rs = target / rust_file
    rs.write_text(rs.read_text() + "\n// edited\n")
    after = drv_paths(target)
    for system, crates in after.items():
        for attr, paths in crates.items():
            assert paths["crate"] != before[system][attr]["crate"]
            assert paths["deps"] == before[system][attr]["deps"]


@pytest.mark.nix
def test_cargo_manifest_change_rebuilds_dependencies(tmp_path: Path) -> None:
    target = nifseval.install(FIXTURES / "single_crate", generated("single_crate"), tmp_path)
    before = drv_paths(target)["x86_64-linux"]["single_nif"]
    manifest = target / "native" / "single_nif" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + '\n[profile.release]\nlto = "thin"\n')
    after = drv_paths(target)["x86_64-linux"]["single_nif"]
    assert after["deps"] != before["deps"] and after["crate"] != before["crate"]


@pytest.mark.nix
def test_pinned_toolchain_with_components_and_targets(evaluate: Evaluate) -> None:
    result = evaluate("nifs_toolchain")
    for platform in EVALUATED:
        targets = result[platform.system][platform.libc]["toolchainTargets"]
        assert "wasm32-unknown-unknown" in targets and platform.target in targets


@pytest.mark.nix
def test_openssl_comes_from_the_linked_package_set(evaluate: Evaluate) -> None:
    result = evaluate("nifs_openssl")
    musl = result["x86_64-linux"]["musl"]["crates"]["ssl_nif"]
    assert musl["buildInputHosts"] == ["x86_64-unknown-linux-musl"]
    assert musl["nativeBuildInputHosts"] == ["x86_64-unknown-linux-gnu"]  # pkg-config, rustc
    assert musl["env"]["OPENSSL_NO_VENDOR"] == "1"
    assert musl["env"]["PKG_CONFIG_ALLOW_CROSS"] == "1"
    gnu = result["x86_64-linux"]["gnu"]["crates"]["ssl_nif"]
    assert gnu["buildInputHosts"] == ["x86_64-unknown-linux-gnu"]


@pytest.mark.nix
def test_overrides_change_crate_and_dependencies(tmp_path: Path) -> None:
    target = nifseval.install(FIXTURES / "single_crate", generated("single_crate"), tmp_path)
    plain = drv_paths(target)["x86_64-linux"]["single_nif"]
    overridden = nifseval.evaluate(target, "overridden")["single_nif"]
    assert overridden["crate"] != plain["crate"] and overridden["deps"] != plain["deps"]


# --------------------------------------------------------------------------- corpus

CORPUS_STOPS = {
    "discord__sorted_set_nif": (
        "NIF crate sorted_set_nif has no Cargo.lock (looked for native/sorted_set_nif/Cargo.lock)"
    ),
    "rusterlium__rustler": (
        "NIF crates benchmark, dynamic_load, resource_dyncall, rustler_bigint_test, rustler_test, "
        "rustler_serde_test have no Cargo.lock (looked for Cargo.lock)"
    ),
    "supernintendo__rustler_live_view_toy": (
        "native/rustler_live_view_toy_engine/Cargo.lock is a version 1 lock file"
    ),
}


# Projects without a crate to build: their NIF modules are unresolved (the reason, as `show`
# reports it), or they have none (NIFs only come through Mix dependencies).
CORPUS_UNRESOLVED = {
    "adoptoposs__mjml_nif": "options are not a literal keyword list",
    "elitau__pact_elixir": "options are not a literal keyword list",
    "anoma__anoma": "",
    "bonfire-networks__bonfire-app": "",
    "code-supply__deps_nix": "",
    "leandrocp__mdex": "",
}


def corpus_projects() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def copy_cargo_sources(source: Path, target: Path) -> None:
    """What the harness needs of a corpus project: everything except the heavy Mix parts."""
    shutil.copytree(
        source,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns("_build", "deps", "target", ".git", "node_modules", "assets"),
    )


@pytest.mark.corpus
@pytest.mark.nix
@pytest.mark.parametrize("name", corpus_projects())
def test_corpus_nif_crates_evaluate_or_stop_with_a_message(name: str, tmp_path: Path) -> None:
    project = load_project(CORPUS / name)
    try:
        result = plan_nifs(project, known=fetched(project))
    except NixgenError as error:
        assert name in CORPUS_STOPS, str(error)
        assert CORPUS_STOPS[name] in str(error)
        return
    assert name not in CORPUS_STOPS
    assert (name in CORPUS_UNRESOLVED) == (not result.crates)
    if not result.crates:
        problems = [p for nif in project.nifs for p in nif.problems[:1]]
        assert len(problems) == len(project.nifs)  # every NIF is unresolved, if there is any
        assert all(CORPUS_UNRESOLVED[name] in p for p in problems)
        return
    target = tmp_path / "project"
    copy_cargo_sources(CORPUS / name, target)
    nifseval.write(target, render_nifs(result))
    paths = drv_paths(target)
    for system in nifseval.SYSTEMS:
        assert set(paths[system]) == {c.attr for c in result.crates}
        for crate in paths[system].values():
            assert_store_drv(crate["crate"])
            assert_store_drv(crate["deps"])


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("git+https://h/r?branch=feat%2Fnix#abc", "git+https://h/r?branch=feat/nix#abc"),
        ("git+https://h/r?branch=a%2fb#abc", "git+https://h/r?branch=a%2fb#abc"),  # upper case only
        ("git+https://h/r?branch=a%252Fb#abc", "git+https://h/r?branch=a%2Fb#abc"),  # one pass
        ("git+https://h/r?tag=v1%2B2%20x#abc", "git+https://h/r?tag=v1+2 x#abc"),
    ],
)
def test_output_hash_key_is_decoded_like_crane(source: str, key: str) -> None:
    """crane decodes the Cargo.lock source with its own table before looking up outputHashes
    (docs/UPSTREAM.md U-CRANE-OUTPUTHASHES): an encoded key is never found."""
    from nixgen.fetch.cargo_git import CargoGitHash

    assert CargoGitHash(source, "https://h/r", "abc", "sha256-x").key == key


def test_pinned_toolchain_too_old_for_the_lock_stops(tmp_path: Path) -> None:
    """cargo < 1.78 cannot read a version-4 Cargo.lock (docs/UPSTREAM.md U-CARGO-LOCKFILE):
    crane's build would fail on its first cargo call, so init says so first."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "nifs_toolchain", root, ignore=shutil.ignore_patterns("expected"))
    toolchain = root / "rust-toolchain.toml"
    toolchain.write_text(toolchain.read_text().replace('"1.78.0"', '"1.77.2"'))
    with pytest.raises(InputError) as info:
        plan_nifs(load_project(root))
    message = str(info.value)
    assert message.startswith("rust-toolchain.toml: ")
    assert "version 4 lock file" in message and "1.77.2" in message and "1.78 or later" in message
