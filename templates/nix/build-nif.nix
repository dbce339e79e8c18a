# One NIF crate, the Cargo package `pname`, built by crane's buildPackage on top of its
# dependencies, built by buildDepsOnly (docs/UPSTREAM.md U-CRANE-BUILD) for every package of
# `workspace.packages` at once from the same arguments otherwise. The crates of a workspace
# therefore share one dependencies derivation, until an override changes the arguments of one
# of them: its dependencies are then its own. `library` is where the built library is
# (U-CRANE-INSTALL, U-PLATFORM-RUST).
{
  lib,
  pkgs,
  mkLib,
  targetPlatform,
}:
lib.makeOverridable (
  {
    pname,
    workspace,
    toolchain,
    libName,
    cargoExtraArgs ? "--locked",
    passthru ? { },
    ...
  }@args:
  let
    craneLib = (mkLib pkgs).overrideToolchain (_: toolchain);
    common = builtins.removeAttrs args [
      "workspace"
      "toolchain"
      "libName"
      "passthru"
    ];
    # crane pastes cargoExtraArgs into a bash command unquoted (U-CRANE-BUILD)
    select =
      packages: cargoExtraArgs + lib.concatMapStrings (p: " -p ${lib.escapeShellArg p}") packages;
    deps = craneLib.buildDepsOnly (
      common
      // {
        inherit (workspace) pname version;
        cargoExtraArgs = select workspace.packages;
      }
    );
  in
  craneLib.buildPackage (
    common
    // {
      cargoExtraArgs = select [ pname ];
      cargoArtifacts = deps;
      passthru = passthru // {
        inherit deps libName;
        library = "lib/lib${libName}${targetPlatform.extensions.sharedLibrary}";
      };
    }
  )
)
