"""What a PyPI user gets: `python -m build` makes a wheel and an sdist that install in a clean
virtual environment and run, with the templates and data inside, the licence and the metadata.

The build runs without isolation (hatchling and build from the test extras), and each venv
reuses the installed dependencies (`--system-site-packages`) so nothing is downloaded; nixgen
itself is installed from the built file only (`--no-index --no-deps`, then `pip check`)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from support.env import REPO

from nixgen import __version__

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None or importlib.util.find_spec("hatchling") is None,
    reason="`build` and `hatchling` are not installed (pip install -e '.[test]')",
)

TEMPLATES = sorted(
    p.relative_to(REPO / "templates").as_posix()
    for p in (REPO / "templates").rglob("*")
    if p.is_file()
)
DATA = sorted(p.name for p in (REPO / "nixgen" / "data").iterdir() if p.suffix == ".toml")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)])
    return out


def run(argv: list[str], cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def only(dist: Path, pattern: str) -> Path:
    [found] = dist.glob(pattern)
    return found


def test_the_wheel_holds_templates_data_and_licence(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        names = wheel.namelist()
    assert sorted(n for n in names if n.startswith("nixgen/templates/")) == [
        f"nixgen/templates/{t}" for t in TEMPLATES
    ]
    assert {f"nixgen/data/{d}" for d in DATA} <= set(names)
    assert f"nixgen-{__version__}.dist-info/licenses/LICENSE" in names


def test_the_wheel_metadata_says_what_pypi_shows(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        metadata = wheel.read(f"nixgen-{__version__}.dist-info/METADATA").decode()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "License-Expression: MIT" in metadata
    assert f"Version: {__version__}" in metadata
    for classifier in project["classifiers"]:
        assert f"Classifier: {classifier}" in metadata
    for label in project["urls"]:
        assert f"Project-URL: {label}, " in metadata


def test_the_sdist_holds_what_the_wheel_and_the_flake_are_built_from(dist: Path) -> None:
    root = f"nixgen-{__version__}"
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = set(sdist.getnames())
    expected = ["LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "flake.nix"]
    assert {f"{root}/{n}" for n in expected} <= names
    assert {f"{root}/templates/{t}" for t in TEMPLATES} <= names


@pytest.mark.parametrize("kind", ["*.whl", "*.tar.gz"], ids=["wheel", "sdist"])
def test_it_installs_in_a_clean_venv_and_runs(dist: Path, kind: str, tmp_path: Path) -> None:
    if importlib.util.find_spec("ensurepip") is None:
        pytest.skip("python3 has no venv/ensurepip (Debian: apt-get install python3-venv)")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = str(only(dist, kind))
    run(
        [
            *pip,
            "install",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--force-reinstall",
            built,
        ]
    )
    run([*pip, "check"])
    module = run([python, "-c", "import nixgen; print(nixgen.__file__)"], cwd=tmp_path).strip()
    assert Path(module).is_relative_to(venv), module
    nixgen = str(venv / "bin" / "nixgen")
    assert __version__ in run([nixgen, "--version"], cwd=tmp_path)
    example = tmp_path / "example"
    shutil.copytree(REPO / "example", example, symlinks=True)
    assert "Example.Native" in run([nixgen, "show", str(example)], cwd=tmp_path)
