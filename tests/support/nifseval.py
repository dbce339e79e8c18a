"""Generate nix/nifs.nix for a project and evaluate it against the mock crane, rust-overlay, nixpkgs.

The harness flake imports nix/nifs.nix the way the generated flake does (per system, `pkgs`
with the rust-overlay overlay) and reports, for every system and libc, each crate's drvPath,
its deps-only drvPath, `library`, `libName`, the environment the builder would see (`mockEnv`),
the files of its source, and the toolchain's targets.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from nixgen.constants import REGENERATE
from nixgen.emit.nifs import plan_nifs, render_nifs
from nixgen.fetch.git import Prefetcher
from nixgen.model import Project
from nixgen.write import with_header
from support.fakes import fake_fetchers, fetched
from support.nixeval import nix_eval_json

SYSTEMS = (
    "x86_64-linux",
    "aarch64-linux",
    "aarch64-darwin",
)  # nixpkgs 26.11 throws for x86_64-darwin

HARNESS = """{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.crane.url = "github:ipetkov/crane";
  inputs.rust-overlay.url = "github:oxalica/rust-overlay";
  outputs = { self, nixpkgs, crane, rust-overlay }:
    let
      inherit (nixpkgs) lib;
      # Every file of a source directory, relative to it (readDir of a store path made by
      # builtins.path: no derivation is built).
      files = dir: prefix:
        lib.concatLists (lib.mapAttrsToList
          (name: type:
            if type == "directory" then files (dir + "/${name}") "${prefix}${name}/"
            else [ "${prefix}${name}" ])
          (builtins.readDir dir));
      nifsFor = system: libc:
        let
          pkgs = import nixpkgs { inherit system; overlays = [ rust-overlay.overlays.default ]; };
        in
        import ./nix/nifs.nix { inherit (pkgs) lib; inherit pkgs libc; mkLib = crane.mkLib; };
      summary = nifs: {
        inherit (nifs) rustTarget;
        beamPkgsHost = nifs.beamPkgs.stdenv.hostPlatform.config;
        toolchainTargets = nifs.rustToolchain.targets;
        crates = builtins.mapAttrs (name: crate: {
          drvPath = crate.drvPath;
          deps = nifs.deps.${name}.drvPath;
          inherit (crate) library libName;
          env = crate.mockEnv;
          depsEnv = nifs.deps.${name}.mockEnv;
          buildInputHosts = map (d: d.mockHostPlatform) crate.buildInputs;
          nativeBuildInputHosts = lib.unique (map (d: d.mockHostPlatform) crate.nativeBuildInputs);
          sources = files "${crate.src}" "";
        }) nifs.crates;
      };
    in {
      nifs = lib.genAttrs [ "x86_64-linux" "aarch64-linux" "aarch64-darwin" ]
        (system: { musl = summary (nifsFor system "musl"); gnu = summary (nifsFor system "gnu"); });
      drvPaths = lib.genAttrs [ "x86_64-linux" "aarch64-linux" "aarch64-darwin" ]
        (system:
          let nifs = nifsFor system "musl"; in
          builtins.mapAttrs (name: crate: { crate = crate.drvPath; deps = nifs.deps.${name}.drvPath; })
            nifs.crates);
      # Every crate with an extra build input through `overrides` and `.override`.
      overridden =
        let
          pkgs = import nixpkgs { system = "x86_64-linux"; overlays = [ rust-overlay.overlays.default ]; };
          nifs = import ./nix/nifs.nix {
            inherit (pkgs) lib;
            inherit pkgs;
            mkLib = crane.mkLib;
            overrides = final: prev: builtins.mapAttrs
              (name: crate: crate.override (args: { buildInputs = args.buildInputs ++ [ pkgs.zlib ]; }))
              prev;
          };
        in
        builtins.mapAttrs (name: crate: { crate = crate.drvPath; deps = nifs.deps.${name}.drvPath; })
          nifs.crates;
      configFlags = builtins.mapAttrs (name: crate:
        let config = "${crate.src}/.cargo/config.toml"; in
        if builtins.pathExists config then builtins.fromTOML (builtins.readFile config) else { })
        (nifsFor "x86_64-linux" "musl").crates;
    };
}
"""


def generate(project: Project, prefetcher: Prefetcher | None = None, libc: str = "musl") -> str:
    """nix/nifs.nix for `project`; Cargo git sources hashed by a FakePrefetcher by default."""
    known = fetched(project, fetchers=fake_fetchers(project, prefetcher=prefetcher))
    return with_header(render_nifs(plan_nifs(project, libc=libc, known=known)), REGENERATE)


def install(project_dir: Path, nifs_nix: str, work: Path) -> Path:
    """A copy of the project in `work` with nix/nifs.nix and the harness flake."""
    target = work / "project"
    shutil.copytree(
        project_dir,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns("_build", "deps", "target", ".git", "expected"),
    )
    write(target, nifs_nix)
    return target


def write(target: Path, nifs_nix: str) -> None:
    """nix/nifs.nix and the harness flake (replacing any flake of the project's own)."""
    (target / "nix").mkdir(exist_ok=True)
    (target / "flake.lock").unlink(missing_ok=True)
    (target / "nix" / "nifs.nix").write_text(nifs_nix, encoding="utf-8")
    (target / "flake.nix").write_text(HARNESS, encoding="utf-8")


def evaluate(target: Path, attr: str = "nifs") -> Any:
    return nix_eval_json(target, attr)
