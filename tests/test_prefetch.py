"""Git prefetching: real repositories over file://, nix-prefetch-git faked, known hashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from support.fakes import Call, FakeCheckouts, FakePrefetcher, FakeRunner, fake_hash, fake_hex_hash

from nixgen.errors import InputError, ToolError
from nixgen.fetch.gateway import SubprocessRunner
from nixgen.fetch.git import (
    NEUTRAL_GIT_CONFIG,
    GitPrefetcher,
    remove_dot_git,
)
from nixgen.fetch.nar import hex_to_sri, nar_hash, to_nix_base32
from nixgen.fetch.records import CargoGitSource, read_records, record_line
from nixgen.fetch.stage import CargoGitNeed, Fetchers

requires_nix = pytest.mark.skipif(
    shutil.which("nix-hash") is None, reason="needs nix-hash (Nix) on PATH"
)
SRI = "sha256-s2FU9VFe5Ff8j9m+R726FBXJT3G2otr+KnO3zk+/pRc="
HEX = "b36154f5515ee457fc8fd9be47bdba1415c94f71b6a2dafe2a73b7ce4fbfa517"
# Lets git clone submodules from file:// URLs (refused by default since git 2.38.1).
ALLOW_FILE = {
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "protocol.file.allow",
    "GIT_CONFIG_VALUE_0": "always",
}


def git(cwd: Path, *args: str, env: Mapping[str, str] = ALLOW_FILE) -> str:
    command = ["git", "-c", "user.name=x", "-c", "user.email=x@y", *args]
    done = subprocess.run(
        command, cwd=cwd, check=True, capture_output=True, text=True, env={**os.environ, **env}
    )
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def write(path: Path, content: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with two commits; returns (path, first rev, second rev)."""
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo / "README.md", "first\n")
    write(repo / "bin" / "run.sh", "#!/bin/sh\necho hi\n", 0o755)
    write(repo / "src" / "deep" / "é.txt", "non-ascii\n")
    (repo / "link").symlink_to("README.md")
    (repo / "dirlink").symlink_to("src/deep")
    first = commit_all(repo, "first")
    write(repo / "README.md", "second\n")
    second = commit_all(repo, "second")
    return repo, first, second


def clean_checkout(url: str, rev: str, into: Path, *, submodules: bool = False) -> Path:
    """A checkout made the obvious way, with every .git removed: what fetchgit hashes."""
    git(into.parent, "clone", "-q", url, into.name)
    git(into, "checkout", "-q", rev)
    if submodules:
        git(into, "submodule", "update", "-q", "--init", "--recursive")
    remove_dot_git(into)
    return into


