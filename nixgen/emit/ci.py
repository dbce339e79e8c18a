"""nixgen's version → the CI workflow (`.github/workflows/nix.yml`), written once, the user's."""

from __future__ import annotations

from pathlib import Path

from nixgen import __version__
from nixgen.constants import GITHUB_WORKFLOW_FILE, NIXGEN_FLAKE, CiProvider
from nixgen.emit.render import render
from nixgen.write import Change, plan_changes


def check_command(version: str = __version__) -> str:
    """`nixgen check` through nixgen's own flake, pinned to the release tag of `version`."""
    return f"nix run {NIXGEN_FLAKE}/v{version} -- check"


def ci_files(provider: CiProvider) -> dict[str, str]:
    """{path: text} of the workflow for `provider`."""
    text = render("ci/github.yml.j2", version=__version__, check_command=check_command())
    return {GITHUB_WORKFLOW_FILE: text}


def plan_ci(root: Path, provider: CiProvider) -> list[Change]:
    """Create the workflow when it is absent; an existing one is the user's and left alone."""
    return plan_changes(root, {}, ci_files(provider), {}, force=False)
