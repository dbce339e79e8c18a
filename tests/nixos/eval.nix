# Evaluates a generated nix/module.nix with nixpkgs' real lib.evalModules over the option stubs
# (stubs.nix), with the mock nixpkgs as `pkgs` and a stand-in flake `self` whose release is a
# mock derivation. Used by tests/test_module.py.
{
  libDir, # a nixpkgs `lib` directory (the real one)
  module, # path of the generated nix/module.nix
  service, # services.<service>
  settings, # a NixOS module setting services.<service>.*
}:
let
  lib = import libDir;
  pkgs = import ../nixmock/nixpkgs { system = "x86_64-linux"; };
  release = pkgs.writeTextFile {
    name = "release-stand-in";
    text = "";
    destination = "/bin/stand-in";
  };
  self.packages.x86_64-linux.default = release;
  evaluated = lib.evalModules {
    modules = [
      ./stubs.nix
      (import module { inherit self; })
      settings
      { _module.args.pkgs = pkgs; }
    ];
  };
  unit = evaluated.config.systemd.services.${service} or null;
  json = builtins.toJSON {
    inherit unit;
    firewall = evaluated.config.networking.firewall.allowedTCPPorts;
  };
in
{
  inherit json;
  release = "${release}";
  # Every store path the unit's settings refer to (the scripts it runs, the release).
  references = builtins.attrNames (builtins.getContext json);
}
