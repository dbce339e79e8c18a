"""Erlang/Elixir version choice and the package-set table."""

from __future__ import annotations

import pytest
from support.projects import bare_app

from nixgen.emit.render import is_nix_identifier
from nixgen.errors import ResolveError
from nixgen.model import MixProject, ToolVersions
from nixgen.resolve.beam import _attr, _table, choose_beam


def app(elixir: str | None) -> MixProject:
    return bare_app(elixir=elixir)


@pytest.mark.parametrize(
    ("requirement", "otp", "elixir"),
    [
        # None: the package set's own Elixir (1.18 in nixos-unstable 26.11), which moves with nixpkgs
        ("~> 1.15", 28, None),
        (None, 28, None),
        ("~> 1.17.0", 27, "elixir_1_17"),
        (">= 1.17.0 and < 1.18.0", 27, "elixir_1_17"),
        ("~> 1.19", 28, "elixir_1_20"),
        ("~> 1.19.0", 28, "elixir_1_19"),
    ],
)
def test_requirement_picks_newest_allowed(
    requirement: str | None, otp: int, elixir: str | None
) -> None:
    beam = choose_beam(None, app(requirement))
    assert (beam.otp, beam.elixir_attr, beam.package_set) == (
        otp,
        elixir,
        f"beamMinimal{otp}Packages",
    )


def test_tool_versions_win_over_mix_exs() -> None:
    beam = choose_beam(ToolVersions(".tool-versions", "27.2", "1.17.3-otp-27"), app("~> 1.18"))
    assert (beam.otp, beam.elixir_attr, beam.source) == (27, "elixir_1_17", ".tool-versions")


def test_otp_29_is_available() -> None:
    """ecto_libsql pins OTP 29 in mise.toml: nixos-unstable has beamMinimal29Packages."""
    beam = choose_beam(ToolVersions("mise.toml", "29.0.1", None), app("~> 1.15"))
    assert (beam.otp, beam.package_set, beam.elixir_attr) == (29, "beamMinimal29Packages", None)


def test_settings_win_over_tool_versions() -> None:
    beam = choose_beam(ToolVersions(".tool-versions", "29.0", "1.18.4"), app(None), otp="28")
    assert (beam.otp, beam.elixir_attr, beam.source) == (28, "elixir_1_18", "nixgen.toml")


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        (ToolVersions(".tool-versions", "24.3", None), "Erlang/OTP 24 is not available"),
        (ToolVersions(".tool-versions", "27.1", "1.12.3"), "Elixir 1.12 is not in nixpkgs"),
        (ToolVersions(".tool-versions", "26.2", None), "Erlang/OTP 26 is not available"),
        (ToolVersions(".tool-versions", "28.0", "1.16.0"), "Elixir 1.16 is not in nixpkgs"),
        (ToolVersions(".tool-versions", "29.0", "1.19.1"), "Elixir 1.19 is not built for OTP 29"),
    ],
)
def test_unavailable_versions_are_clear_errors(versions: ToolVersions, message: str) -> None:
    with pytest.raises(ResolveError) as info:
        choose_beam(versions, app(None))
    assert message in str(info.value)
    assert "nixgen.toml" in str(info.value) or "use OTP" in str(info.value)
    if "not available" in message or "not in nixpkgs" in message:
        assert "nixos-unstable (26.11)" in str(info.value)  # what the table describes


def test_requirement_nothing_satisfies() -> None:
    with pytest.raises(ResolveError) as info:
        choose_beam(None, app("~> 1.12.0"))
    assert "no Elixir version in nixpkgs satisfies ~> 1.12.0" in str(info.value)


def test_table_names_are_nix_attribute_names() -> None:
    """The generated Nix selects the table's sets as `pkgs.<name>`: a name that is not a plain
    attribute name stops nixgen instead of reaching a template."""
    assert all(is_nix_identifier(v) for v in _table().otp.values())
    assert _attr("beamMinimal27Packages") == "beamMinimal27Packages"
    for bad in ("beam 27", "elixir_1_18\n", 'x"', "in", ""):
        with pytest.raises(ValueError, match="not a Nix attribute name"):
            _attr(bad)
