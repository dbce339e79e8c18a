"""`nixgen show` on the hand-written fixture projects: golden files plus the facts that matter.

Each fixture under fixtures/ reproduces one real-world project shape (fixtures/README.md).
The golden file pins the whole model; the explicit assertions pin the facts a wrong golden
file must not hide. Regenerate the golden files with `pytest --update-golden`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.env import FIXTURES
from support.golden import check_golden

from nixgen.cli import main

NAMES = [
    "single_crate",
    "root_workspace",
    "two_crates",
    "umbrella",
    "precompiled",
    "dynamic_options",
]

Json = dict[str, Any]


def show(path: Path, *options: str) -> str:
    """`nixgen show [OPTIONS] PATH` through click; fails the test unless it exits 0."""
    result = CliRunner().invoke(main, ["show", *options, str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


@cache
def show_json(name: str) -> str:
    return show(FIXTURES / name, "--json")


def project(name: str) -> Json:
    document: Json = json.loads(show_json(name))
    assert document["format"] == 1
    project: Json = document["project"]
    return project


def only(items: list[Json]) -> Json:
    assert len(items) == 1, items
    return items[0]


def by(items: list[Json], key: str, value: str) -> Json:
    return only([i for i in items if i[key] == value])


def names(items: list[Json], key: str = "name") -> list[str]:
    return [i[key] for i in items]


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("name", NAMES)
def test_show_json_golden(name: str, update_golden: bool) -> None:
    check_golden(FIXTURES / name / "expected" / "show.json", show_json(name), update_golden)


def test_show_text_golden(update_golden: bool) -> None:
    text = show(FIXTURES / "single_crate")
    check_golden(FIXTURES / "single_crate" / "expected" / "show.txt", text, update_golden)


def test_show_json_as_a_subprocess() -> None:
    """`python -m nixgen` prints exactly what the click entry point prints."""
    root = FIXTURES / "root_workspace"
    result = subprocess.run(
        [sys.executable, "-m", "nixgen", "show", "--json", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == show_json("root_workspace")
    assert result.stdout == (root / "expected" / "show.json").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("name", NAMES)
def test_json_has_no_absolute_path(name: str) -> None:
    text = show_json(name)
    assert str(FIXTURES) not in text
    assert str(FIXTURES / name) not in text
    assert '"/' not in text  # no value starts with "/"


@pytest.mark.parametrize("name", NAMES)
def test_output_is_deterministic(name: str) -> None:
    first = show(FIXTURES / name, "--json")
    second = show(FIXTURES / name, "--json")
    assert first == second == show_json(name)
    assert show(FIXTURES / name) == show(FIXTURES / name)


def test_relative_path_argument_gives_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert show(Path("single_crate"), "--json") == show_json("single_crate")
    monkeypatch.chdir(FIXTURES / "single_crate")
    assert show(Path("."), "--json") == show_json("single_crate")


# --------------------------------------------------------------------------- key facts


def test_single_crate() -> None:
    p = project("single_crate")
    nif = only(p["nifs"])
    assert nif["module"] == "Single.Native"
    assert nif["kind"] == "rustler"
    assert nif["where"] == "lib/single/native.ex:3:3"
    assert nif["mix_dir"] == "."
    assert (nif["otp_app"], nif["crate"]) == ("single", "single_nif")
    assert nif["package"] == "native/single_nif/Cargo.toml"
    assert nif["workspace_root"] == "native/single_nif"
    assert nif["cargo_lock"] == "native/single_nif/Cargo.lock"
    assert (nif["lib_name"], nif["artifact"]) == ("single_nif", "libsingle_nif.so")
    assert nif["rustler_version"] == "0.36.1"  # from mix.lock: the "lib" prefix stays
    assert (nif["load_app"], nif["load_path"]) == ("single", "priv/native/libsingle_nif")
    assert nif["problems"] == []
    assert p["not_nifs"] == []

    mix = only(p["mix_projects"])
    assert (mix["app"], mix["version"], mix["elixir"]) == ("single", "0.1.0", "~> 1.15")
    assert mix["releases"] == ["single"]
    assert (mix["lockfile"], mix["config_dir"]) == ("mix.lock", "config")
    lock = only(p["locks"])
    assert names(lock["entries"]) == ["jason", "rustler", "toml"]
    rustler = by(lock["entries"], "name", "rustler")
    assert [(d["name"], d["optional"]) for d in rustler["deps"]] == [
        ("jason", True),
        ("toml", False),
    ]
    cargo_lock = only(p["cargo_locks"])
    assert (cargo_lock["path"], cargo_lock["version"]) == ("native/single_nif/Cargo.lock", 4)
    own = by(cargo_lock["packages"], "name", "single_nif")
    assert (own["source"], own["checksum"]) == (None, None)
    for crate in ("rustler", "rustler_codegen"):
        locked = by(cargo_lock["packages"], "name", crate)
        assert locked["version"] == "0.36.1"
        assert locked["source"] == {
            "kind": "registry_source",
            "url": "https://github.com/rust-lang/crates.io-index",
        }
        assert len(locked["checksum"]) == 64


def test_root_workspace() -> None:
    p = project("root_workspace")
    nif = only(p["nifs"])
    assert (nif["module"], nif["crate"]) == ("Ws.Native", "ws_nif")
    assert nif["package"] == "native/ws_nif/Cargo.toml"
    assert nif["workspace_root"] == "."
    assert nif["cargo_lock"] == "Cargo.lock"
    assert (nif["lib_name"], nif["artifact"]) == ("ws_nif_core", "libws_nif_core.so")
    assert nif["rustler_version"] == "0.37.1"  # mix.lock wins over the crate's 0.37.0
    assert (nif["load_app"], nif["load_path"]) == ("ws", "priv/native/ws_nif")
    assert nif["problems"] == []

    packages = p["cargo_packages"]
    assert names(packages) == ["ws_nif", "ws_nif-fuzz"]
    ws_nif = by(packages, "name", "ws_nif")
    assert ws_nif["version"] == "0.2.0"  # version.workspace = true
    assert ws_nif["crate_types"] == ["cdylib", "rlib"]
    assert ws_nif["rustler"]["requirement"] == "0.37"
    fuzz = by(packages, "name", "ws_nif-fuzz")
    assert fuzz["workspace_root"] == "native/ws_nif/fuzz"  # its own [workspace], excluded above

    root = by(p["workspaces"], "dir", ".")
    assert root["member_dirs"] == ["native/ws_nif"]
    assert root["exclude"] == ["native/ws_nif/fuzz"]
    assert by(p["workspaces"], "dir", "native/ws_nif/fuzz")["member_dirs"] == ["native/ws_nif/fuzz"]
    assert names(p["cargo_locks"], "path") == ["Cargo.lock", "native/ws_nif/fuzz/Cargo.lock"]

    config = only(p["cargo_configs"])
    assert config["path"] == ".cargo/config.toml"
    assert config["target_rustflags"] == [
        ["x86_64-unknown-linux-musl", ["-C", "target-feature=-crt-static", "-C", "link-arg=-s"]]
    ]
    assert p["not_nifs"] == []  # the fuzz crate is not a cdylib


def test_two_crates() -> None:
    p = project("two_crates")
    fast, slow = p["nifs"]
    assert (fast["module"], slow["module"]) == ("Two.Fast", "Two.Slow")
    assert fast["where"].startswith("lib/two/native.ex:")
    assert slow["where"].startswith("lib/two/native.ex:")
    for nif, crate in ((fast, "fast"), (slow, "slow")):
        assert nif["crate"] == crate
        assert nif["package"] == f"native/{crate}/Cargo.toml"
        assert nif["workspace_root"] == "native"
        assert nif["cargo_lock"] == "native/Cargo.lock"
        assert nif["artifact"] == f"lib{crate}.so"
        assert nif["load_path"] == f"priv/native/lib{crate}"
        assert nif["problems"] == []
    modules = only(p["mix_projects"])["rustler_modules"]
    assert [(m["crate"], m["path"]) for m in modules] == [("fast", None), ("slow", "native/slow")]
    workspace = only(p["workspaces"])
    assert (workspace["dir"], workspace["member_dirs"]) == (
        "native",
        ["native/fast", "native/slow"],
    )
    for package in p["cargo_packages"]:
        assert package["rustler"]["workspace"] is True  # rustler.workspace = true
        assert package["rustler"]["requirement"] == "0.36.1"
    assert names(only(p["cargo_locks"])["packages"]).count("rustler") == 1
    assert p["not_nifs"] == []


def test_umbrella() -> None:
    p = project("umbrella")
    root = only(p["mix_projects"])
    assert root["apps_path"] == "apps"
    assert root["app"] is None
    assert root["releases"] == ["umbrella"]
    children = root["children"]
    assert [(c["app"], c["dir"]) for c in children] == [
        ("core", "apps/core"),
        ("native_app", "apps/native_app"),
    ]
    assert all(c["lockfile"] == "mix.lock" for c in [root, *children])
    assert all(c["config_dir"] == "config" for c in [root, *children])
    assert only(p["locks"])["path"] == "mix.lock"  # read once for the three projects

    core, native_app = children
    assert core["rustler_modules"] == []
    assert [(d["kind"], d["name"]) for d in core["deps"]] == [("hex_dep", "jason")]
    assert [(d["kind"], d["name"]) for d in native_app["deps"]] == [
        ("umbrella_dep", "core"),
        ("hex_dep", "rustler"),
    ]

    nif = only(p["nifs"])
    assert nif["module"] == "NativeApp.Native"
    assert nif["mix_dir"] == "apps/native_app"
    assert nif["where"].startswith("apps/native_app/lib/native_app/native.ex:")
    assert nif["package"] == "apps/native_app/native/umbrella_nif/Cargo.toml"
    assert nif["cargo_lock"] == "apps/native_app/native/umbrella_nif/Cargo.lock"
    assert nif["rustler_version"] == "0.36.1"
    assert (nif["load_app"], nif["load_path"]) == ("native_app", "priv/native/libumbrella_nif")
    assert nif["problems"] == []


def test_precompiled() -> None:
    p = project("precompiled")
    module = only(only(p["mix_projects"])["rustler_modules"])
    assert module["kind"] == "precompiled"
    assert (module["otp_app"], module["crate"]) == ("precomp", "precomp_nif")
    assert module["options"] is None
    # `version = Mix.Project.config()[:version]` reads project/0 of the app's own mix.exs
    assert module["version"] == only(p["mix_projects"])["version"] == "0.3.0"
    assert module["nif_versions"] == ["2.15"]
    assert module["force_build"] is False  # PRECOMP_BUILD is unset: nixgen reads no real env

    nif = only(p["nifs"])
    assert nif["kind"] == "precompiled"
    assert nif["package"] == "native/precomp_nif/Cargo.toml"
    assert nif["cargo_lock"] == "native/precomp_nif/Cargo.lock"
    assert nif["artifact"] == "libprecomp_nif.so"
    assert nif["load_path"] == "priv/native/libprecomp_nif"
    assert nif["problems"] == []  # a dynamic version is not a problem for the build

    package = only(p["cargo_packages"])
    assert package["crate_types"] == ["cdylib"]
    assert package["features"] == ["default", "nif_version_2_15"]
    deps = only(p["mix_projects"])["deps"]
    rustler = by(deps, "name", "rustler")
    assert rustler["options"]["optional"] is True
    assert names(only(p["locks"])["entries"]) == [
        "castore",
        "jason",
        "rustler",
        "rustler_precompiled",
        "toml",
    ]


def test_dynamic_options() -> None:
    p = project("dynamic_options")
    module = only(only(p["mix_projects"])["rustler_modules"])  # no module from @moduledoc/comment
    assert module["module"] == "Dyn.Native"
    options = module["options"]
    assert options["dynamic"] == "opts"
    assert options["at"].startswith("lib/dyn/native.ex:")
    assert module["otp_app"] is None and module["crate"] is None

    nif = only(p["nifs"])
    assert nif["package"] is None and nif["load_path"] is None
    problem = only(nif["problems"])
    assert "`opts`" in problem and "not a literal keyword list" in problem

    text = show_json("dynamic_options")
    assert '"doc"' not in text and "doc_nif" not in text and "commented" not in text

    helper = by(p["not_nifs"], "name", "helper_cdylib")
    assert helper["manifest"] == "native/helper_cdylib/Cargo.toml"
    assert "without a rustler dependency" in helper["reason"]
    dyn_nif = by(p["not_nifs"], "name", "dyn_nif")
    assert "may be the crate of Dyn.Native" in dyn_nif["reason"]
    assert "does not guess" in dyn_nif["reason"]


def test_show_lists_excluded_deps_and_why() -> None:
    document = json.loads(show_json("single_crate"))
    report = only(document["deps"])
    assert report["lock"] == "mix.lock"
    assert report["closure"]["included"] == ["rustler", "toml"]
    excluded = only(report["closure"]["excluded"])
    assert excluded["name"] == "jason"
    assert excluded["reason"] == "optional dependency of rustler, required by nothing else"
