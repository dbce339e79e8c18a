# Mock of nixpkgs' top-level entry point (`import nixpkgs { ... }`).
#
# Upstream reference: NixOS/nixpkgs pkgs/top-level/impure.nix (arguments:
# localSystem / system, crossSystem, config, overlays, crossOverlays, ...)
# and pkgs/top-level/stage.nix (pkgsMusl, pkgsCross, extend,
# appendOverlays). Own implementation.
#
# In pure evaluation (flakes) `builtins.currentSystem` does not exist, so
# `import nixpkgs { }` without `system` fails, as it does upstream.
#
# U-X86-DARWIN (docs/UPSTREAM.md): pkgs/top-level/default.nix of nixpkgs 26.11
# throws at import time when the local or cross system is x86_64-darwin, unless
# config.allowDeprecatedx86_64Darwin = "force".
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

  localPlatform = platforms.native buildSystem;
  isX86Darwin = p: p.isDarwin && p.isx86;
  x86_64DarwinDeprecationMessage = ''
    Nixpkgs 26.11 has dropped support for x86_64-darwin.

    The 26.05 stable branch still supports x86_64-darwin and receives security
    fixes until the end of 2026. With flakes, switch your nixpkgs input to
    "github:NixOS/nixpkgs/nixpkgs-26.05-darwin".

    See https://nixos.org/manual/nixpkgs/unstable/release-notes#x86_64-darwin-26.11
  '';
  checked = lib.throwIf
    ((isX86Darwin localPlatform || (crossSystem != null && isX86Darwin hostPlatform))
      && (config.allowDeprecatedx86_64Darwin or null) != "force")
    x86_64DarwinDeprecationMessage;
in
checked (import ./mkpkgs.nix {
  inherit lib platforms buildSystem hostPlatform config;
  overlays = overlays ++ (if crossSystem == null then [ ] else crossOverlays);
})