def nix_hash(path: Path) -> str:
    out = subprocess.run(
        ["nix-hash", "--type", "sha256", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return hex_to_sri("sha256", out.strip())


def python_prefetcher(env: Mapping[str, str] = ALLOW_FILE) -> GitPrefetcher:
    return GitPrefetcher(SubprocessRunner(env=env), use_nix_prefetch_git=False)


def test_git_path_hashes_the_checkout_without_dot_git(
    upstream: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, first, second = upstream
    url = repo.as_uri()
    for rev in (first, second):
        expected = nar_hash(clean_checkout(url, rev, tmp_path / f"clone-{rev}"))
        assert python_prefetcher().prefetch_git(url, rev) == expected
    assert nar_hash(tmp_path / f"clone-{first}") != nar_hash(tmp_path / f"clone-{second}")


@pytest.mark.nix
@requires_nix
def test_git_path_matches_nix(upstream: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, first, _ = upstream
    checkout = clean_checkout(repo.as_uri(), first, tmp_path / "clone")
    got = python_prefetcher().prefetch_git(repo.as_uri(), first)
    assert got == nix_hash(checkout)
    if shutil.which("nix"):
        features = "nix-command flakes"
        nix_path = subprocess.run(
            [
                "nix",
                "--extra-experimental-features",
                features,
                "hash",
                "path",
                "--type",
                "sha256",
                "--sri",
                str(checkout),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert got == nix_path


def test_server_refusing_a_sha_falls_back_to_a_full_fetch(
    upstream: tuple[Path, str, str], tmp_path: Path
) -> None:
    # Protocol v0 refuses unadvertised objects, so the shallow fetch of the old rev fails.
    repo, first, _ = upstream
    env = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "protocol.version",
        "GIT_CONFIG_VALUE_0": "0",
    }
    expected = nar_hash(clean_checkout(repo.as_uri(), first, tmp_path / "clone"))
    assert python_prefetcher(env).prefetch_git(repo.as_uri(), first) == expected


def test_submodules_are_checked_out_without_their_dot_git(
    upstream: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, _, _ = upstream
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q")
    write(sub / "lib.rs", "fn main() {}\n")
    commit_all(sub, "sub")
    # A relative URL resolves against the superproject's remote, as in nix-prefetch-git.
    git(repo, "submodule", "add", "-q", "../sub", "vendor/sub")
    rev = commit_all(repo, "add submodule")
    url = repo.as_uri()

    with_subs = clean_checkout(url, rev, tmp_path / "with", submodules=True)
    assert (with_subs / "vendor" / "sub" / "lib.rs").is_file()
    assert python_prefetcher().prefetch_git(url, rev, submodules=True) == nar_hash(with_subs)

    without = clean_checkout(url, rev, tmp_path / "without")
    assert list((without / "vendor" / "sub").iterdir()) == []
    assert python_prefetcher().prefetch_git(url, rev) == nar_hash(without)


def test_git_steps_and_fallback_through_the_gateway(tmp_path: Path) -> None:
    def checkout(call: Call) -> str:
        assert call.cwd is not None
        write(call.cwd / "src" / "main.rs", "fn main() {}\n")
        write(call.cwd / "vendor" / "sub" / ".git", "gitdir: ../../.git/modules/sub\n")
        return ""

    runner = FakeRunner(
        {
            ("git",): "",
            ("git", *NEUTRAL_GIT_CONFIG, "fetch", "--quiet", "--depth"): ToolError("refused"),
            ("git", *NEUTRAL_GIT_CONFIG, "checkout"): checkout,
        }
    )
    got = GitPrefetcher(runner, use_nix_prefetch_git=False).prefetch_git(
        "https://example.org/r.git", "abc123", submodules=True
    )
    steps = [call.args[1 + len(NEUTRAL_GIT_CONFIG) :] for call in runner.calls]
    assert steps == [
        ("init", "--quiet"),
        ("remote", "add", "origin", "https://example.org/r.git"),
        ("fetch", "--quiet", "--depth", "1", "origin", "abc123"),
        ("fetch", "--quiet", "--tags", "origin"),
        ("checkout", "--quiet", "--detach", "abc123"),
        ("submodule", "update", "--init", "--recursive", "--quiet"),
    ]
    assert len({call.cwd for call in runner.calls}) == 1
    expected = tmp_path / "expected"
    write(expected / "src" / "main.rs", "fn main() {}\n")
    (expected / "vendor" / "sub").mkdir(parents=True)
    assert got == nar_hash(expected)


def test_git_failure_names_the_source() -> None:
    runner = FakeRunner(
        {
            ("git",): "",
            ("git", *NEUTRAL_GIT_CONFIG, "fetch"): ToolError(
                "`git fetch` failed with exit code 128"
            ),
        }
    )
    prefetcher = GitPrefetcher(runner, use_nix_prefetch_git=False)
    with pytest.raises(ToolError, match=r"cannot prefetch https://x/r at abc: `git fetch` failed"):
        prefetcher.prefetch_git("https://x/r", "abc")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ({"hash": SRI, "sha256": "ignored"}, SRI),
        ({"sha256": to_nix_base32(bytes.fromhex(HEX))}, SRI),
        ({"sha256": HEX}, SRI),
    ],
)
def test_nix_prefetch_git_output(output: dict[str, str], expected: str) -> None:
    runner = FakeRunner({("nix-prefetch-git",): json.dumps({"url": "u", **output})})
    prefetcher = GitPrefetcher(runner, use_nix_prefetch_git=True)
    assert prefetcher.prefetch_git("https://x/r", "abc", submodules=True) == expected
    assert runner.commands() == [
        (
            "nix-prefetch-git",
            "--url",
            "https://x/r",
            "--rev",
            "abc",
            "--quiet",
            "--fetch-submodules",
        )
    ]


@pytest.mark.parametrize("output", ["not json", "[]", '{"url": "u"}', '{"sha256": "bogus"}'])
def test_unusable_nix_prefetch_git_output_is_a_tool_error(output: str) -> None:
    prefetcher = GitPrefetcher(
        FakeRunner({("nix-prefetch-git",): output}), use_nix_prefetch_git=True
    )
    with pytest.raises(ToolError, match="no usable hash"):
        prefetcher.prefetch_git("https://x/r", "abc")


@pytest.mark.parametrize(
    ("url", "rev"), [("--upload-pack=evil", "abc"), ("https://x", "-b"), ("https://x", "")]
)
def test_option_like_arguments_are_refused(url: str, rev: str) -> None:
    runner = FakeRunner()
    with pytest.raises(InputError, match="invalid git"):
        GitPrefetcher(runner, use_nix_prefetch_git=False).prefetch_git(url, rev)
    assert runner.calls == []


def test_fake_prefetcher_hashes_are_valid_sri() -> None:
    value = fake_hash("https://x/r", "abc")
    assert value.startswith("sha256-") and len(value) == len(SRI)
    record = CargoGitSource("u", "r", value)
    assert read_records(record_line(record)) == (record,)  # the reader accepts it as SRI


@pytest.mark.skipif(shutil.which("git-lfs") is None, reason="needs git-lfs on PATH")
def test_lfs_files_have_their_content_when_asked_like_fetch_lfs(tmp_path: Path) -> None:
    """crane fetches Cargo git sources with `fetchLFS = true` (docs/UPSTREAM.md
    U-CRANE-GIT-FETCH): the hash is of the real content. Without it, of the LFS pointers,
    whatever filter the machine configured for git."""
    repo = tmp_path / "lfs"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "lfs", "install", "--local")
    git(repo, "lfs", "track", "*.bin")
    write(repo / "data.bin", "the real content\n")
    write(repo / "a.txt", "plain\n")
    rev = commit_all(repo, "lfs")
    pointer = git(repo, "cat-file", "-p", f"{rev}:data.bin") + "\n"
    assert pointer.startswith("version https://git-lfs.github.com/spec/v1")

    expected = tmp_path / "expected"
    write(expected / ".gitattributes", (repo / ".gitattributes").read_text())
    write(expected / "a.txt", "plain\n")
    write(expected / "data.bin", "the real content\n")
    with_content = nar_hash(expected)
    write(expected / "data.bin", pointer)
    with_pointer = nar_hash(expected)

    prefetcher = GitPrefetcher(SubprocessRunner(), use_nix_prefetch_git=False)
    assert prefetcher.prefetch_git(repo.as_uri(), rev, lfs=True) == with_content
    assert prefetcher.prefetch_git(repo.as_uri(), rev) == with_pointer


def test_cargo_git_sources_are_prefetched_as_crane_fetches() -> None:
    """Submodules and LFS, as crane's downloadCargoPackageFromGit."""
    asked: list[bool] = []

    class Recording(FakePrefetcher):
        def prefetch_git(
            self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
        ) -> str:
            asked.append(lfs)
            return super().prefetch_git(url, rev, submodules=submodules)

    prefetcher = Recording()
    checkouts = FakeCheckouts()
    CargoGitNeed("https://h/r", "abc").fetch(Fetchers(checkouts, prefetcher, fake_hex_hash))
    assert checkouts.calls == []
    assert prefetcher.calls == [("https://h/r", "abc", True)] and asked == [True]
