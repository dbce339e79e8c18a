# Mock platform descriptions (stdenv.hostPlatform and friends).
#
# Upstream reference: NixOS/nixpkgs lib/systems/default.nix (elaborate:
# config, isLinux, isDarwin, isx86_64, isAarch64, isMusl, rust.rustcTarget,
# rust.cargoShortTarget, rust.cargoEnvVarTarget, extensions) and
# lib/systems/examples.nix (musl64, aarch64-multiplatform-musl). Own
# implementation.
#   U-PLATFORM-RUST   rust.rustcTarget = <cpu>-<vendor>-<kernel>[-<abi>] (aarch64,
#                     not nixpkgs' "arm64", on darwin); cargoShortTarget = it;
#                     cargoEnvVarTarget = it uppercased, - as _;
#                     extensions.sharedLibrary = ".dylib" on darwin, ".so" on Linux
#   U-PKGSMUSL        musl: the host's triple with abi musl (makeMuslParsedPlatform)
{ lib }:
let
  table = {
    "x86_64-linux" = { cpu = "x86_64"; kernel = "linux"; gnu = "x86_64-unknown-linux-gnu"; musl = "x86_64-unknown-linux-musl"; };
    "aarch64-linux" = { cpu = "aarch64"; kernel = "linux"; gnu = "aarch64-unknown-linux-gnu"; musl = "aarch64-unknown-linux-musl"; };
    "x86_64-darwin" = { cpu = "x86_64"; kernel = "darwin"; config = "x86_64-apple-darwin"; rust = "x86_64-apple-darwin"; };
    # nixpkgs spells the aarch64-darwin triple "arm64-apple-darwin"; rustc calls it aarch64.
    "aarch64-darwin" = { cpu = "aarch64"; kernel = "darwin"; config = "arm64-apple-darwin"; rust = "aarch64-apple-darwin"; };
  };

  make = { system, libc }:
    let
      e = table.${system} or (throw "mock nixpkgs: unsupported system `${system}` (mocked: ${toString (builtins.attrNames table)})");
      isLinux = e.kernel == "linux";
      config = if isLinux then (if libc == "musl" then e.musl else e.gnu) else e.config;
      rustcTarget = if isLinux then config else e.rust;
    in
    {
      inherit system config libc isLinux;
      isDarwin = e.kernel == "darwin";
      isMacOS = e.kernel == "darwin";
      isUnix = true;
      isWindows = false;
      isx86_64 = e.cpu == "x86_64";
      isx86 = e.cpu == "x86_64";
      isAarch64 = e.cpu == "aarch64";
      isAarch = e.cpu == "aarch64";
      is64bit = true;
      isMusl = libc == "musl";
      isGnu = libc == "glibc";
      isStatic = false;
      parsed = {
        cpu.name = e.cpu;
        kernel.name = e.kernel;
        abi.name = if isLinux then (if libc == "musl" then "musl" else "gnu") else "unknown";
      };
      uname.system = if isLinux then "Linux" else "Darwin";
      # U-PLATFORM-RUST: a standard target's spec is its name, so cargoShortTarget is it too.
      rust = rec {
        inherit rustcTarget;
        rustcTargetSpec = rustcTarget;
        cargoShortTarget = rustcTarget;
        cargoEnvVarTarget = builtins.replaceStrings [ "-" ] [ "_" ] (lib.toUpper cargoShortTarget);
        isNoStdTarget = false;
      };
      # U-PLATFORM-RUST: hasSharedLibraries (Linux gnu/musl, darwin; not static) gives
      # sharedLibrary; library is sharedLibrary as isStatic is false.
      extensions = rec {
        sharedLibrary = if e.kernel == "darwin" then ".dylib" else ".so";
        staticLibrary = ".a";
        library = sharedLibrary;
        executable = "";
      };
      canExecute = other: other.system == system;
      emulatorAvailable = _: false;
    };
in
rec {
  systems = builtins.attrNames table;
  native = system: make { inherit system; libc = if table.${system}.kernel or "" == "linux" then "glibc" else "libSystem"; };
  musl = system: make { inherit system; libc = "musl"; };
  fromCrossSystem = cs:
    let
      config = if builtins.isString cs then cs else cs.config or null;
      sys = if builtins.isAttrs cs then cs.system or null else null;
      byConfig = {
        "x86_64-unknown-linux-musl" = musl "x86_64-linux";
        "aarch64-unknown-linux-musl" = musl "aarch64-linux";
        "x86_64-unknown-linux-gnu" = native "x86_64-linux";
        "aarch64-unknown-linux-gnu" = native "aarch64-linux";
        "x86_64-apple-darwin" = native "x86_64-darwin";
        "arm64-apple-darwin" = native "aarch64-darwin";
        "aarch64-apple-darwin" = native "aarch64-darwin";
      };
    in
    if config != null then byConfig.${config} or (throw "mock nixpkgs: unknown crossSystem config `${config}`")
    else if sys != null then native sys
    else throw "mock nixpkgs: crossSystem needs `config` or `system`";
  examples = {
    musl64 = musl "x86_64-linux";
    aarch64-multiplatform-musl = musl "aarch64-linux";
    gnu64 = native "x86_64-linux";
    aarch64-multiplatform = native "aarch64-linux";
  };
}
