"""Phoenix assets: nixpkgs' esbuild/tailwind instead of the binaries their Hex packages would
download (the sandbox has no network), and `mix assets.deploy` before the release is made."""

from __future__ import annotations

from dataclasses import dataclass

from nixgen.model import MixProject
from nixgen.paths import join, relative
from nixgen.resolve.nifs import parse_version


@dataclass(frozen=True)
class AssetTool:
    """A Hex package whose Mix task runs a binary it would otherwise download: it runs the one
    at `config :<package>, path:` (docs/UPSTREAM.md U-ESBUILD-PATH, U-TAILWIND-PATH). The config
    block reads that path from `variable`, which only the Nix build sets to nixpkgs' `attr`."""

    package: str
    variable: str
    attr: str


@dataclass(frozen=True)
class AssetsPlan:
    tools: tuple[AssetTool, ...]
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
    top: MixProject,
    included: tuple[str, ...],
    has_package_json: set[str],
    tailwind_version: str | None,
) -> AssetsPlan:
    """`has_package_json`: the Mix project dirs that have assets/package.json;
    `tailwind_version`: `config :tailwind, version:` of the release's config."""
    tools = []
    if "esbuild" in included:
        tools.append(AssetTool("esbuild", "MIX_ESBUILD_PATH", "esbuild"))
    if "tailwind" in included:
        tools.append(AssetTool("tailwind", "MIX_TAILWIND_PATH", tailwind_attr(tailwind_version)))
    deploy = [p.dir for p in top.walk() if _has_alias(p, "assets.deploy")]
    return AssetsPlan(
        tools=tuple(tools),
        deploy_dirs=tuple(relative(d, top.dir) for d in deploy),
        npm_dirs=tuple(sorted(relative(d, top.dir) for d in deploy if d in has_package_json)),
    )


def tailwind_attr(configured: str | None) -> str:
    """nixpkgs' Tailwind CSS matching the configured major version (U-TAILWINDCSS); the Hex
    package needs `version:` configured (it warns otherwise), 3 when it is not readable."""
    version = parse_version(configured) if configured else None
    return "tailwindcss_4" if version is not None and version[0] >= 4 else "tailwindcss_3"


def _has_alias(project: MixProject, name: str) -> bool:
    return isinstance(project.aliases, tuple) and any(a.name == name for a in project.aliases)
