# Mock of the crane flake, for nixgen's evaluation tests (see ../README.md).
#
# Upstream reference: ipetkov/crane flake.nix (`mkLib = pkgs: ...`; the old
# `lib.<system>` output was removed upstream, so it throws here). No inputs:
# `inputs.crane.inputs.nixpkgs.follows = "nixpkgs"` is accepted silently.
{
  description = "nixgen test mock of crane (evaluation only, nothing builds)";

  outputs = { self }: {
    mkLib = pkgs: import ./lib.nix { inherit pkgs; };
    lib = throw "crane: `crane.lib.\${system}` has been removed; use `crane.mkLib pkgs`";
  };
}
