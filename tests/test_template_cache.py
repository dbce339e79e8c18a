"""Compiled templates are kept between runs (nixgen/emit/template_cache.py) and never served
stale: an edited template is compiled again; a cache that cannot be used only costs time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jinja2
import pytest

from nixgen.emit import render

TEMPLATE = "overrides.nix"  # a template without variables: its text is its output


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory and templates/ copy; each `fresh()` is a new run's environment."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    templates = tmp_path / "templates"
    shutil.copytree(render.templates_dir(), templates)
    monkeypatch.setattr(render, "template_cache_dir", lambda: str(cache))
    monkeypatch.setattr(render, "templates_dir", lambda: templates)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return cache


def fresh() -> jinja2.Environment:
    return render.environment.__wrapped__()


def no_compiling(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled a template the cache holds")

    monkeypatch.setattr(env, "compile", refuse)


def test_a_second_run_loads_the_compiled_template(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fresh().get_template(TEMPLATE).render()
    assert len(list(cache_dir.glob("nixgen-*.cache"))) == 1
    second = fresh()
    no_compiling(second, monkeypatch)
    assert second.get_template(TEMPLATE).render() == first


def test_the_probe_fails_without_a_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fresh()
    no_compiling(env, monkeypatch)
    with pytest.raises(AssertionError, match="compiled a template"):
        env.get_template(TEMPLATE)


def test_an_edited_template_is_compiled_again(cache_dir: Path) -> None:
    fresh().get_template(TEMPLATE).render()
    source = render.templates_dir() / TEMPLATE
    source.write_text(source.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert fresh().get_template(TEMPLATE).render().endswith("# edited\n")


def test_other_options_use_other_entries() -> None:
    from nixgen.emit.template_cache import template_cache

    one = template_cache({"trim_blocks": True}, "/nonexistent")
    other = template_cache({"trim_blocks": False}, "/nonexistent")
    assert one is not None and other is not None
    assert one.pattern != other.pattern


def test_a_corrupt_entry_is_a_miss(cache_dir: Path) -> None:
    expected = fresh().get_template(TEMPLATE).render()
    for entry in cache_dir.glob("nixgen-*.cache"):
        entry.write_bytes(entry.read_bytes()[:20])
    assert fresh().get_template(TEMPLATE).render() == expected


def test_an_unwritable_cache_only_costs_time(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = cache_dir / "not-a-directory"
    missing.write_text("")
    monkeypatch.setattr(render, "template_cache_dir", lambda: str(missing))
    assert fresh().get_template(TEMPLATE).render() != ""


def test_dont_write_bytecode_writes_no_entry(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    fresh().get_template(TEMPLATE).render()
    assert list(cache_dir.iterdir()) == []
