"""A real git dependency fetched once through the real prefetcher (a repository in tmp_path,
reached by a file:// URL, so no network), with progress, then reused without fetching."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.projects import copy_fixture

from nixgen.pipeline import InitOptions, plan_init, plan_update
from nixgen.write import apply_changes

GIT = [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.invalid",
    "-c",
    "init.defaultBranch=main",
]


def make_repo(path: Path) -> str:
    path.mkdir()
    (path / "mix.exs").write_text(
        "defmodule Gitlib.MixProject do\n  use Mix.Project\n"
        '  def project, do: [app: :gitlib, version: "0.3.1", deps: []]\nend\n'
    )
    (path / "lib").mkdir()
    (path / "lib" / "gitlib.ex").write_text("defmodule Gitlib do\nend\n")
    subprocess.run([*GIT, "init", "-q"], cwd=path, check=True)
    subprocess.run([*GIT, "add", "."], cwd=path, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "one"], cwd=path, check=True)
    out = subprocess.run(
        [*GIT, "rev-parse", "HEAD"], cwd=path, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def nix_hash(path: Path) -> str:
    from nixgen.fetch.nar import hex_to_sri

    out = subprocess.run(
        ["nix-hash", "--type", "sha256", str(path)], check=True, capture_output=True, text=True
    )
    return hex_to_sri("sha256", out.stdout.strip())


@pytest.mark.nix
def test_git_dep_is_fetched_once_with_progress_then_reused(tmp_path: Path) -> None:
    rev = make_repo(tmp_path / "gitlib")
    url = (tmp_path / "gitlib").as_uri()
    root = copy_fixture("single_crate", tmp_path)
    mix_exs = root / "mix.exs"
    mix_exs.write_text(
        mix_exs.read_text().replace(
            '{:rustler, "~> 0.36.1", runtime: false}',
            f'{{:rustler, "~> 0.36.1", runtime: false}},\n      {{:gitlib, git: "{url}", ref: "{rev}"}}',
        )
    )
    lock = root / "mix.lock"
    lock.write_text(
        lock.read_text().replace(
            "%{\n", f'%{{\n  "gitlib": {{:git, "{url}", "{rev}", [ref: "{rev}"]}},\n', 1
        )
    )

    calls: list[tuple[int, int, str]] = []
    apply_changes(
        root,
        plan_init(
            root, InitOptions(), force=False, progress=lambda n, m, what: calls.append((n, m, what))
        ),
    )
    assert calls == [(1, 1, "gitlib")]
    deps = (root / "nix" / "deps.nix").read_text()
    (tmp_path / "gitlib" / ".git").rename(tmp_path / "dot-git")  # NAR of the tree without .git
    assert f'hash = "{nix_hash(tmp_path / "gitlib")}";' in deps
    assert 'version = "0.3.1";' in deps

    calls.clear()
    changes = plan_update(root, force=False, progress=lambda n, m, w: calls.append((n, m, w)))
    assert calls == []  # url and rev unchanged: nothing fetched (the repository is gone, too)
    assert {c.action for c in changes} == {"unchanged"}
