"""Erlang/OTP and Elixir versions → nixpkgs package-set names, from a small data table."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from nixgen.constants import SETTINGS_FILE, Version
from nixgen.emit.render import is_nix_identifier
from nixgen.errors import ResolveError
from nixgen.model import Dynamic, MixProject, ToolVersions


@dataclass(frozen=True)
class Beam:
    otp: int
    elixir: Version
    package_set: str  # e.g. beamMinimal27Packages
    elixir_attr: str | None  # e.g. elixir_1_19; None: the package set's own default Elixir
    source: str  # where the choice came from, for `show`/init's summary


@dataclass(frozen=True)
class _Table:
    otp: dict[int, str]
    elixir: dict[Version, tuple[str, tuple[int, ...]]]
    default_otp: int
    default_elixir: Version
    nixpkgs: str  # which nixpkgs the table describes


def describes() -> str:
    """The nixpkgs the version table was read from, for messages and generated comments."""
    return _table().nixpkgs


_TABLE_FILE = "data/beam.toml"


@cache
def _table() -> _Table:
    data = tomllib.loads(resources.files("nixgen").joinpath(_TABLE_FILE).read_text())
    return _Table(
        otp={int(k): _attr(v) for k, v in data["otp"].items()},
        elixir={_minor(k): (_attr(v["attr"]), tuple(v["otp"])) for k, v in data["elixir"].items()},
        default_otp=data["default"]["otp"],
        default_elixir=_minor(data["default"]["elixir"]),
        nixpkgs=data["source"]["nixpkgs"],
    )


def _attr(name: str) -> str:
    """A package set or Elixir attribute from the table: the generated Nix selects it as
    `pkgs.<name>`, so it must be a plain Nix attribute name."""
    if not is_nix_identifier(name):
        raise ValueError(f"nixgen/{_TABLE_FILE}: {name!r} is not a Nix attribute name")
    return name


def _minor(text: str) -> Version:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def choose_beam(
    tool_versions: ToolVersions | None,
    project: MixProject,
    otp: str | None = None,
    elixir: str | None = None,
) -> Beam:
    """nixgen.toml's `otp`/`elixir` first, then `.tool-versions`/`mise.toml`, else the newest
    Elixir the mix.exs requirement allows."""
    if otp or elixir:
        base = tool_versions or ToolVersions(SETTINGS_FILE, None, None)
        tool_versions = ToolVersions(SETTINGS_FILE, otp or base.erlang, elixir or base.elixir)
    table = _table()
    pinned_otp = _otp_of(tool_versions)
    pinned_elixir = _elixir_of(tool_versions)
    if pinned_otp is not None and pinned_otp not in table.otp:
        _beam(pinned_otp, pinned_elixir or table.default_elixir, "")  # raises: unknown OTP
    if pinned_elixir is not None:
        source = tool_versions.path if tool_versions else "defaults"
        return _beam(pinned_otp or _best_otp(pinned_elixir), pinned_elixir, source)
    candidates = [
        v
        for v in sorted(table.elixir, reverse=True)
        if _allows(project.elixir, v) and (pinned_otp is None or pinned_otp in table.elixir[v][1])
    ]
    if not candidates:
        raise ResolveError(
            f"no Elixir version in nixpkgs satisfies {_fmt(project.elixir)} "
            f"({table.nixpkgs} offers {_known_elixirs()})",
            None,
            'pin one in .tool-versions (`elixir 1.18.4`) or nixgen.toml (`elixir = "1.18"`)',
        )
    chosen = table.default_elixir if table.default_elixir in candidates else candidates[0]
    source = f"mix.exs elixir: {_fmt(project.elixir)}" if project.elixir else "defaults"
    beam = _beam(pinned_otp or _best_otp(chosen), chosen, source)
    # Nothing pinned: keep the package set's own Elixir, so it moves with nixpkgs.
    return replace(beam, elixir_attr=None) if chosen == table.default_elixir else beam


def _beam(otp: int, elixir: Version, source: str) -> Beam:
    table = _table()
    if otp not in table.otp:
        raise ResolveError(
            f"Erlang/OTP {otp} is not available as a nixpkgs package set: {table.nixpkgs} "
            f"offers OTP {', '.join(map(str, sorted(table.otp)))}",
            None,
            f"pin one of those in .tool-versions (`erlang {table.default_otp}`) or nixgen.toml "
            f'(`otp = "{table.default_otp}"`)',
        )
    if elixir not in table.elixir:
        raise ResolveError(
            f"Elixir {elixir[0]}.{elixir[1]} is not in nixpkgs' package sets: {table.nixpkgs} "
            f"offers Elixir {_known_elixirs()}",
            None,
            "pin one of those in .tool-versions (`elixir 1.18.4`) or nixgen.toml "
            '(`elixir = "1.18"`)',
        )
    attr, otps = table.elixir[elixir]
    if otp not in otps:
        raise ResolveError(
            f"Elixir {elixir[0]}.{elixir[1]} is not built for OTP {otp} in nixpkgs",
            None,
            f"use OTP {', '.join(map(str, otps))}",
        )
    return Beam(otp, elixir, table.otp[otp], attr, source)


def _known_elixirs() -> str:
    return ", ".join(".".join(map(str, v)) for v in sorted(_table().elixir))


def _best_otp(elixir: Version) -> int:
    table = _table()
    otps = table.elixir.get(elixir, ((), (table.default_otp,)))[1]
    return table.default_otp if table.default_otp in otps else max(otps)


def _otp_of(versions: ToolVersions | None) -> int | None:
    match = re.match(r"^(\d+)", versions.erlang) if versions and versions.erlang else None
    return int(match.group(1)) if match else None


def _elixir_of(versions: ToolVersions | None) -> Version | None:
    match = re.match(r"^v?(\d+)\.(\d+)", versions.elixir) if versions and versions.elixir else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _fmt(requirement: str | Dynamic | None) -> str:
    if isinstance(requirement, Dynamic):
        return requirement.source
    return requirement or "(none)"


def _allows(requirement: str | Dynamic | None, version: Version) -> bool:
    """Whether some X.Y.z release satisfies an Elixir version requirement (`~>`, `>=`, `==`,
    `and`, `or`); unknown forms allow everything."""
    if requirement is None or isinstance(requirement, Dynamic):
        return True
    return any(
        all(_clause(c.strip(), version) for c in alt.split(" and "))
        for alt in requirement.split(" or ")
    )


def _clause(clause: str, version: Version) -> bool:
    match = re.match(r"^(~>|>=|>|==|<=|<)?\s*(\d+)\.(\d+)(?:\.(\d+))?", clause)
    if match is None:
        return True
    op, major, minor, patch = match.group(1) or "==", int(match[2]), int(match[3]), match[4]
    wanted = (major, minor)
    if op == "~>":
        return (
            version == wanted if patch is not None else (version >= wanted and version[0] == major)
        )
    compare = {
        ">=": version >= wanted,
        ">": version > wanted or (patch is not None and version == wanted),
        "==": version == wanted,
        "<=": version <= wanted,
        "<": version < wanted,
    }
    return compare[op]
