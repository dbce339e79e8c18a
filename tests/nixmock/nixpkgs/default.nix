# Mock of nixpkgs' top-level entry point (`import nixpkgs { ... }`).
#
# Upstream reference: NixOS/nixpkgs pkgs/top-level/impure.nix (arguments:
# localSystem / system, crossSystem, config, overlays, crossOverlays, ...)
# and pkgs/top-level/stage.nix (pkgsMusl, pkgsCross, extend,
# appendOverlays). Own implementation.
#
# In pure evaluation (flakes) `builtins.currentSystem` does not exist, so
# `import nixpkgs { }` without `system` fails, as it does upstream.
{ localSystem ? null
, system ? null
, crossSystem ? null
, config ? { }
, overlays ? [ ]
, crossOverlays ? [ ]
, ...
}:
let
  lib = import ./lib.nix;
  platforms = import ./platforms.nix { inherit lib; };

  systemOf = s: if s == null then null else if builtins.isString s then s else s.system or s.config;

  buildSystem =
    if system != null then system
    else if systemOf localSystem != null then systemOf localSystem
    else if builtins ? currentSystem then builtins.currentSystem
    else throw "mock nixpkgs: `import nixpkgs { }` needs `system` (or `localSystem`): builtins.currentSystem does not exist in pure evaluation mode";

  hostPlatform =
    if crossSystem == null then platforms.native buildSystem
    else platforms.fromCrossSystem crossSystem;
in
import ./mkpkgs.nix {
  inherit lib platforms buildSystem hostPlatform config;
  overlays = overlays ++ (if crossSystem == null then [ ] else crossOverlays);
}
