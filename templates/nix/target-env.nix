# Cargo's settings for the target (docs/UPSTREAM.md U-PLATFORM-RUST). The linker and the C
# compiler of -sys crates (cc-rs reads CC_<target>, U-CC-RS-ENV) come from the package set the
# NIF links against. CARGO_TARGET_<T>_RUSTFLAGS holds the project's flags that cargo would not
# see in the build, then nixgen's (musl: -crt-static, as a cdylib cannot link libc statically);
# cargo adds them to the flags of the .cargo/config at the source root, which it reads itself.
{
  lib,
  targetPlatform,
  ccTarget,
  targetCc,
}:
rustflags:
let
  inherit (targetPlatform.rust) rustcTarget cargoEnvVarTarget;
  # the wrapped compilers, as nixpkgs' own Rust builders name them (U-CC-RS-ENV)
  cc = "${targetCc}/bin/${targetCc.targetPrefix}cc";
in
{
  CARGO_BUILD_TARGET = rustcTarget;
}
// lib.optionalAttrs (rustflags ? ${rustcTarget}) {
  "CARGO_TARGET_${cargoEnvVarTarget}_RUSTFLAGS" = rustflags.${rustcTarget};
}
// lib.optionalAttrs targetPlatform.isMusl {
  "CARGO_TARGET_${cargoEnvVarTarget}_LINKER" = cc;
  "CC_${ccTarget}" = cc;
  "CXX_${ccTarget}" = "${targetCc}/bin/${targetCc.targetPrefix}c++";
  # The pkg-config crate answers for another target than the build machine's only if allowed.
  PKG_CONFIG_ALLOW_CROSS = "1";
}
