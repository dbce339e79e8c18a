"""The Elixir side of the switch across rustler versions (docs/UPSTREAM.md U-RUSTLER-CONFIG,
U-RUSTLER-SKIP): config from 0.22.2, a stop for 0.22.0/0.22.1, nixgen's macro below 0.22 —
and the macro route survives the user's edit (init → apply the change → update → check)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.projects import copy_fixture, init, offline_fetchers

from nixgen.emit.glue import BEGIN
from nixgen.errors import NixgenError
from nixgen.pipeline import out_of_date, plan_update
from nixgen.resolve.project import load_project
from nixgen.write import apply_changes

MACRO_FILE = "lib/single/nixgen_rustler.ex"
MODULE_FILE = "lib/single/native.ex"


def with_rustler(tmp_path: Path, version: str) -> Path:
    root = copy_fixture("single_crate", tmp_path)
    lock = root / "mix.lock"
    lock.write_text(lock.read_text().replace('"0.36.1"', f'"{version}"'))
    return root


@pytest.mark.parametrize("version", ["0.22.2", "0.25.0", "0.29.1", "0.36.1"])
def test_rustler_from_0_22_2_uses_application_config(tmp_path: Path, version: str) -> None:
    root = with_rustler(tmp_path, version)
    init(root)
    assert BEGIN in (root / "config/config.exs").read_text()
    assert not (root / MACRO_FILE).exists()


@pytest.mark.parametrize("version", ["0.22.0", "0.22.1"])
def test_rustler_0_22_0_and_0_22_1_stop_with_the_upgrade(tmp_path: Path, version: str) -> None:
    root = with_rustler(tmp_path, version)
    with pytest.raises(NixgenError) as info:
        init(root)
    message = str(info.value)
    assert f"rustler {version} runs `cargo metadata`" in message
    assert "lib/single/native.ex:3:3" in message and "0.22.2 or later" in message


def apply_macro_change(root: Path) -> None:
    """What the note tells the user to do, keeping every option of the module."""
    module = root / MODULE_FILE
    module.write_text(
        module.read_text().replace(
            'use Rustler, otp_app: :single, crate: "single_nif"',
            "require Single.NixgenRustler\n"
            '  Single.NixgenRustler.rustler_use(otp_app: :single, crate: "single_nif")',
        )
    )


def test_macro_route_survives_the_users_change(tmp_path: Path) -> None:
    root = with_rustler(tmp_path, "0.21.1")
    init(root)
    assert (root / MACRO_FILE).is_file()
    assert BEGIN not in (root / "config/config.exs").read_text()
    nifs_before = (root / "nix/nifs.nix").read_text()
    apply_macro_change(root)
    nifs = load_project(root).nifs
    assert [(n.module, n.crate, n.resolved) for n in nifs] == [
        ("Single.Native", "single_nif", True)
    ]
    changes = plan_update(root, force=False, fetchers=offline_fetchers(root))
    assert out_of_date(changes) == []  # update keeps the crate: check passes
    apply_changes(root, changes)
    assert (root / "nix/nifs.nix").read_text() == nifs_before
    assert re.search(r"single_nif = buildNif", nifs_before)


def test_macro_module_keeps_the_options_and_adds_the_switch(tmp_path: Path) -> None:
    text = with_rustler(tmp_path, "0.21.1")
    init(text)
    macro = (text / MACRO_FILE).read_text()
    assert "defmacro rustler_use(opts) do" in macro
    assert "Keyword.put(:skip_compilation?, true)" in macro
    assert 'Keyword.put_new(:load_from, {otp_app, "priv/native/lib#{crate}"})' in macro
    assert "use Rustler, unquote(opts)" in macro
