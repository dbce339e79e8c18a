"""`nixgen show --json` on every real project of ../shared/corpus, checked against its README.

The expectations below are transcribed from ../shared/corpus/README.md (summary table and
per-project sections): Rustler modules by kind, the NIF crates they resolve to, mix.lock
hex/git counts, Cargo.lock dependency counts and the dynamic forms the README points out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.env import CORPUS

from nixgen.cli import main

pytestmark = pytest.mark.corpus


@dataclass(frozen=True)
class Expect:
    rustler: int = 0  # `use Rustler` modules (docs and comments excluded)
    precompiled: int = 0  # `use RustlerPrecompiled` modules
    crates: tuple[str, ...] = ()  # crates the modules resolve to (sorted)
    locks: dict[str, tuple[int, int]] = field(default_factory=dict)  # mix.lock → (hex, git)
    cargo_deps: dict[str, int] = field(default_factory=dict)  # Cargo.lock → locked deps
    dynamic_options: tuple[str, ...] = ()  # modules whose whole option list is dynamic
    apps: tuple[str, ...] = ()  # Mix apps read (umbrella children included)


EXPECTED: dict[str, Expect] = {
    "ComponentsGuide__components_guide": Expect(
        rustler=1,
        crates=("molten",),
        locks={"mix.lock": (67, 0)},
        cargo_deps={"native/molten/Cargo.lock": 185},
        apps=("components_guide",),
    ),
    "ExWeb3__ex_keccak": Expect(
        precompiled=1,
        crates=("exkeccak",),
        locks={"mix.lock": (14, 0)},
        cargo_deps={"native/exkeccak/Cargo.lock": 23},
        apps=("ex_keccak",),
    ),
    "Qqwy__elixir-rustler_elixir_fun": Expect(
        rustler=1,
        crates=("rustler_elixir_fun_nif",),
        locks={"mix.lock": (13, 0)},
        cargo_deps={
            "native/rustler_elixir_fun_nif/Cargo.lock": 17,
            "native/rustler_elixir_fun_nif/rustler_elixir_fun/Cargo.lock": 15,
            "native/rustler_elixir_fun_nif/rustler_stored_term/Cargo.lock": 15,
        },
        apps=("rustler_elixir_fun",),
    ),
    "ZephyrusZhang__Kerbal": Expect(
        rustler=1,
        crates=("libvirt",),
        locks={"kerbal-backend/mix.lock": (60, 0), "tracking_station/mix.lock": (9, 0)},
        cargo_deps={"tracking_station/native/libvirt/Cargo.lock": 51},
        apps=("kerbal", "tracking_station"),
    ),
    "adoptoposs__mjml_nif": Expect(
        precompiled=1,
        locks={"mix.lock": (19, 0)},
        cargo_deps={"native/mjml_nif/Cargo.lock": 24},
        dynamic_options=("Mjml.Native",),
        apps=("mjml",),
    ),
    "andfoy__extorch": Expect(
        rustler=1,
        crates=("extorch",),
        locks={"mix.lock": (27, 0)},
        cargo_deps={"native/extorch/Cargo.lock": 131},
        apps=("extorch",),
    ),
    "anoma__aarm-cairo": Expect(
        rustler=2,
        crates=("cairo_prover", "cairo_vm"),
        locks={"mix.lock": (12, 0)},
        cargo_deps={"native/cairo_prover/Cargo.lock": 124, "native/cairo_vm/Cargo.lock": 161},
        apps=("cairo",),
    ),
    "anoma__anoma": Expect(
        locks={"mix.lock": (51, 6)},
        apps=(
            "anoma_client",
            "anoma_lib",
            "anoma_node",
            "anoma_protobuf",
            "compile_protoc",
            "event_broker",
        ),
    ),
    "ash-project__igniter_js": Expect(
        precompiled=1,
        crates=("igniter_js",),
        locks={"mix.lock": (31, 0)},
        cargo_deps={"native/igniter_js/Cargo.lock": 242},
        apps=("igniter_js",),
    ),
    "bonfire-networks__bonfire-app": Expect(
        locks={"mix.lock": (336, 95)}, cargo_deps={"src-tauri/Cargo.lock": 715}, apps=("bonfire",)
    ),
    "code-supply__deps_nix": Expect(locks={"mix.lock": (12, 0)}, apps=("deps_nix",)),
    "delta1__rustler-demo-app": Expect(
        rustler=1,
        crates=("mynif",),
        locks={"mix.lock": (1, 1)},
        cargo_deps={"native/mynif/Cargo.lock": 22},
        apps=("my_app",),
    ),
    "discord__sorted_set_nif": Expect(
        rustler=1, crates=("sorted_set_nif",), locks={"mix.lock": (18, 0)}, apps=("sorted_set_nif",)
    ),
    "elitau__pact_elixir": Expect(
        rustler=1,
        locks={"mix.lock": (28, 0)},
        cargo_deps={"native/pactmockserver/Cargo.lock": 87},
        dynamic_options=("PactElixir.RustPactMockServerFacade",),
        apps=("pact_elixir",),
    ),
    "elixir-explorer__explorer": Expect(
        precompiled=1,
        crates=("explorer",),
        locks={"mix.lock": (44, 0)},
        cargo_deps={"native/explorer/Cargo.lock": 353},
        apps=("explorer",),
    ),
    "elixir-nx__tokenizers": Expect(
        precompiled=1,
        crates=("ex_tokenizers",),
        locks={"mix.lock": (19, 0)},
        cargo_deps={"native/ex_tokenizers/Cargo.lock": 85},
        apps=("tokenizers",),
    ),
    "leandrocp__mdex": Expect(locks={"mix.lock": (25, 0)}, apps=("mdex",)),
    "liamdiprose__explorer": Expect(
        rustler=1,
        crates=("explorer",),
        locks={"mix.lock": (18, 0)},
        cargo_deps={"native/explorer/Cargo.lock": 186},
        apps=("explorer",),
    ),
    "mimiquate__candlex": Expect(
        precompiled=1,
        crates=("candlex",),
        locks={"mix.lock": (36, 0)},
        cargo_deps={"native/candlex/Cargo.lock": 127},
        apps=("candlex",),
    ),
    "mrdotb__resvg_nif": Expect(
        precompiled=1,
        crates=("resvg",),
        locks={"mix.lock": (19, 1)},
        cargo_deps={"native/resvg/Cargo.lock": 73},
        apps=("resvg",),
    ),
    "ocean__ecto_libsql": Expect(
        precompiled=1,
        crates=("ecto_libsql",),
        locks={"mix.lock": (23, 0)},
        cargo_deps={"Cargo.lock": 235, "native/ecto_libsql/fuzz/Cargo.lock": 232},
        apps=("ecto_libsql",),
    ),
    "philss__rustler_precompilation_example": Expect(
        precompiled=1,
        crates=("example",),
        locks={"mix.lock": (3, 0)},
        cargo_deps={"native/example/Cargo.lock": 13},
        apps=("rustler_precompilation_example",),
    ),
    "rusterlium__html5ever_elixir": Expect(
        precompiled=1,
        crates=("html5ever_nif",),
        locks={"mix.lock": (9, 0)},
        cargo_deps={"native/html5ever_nif/Cargo.lock": 43},
        apps=("html5ever",),
    ),
    "rusterlium__rustler": Expect(
        rustler=7,
        crates=(
            "benchmark",
            "binary_example",
            "dynamic_load",
            "resource_dyncall",
            "rustler_bigint_test",
            "rustler_serde_test",
            "rustler_test",
        ),
        locks={"rustler_benchmarks/mix.lock": (5, 0), "rustler_mix/mix.lock": (21, 0)},
        apps=("rustler", "rustler_benchmarks", "rustler_test"),
    ),
    "supernintendo__rustler_live_view_toy": Expect(
        rustler=1,
        crates=("rustler_live_view_toy_engine",),
        locks={"mix.lock": (39, 0)},
        cargo_deps={"native/rustler_live_view_toy_engine/Cargo.lock": 124},
        apps=("rustler_live_view_toy",),
    ),
}


def corpus_projects() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def show(project: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["show", "--json", str(project)])
    assert result.exit_code == 0, result.output
    document: dict[str, dict[str, Any]] = json.loads(result.output)
    return document["project"]


def test_every_corpus_project_has_expectations() -> None:
    assert corpus_projects() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_project(name: str) -> None:
    if not (CORPUS / name).is_dir():
        pytest.skip(f"{name} is not in the corpus")
    expect = EXPECTED[name]
    project = show(CORPUS / name)
    nifs = project["nifs"]
    assert sum(n["kind"] == "rustler" for n in nifs) == expect.rustler
    assert sum(n["kind"] == "precompiled" for n in nifs) == expect.precompiled
    resolved = sorted(n["crate"] for n in nifs if n["package"] is not None)
    assert tuple(resolved) == expect.crates
    locks = {
        lk["path"]: (_count(lk, "hex_lock_entry"), _count(lk, "git_lock_entry"))
        for lk in project["locks"]
    }
    assert locks == expect.locks
    cargo = {
        lk["path"]: sum(p["source"] is not None for p in lk["packages"])
        for lk in project["cargo_locks"]
    }
    assert {k: cargo.get(k) for k in expect.cargo_deps} == expect.cargo_deps
    apps = sorted(p["app"] for p in _walk(project["mix_projects"]) if isinstance(p["app"], str))
    assert tuple(apps) == expect.apps
    dynamic = sorted(n["module"] for n in nifs if n["problems"] and _dynamic_options(n, project))
    assert tuple(dynamic) == tuple(sorted(expect.dynamic_options))


def _count(lock: dict[str, Any], kind: str) -> int:
    return sum(e["kind"] == kind for e in lock["entries"])


def _walk(projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [q for p in projects for q in [p, *_walk(p["children"])]]


def _dynamic_options(nif: dict[str, Any], project: dict[str, Any]) -> bool:
    modules = [
        m
        for p in _walk(project["mix_projects"])
        for m in p["rustler_modules"]
        if m["module"] == nif["module"]
    ]
    return any(m["options"] is not None and "dynamic" in m["options"] for m in modules)


def test_dynamic_forms_are_reported_with_their_source() -> None:
    """The README's dynamic forms are reported as such, not as errors and not as guesses."""
    modules = {
        m["module"]: m
        for name in (
            "elitau__pact_elixir",
            "adoptoposs__mjml_nif",
            "rusterlium__html5ever_elixir",
            "ExWeb3__ex_keccak",
        )
        if (CORPUS / name).is_dir()
        for p in _walk(show(CORPUS / name)["mix_projects"])
        for m in p["rustler_modules"]
    }
    assert modules["PactElixir.RustPactMockServerFacade"]["options"]["dynamic"] == "opts"
    assert modules["Mjml.Native"]["options"]["dynamic"].startswith("Precompiled.options(")
    # `mode = if Mix.env() in [:dev, :test], do: :debug, else: :release` is exact for a target env
    assert modules["Html5ever.Native"]["mode"] == "release"
    # `version = mix_config[:version]` with `mix_config = Mix.Project.config()`
    assert modules["Html5ever.Native"]["version"] == "0.19.0-dev"
    keccak = modules["ExKeccak"]
    assert keccak["nif_versions"] == ["2.15", "2.16"]
    assert keccak["force_build"]["dynamic"].startswith('System.get_env("RUSTLER_BUILD")')


def test_docs_and_comments_are_not_modules() -> None:
    project = show(CORPUS / "rusterlium__rustler")
    files = {n["where"].split(":")[0] for n in project["nifs"]}
    assert "rustler_mix/lib/rustler.ex" not in files  # @moduledoc examples only
    extorch = show(CORPUS / "andfoy__extorch")
    assert [n["where"].split(":")[0] for n in extorch["nifs"]] == ["lib/extorch/native/native.ex"]


def test_several_modules_in_one_file() -> None:
    project = show(CORPUS / "anoma__aarm-cairo")
    assert [(n["module"], n["where"].split(":")[0]) for n in project["nifs"]] == [
        ("Cairo.CairoProver", "lib/cairo/cairo.ex"),
        ("Cairo.CairoVM", "lib/cairo/cairo.ex"),
    ]
