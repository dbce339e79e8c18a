# A crate of a NIF dependency built from its Hex package (strategy B), packed under the file name
# rustler_precompiled looks for; nix/deps.nix stages it and lists its sha256 in the package's
# checksum file. No import from derivation (docs/UPSTREAM.md U-CRANE-FETCHED-SRC): `src` is a
# path into the fetched package, never read while evaluating; crane vendors the crates from
# nixgen's copy of the Cargo.lock (and copies it into the source), `cargoArtifacts = null` skips
# buildDepsOnly, whose dummy source would read `src`, and pname and version are given.
{
  lib,
  pkgs,
  mkLib,
  targetPlatform,
  nifDepCrates,
  packNif,
}:
{
  name, # the dependency (its mix.lock key)
  crate, # the crate's directory in the package
  src, # the package, as fetchHex unpacks it
  file, # the artifact file name: <libName>.so.tar.gz
  libName, # the artifact's library name
}:
let
  args =
    nifDepCrates."${name}/${crate}" or (throw (
      "nix/nifs.nix: no crate ${crate} of the NIF dependency ${name} is recorded: "
      + "run `nixgen update`"
    ));
  craneLib = (mkLib pkgs).overrideToolchain (_: args.toolchain);
  built = craneLib.buildPackage (
    builtins.removeAttrs args [
      "toolchain"
      "libName"
    ]
    // {
      src = "${src}/${crate}";
      cargoVendorDir = craneLib.vendorCargoDeps { inherit (args) cargoLock; };
      cargoArtifacts = null;
    }
  );
in
pkgs.runCommand file { } ''
  nixgenNifLibrary=${built}/lib/lib${args.libName}${targetPlatform.extensions.sharedLibrary}
  nixgenNifLibName=${lib.escapeShellArg libName}
  ${packNif}
''
