"""`nixgen init` on every project of ../shared/corpus: the flake evaluates, or init stops with a
specific message. Git sources come from fake checkouts (no network)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.env import CORPUS
from support.nixeval import nix_eval_json
from support.projects import offline_fetchers

from nixgen.errors import NixgenError
from nixgen.pipeline import InitOptions, out_of_date, plan_init, plan_update
from nixgen.write import apply_changes

pytestmark = [pytest.mark.corpus, pytest.mark.nix]

# Projects where init must stop, with the start of the message that says why.
STOPS = {
    "adoptoposs__mjml_nif": "lib/mjml/native.ex:29:3: Mjml.Native is not resolved: options are "
    "not a literal keyword list",
    # .tool-versions pins OTP 26, which nixpkgs 26.11 dropped
    "ComponentsGuide__components_guide": "Erlang/OTP 26 is not available as a nixpkgs package "
    "set: nixos-unstable (26.11), NixOS/nixpkgs 2ff9ee32 offers OTP 27, 28, 29",
    # rustler 0.22.0 runs cargo even with skip_compilation? (fixed in 0.22.2)
    "delta1__rustler-demo-app": "lib/my_nif.ex:2:3: MyNif: rustler 0.22.0 runs `cargo metadata`",
    "discord__sorted_set_nif": "native/sorted_set_nif/Cargo.toml: NIF crate sorted_set_nif has "
    "no Cargo.lock",
    "elitau__pact_elixir": "Erlang/OTP 24 is not available as a nixpkgs package set",
    "rusterlium__rustler": "several Mix projects: rustler_benchmarks, rustler_mix, rustler_tests",
    "supernintendo__rustler_live_view_toy": "native/rustler_live_view_toy_engine/Cargo.lock: "
    "native/rustler_live_view_toy_engine/Cargo.lock is a version 1 lock file",
}


def projects() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("name", projects())
def test_init_on_corpus_project(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(CORPUS / name, root, symlinks=True)
    if name in STOPS:
        with pytest.raises(NixgenError) as info:
            plan_init(root, InitOptions(), force=True, fetchers=offline_fetchers(root))
        assert str(info.value).startswith(STOPS[name])
        assert "hint:" in str(info.value)
        return
    apply_changes(root, plan_init(root, InitOptions(), force=True, fetchers=offline_fetchers(root)))
    # init is a fixed point: `check` right after it finds nothing to change
    assert out_of_date(plan_update(root, force=False, fetchers=offline_fetchers(root))) == []
    drv_paths = "xs: builtins.mapAttrs (n: x: x.drvPath) xs"
    evaluated = {
        output: nix_eval_json(
            root, f"{output}.x86_64-linux", extra_args=["--apply", drv_paths], forbid_warnings=True
        )
        for output in ("packages", "checks", "devShells")
    }
    packages, checks = evaluated["packages"], evaluated["checks"]
    assert packages["default"].endswith(".drv")
    assert {"release", "nifLoad"} <= set(checks)
    assert evaluated["devShells"]["default"].endswith(".drv")
    formatter = nix_eval_json(root, "formatter.x86_64-linux.drvPath", forbid_warnings=True)
    assert formatter.endswith(".drv")
    assert all(path.endswith(".drv") for path in [*packages.values(), *checks.values()])
