"""nix/deps.nix from mix.lock: release closure, builders, git/path/old-lock sources, goldens.

Fixtures (fixtures/README.md): deps_hex (closure rules and builders), deps_git (git deps, a
sparse source-only checkout, an in-repository path dependency), deps_old_lock (7-element :hex
entries), invalid/deps_private_repo (an organization package), invalid/deps_path_outside (a
path dependency outside the repository), plus the umbrella, single_crate and two_crates
fixtures of `nixgen show`.

Every golden deps.nix is also parsed by `nix-instantiate --parse` and evaluated down to each
package's drvPath against the mock nixpkgs (tests/nixmock); facts are asserted from the
evaluation where the mock exposes them (`passthru.packageName`, `beamDeps`, `mockEnv`).
Regenerate the golden files with `pytest tests/test_deps_nix.py --update-golden`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from support import depseval
from support.depseval import (
    GITLIB,
    GITLIB_REV,
    HEROICONS,
    HEROICONS_REV,
    git_checkouts,
    nix_parse,
)
from support.env import CORPUS, FIXTURES
from support.fakes import FakeCheckouts, default_mix_exs, fake_fetchers, fetched
from support.golden import check_golden
from support.nixeval import nix_eval_json

from nixgen.constants import DEPS_FILE, REGENERATE
from nixgen.emit.deps import (
    DepsPlan,
    DepsRequest,
    GitPackage,
    HexPackage,
    Package,
    plan_deps,
    render_deps,
)
from nixgen.errors import InputError, NixgenError, ResolveError
from nixgen.fetch.records import GitSourceInfo, HexSource, KnownSources, read_records
from nixgen.fetch.stage import HexNeed, unknown_sources
from nixgen.model import GitLockEntry, HexLockEntry, Project
from nixgen.resolve.project import load_project
from nixgen.write import with_header

GOLDEN_NAMES = ["deps_hex", "deps_git", "deps_old_lock", "umbrella", "single_crate", "two_crates"]

# --------------------------------------------------------------------------- helpers


def load(name: str, env: str = "prod") -> Project:
    return load_project(FIXTURES / name, env=env)


def request(
    project: Project, env: str = "prod", provided: frozenset[str] = frozenset()
) -> DepsRequest:
    return DepsRequest(project, project.mix_projects[0], env, provided)


def packages(plan: DepsPlan) -> dict[str, Package]:
    return {p.name: p for p in plan.packages}


def excluded(plan: DepsPlan) -> dict[str, str]:
    return {e.name: e.reason for e in plan.closure.excluded}


def hex_package(plan: DepsPlan, name: str) -> HexPackage:
    package = packages(plan)[name]
    assert isinstance(package, HexPackage)
    return package


def git_project(root: Path | None = None) -> Project:
    return load_project(root or FIXTURES / "deps_git")


def offline(wanted: DepsRequest, checkouts: FakeCheckouts | None = None) -> KnownSources:
    """The fetch stage for `wanted`, offline (fake checkouts, depseval.fake_hex_hash)."""
    project = wanted.project
    return fetched(project, wanted, fake_fetchers(project, checkouts=checkouts))


def plan_git(root: Path | None = None) -> tuple[DepsPlan, KnownSources, FakeCheckouts]:
    checkouts = git_checkouts()
    wanted = request(git_project(root))
    known = offline(wanted, checkouts)
    return plan_deps(wanted, known), known, checkouts


def full_text(plan: DepsPlan) -> str:
    """nix/deps.nix as written: the body with nixgen's header."""
    return with_header(render_deps(plan), REGENERATE)


def records_of(text: str) -> KnownSources:
    return KnownSources(read_records(text, DEPS_FILE))


@cache
def generated(name: str) -> str:
    """The deps.nix nixgen writes for a fixture (git sources from fake checkouts, old lock
    entries hashed by depseval.fake_hex_hash)."""
    if name == "deps_git":
        return full_text(plan_git()[0])
    return depseval.generate(load(name))


def planned_names(name: str) -> set[str]:
    if name == "deps_git":
        return set(packages(plan_git()[0]))
    wanted = request(load(name))
    return set(packages(plan_deps(wanted, offline(wanted))))


def evaluated(project_dir: Path, text: str, work: Path) -> tuple[dict[str, str], Path]:
    """Every package's drvPath (all forced), and the flake directory for further queries."""
    drv_paths = depseval.evaluate(project_dir, text, work)
    assert isinstance(drv_paths, dict)
    flake = work / "project"
    assert (flake / "flake.nix").is_file()
    return drv_paths, flake


