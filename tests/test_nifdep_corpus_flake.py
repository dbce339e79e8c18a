"""An app depending on ecto_libsql and explorer, the packages modelled from their corpus
repositories (tests/support/corpushex.py) and served by a file:// Hex repository: `init` reads
them, and the flake's release evaluates over the mocks (no import from derivation) with every
NIF dependency staged: the upstream artifacts (strategy A), then both built from source
(strategy B: explorer with its nightly toolchain and its zstd, ecto_libsql with the repository's
Cargo.lock given and libsql-ffi's cmake and bindgen). issue 12, "Done when"."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.corpushex import corpus_files, corpus_module
from support.env import CORPUS
from support.fakehex import FakeHexRepo, hex_tarball, lock_line
from support.nifdepfixture import (
    FAKE_NIF_DEPS,
    RUSTLER_PRECOMPILED_LINE,
    NifDepProject,
    package_files,
)
from support.nixeval import nix_available, nix_env, nix_eval_json

from nixgen.constants import DEPS_FILE, NIFS_FILE
from nixgen.pipeline import InitOptions, plan_init
from nixgen.write import apply_changes

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.nix,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present"),
    pytest.mark.skipif(not nix_available(), reason="needs the `nix` command"),
]

REPOS = {"ecto_libsql": "ocean__ecto_libsql", "explorer": "elixir-explorer__explorer"}
MODULES = ("EctoLibSql.Native", "Explorer.PolarsBackend.Native")
MIX_EXS = """\
defmodule CorpusNifs.MixProject do
  use Mix.Project

  def project do
    [app: :corpus_nifs, version: "0.1.0", elixir: "~> 1.17", deps: deps()]
  end

  defp deps, do: [{:ecto_libsql, "~> 0.1"}, {:explorer, "~> 0.1"}]
