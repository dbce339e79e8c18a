"""The README a newcomer follows: its two Quick start commands, what to commit, deploying, and
only files that are in the repository."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import textwrap
from pathlib import Path

import pytest
from support.env import REPO

README = REPO / "README.md"


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def quick_start_commands() -> list[str]:
    """The indented code blocks of the Quick start, in order, each as one shell script."""
    blocks: list[list[str]] = []
    previous_was_code = False
    for line in section(README.read_text(encoding="utf-8"), "Quick start").splitlines():
        is_code = re.match(r" {4,}\S", line) is not None
        if is_code and not previous_was_code:
            blocks.append([])
        if is_code:
            blocks[-1].append(line)
        previous_was_code = is_code
    return [textwrap.dedent("\n".join(block)) for block in blocks]


def test_quick_start_is_two_commands_in_a_virtual_environment() -> None:
    text = README.read_text(encoding="utf-8")
    assert "Python ≥ 3.11" in section(text, "Quick start")
    first, second = quick_start_commands()
    assert first.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install .")
    assert "nixgen init example" not in first  # never on the checkout itself
    assert 'cp -r example "$copy"' in first
    assert second == "pip install -e '.[test]' && python3 -m pytest"


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def tracked_copy(dest: Path) -> Path:
    """The checkout's files as they are (tracked, and new ones git does not ignore), committed
    in a new repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file() or source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name, follow_symlinks=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "checkout"], cwd=dest, check=True)
    return dest


def test_quick_start_command_1_works_and_leaves_the_checkout_clean(tmp_path: Path) -> None:
    """Command 1 as a user runs it, in a fresh copy of the checkout; command 2 then runs the
    suite on a checkout nothing was written to (command 1 used to init example/ in place)."""
    if shutil.which("git") is None:
        pytest.skip("`git` is not on PATH")
    if not pypi_reachable():
        pytest.skip("PyPI is not reachable: command 1 installs nixgen's dependencies from it")
    checkout = tracked_copy(tmp_path / "nixgen")
    (tmp_path / "tmp").mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PIP_USER")
    }
    env.update(TMPDIR=str(tmp_path / "tmp"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    first = quick_start_commands()[0]
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", first],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Next steps:" in done.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == "", f"command 1 changed the checkout:\n{status}"
    initialised = list((tmp_path / "tmp").glob("*/example/flake.nix"))
    assert len(initialised) == 1, done.stdout


def test_what_to_commit_and_deploy() -> None:
    text = README.read_text(encoding="utf-8")
    commit = text[text.index("### What to commit") :]
    for name in ("flake.nix", "flake.lock", "nix/", "nixgen.toml", "config/config.exs"):
        assert f"`{name}`" in commit[: commit.index("\n## ")], name
    assert "Cargo.lock" in commit[: commit.index("\n## ")]
    deploy = section(text, "Deploy")
    assert "RELEASE_COOKIE" in deploy and "./result/bin/" in deploy
    assert "nix run" in deploy
    assert "docker load < result" in deploy


def test_readme_names_only_files_in_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    assert "DESIGN.md" not in text and "../" not in text
    for name in re.findall(r"`([\w./-]+\.md)`", text):
        assert (REPO / name).is_file(), f"README.md names {name}, which is not in the repository"
    sections = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert sections[-1] == "Contributing" and "Development" not in sections
