"""Phoenix assets: nixpkgs' esbuild/tailwind instead of the binaries their Hex packages would
download (the sandbox has no network), and `mix assets.deploy` before the release is made."""

from __future__ import annotations

from dataclasses import dataclass

from nixgen.model import HexLockEntry, MixLock, MixProject
from nixgen.paths import join, relative
from nixgen.resolve import parse_version

# The Hex package → the variable its Mix task reads a binary's path from, and the nixpkgs
# package providing it. tailwind ≥ 0.3 runs Tailwind CSS 4.
ESBUILD = ("esbuild", "MIX_ESBUILD_PATH", "esbuild")
TAILWIND = ("tailwind", "MIX_TAILWIND_PATH", "tailwindcss")
TAILWIND_4 = "tailwindcss_4"
TAILWIND_4_SINCE = (0, 3)


@dataclass(frozen=True)
class AssetsPlan:
    tools: tuple[tuple[str, str], ...]  # (environment variable, nixpkgs attribute)
    deploy_dirs: tuple[str, ...]  # app dirs (relative to the release root) with assets.deploy
    npm_dirs: tuple[str, ...]  # app dirs with assets/package.json (not installed)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(
            f"{join(d, 'assets/package.json')}: npm packages are "
            "not installed by the generated build; provide node_modules in nix/overrides.nix "
            "(release)"
            for d in self.npm_dirs
        )


def plan_assets(
    top: MixProject, lock: MixLock, included: tuple[str, ...], has_package_json: set[str]
) -> AssetsPlan:
    """`has_package_json`: the Mix project dirs that have assets/package.json."""
    tools = []
    for package, variable, attr in (ESBUILD, TAILWIND):
        if package in included:
            tools.append((variable, _tailwind_attr(lock) if package == "tailwind" else attr))
    deploy = [p.dir for p in top.walk() if _has_alias(p, "assets.deploy")]
    return AssetsPlan(
        tools=tuple(sorted(tools)),
        deploy_dirs=tuple(relative(d, top.dir) for d in deploy),
        npm_dirs=tuple(sorted(relative(d, top.dir) for d in deploy if d in has_package_json)),
    )


def _tailwind_attr(lock: MixLock) -> str:
    entry = lock.get("tailwind")
    version = parse_version(entry.version) if isinstance(entry, HexLockEntry) else None
    return TAILWIND_4 if version is not None and version >= TAILWIND_4_SINCE else TAILWIND[2]


def _has_alias(project: MixProject, name: str) -> bool:
    return isinstance(project.aliases, tuple) and any(a.name == name for a in project.aliases)
