"""Start-up cost: a command imports only what it uses (issue 13 §3). Each case runs in a fresh
interpreter and lists the modules it ended with; nothing here is timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Heavy third-party modules and the nixgen stages a command may not need.
HEAVY = ("jinja2", "tomlkit", "tree_sitter", "urllib.request", "http.client", "ssl")


def modules_after(code: str) -> set[str]:
    """The names in sys.modules after a fresh interpreter runs `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    names: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(names)


def run_cli(*args: str) -> str:
    """Code that runs `nixgen ARGS` in-process and keeps going after it exits."""
    return (
        "import contextlib, io\n"
        "from nixgen.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({list(args)!r}, standalone_mode=False)"
    )


def test_importing_the_cli_imports_no_pipeline() -> None:
    loaded = modules_after("import nixgen.cli")
    assert "nixgen.cli" in loaded  # the probe works
    assert loaded & {*HEAVY, "nixgen.model", "nixgen.pipeline", "nixgen.show"} == set()


def test_help_imports_no_pipeline() -> None:
    loaded = modules_after(run_cli("--help"))
    assert loaded & {*HEAVY, "nixgen.model", "nixgen.pipeline"} == set()


@pytest.mark.parametrize("fixture", ["deps_hex", "single_crate"])
def test_show_renders_no_template_and_downloads_nothing(fixture: str) -> None:
    loaded = modules_after(run_cli("show", "--json", str(REPO / "fixtures" / fixture)))
    assert "nixgen.show" in loaded and "tree_sitter" in loaded  # it did read the project
    assert loaded & {"jinja2", "urllib.request", "http.client", "ssl", "nixgen.pipeline"} == set()


def test_deps_downloads_nothing_it_has_no_need_for() -> None:
    """deps_hex's lock has every checksum: nothing to download, so no HTTP client loaded."""
    loaded = modules_after(run_cli("-q", "deps", str(REPO / "fixtures" / "deps_hex")))
    assert "jinja2" in loaded  # it did render
    assert loaded & {"urllib.request", "http.client", "ssl"} == set()


def test_the_probe_sees_what_a_run_imports() -> None:
    """The assertions above can fail: a run that does import the HTTP client is seen."""
    loaded = modules_after("import nixgen.cli\nimport urllib.request")
    assert {"urllib.request", "http.client"} <= loaded
    assert json.dumps(sorted(loaded))  # plain names
