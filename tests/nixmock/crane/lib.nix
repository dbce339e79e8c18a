# Mock of crane's library (`crane.mkLib pkgs`), for nixgen's evaluation tests.
#
# Registry entries (docs/UPSTREAM.md): U-CRANE-BUILD (buildDepsOnly/buildPackage/
# mkCargoDerivation arguments and defaults), U-CRANE-OUTPUTHASHES (decoded source keys),
# U-CRANE-GIT-FETCH (fetchgit with submodules and LFS), U-CRANE-INSTALL, U-CRANE-TOOLCHAIN,
# U-CRANE-FETCHED-SRC (vendorCargoDeps from `cargoLock` alone; `cargoLock` kept on the derivation).
#
# Upstream references (argument lists and defaults modelled, code not copied):
#   ipetkov/crane lib/default.nix            (the scope; overrideToolchain)
#   ipetkov/crane lib/mkCargoDerivation.nix  (required: cargoArtifacts,
#       buildPhaseCargoCommand; removes cargoLock*, outputHashes, pnameSuffix,
#       stdenv, ...; `...` passed to stdenv.mkDerivation)
#   ipetkov/crane lib/buildDepsOnly.nix      (cargoExtraArgs ? "--locked",
#       cargoCheckExtraArgs, cargoTestExtraArgs ? "--no-run", doCheck ? true,
#       dummySrc, pnameSuffix "-deps", cargoArtifacts = null)
#   ipetkov/crane lib/buildPackage.nix       (cargoExtraArgs ? "--locked",
#       cargoArtifacts defaults to buildDepsOnly of the same args,
#       doInstallCargoArtifacts ? false)
#   ipetkov/crane lib/cargoBuild.nix         (required cargoArtifacts)
#   ipetkov/crane lib/vendorCargoDeps.nix    (reads src + "/Cargo.lock" with
#       builtins.fromTOML at evaluation time)
#   ipetkov/crane lib/vendorGitDeps.nix      (outputHashes are keyed by the
#       package's Cargo.lock `source` string percent-decoded with
#       lib/internalPercentDecode.nix, e.g. "git+https://github.com/o/r?branch=a/b#<rev>")
#   ipetkov/crane lib/downloadCargoPackage.nix        ({ name, version, checksum, source, ... })
#   ipetkov/crane lib/downloadCargoPackageFromGit.nix ({ git, rev, ref ? null, hash ? null, allRefs ? ref == null })
#   ipetkov/crane lib/crateNameFromCargoToml.nix, lib/cleanCargoSource.nix,
#   lib/filterCargoSources.nix, lib/path.nix, lib/mkDummySrc.nix, docs/API.md
#
# Deliberate strictness beyond upstream (tests/nixmock/README.md, "Where the
# mocks are stricter than upstream"; U-CRANE-BUILD, U-CRANE-GIT-FETCH):
#   * buildDepsOnly / buildPackage / cargoBuild throw unless `pname` and
#     `version` are given explicitly;
#   * an explicit `cargoExtraArgs` must contain `--locked`;
#   * a git dependency without `outputHashes.<source>` throws (upstream warns
#     and falls back to builtins.fetchGit at evaluation time, which needs the
#     network and is impossible offline);
#   * registries other than crates.io throw (upstream needs
#     appendCrateRegistries for them).
{ pkgs, toolchain ? null }:
let
  b = builtins;
  inherit (pkgs) lib;

  defaultToolchain = pkgs.stdenv.mkDerivation { pname = "rust-nixpkgs-default"; version = "1.89.0"; };
  tc = if toolchain == null then defaultToolchain else toolchain;

  cratesIo = [
    "registry+https://github.com/rust-lang/crates.io-index"
    "sparse+https://index.crates.io/"
  ];

  hasLocked = s: b.elem "--locked" (b.filter b.isString (b.split "[[:space:]]+" s));

  requireNameVersion = who: args:
    if !(args ? pname) || !(args ? version) then
      throw "mock crane (nixgen rule): ${who} needs explicit `pname` and `version`; without them crane derives them from the source's Cargo.toml (a workspace root has no [package] and gets a placeholder)"
    else args;

  checkExtraArgs = who: args:
    if args ? cargoExtraArgs && !(hasLocked args.cargoExtraArgs) then
      throw "mock crane (nixgen rule): ${who}: cargoExtraArgs = \"${args.cargoExtraArgs}\" replaces crane's default \"--locked\"; keep `--locked` in it"
    else args;

  srcPathOf = src: if b.isAttrs src && src ? origSrc then src.outPath else src;

  # ---- Cargo.lock -----------------------------------------------------------
  readLock = args:
    if args ? cargoLockParsed then args.cargoLockParsed
    else if args ? cargoLockContents then b.fromTOML args.cargoLockContents
    else
      let
        src = args.src or (throw ''
          mock crane: unable to find `src` attribute. consider one of the following:
          - set `cargoVendorDir = vendorCargoDeps { cargoLock = ./some/path/to/Cargo.lock; }`
          - set `cargoVendorDir = vendorCargoDeps { src = ./src/containing/cargo/lock/file; }`
          - set `cargoVendorDir = null` to skip vendoring altogether'');
        lockPath = args.cargoLock or (srcPathOf src + "/Cargo.lock");
      in
      if b.pathExists lockPath then b.fromTOML (b.readFile lockPath)
      else throw "mock crane: unable to find Cargo.lock at ${toString lockPath} (is it in the source, and tracked by git?)";

  downloadCargoPackage = { name, version, checksum ? null, source, ... }:
    if checksum == null then
      throw "mock crane: Cargo.lock package ${name}-${version} from ${source} has no checksum"
    else if !(b.elem source cratesIo) then
      throw "mock crane: not sure how to download crates from ${source} (crane needs craneLib.appendCrateRegistries for it); package ${name}-${version}"
    else
      pkgs.fetchurl {
        name = "crate-${name}-${version}.tar.gz";
        url = "https://static.crates.io/crates/${name}/${version}/download";
        sha256 = checksum;
      };

  downloadCargoPackageFromGit = { git, rev, ref ? null, hash ? null, allRefs ? ref == null }:
    if hash == null then
      throw "mock crane: downloadCargoPackageFromGit ${git}#${rev} without `hash` would use builtins.fetchGit at evaluation time (network)"
    else
      pkgs.fetchgit {
        url = git;
        inherit rev hash;
        fetchSubmodules = true;
        fetchLFS = true;
      };

  parseGitSource = p:
    let
      noPrefix = lib.removePrefix "git+" p.source;
      revSplit = b.filter b.isString (b.split "#" noPrefix);
      lockedRev =
        if b.length revSplit == 2 then b.elemAt revSplit 1
        else throw "mock crane: Cargo.lock is missing a locked revision for ${p.name}@${p.version} (source ${p.source})";
      git = b.head (b.filter b.isString (b.split "\\?" (b.head revSplit)));
    in
    { inherit git lockedRev; };

  # The escapes crane's lib/internalPercentDecode.nix decodes (upper case only, one pass).
  percentDecode =
    let
      codes = {
        "%09" = "\t"; "%0A" = "\n"; "%0D" = "\r"; "%20" = " "; "%21" = "!"; "%22" = "\""; "%23" = "#";
        "%24" = "$"; "%25" = "%"; "%26" = "&"; "%27" = "'"; "%28" = "("; "%29" = ")"; "%2A" = "*";
        "%2B" = "+"; "%2C" = ","; "%2F" = "/"; "%3A" = ":"; "%3B" = ";"; "%3C" = "<"; "%3D" = "=";
        "%3E" = ">"; "%3F" = "?"; "%40" = "@"; "%5B" = "["; "%5C" = "\\"; "%5D" = "]"; "%5E" = "^";
        "%60" = "`"; "%7B" = "{"; "%7C" = "|"; "%7D" = "}";
      };
    in
    b.replaceStrings (b.attrNames codes) (b.attrValues codes);

  vendorCargoDeps = args:
    let
      lock = readLock args;
      packages = lock.package or [ ];
      outputHashes = args.outputHashes or { };
      registryPkgs = b.filter (p: (p.source or null) != null && !(lib.hasPrefix "git+" p.source)) packages;
      gitPkgs = b.filter (p: lib.hasPrefix "git+" (p.source or "")) packages;
      gitSources = lib.unique (b.map (p: p.source) gitPkgs);
      gitHash = source:
        let
          ps = b.filter (p: p.source == source) gitPkgs;
          p = b.head ps;
          nameKey = "${p.name}-${p.version}";
        in
        # crane decodes the source with its internalPercentDecode table before the lookup
        # (docs/UPSTREAM.md U-CRANE-OUTPUTHASHES): the key is the decoded string.
        outputHashes.${percentDecode source} or (throw (
          "mock crane: no outputHash for git dependency ${nameKey}: set outputHashes.\"${percentDecode source}\" = \"sha256-...\"; "
          + "crane keys outputHashes by the percent-decoded Cargo.lock `source` string"
          + lib.optionalString (outputHashes ? ${source} && source != percentDecode source) " (found the encoded key: crane decodes %XX first)"
          + lib.optionalString (outputHashes ? ${nameKey}) " (found a key \"${nameKey}\": that is importCargoLock's convention, not crane's)"
          + "; without it crane falls back to builtins.fetchGit at evaluation time, which needs the network"));
      crates = b.map downloadCargoPackage registryPkgs;
      gitRepos = b.map
        (source:
          let g = parseGitSource (b.head (b.filter (p: p.source == source) gitPkgs)); in
          downloadCargoPackageFromGit { inherit (g) git; rev = g.lockedRev; hash = gitHash source; })
        gitSources;
    in
    if lock ? version && lock.version > 4 then
      throw "mock crane: unsupported Cargo.lock version ${toString lock.version}"
    else
      pkgs.runCommand "vendor-cargo-deps" {
        inherit crates gitRepos;
        cargoLockPackages = b.map (p: "${p.name}-${p.version}") packages;
      } "mkdir -p $out";

  # ---- sources ---------------------------------------------------------------
  filterCargoSources = orig_path: type:
    let
      path = toString orig_path;
      base = baseNameOf path;
      parentDir = baseNameOf (dirOf path);
      matchesSuffix = lib.any (suffix: lib.hasSuffix suffix base) [ ".rs" ".toml" ];
      isCargoFile = base == "Cargo.lock";
      isCargoConfig = parentDir == ".cargo" && base == "config";
    in
    type == "directory" || matchesSuffix || isCargoFile || isCargoConfig;

  cleanCargoSource = src: lib.cleanSourceWith {
    src = lib.cleanSource src;
    filter = filterCargoSources;
    name = "source";
  };

  path = p:
    if b.isAttrs p && p ? path then b.path ({ name = "source"; } // p)
    else b.path { path = p; name = "source"; };

  crateNameFromCargoToml = { src ? null, cargoToml ? null, cargoTomlContents ? null, ... }:
    let
      contents =
        if cargoTomlContents != null then cargoTomlContents
        else if cargoToml != null then b.readFile cargoToml
        else if src != null then b.readFile (srcPathOf src + "/Cargo.toml")
        else throw "mock crane: crateNameFromCargoToml needs one of src, cargoToml or cargoTomlContents";
      toml = b.fromTOML contents;
      str = v: if b.isString v then v else null;
      firstStr = lib.findFirst (v: v != null) null;
    in
    {
      pname = lib.defaultTo "cargo-package" (firstStr [
        (str (toml.package.metadata.crane.name or null))
        (str (toml.package.name or null))
        (str (toml.workspace.metadata.crane.name or null))
        (str (toml.workspace.package.name or null))
      ]);
      version = lib.defaultTo "0.0.1" (firstStr [
        (str (toml.package.version or null))
        (str (toml.workspace.package.version or null))
      ]);
    };

  # Upstream builds a derivation holding only the cargo manifests, the lock
  # file and .cargo/config*; here the same subset is imported with builtins.path
  # (so the deps derivation changes only when those files change).
  mkDummySrc = { src, cargoLock ? null, extraDummyScript ? "", dummyrs ? null, ... }:
    let
      s = lib.toSourceAttrs src;
      keep = p: type:
        let
          base = baseNameOf (toString p);
          parent = baseNameOf (dirOf (toString p));
        in
        type == "directory" || base == "Cargo.toml" || base == "Cargo.lock"
        || (parent == ".cargo" && (base == "config" || base == "config.toml"));
      origSrc = if b.isAttrs s.origSrc && s.origSrc ? outPath then s.origSrc.outPath else s.origSrc;
      root = srcPathOf src;
    in
    if !(b.pathExists (root + "/Cargo.toml")) then
      throw ''
        mock crane: unable to find Cargo.toml and Cargo.lock at ${toString root}. please ensure one of the following:
        - a Cargo.toml and Cargo.lock exists at the root of the source directory of the derivation
        - set `cargoArtifacts = buildDepsOnly { src = ./some/path/to/cargo/root; }`
        - set `cargoArtifacts = null` to skip reusing cargo artifacts altogether''
    else
      b.path {
        path = origSrc;
        name = "dummy-src";
        filter = p: t: keep p t && s.filter p t;
      };

  # ---- derivations -------------------------------------------------------------
  mkCargoDerivation =
    args@{ cargoArtifacts
    , buildPhaseCargoCommand
    , checkPhaseCargoCommand ? ""
    , installPhaseCommand ? "mkdir -p $out"
    , ...
    }:
    let
      crateName = crateNameFromCargoToml args;
      chosenStdenv =
        if !(args ? stdenv) then pkgs.stdenv
        else if lib.isFunction args.stdenv then args.stdenv pkgs
        else args.stdenv;
      cleanedArgs = b.removeAttrs args [
        "buildPhaseCargoCommand"
        "cargoLock"
        "cargoLockContents"
        "cargoLockParsed"
        "checkPhaseCargoCommand"
        "installPhaseCommand"
        "pnameSuffix"
        "outputHashes"
        "stdenv"
        "overrideVendorCargoPackage"
        "overrideVendorGitCheckout"
      ];
      # the lock is handed back to the derivation, where replaceCargoLockHook copies it over
      # the source's Cargo.lock (U-CRANE-FETCHED-SRC; mkCargoDerivation.nix cargoLock, baseDrvArgs)
      cargoLock =
        if args ? cargoLockContents then pkgs.writeText "Cargo.lock" args.cargoLockContents
        else args.cargoLock or null;
    in
    chosenStdenv.mkDerivation (cleanedArgs // lib.optionalAttrs (cargoLock != null) {
      inherit cargoLock;
    } // {
      inherit cargoArtifacts;
      pname = "${args.pname or crateName.pname}${args.pnameSuffix or ""}";
      version = args.version or crateName.version;
      doInstallCargoArtifacts = args.doInstallCargoArtifacts or true;
      cargoVendorDir = args.cargoVendorDir or (vendorCargoDeps args);
      nativeBuildInputs = (args.nativeBuildInputs or [ ]) ++ [ tc ];
      buildPhase = args.buildPhase or ''
        runHook preBuild
        cargo --version
        ${buildPhaseCargoCommand}
        runHook postBuild
      '';
      checkPhase = args.checkPhase or ''
        runHook preCheck
        ${checkPhaseCargoCommand}
        runHook postCheck
      '';
      configurePhase = args.configurePhase or ''
        runHook preConfigure
        echo default configurePhase, nothing to do
        runHook postConfigure
      '';
      installPhase = args.installPhase or ''
        runHook preInstall
        ${installPhaseCommand}
        runHook postInstall
      '';
    });

  buildDepsOnly =
    { cargoBuildCommand ? "cargoWithProfile build"
    , cargoCheckCommand ? "cargoWithProfile check"
    , cargoCheckExtraArgs ? null
    , cargoExtraArgs ? "--locked"
    , cargoTestCommand ? "cargoWithProfile test"
    , cargoTestExtraArgs ? "--no-run"
    , ...
    }@args0:
    let
      args = checkExtraArgs "buildDepsOnly" (requireNameVersion "buildDepsOnly" args0);
      doCheck = args.doCheck or true;
      checkExtra = if cargoCheckExtraArgs != null then cargoCheckExtraArgs else if doCheck then "--all-targets" else "";
      cleanedArgs = b.removeAttrs args [
        "cargoBuildCommand"
        "cargoCheckCommand"
        "cargoCheckExtraArgs"
        "cargoExtraArgs"
        "cargoTestCommand"
        "cargoTestExtraArgs"
        "dummySrc"
        "outputHashes"
        "outputs"
      ];
      dummySrc = args.dummySrc or (mkDummySrc (args // {
        src = args.src or (throw "mock crane: buildDepsOnly needs `src` (or `dummySrc`)");
      }));
    in
    mkCargoDerivation (cleanedArgs // {
      src = dummySrc;
      pnameSuffix = "-deps";
      inherit (args) pname version;
      cargoArtifacts = null;
      cargoVendorDir = args.cargoVendorDir or (vendorCargoDeps args);
      env = (args.env or { }) // { CRANE_BUILD_DEPS_ONLY = 1; };
      inherit doCheck cargoExtraArgs;
      buildPhaseCargoCommand = args.buildPhaseCargoCommand or ''
        ${lib.optionalString doCheck "${cargoCheckCommand} ${cargoExtraArgs} ${checkExtra}"}
        ${cargoBuildCommand} ${cargoExtraArgs}
      '';
      checkPhaseCargoCommand = args.checkPhaseCargoCommand or ''
        ${cargoTestCommand} ${cargoExtraArgs} ${cargoTestExtraArgs}
      '';
      doInstallCargoArtifacts = true;
    });

  buildPackage =
    { cargoBuildCommand ? "cargoWithProfile build"
    , cargoExtraArgs ? "--locked"
    , cargoTestCommand ? "cargoWithProfile test"
    , cargoTestExtraArgs ? ""
    , ...
    }@args0:
    let
      args = checkExtraArgs "buildPackage" (requireNameVersion "buildPackage" args0);
      cleanedArgs = b.removeAttrs args [
        "cargoBuildCommand"
        "cargoExtraArgs"
        "cargoTestCommand"
        "cargoTestExtraArgs"
        "outputHashes"
      ];
      memoizedArgs = {
        inherit (args) pname version;
        cargoVendorDir = args.cargoVendorDir or (vendorCargoDeps args);
      };
    in
    mkCargoDerivation (cleanedArgs // memoizedArgs // {
      doCheck = args.doCheck or true;
      doInstallCargoArtifacts = args.doInstallCargoArtifacts or false;
      cargoArtifacts = args.cargoArtifacts or (buildDepsOnly (args // memoizedArgs // {
        installPhase = "prepareAndInstallCargoArtifactsDir";
      }));
      inherit cargoExtraArgs;
      buildPhaseCargoCommand = args.buildPhaseCargoCommand or ''
        cargoBuildLog=$(mktemp cargoBuildLogXXXX.json)
        ${cargoBuildCommand} --message-format json-render-diagnostics ${cargoExtraArgs} >"$cargoBuildLog"
      '';
      checkPhaseCargoCommand = args.checkPhaseCargoCommand or ''
        ${cargoTestCommand} ${cargoExtraArgs} ${cargoTestExtraArgs}
      '';
      installPhaseCommand = args.installPhaseCommand or ''
        installFromCargoBuildLog "$out" "$cargoBuildLog"
      '';
    });

  cargoBuild =
    { cargoArtifacts
    , cargoExtraArgs ? "--locked"
    , ...
    }@args0:
    let
      args = checkExtraArgs "cargoBuild" args0;
    in
    mkCargoDerivation (b.removeAttrs args [ "cargoExtraArgs" ] // {
      pnameSuffix = "-build";
      inherit cargoExtraArgs;
      buildPhaseCargoCommand = "cargoWithProfile build ${cargoExtraArgs}";
    });

  cargoClippy =
    { cargoArtifacts
    , cargoClippyExtraArgs ? "--all-targets"
    , cargoExtraArgs ? "--locked"
    , ...
    }@args:
    mkCargoDerivation (b.removeAttrs args [ "cargoClippyExtraArgs" "cargoExtraArgs" ] // {
      pnameSuffix = "-clippy";
      buildPhaseCargoCommand = "cargoWithProfile clippy ${cargoExtraArgs} ${cargoClippyExtraArgs}";
    });

  cargoTest =
    { cargoArtifacts
    , cargoExtraArgs ? "--locked"
    , cargoTestExtraArgs ? ""
    , ...
    }@args:
    mkCargoDerivation (b.removeAttrs args [ "cargoExtraArgs" "cargoTestExtraArgs" ] // {
      pnameSuffix = "-test";
      buildPhaseCargoCommand = "cargoWithProfile test ${cargoExtraArgs} ${cargoTestExtraArgs}";
    });

  cargoFmt =
    { cargoExtraArgs ? ""
    , rustFmtExtraArgs ? ""
    , ...
    }@args:
    mkCargoDerivation (b.removeAttrs args [ "cargoExtraArgs" "rustFmtExtraArgs" ] // {
      cargoArtifacts = null;
      cargoVendorDir = null;
      pnameSuffix = "-fmt";
      buildPhaseCargoCommand = "cargo fmt ${cargoExtraArgs} -- --check ${rustFmtExtraArgs}";
    });

  devShell =
    { checks ? { }
    , inputsFrom ? [ ]
    , packages ? [ ]
    , ...
    }@args:
    pkgs.mkShell (b.removeAttrs args [ "checks" ] // {
      inputsFrom = inputsFrom ++ b.attrValues checks;
      packages = packages ++ [ tc ];
    });

  overrideToolchain = toolchainArg:
    let
      t = if lib.isFunction toolchainArg then toolchainArg pkgs else toolchainArg;
    in
    if !(lib.isDerivation t) then
      throw "mock crane: overrideToolchain expects a toolchain derivation (e.g. rust-bin.stable.latest.default) or a function `p: <toolchain>`, got ${b.typeOf t}"
    else
      import ./lib.nix { inherit pkgs; toolchain = t; };
in
{
  inherit
    buildDepsOnly buildPackage cargoBuild cargoClippy cargoTest cargoFmt devShell
    mkCargoDerivation vendorCargoDeps downloadCargoPackage downloadCargoPackageFromGit
    cleanCargoSource filterCargoSources path crateNameFromCargoToml mkDummySrc
    overrideToolchain;
  cargo = tc;
  rustc = tc;
  clippy = tc;
  rustfmt = tc;
  overrideScope = _f: throw "mock crane: overrideScope is not mocked";
  appendCrateRegistries = _r: throw "mock crane: appendCrateRegistries is not mocked (the mock only knows crates.io)";
}
