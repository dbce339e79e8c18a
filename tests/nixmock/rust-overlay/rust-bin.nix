# Mock of rust-overlay's `rust-bin`, for nixgen's evaluation tests.
# Registry entry (docs/UPSTREAM.md): U-RUST-OVERLAY-TOOLCHAIN.
#
# Upstream references (behaviour modelled, code not copied):
#   oxalica/rust-overlay lib/rust-bin.nix
#     (selectManifest channel syntax: stable | beta | nightly | 1.NN | 1.NN.P |
#      nightly-YYYY-MM-DD | beta-YYYY-MM-DD; fromRustupToolchain
#      { path ? null, channel ? null, profile ? null, components ? [ ],
#        targets ? [ ] } — no `...`; fromRustupToolchainFile reads a legacy
#      one-line file or the TOML `[toolchain]` table; every profile is
#      `makeOverridable ({ extensions, targets, targetExtensions }: ...)`,
#      failing fast on unknown targets/components)
#   oxalica/rust-overlay docs/reference.md
#     (stable.latest.{minimal,default,complete}, stable."1.76.0", beta,
#      nightly."2025-01-01", nightly.latest, selectLatestNightlyWith)
{ pkgs }:
let
  b = builtins;
  inherit (pkgs) lib;

  hostTarget = pkgs.stdenv.hostPlatform.rust.rustcTarget;

  knownTargets = [
    "x86_64-unknown-linux-gnu"
    "x86_64-unknown-linux-musl"
    "aarch64-unknown-linux-gnu"
    "aarch64-unknown-linux-musl"
    "x86_64-apple-darwin"
    "aarch64-apple-darwin"
    "wasm32-unknown-unknown"
    "wasm32-wasip1"
    "x86_64-pc-windows-gnu"
    "x86_64-pc-windows-msvc"
    "armv7-unknown-linux-gnueabihf"
    "armv7-unknown-linux-musleabihf"
    "riscv64gc-unknown-linux-gnu"
    "i686-unknown-linux-gnu"
  ];

  knownComponents = [
    "rustc" "cargo" "rust-std" "rust-docs" "rustfmt" "rustfmt-preview" "clippy" "clippy-preview"
    "rust-src" "rust-analyzer" "rust-analyzer-preview" "rust-analysis" "llvm-tools" "llvm-tools-preview"
    "miri" "miri-preview" "rustc-dev" "rls" "rls-preview" "rustc-codegen-cranelift" "rustc-codegen-cranelift-preview"
    "rust-mingw" "reproducible-artifacts" "llvm-bitcode-linker"
  ];

  profileComponents = {
    minimal = [ "rustc" "cargo" "rust-std" ];
    default = [ "rustc" "cargo" "rust-std" "rust-docs" "rustfmt" "clippy" ];
    complete = knownComponents;
  };

  mkToolchain = { channel, version, date ? null }:
    let
      mkProfile = profile: comps: lib.makeOverridable
        ({ extensions, targets, targetExtensions }:
          let
            errors =
              b.map (t: "Unknown target `${t}`, typo or not supported by this version?")
                (b.filter (t: !(b.elem t knownTargets)) targets)
              ++ b.map (c: "Unknown component `${c}`, typo or not support by this version?")
                (b.filter (c: !(b.elem c knownComponents)) (extensions ++ targetExtensions));
          in
          if !(b.isList extensions) || !(b.isList targets) || !(b.isList targetExtensions) then
            throw "rust-bin: `extensions`, `targets` and `targetExtensions` must be lists of strings"
          else if errors != [ ] then
            throw "Component resolution failed for rust-${profile}-${version}\n${b.concatStringsSep "\n" errors}"
          else
            pkgs.stdenv.mkDerivation {
              pname = "rust-${profile}";
              inherit version;
              rustChannel = channel;
              rustDate = if date == null then "" else date;
              components = lib.unique (comps ++ extensions);
              targets = lib.unique ([ hostTarget ] ++ targets);
              inherit targetExtensions;
              meta.mainProgram = "rustc";
              passthru = {
                availableComponents = lib.genAttrs knownComponents (c: pkgs.stdenv.mkDerivation { pname = c; inherit version; });
              };
            })
        { extensions = [ ]; targets = [ ]; targetExtensions = [ ]; };
      profiles = b.mapAttrs mkProfile profileComponents;
    in
    profiles // {
      rust = mkProfile "legacy" [ "rust" ];
      rustc = mkProfile "rustc" [ "rustc" ];
      cargo = mkProfile "cargo" [ "cargo" ];
      rust-src = mkProfile "rust-src" [ "rust-src" ];
      _version = version;
      _profiles = profiles;
    };

  stableVersions =
    b.genList (n: "1.${toString (n + 50)}.0") 42
    ++ [ "1.56.1" "1.58.1" "1.62.1" "1.66.1" "1.67.1" "1.68.1" "1.68.2" "1.71.1" "1.72.1" "1.74.1"
         "1.77.1" "1.77.2" "1.80.1" "1.84.1" "1.85.1" "1.91.1" ];
  latestStable = "1.91.1";

  mod = a: n: a - (a / n) * n;
  isLeap = y: (mod y 4 == 0 && mod y 100 != 0) || mod y 400 == 0;
  pad2 = n: if n < 10 then "0${toString n}" else toString n;
  daysIn = y: m: b.elemAt [ 31 (if isLeap y then 29 else 28) 31 30 31 30 31 31 30 31 30 31 ] (m - 1);
  dates = b.concatMap
    (y: b.concatMap
      (m: b.genList (d: "${toString y}-${pad2 m}-${pad2 (d + 1)}") (daysIn y m))
      (lib.range 1 12))
    (lib.range 2020 2026);
  latestDate = "2026-06-30";

  stable = lib.genAttrs stableVersions (v: mkToolchain { channel = "stable"; version = v; })
    // { latest = stable.${latestStable}; };
  nightly = lib.genAttrs dates (d: mkToolchain { channel = "nightly"; version = "nightly-${d}"; date = d; })
    // { latest = nightly.${latestDate}; };
  beta = lib.genAttrs dates (d: mkToolchain { channel = "beta"; version = "beta-${d}"; date = d; })
    // { latest = beta.${latestDate}; };

  selectToolchain = channel:
    let
      asVersion = b.match "[0-9]+\\.[0-9]+(\\.[0-9]+)?" channel;
      dated = prefix: let m = b.match "${prefix}-([0-9]+-[0-9]+-[0-9]+)" channel; in if m == null then null else b.head m;
      nightlyDate = dated "nightly";
      betaDate = dated "beta";
      latestWithMajorMinor =
        let
          candidates = b.filter (lib.hasPrefix (channel + ".")) stableVersions;
        in
        if candidates == [ ] then throw "No stable ${channel}.* is available"
        else b.foldl' (acc: v: if acc == "" || b.compareVersions acc v < 0 then v else acc) "" candidates;
    in
    if channel == "stable" then stable.latest
    else if channel == "nightly" then nightly.latest
    else if channel == "beta" then beta.latest
    else if asVersion != null then
      (if asVersion == [ null ] then stable.${latestWithMajorMinor}
       else stable.${channel} or (throw "Stable ${channel} is not available"))
    else if nightlyDate != null then nightly.${nightlyDate} or (throw "Nightly ${nightlyDate} is not available")
    else if betaDate != null then beta.${betaDate} or (throw "Beta ${betaDate} is not available")
    else throw "Unknown channel: ${channel}";

  fromRustupToolchain = { path ? null, channel ? null, profile ? null, components ? [ ], targets ? [ ] }:
    if path != null then throw "`path` is not supported, please directly add it to your PATH instead"
    else if channel == null then throw "`channel` is required"
    else
      let
        toolchain = selectToolchain channel;
        profile' = if profile == null then "default" else profile;
        pkg = toolchain._profiles.${profile'} or (throw ''
          Rust ${toolchain._version} doesn't have profile `${profile'}`.
          Available profiles are: ${b.concatStringsSep ", " (b.attrNames toolchain._profiles)}
        '');
      in
      pkg.override { extensions = components; inherit targets; };

  fromRustupToolchainFile = path:
    let
      content = b.readFile path;
      legacy = b.match "([^\r\n]+)\r?\n?" content;
    in
    if legacy != null then fromRustupToolchain { channel = b.head legacy; }
    else fromRustupToolchain (b.fromTOML content).toolchain;
in
{
  distRoot = "https://static.rust-lang.org/dist";
  inherit stable beta nightly fromRustupToolchain fromRustupToolchainFile;
  selectLatestNightlyWith = selector: selector nightly.latest;
  fromRustcRev = _: throw "mock rust-overlay: fromRustcRev is not mocked";
}
