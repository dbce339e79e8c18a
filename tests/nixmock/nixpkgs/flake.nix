# Mock of the nixpkgs flake, for nixgen's evaluation tests (see ../README.md).
#
# Upstream reference: NixOS/nixpkgs flake.nix (outputs `lib` and
# `legacyPackages.<system>`; `import nixpkgs { system; overlays; }` goes
# through default.nix). No inputs, so nothing is ever fetched.
# legacyPackages.x86_64-darwin still exists but throws when used (U-X86-DARWIN
# in docs/UPSTREAM.md): default.nix refuses x86_64-darwin like nixpkgs 26.11.
{
  description = "nixgen test mock of nixpkgs (evaluation only, nothing builds)";

  outputs = { self }:
    let
      lib = import ./lib.nix;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./default.nix { inherit system; });
    };
}
