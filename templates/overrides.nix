# Your hand fixes for the generated Nix. nixgen created this file once and never
# rewrites it. Each entry is optional.
{
  # Mix deps (nix/deps.nix), e.g.
  #   some_dep = prev.some_dep.overrideAttrs (old: { buildInputs = [ ... ]; });
  deps = final: prev: { };

  # NIF crates (nix/nifs.nix), same shape, e.g. extra C libraries for a -sys crate.
  nifs = final: prev: { };

  # The release derivation: old: { ... } as for overrideAttrs.
  release = old: { };

  # Added to the machine of the NixOS VM test (checks.<system>.nixos), e.g. an environment file:
  # nixosTest = { services.my_app.environmentFiles = [ "/etc/my_app.env" ]; };
}
