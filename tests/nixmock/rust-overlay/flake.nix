# Mock of the rust-overlay flake, for nixgen's evaluation tests (see ../README.md).
#
# Upstream reference: oxalica/rust-overlay flake.nix (overlays.default and
# overlays.rust-overlay add `rust-bin` to the package set). No inputs, so
# `inputs.rust-overlay.inputs.nixpkgs.follows = "nixpkgs"` is accepted
# silently and nothing is fetched.
{
  description = "nixgen test mock of rust-overlay (evaluation only, nothing builds)";

  outputs = { self }:
    let
      overlay = final: _prev: {
        rust-bin = import ./rust-bin.nix { pkgs = final; };
      };
    in
    {
      overlays = {
        default = overlay;
        rust-overlay = overlay;
      };
    };
}