def query(flake: Path, attr: str, apply: str | None = None) -> Any:
    return nix_eval_json(flake, attr, extra_args=["--apply", apply] if apply else [])


# The name mixRelease links a dep under (U-BUILDMIX: beamModuleName; buildErlangMk and source-only
# deps: packageName).
PACKAGE_NAMES = "ds: map (d: d.beamModuleName or d.packageName) ds"


def block(text: str, name: str) -> str:
    """The lines of one package's attribute in a rendered deps.nix."""
    match = re.search(rf"^    {re.escape(name)} = .*?^    }};$", text, re.MULTILINE | re.DOTALL)
    assert match is not None, name
    return match.group(0)


@pytest.fixture
def git_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of fixtures/deps_git."""
    target = tmp_path / "deps_git"
    shutil.copytree(FIXTURES / "deps_git", target, ignore=shutil.ignore_patterns("expected"))
    yield target


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_deps_nix_golden(name: str, update_golden: bool) -> None:
    check_golden(FIXTURES / name / "expected" / "deps.nix", generated(name), update_golden)


@pytest.mark.nix
@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_parses(name: str, tmp_path: Path) -> None:
    golden = (FIXTURES / name / "expected" / "deps.nix").read_text(encoding="utf-8")
    result = nix_parse(golden, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.nix
@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_evaluates_to_a_derivation_per_package(name: str, tmp_path: Path) -> None:
    golden = (FIXTURES / name / "expected" / "deps.nix").read_text(encoding="utf-8")
    drv_paths, _ = evaluated(FIXTURES / name, golden, tmp_path)
    assert set(drv_paths) == planned_names(name)
    for attr, drv in drv_paths.items():
        assert re.fullmatch(r"/nix/store/[0-9a-z]{32}-.+\.drv", drv), (attr, drv)
        assert f"-{attr}-" in drv, (attr, drv)


# --------------------------------------------------------------------------- deps_hex: closure


def test_hex_closure_follows_required_edges_only() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    assert plan.closure.included == (
        "castore",
        "erlmk_only",
        "esbuild",
        "hpack",
        "mime",
        "phoenix",
        "phoenix_pubsub",
        "plug",
        "plug_crypto",
        "ranch",
        "telemetry",
        "telemetry_metrics",
    )
    assert [p.name for p in plan.packages] == list(plan.closure.included)
    assert plan.closure.path_deps == ()
    assert plan.closure.notes == ()


def test_hex_exclusion_reasons() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    assert excluded(plan) == {
        "credo": "only: [:dev, :test] in mix.exs (building for :prod)",
        "ex_doc": "only: [:dev] in mix.exs (building for :prod)",
        "bunt": "needed only by credo, left out of the :prod build",
        "file_system": "needed only by credo, left out of the :prod build",
        "earmark_parser": "needed only by ex_doc, left out of the :prod build",
        "makeup_elixir": "needed only by ex_doc, left out of the :prod build",
        "jason": "optional dependency of esbuild, phoenix, required by nothing else",
        # decimal's only parent (jason) is itself left out, so "optional dependency of jason"
        # would name a package that is not built.
        "decimal": "needed only by jason, left out of the :prod build",
    }


def test_optional_edge_target_required_by_mix_exs_is_included_and_linked() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    assert "telemetry_metrics" in plan.closure.included
    assert hex_package(plan, "phoenix").beam_deps == ("phoenix_pubsub", "plug", "telemetry_metrics")
    # jason is an optional edge of phoenix that nothing requires: not linked.
    assert "jason" not in hex_package(plan, "phoenix").beam_deps
    assert hex_package(plan, "esbuild").beam_deps == ("castore",)


def test_runtime_false_dependency_is_still_built() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    esbuild = hex_package(plan, "esbuild")
    assert (esbuild.builder, esbuild.version) == ("buildMix", "0.9.0")


def test_builders_follow_the_lock_managers() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    builders = {p.name: p.builder for p in plan.packages}
    assert builders == {
        "castore": "buildMix",
        "erlmk_only": "buildErlangMk",
        "esbuild": "buildMix",
        "hpack": "buildRebar3",
        "mime": "buildMix",
        "phoenix": "buildMix",
        "phoenix_pubsub": "buildMix",
        "plug": "buildMix",
        "plug_crypto": "buildMix",
        "ranch": "buildRebar3",  # [:make, :rebar3]: rebar3 wins over make
        "telemetry": "buildRebar3",
        "telemetry_metrics": "buildMix",
    }


def test_hex_alias_keeps_the_app_name_and_fetches_the_package() -> None:
    plan = plan_deps(request(load("deps_hex")), KnownSources())
    hpack = hex_package(plan, "hpack")
    assert (hpack.name, hpack.package, hpack.version) == ("hpack", "hpack_erl", "0.3.0")
    assert hex_package(plan, "mime").beam_deps == ("hpack",)
    text = generated("deps_hex")
    hpack_block = block(text, "hpack")
    assert 'name = "hpack";' in hpack_block
    assert 'pkg = "hpack_erl";' in hpack_block
    assert "hpack_erl" not in text.replace('pkg = "hpack_erl";', "")


def test_outer_checksum_is_the_fetchhex_sha256() -> None:
    lock = (FIXTURES / "deps_hex" / "mix.lock").read_text(encoding="utf-8")
    plug_line = next(line for line in lock.splitlines() if line.startswith('  "plug":'))
    outer = re.findall(r'"([0-9a-f]{64})"', plug_line)[-1]
    wanted = request(load("deps_hex"))
    plan = plan_deps(wanted, KnownSources())
    assert hex_package(plan, "plug").sha256 == outer
    assert not hex_package(plan, "plug").prefetched
    assert unknown_sources(wanted.project, wanted, KnownSources()) == []  # nothing to fetch
    assert f'sha256 = "{outer}";' in block(generated("deps_hex"), "plug")
    hex_records = [r for r in read_records(generated("deps_hex")) if isinstance(r, HexSource)]
    assert HexSource("plug", hex_package(plan, "plug").version) in hex_records
    assert all(r.sha256 is None for r in hex_records)  # no checksum to remember


def test_dev_env_includes_dev_only_deps() -> None:
    plan = plan_deps(request(load("deps_hex", env="dev"), env="dev"), KnownSources())
    included = set(plan.closure.included)
    assert {"credo", "ex_doc", "bunt", "file_system", "earmark_parser", "makeup_elixir"} <= included
    assert "jason" in included  # a required edge of credo
    assert excluded(plan) == {"decimal": "optional dependency of jason, required by nothing else"}
    assert hex_package(plan, "phoenix").beam_deps == (
        "jason",
        "phoenix_pubsub",
        "plug",
        "telemetry_metrics",
    )


def test_test_env_includes_credo_but_not_ex_doc() -> None:
    plan = plan_deps(request(load("deps_hex", env="test"), env="test"), KnownSources())
    assert "credo" in plan.closure.included
    assert excluded(plan)["ex_doc"] == "only: [:dev] in mix.exs (building for :test)"


def test_app_config_is_passed_to_mix_builds_only() -> None:
    text = generated("deps_hex")
    assert '  appConfigPath ? ./.. + "/config",\n' in text
    assert "inherit appConfigPath;" in block(text, "phoenix")
    for name in ("telemetry", "ranch", "hpack", "erlmk_only"):
        assert "appConfigPath" not in block(text, name), name


@pytest.mark.nix
def test_hex_facts_from_the_evaluation(tmp_path: Path) -> None:
    drv_paths, flake = evaluated(FIXTURES / "deps_hex", generated("deps_hex"), tmp_path)
    assert len(drv_paths) == 12
    assert query(flake, "deps.phoenix.beamDeps", PACKAGE_NAMES) == [
        "phoenix_pubsub",
        "plug",
        "telemetry_metrics",
    ]
    assert query(flake, "deps.plug.beamDeps", PACKAGE_NAMES) == ["mime", "plug_crypto", "telemetry"]
    assert query(flake, "deps.mime.beamDeps", PACKAGE_NAMES) == ["hpack"]
    assert query(flake, "deps.hpack", "d: d.beamModuleName or d.packageName") == "hpack"
    assert query(flake, "deps.hpack.src.src.urls") == [
        "https://repo.hex.pm/tarballs/hpack_erl-0.3.0.tar"
    ]
    phoenix = query(flake, "deps.phoenix.mockEnv")
    assert phoenix["MIX_ENV"] == "prod"
    assert phoenix["version"] == "1.7.21"
    assert phoenix["appConfigPath"].endswith("-config")
    # Which builder made each derivation, read from what the builder put in it.
    assert "SKIP_DEPS=1" in query(flake, "deps.erlmk_only.mockEnv")["buildFlags"]
    for name in ("telemetry", "ranch", "hpack"):
        env = query(flake, f"deps.{name}.mockEnv")
        assert "-rebar3-" in env["nativeBuildInputs"], name  # rebar3WithPlugins (U-BUILDREBAR3)
        assert "MIX_ENV" not in env, name
    sha = query(flake, "deps.telemetry.src.src.outputHash")
    assert sha == "3989886997aa1bebf03a9e0e19bdab62b8430c5bb83b8be95b8c8463f4a024dd"


@pytest.mark.nix
@pytest.mark.parametrize(
    "bad",
    [
        "f7730930376ef914cf54ec9aade29f1c703941e54e4af4efe7eb0ce4f0f1713",  # 63 digits
        "z7730930376ef914cf54ec9aade29f1c703941e54e4af4efe7eb0ce4f0f17138",  # not hex
        "",
    ],
)
def test_malformed_sha256_fails_the_evaluation(bad: str, tmp_path: Path) -> None:
    good = hex_package(plan_deps(request(load("deps_hex")), KnownSources()), "phoenix").sha256
    text = generated("deps_hex")
    assert text.count(f'"{good}"') == 1
    broken = text.replace(f'"{good}"', f'"{bad}"')
    assert nix_parse(broken, tmp_path).returncode == 0  # syntactically fine
    with pytest.raises(AssertionError, match="nix eval failed") as caught:
        depseval.evaluate(FIXTURES / "deps_hex", broken, tmp_path / "eval")
    assert "hash" in str(caught.value).lower(), str(caught.value)[-2000:]


# --------------------------------------------------------------------------- deps_git


def test_git_dependency_metadata_comes_from_its_checkout() -> None:
    plan, sources, _ = plan_git()
    gitlib = packages(plan)["gitlib"]
    assert isinstance(gitlib, GitPackage)
    assert (gitlib.version, gitlib.builder, gitlib.beam_deps) == ("0.4.2", "buildMix", ("jason",))
    assert gitlib.source.rev == GITLIB_REV
    assert gitlib.source.deps == ("jason",)  # dev_only is `only: :dev` in gitlib's mix.exs
    assert excluded(plan)["dev_only"] == "not needed by any dependency of the :prod build"
    assert excluded(plan)["decimal"] == "optional dependency of jason, required by nothing else"
    assert sorted(r.url for r in sources.records() if isinstance(r, GitSourceInfo)) == [
        GITLIB, HEROICONS,
    ]  # fmt: skip


def test_source_only_git_dependency() -> None:
    plan, _, _ = plan_git()
    heroicons = packages(plan)["heroicons"]
    assert isinstance(heroicons, GitPackage)
    assert heroicons.builder == "sourceOnly"
    assert (heroicons.source.url, heroicons.source.rev) == (HEROICONS, HEROICONS_REV)
    assert heroicons.source.root == "optimized"
    text = block(generated("deps_git"), "heroicons")
    assert "heroicons = sourceOnly {" in text
    assert "beamDeps" not in text


def test_path_dependency_is_left_to_mix_but_its_deps_are_built() -> None:
    """Mix builds an in-repository path dep inside the release (docs/UPSTREAM.md
    U-MIX-DEPS-COMPILE-PATH): no attribute of its own, its Hex deps still are."""
    plan, _, _ = plan_git()
    assert "local_lib" not in packages(plan)
    assert "jason" in packages(plan)
    assert plan.closure.path_deps == (("local_lib", "libs/local_lib"),)
    text = generated("deps_git")
    assert "local_lib" not in text and "mixSource" not in text
    assert "appConfigPath" not in text  # deps_git has no config/


def test_each_git_source_is_fetched_once() -> None:
    _, _, checkouts = plan_git()
    assert sorted(checkouts.calls) == [
        (GITLIB, GITLIB_REV, False),
        (HEROICONS, HEROICONS_REV, False),
    ]


def test_regeneration_needs_no_checkout() -> None:
    previous = generated("deps_git")
    known = records_of(previous)
    git = {(r.url, r.rev) for r in known.records() if isinstance(r, GitSourceInfo)}
    assert git == {(GITLIB, GITLIB_REV), (HEROICONS, HEROICONS_REV)}
    plan = plan_deps(request(git_project()), known)
    assert full_text(plan) == previous


def test_changed_rev_needs_a_fetch(git_copy: Path) -> None:
    lock = git_copy / "mix.lock"
    lock.write_text(
        lock.read_text(encoding="utf-8").replace(GITLIB_REV, "1" * 40), encoding="utf-8"
    )
    sources = records_of(generated("deps_git"))
    with pytest.raises(InputError) as caught:
        plan_deps(request(git_project(git_copy)), sources)
    assert str(caught.value) == (
        "mix.lock:4:13: git dependency 'gitlib' has not been fetched\n"
        "  hint: run `nixgen update` (it fetches git sources once)"
    )


def test_path_dependency_outside_the_repository_is_an_error() -> None:
    project = load_project(FIXTURES / "invalid" / "deps_path_outside")
    with pytest.raises(ResolveError) as caught:
        plan_deps(request(project), KnownSources())
    assert str(caught.value) == (
        "mix.exs:15:7: path dependency 'x' is not a Mix project inside the repository\n"
        "  hint: a flake can only build sources inside its repository; vendor the "
        "dependency into the repository or publish it and depend on a version"
    )


def add_local_lib_deps(root: Path, deps: str) -> None:
    mix = root / "libs" / "local_lib" / "mix.exs"
    text = mix.read_text(encoding="utf-8")
    mix.write_text(
        text.replace('{:jason, "~> 1.4"}', '{:jason, "~> 1.4"},\n      ' + deps), encoding="utf-8"
    )


def test_test_only_deps_of_a_path_dependency_are_left_out(git_copy: Path) -> None:
    add_local_lib_deps(git_copy, '{:mox, "~> 1.0", only: :test}')
    plan, _, _ = plan_git(git_copy)
    assert "jason" in plan.closure.included  # local_lib's runtime dep, built for Mix
    assert "mox" not in plan.closure.included


def test_optional_deps_of_a_path_dependency_are_not_required(git_copy: Path) -> None:
    add_local_lib_deps(git_copy, '{:ex_json_schema, "~> 0.10", optional: true}')
    plan, _, _ = plan_git(git_copy)
    assert "jason" in plan.closure.included
    assert "ex_json_schema" not in plan.closure.included


def test_optional_edge_of_a_git_dependency_is_linked_when_included() -> None:
    optional_jason = '[{:jason, "~> 1.4", optional: true}]'
    checkouts = FakeCheckouts(
        apps={
            GITLIB: {"mix.exs": default_mix_exs("gitlib", "0.4.2", optional_jason)},
            HEROICONS: {"optimized/24/outline/academic-cap.svg": "<svg/>\n"},
        }
    )
    wanted = request(git_project())
    plan = plan_deps(wanted, offline(wanted, checkouts))
    assert "jason" in plan.closure.included  # required by local_lib
    assert packages(plan)["gitlib"].beam_deps == ("jason",)


@pytest.mark.nix
def test_sparse_source_only_dependency_keeps_the_checkout_layout(tmp_path: Path) -> None:
    _, flake = evaluated(FIXTURES / "deps_git", generated("deps_git"), tmp_path)
    checkout = query(flake, "deps.heroicons.buildCommand", None)
    repo = re.search(r"cp -r (\S+) \$out/src", checkout)
    assert repo is not None
    assert re.fullmatch(r"/nix/store/[0-9a-z]{32}-heroicons-source", repo.group(1))


@pytest.mark.nix
def test_git_facts_from_the_evaluation(tmp_path: Path) -> None:
    drv_paths, flake = evaluated(FIXTURES / "deps_git", generated("deps_git"), tmp_path)
    assert sorted(drv_paths) == ["gitlib", "heroicons", "jason"]  # local_lib: built by Mix
    assert query(flake, "deps.gitlib.version") == "0.4.2"
    assert query(flake, "deps.gitlib.beamDeps", PACKAGE_NAMES) == ["jason"]
    assert query(flake, "deps.gitlib.src.url") == GITLIB
    assert query(flake, "deps.gitlib.src.rev") == GITLIB_REV
    assert query(flake, "deps.gitlib.src.fetchSubmodules") is False
    assert query(flake, "deps.heroicons.packageName") == "heroicons"


# --------------------------------------------------------------------------- deps_old_lock


def test_old_lock_entries_are_prefetched_and_recorded() -> None:
    wanted = request(load("deps_old_lock"))
    needed = unknown_sources(wanted.project, wanted, KnownSources())
    plan = plan_deps(wanted, offline(wanted))
    old = {"cowboy", "cowlib", "plug", "poison", "ranch"}
    assert set(packages(plan)) == old | {"mime"}
    assert {n.entry.name for n in needed if isinstance(n, HexNeed)} == old  # mime has its sum
    for name in sorted(old):
        package = hex_package(plan, name)
        assert package.prefetched, name
        assert package.sha256 == depseval.fake_hex_hash(name, package.version)
    assert not hex_package(plan, "mime").prefetched
    recorded = read_records(generated("deps_old_lock"))
    assert {r for r in recorded if isinstance(r, HexSource) and r.sha256} == {
        HexSource(n, hex_package(plan, n).version, n, hex_package(plan, n).sha256) for n in old
    }
    assert HexSource("mime", hex_package(plan, "mime").version) in recorded


def test_old_lock_without_hasher_or_known_hashes_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        plan_deps(request(load("deps_old_lock")), KnownSources())
    assert str(caught.value) == (
        "mix.lock:2:13: 'cowboy' is an old 7-element lock entry without the tarball checksum\n"
        "  hint: run `nixgen update` with network access, or `mix deps.get` with a recent "
        "Mix to rewrite the lock"
    )


def test_old_lock_regenerates_from_the_previous_file_without_network() -> None:
    previous = generated("deps_old_lock")
    known = records_of(previous)
    old = {
        "cowboy": "2.4.0",
        "cowlib": "2.3.0",
        "plug": "1.6.2",
        "poison": "3.1.0",
        "ranch": "1.5.0",
    }
    assert all(known.hex(name, version) for name, version in old.items())
    plan = plan_deps(request(load("deps_old_lock")), known)
    assert full_text(plan) == previous


def test_previous_hex_records_read_unindented_lines() -> None:
    sha = "ab" * 32
    assert read_records(f"# nixgen-hex: cowboy 2.4.0 {sha}\n") == (
        HexSource("", "2.4.0", "cowboy", sha),
    )


@pytest.mark.nix
def test_old_lock_facts_from_the_evaluation(tmp_path: Path) -> None:
    _, flake = evaluated(FIXTURES / "deps_old_lock", generated("deps_old_lock"), tmp_path)
    assert query(flake, "deps.cowboy.src.src.outputHash") == depseval.fake_hex_hash(
        "cowboy", "2.4.0"
    )
    assert query(flake, "deps.cowboy.beamDeps", PACKAGE_NAMES) == ["cowlib", "ranch"]
    assert query(flake, "deps.plug.beamDeps", PACKAGE_NAMES) == ["cowboy", "mime"]


# --------------------------------------------------------------------------- private repository

PRIVATE_ERROR = (
    "mix.lock:2:19: 'acme_billing' comes from the Hex repository 'hexpm:acme', which needs "
    "authentication nixgen does not have\n"
    "  hint: build it yourself in nix/overrides.nix (`acme_billing = beamPackages.buildMix "
    '{ ... };`) and list it in nixgen.toml under [deps] provided = ["acme_billing"]'
)


def test_private_repository_package_is_an_error() -> None:
    project = load_project(FIXTURES / "invalid" / "deps_private_repo")
    with pytest.raises(ResolveError) as caught:
        plan_deps(request(project), KnownSources())
    assert str(caught.value) == PRIVATE_ERROR


def test_private_repository_package_provided_by_the_user() -> None:
    project = load_project(FIXTURES / "invalid" / "deps_private_repo")
    plan = plan_deps(request(project, provided=frozenset({"acme_billing"})), KnownSources())
    assert [p.name for p in plan.packages] == ["jason"]
    assert "acme_billing" in plan.closure.included  # still part of the release, built by the user
    text = render_deps(plan)
    assert "acme" not in text


def copy_private(tmp_path: Path) -> Path:
    target = tmp_path / "private"
    shutil.copytree(FIXTURES / "invalid" / "deps_private_repo", target)
    return target


def test_self_hosted_repository_is_an_error_too(tmp_path: Path) -> None:
    root = copy_private(tmp_path)
    lock = root / "mix.lock"
    lock.write_text(
        lock.read_text(encoding="utf-8").replace('"hexpm:acme"', '"acme"'), encoding="utf-8"
    )
    with pytest.raises(ResolveError) as caught:
        plan_deps(request(load_project(root)), KnownSources())
    assert str(caught.value) == PRIVATE_ERROR.replace("'hexpm:acme'", "'acme'")


def test_private_package_outside_the_release_is_no_error(tmp_path: Path) -> None:
    root = copy_private(tmp_path)
    mix = root / "mix.exs"
    mix.write_text(
        mix.read_text(encoding="utf-8").replace(
            'organization: "acme"', 'organization: "acme", only: :dev'
        ),
        encoding="utf-8",
    )
    plan = plan_deps(request(load_project(root)), KnownSources())
    assert [p.name for p in plan.packages] == ["jason"]
    assert excluded(plan)["acme_billing"] == "only: [:dev] in mix.exs (building for :prod)"


# --------------------------------------------------------------------------- umbrella


def test_umbrella_builds_the_union_of_its_apps_deps() -> None:
    project = load("umbrella")
    plan = plan_deps(request(project), KnownSources())
    assert plan.closure.included == ("jason", "rustler", "toml")
    assert [p.name for p in plan.packages] == ["jason", "rustler", "toml"]
    assert plan.closure.path_deps == ()
    assert excluded(plan) == {}  # decimal, jason's optional dep, is not even locked
    # rustler's optional edge to jason is linked because apps/core requires jason.
    assert hex_package(plan, "rustler").beam_deps == ("jason", "toml")
    text = generated("umbrella")
    assert "core" not in re.findall(r"^    (\S+) = ", text, re.MULTILINE)
    assert "native_app" not in text


@pytest.mark.nix
def test_umbrella_facts_from_the_evaluation(tmp_path: Path) -> None:
    drv_paths, flake = evaluated(FIXTURES / "umbrella", generated("umbrella"), tmp_path)
    assert sorted(drv_paths) == ["jason", "rustler", "toml"]
    assert query(flake, "deps.rustler.beamDeps", PACKAGE_NAMES) == ["jason", "toml"]


def test_single_app_links_optional_edges_only_when_needed() -> None:
    plan = plan_deps(request(load("single_crate")), KnownSources())
    assert [p.name for p in plan.packages] == ["rustler", "toml"]
    assert hex_package(plan, "rustler").beam_deps == ("toml",)
    assert excluded(plan)["jason"] == "optional dependency of rustler, required by nothing else"


# --------------------------------------------------------------------------- hostile content

HOSTILE_URL = 'https://example.invalid/a"b${c}\\d/é.git'
# The most a version can hold and still name a store path (Nix allows letters, digits, +-._?=).
HOSTILE_VERSION = "1.0.0-rc.1+x=y?z_"
HOSTILE_MIX_EXS = """defmodule Hostile.MixProject do
  use Mix.Project

  def project do
    [app: :hostile, version: "0.1.0", deps: deps()]
  end

  defp deps do
    [
      {:evil, git: "https://example.invalid/a\\"b${c}\\\\d/é.git"},
      {:rcdep, "~> 1.0-rc"}
    ]
  end
end
"""
HOSTILE_LOCK = (
    "%{\n"
    '  "evil": {:git, "https://example.invalid/a\\"b${c}\\\\d/é.git", '
    '"0123456789abcdef0123456789abcdef01234567", []},\n'
    f'  "or": {{:hex, :or, "1.0.0", "{"1" * 64}", [:mix], [], "hexpm", "{"2" * 64}"}},\n'
    f'  "rcdep": {{:hex, :rcdep, "{HOSTILE_VERSION}", "{"3" * 64}", [:mix], '
    '[{:or, "~> 1.0", [hex: :or, repo: "hexpm", optional: false]}], '
    f'"hexpm", "{"4" * 64}"}},\n'
    "}\n"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    (root / "lib").mkdir(parents=True)
    (root / "mix.exs").write_text(HOSTILE_MIX_EXS, encoding="utf-8")
    (root / "mix.lock").write_text(HOSTILE_LOCK, encoding="utf-8")
    (root / "lib" / "hostile.ex").write_text("defmodule Hostile do\nend\n", encoding="utf-8")
    return root


def hostile_text(root: Path) -> tuple[str, FakeCheckouts]:
    checkouts = FakeCheckouts(apps={HOSTILE_URL: {"mix.exs": default_mix_exs("evil", "2.0.0")}})
    wanted = request(load_project(root))
    return full_text(plan_deps(wanted, offline(wanted, checkouts))), checkouts


def test_hostile_strings_are_read_as_written(hostile: Path) -> None:
    project = load_project(hostile)
    lock = project.locks[0]
    evil, rcdep = lock.get("evil"), lock.get("rcdep")
    assert isinstance(evil, GitLockEntry) and isinstance(rcdep, HexLockEntry)
    assert evil.url == HOSTILE_URL
    assert rcdep.version == HOSTILE_VERSION


def test_hostile_source_comment_round_trips(hostile: Path) -> None:
    text, checkouts = hostile_text(hostile)
    known = records_of(text)
    assert [r.url for r in known.records() if isinstance(r, GitSourceInfo)] == [HOSTILE_URL]
    again = plan_deps(request(load_project(hostile)), known)
    assert full_text(again) == text
    assert [url for url, _, _ in checkouts.calls] == [HOSTILE_URL]


@pytest.mark.nix
def test_hostile_strings_parse_and_evaluate_to_the_original(hostile: Path, tmp_path: Path) -> None:
    text, _ = hostile_text(hostile)
    assert '"or" = buildMix {' in text
    assert 'self."or"' in text
    parsed = nix_parse(text, tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    work = tmp_path / "eval"
    assert depseval.evaluate(hostile, text, work, "deps.evil.src.url") == HOSTILE_URL
    flake = work / "project"
    # fetchgit gets a name of its own: the URL's last segment is no store name
    assert query(flake, "drvPaths.evil").endswith("-evil-2.0.0.drv")
    assert query(flake, "deps.rcdep.version") == HOSTILE_VERSION
    assert query(flake, "deps.rcdep.src.version") == HOSTILE_VERSION
    assert query(flake, "deps.rcdep.src.src.urls") == [
        f"https://repo.hex.pm/tarballs/rcdep-{HOSTILE_VERSION}.tar"
    ]
    assert query(flake, "deps.evil.version") == "2.0.0"
    assert query(flake, "deps.rcdep.beamDeps", PACKAGE_NAMES) == ["or"]
    assert query(flake, "drvPaths.or").endswith("-or-1.0.0.drv")


# --------------------------------------------------------------------------- corpus

CORPUS_LOCKS = (
    sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*mix.lock"))
    if CORPUS.is_dir()
    else []
)


@pytest.mark.corpus
def test_corpus_lock_count() -> None:
    assert len(CORPUS_LOCKS) == 29, CORPUS_LOCKS


@pytest.mark.corpus
@pytest.mark.nix
@pytest.mark.parametrize("lock", CORPUS_LOCKS)
def test_corpus_lock_evaluates(lock: str, tmp_path: Path) -> None:
    repo = CORPUS / lock.split("/", 1)[0]
    directory, project, top = depseval.project_for_lock(repo, CORPUS / lock)
    request = depseval.pinned_request(project, top)
    plan = plan_deps(request, offline(request))
    text = depseval.generate(project, top)
    assert text == full_text(plan)
    drv_paths = depseval.evaluate(directory, text, tmp_path)
    assert set(drv_paths) == {p.name for p in plan.packages}
    for name, drv in drv_paths.items():
        assert re.fullmatch(r"/nix/store/[0-9a-z]{32}-.+\.drv", drv), (name, drv)


def test_version_that_cannot_name_a_store_path_is_refused_with_its_position(
    hostile: Path,
) -> None:
    lock = hostile / "mix.lock"
    lock.write_text(lock.read_text().replace(HOSTILE_VERSION, "1.0.0-rc.${x}"))
    with pytest.raises(NixgenError) as info:
        hostile_text(hostile)
    assert str(info.value).startswith("mix.lock:")
    assert "the version of 'rcdep' '1.0.0-rc.${x}' cannot be part of a Nix store path" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("package", "managers", "builder"),
    [
        ("cowboy", ("make", "rebar3"), "buildErlangMk"),  # mix2nix's exception, as nixpkgs' files
        ("cowlib", ("make", "rebar3"), "buildRebar3"),
        ("ranch", ("make", "rebar3"), "buildRebar3"),
        ("ssl_verify_fun", ("mix", "rebar3", "make"), "buildRebar3"),  # exception
        ("jason", ("mix",), "buildMix"),
        ("erlmk_only", ("make",), "buildErlangMk"),
    ],
)
def test_builders_follow_mix2nix(package: str, managers: tuple[str, ...], builder: str) -> None:
    """The builder each Hex package gets is mix2nix's, which nixpkgs' generated mix.nix files
    (mobilizon, pleroma) use: docs/UPSTREAM.md U-MIX2NIX-BUILDERS."""
    from nixgen.emit.deps import builder_for

    assert builder_for(managers, package) == builder