end
"""


def corpus_nif_project(tmp: Path) -> NifDepProject:
    root = tmp / "app"
    (root / "lib").mkdir(parents=True)
    (root / "mix.exs").write_text(MIX_EXS, encoding="utf-8")
    (root / "lib" / "corpus_nifs.ex").write_text("defmodule CorpusNifs do\nend\n", "utf-8")
    repo = FakeHexRepo(tmp / "hexrepo")
    lines = []
    for app, name in sorted(REPOS.items()):
        version = corpus_module(CORPUS / name).version
        assert isinstance(version, str)
        tarball = hex_tarball(app, version, corpus_files(CORPUS / name))
        repo.add(app, version, tarball)
        lines.append(lock_line(app, version, tarball, FAKE_NIF_DEPS))
    lock = "%{\n" + "".join(lines) + RUSTLER_PRECOMPILED_LINE + "}\n"
    (root / "mix.lock").write_text(lock, encoding="utf-8")
    return NifDepProject(root, repo, tmp / "cache", [])


def _init(project: NifDepProject, *, locks: tuple[str, ...] = ()) -> None:
    changes = plan_init(
        project.root, InitOptions(nif_dep_locks=locks), force=False, fetchers=project.fetchers()
    )
    apply_changes(project.root, changes)


def _graph(root: Path) -> dict[str, Any]:
    release = nix_eval_json(root, "packages.x86_64-linux.default.drvPath", forbid_warnings=True)
    argv = ["nix", "--extra-experimental-features", "nix-command", "show-derivation", "-r", release]
    done = subprocess.run(argv, env=nix_env(), capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _dep(drvs: dict[str, Any], app: str) -> str:
    (found,) = [p for p in drvs if re.search(rf"-erlang[0-9.]+-{app}-[0-9.]+\.drv$", p)]
    return found


def test_upstream_artifacts_are_staged_for_both(tmp_path: Path) -> None:
    project = corpus_nif_project(tmp_path)
    _init(project)
    assert project.fetched == ["ecto_libsql", "explorer"]
    drvs = _graph(project.root)
    for app in REPOS:
        dep = _dep(drvs, app)
        staged = [p for p in drvs[dep]["inputDrvs"] if "-x86_64-unknown-linux-musl.so.tar.gz" in p]
        assert len(staged) == 1, (app, list(drvs[dep]["inputDrvs"]))
        assert drvs[staged[0]]["outputs"]["out"]["hash"]  # a fixed-output download
    script = nix_eval_json(project.root, "checks.x86_64-linux.nifLoad.loadNifs.text")
    (line,) = [s for s in script.splitlines() if s.startswith("for m <- [")]
    assert line == f"for m <- [{', '.join(MODULES)}] do"


def test_both_built_from_source(tmp_path: Path) -> None:
    project = corpus_nif_project(tmp_path)
    (project.root / "nixgen.toml").write_text(
        '[nif_deps.ecto_libsql]\nsource = "build"\n\n[nif_deps.explorer]\nsource = "build"\n',
        encoding="utf-8",
    )
    root_lock = CORPUS / REPOS["ecto_libsql"] / "Cargo.lock"
    _init(project, locks=(f"ecto_libsql={root_lock}",))
    assert "build = true;" in (project.root / DEPS_FILE).read_text(encoding="utf-8")
    nifs = (project.root / NIFS_FILE).read_text(encoding="utf-8")
    assert 'channel = "nightly-2025-10-24";' in nifs  # explorer's rust-toolchain.toml
    drvs = _graph(project.root)
    crates = {}
    for app in REPOS:
        dep = _dep(drvs, app)
        (packed,) = [p for p in drvs[dep]["inputDrvs"] if p.endswith("-musl.so.tar.gz.drv")]
        (crate,) = [p for p in drvs[packed]["inputDrvs"] if re.search(rf"-{app}-[0-9.]+\.drv$", p)]
        crates[app] = " ".join(drvs[crate]["inputDrvs"])
    assert "-cmake-" in crates["ecto_libsql"]  # libsql-ffi (nixgen/data/sys_crates.toml)
    assert "zstd" in crates["explorer"]


def test_mdex_gets_its_helper_package_staged(tmp_path: Path) -> None:
    """mdex (corpus) has no NIF of its own: it is in mdex_native, a helper package it depends on
    (through `deps()` code that reads MDEX_NATIVE_PATH), and in lumis (syntax highlighting).
    Their Hex tarballs are stood in for by the fake_nif package (fixtures/nif_dep) under their
    lock names and versions: the lock entries are rewritten with those tarballs' checksums."""
    root = tmp_path / "mdex"
    shutil.copytree(CORPUS / "leandrocp__mdex", root)
    repo = FakeHexRepo(tmp_path / "hexrepo")
    lock = (root / "mix.lock").read_text(encoding="utf-8")
    helpers = ('  "mdex_native"', '  "lumis"')
    for line in [li for li in lock.splitlines(keepends=True) if li.startswith(helpers)]:
        name, version = line.split('"')[1], line.split('"')[3]
        tarball = hex_tarball(name, version, package_files("0.1.0"))
        repo.add(name, version, tarball)
        lock = lock.replace(line, lock_line(name, version, tarball, FAKE_NIF_DEPS))
    (root / "mix.lock").write_text(lock, encoding="utf-8")
    project = NifDepProject(root, repo, tmp_path / "cache", [])
    _init(project)
    assert project.fetched == ["lumis", "mdex_native"]
    drvs = _graph(root)
    for name in ("lumis", "mdex_native"):
        dep = _dep(drvs, name)
        staged = [p for p in drvs[dep]["inputDrvs"] if "-x86_64-unknown-linux-musl.so.tar.gz" in p]
        assert len(staged) == 1, list(drvs[dep]["inputDrvs"])
    script = nix_eval_json(root, "checks.x86_64-linux.nifLoad.loadNifs.text")
    assert "for m <- [FakeNif.Native] do" in script.splitlines()
