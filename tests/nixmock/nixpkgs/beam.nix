# Mock BEAM package sets: `beam`, `beam_minimal` and the scopes behind
# beam27/28/29Packages, beamMinimal27/28/29Packages, beamPackages (OTP 28).
#
# Every fact modelled here is cited by its entry in docs/UPSTREAM.md; read the
# entry (upstream file, commit, lines) before changing a rule:
#   U-BEAM-VERSIONS     which sets, Erlang and Elixir versions exist
#   U-BEAM-SCOPE        each set is a scope: overrideScope, `.extend` throws
#   U-ELIXIR-OTP-BOUNDS the assert of elixir's generic builder
#   U-ERLANG-VERSION    erlang.version is the full OTP version ("28.5.0.6")
#   U-FETCHHEX          fetchHex { pkg, version, sha256, meta ? { } }
#   U-BUILDMIX, U-BUILDMIX-ENV, U-BUILDREBAR3, U-BUILDERLANGMK
#   U-MIXRELEASE-ARGS, U-MIXRELEASE-ENV, U-MIXRELEASE-TOOLS, U-MIXRELEASE-PHASES
# Argument lists and behaviour are modelled; no upstream code is copied.
#
# Where the sets come from (U-BEAM-SCOPE, U-MIXRELEASE-TOOLS): a set is
# `lib.makeScope` over `pkgs // scope`, where `pkgs` is the ENCLOSING package
# set (the one `beam27Packages` was taken from). So names the scope does not
# define (bbe, git, ripgrep, findutils, makeWrapper, coreutils,
# bashNonInteractive, the setup hooks' stdenv, ...) come from that set:
# `pkgs.pkgsMusl.beamMinimal28Packages.mixRelease` gets musl tools, while
# `pkgs.beamMinimal28Packages.overrideScope (final: prev: { erlang = <musl erlang>; })`
# keeps glibc tools and swaps only the Erlang every member is built with.
#
# Rules added on top of upstream (tests/nixmock/README.md, "Where the mocks are
# stricter than upstream"; each throws with a message starting "mock … (nixgen
# rule)" or "mock …"):
#   * every `mixNixDeps` attribute must be named after the OTP application the
#     dependency installs (what mixRelease links into `_build/<env>/lib`);
#   * `mixNixDeps` must be an attribute set of derivations;
#   * `compileFlags` without `mixCompileFlags` throws (upstream drops it);
#   * `beamDeps` must be a list of derivations.
{ lib, pkgs, config }:
let
  b = builtins;
  allowAliases = config.allowAliases or true;

  # U-BEAM-VERSIONS: Erlang majors 27/28/29 (newest patch releases seen),
  # latestVersion = "erlang_28"; no OTP 26.
  erlangVersions = {
    "27" = "27.3.4.17";
    "28" = "28.5.0.6";
    "29" = "29.1";
  };
  latestVersion = "erlang_28";

  # U-BEAM-VERSIONS + U-ELIXIR-OTP-BOUNDS: elixir_1_17 … elixir_1_20, each
  # with the minimumOTPVersion / maximumOTPVersion of its 1.NN.nix.
  elixirs = {
    "1_17" = { version = "1.17.3"; minimumOTPVersion = "25"; maximumOTPVersion = "27"; };
    "1_18" = { version = "1.18.4"; minimumOTPVersion = "25"; maximumOTPVersion = null; };
    "1_19" = { version = "1.19.6"; minimumOTPVersion = "26"; maximumOTPVersion = "28"; };
    "1_20" = { version = "1.20.4"; minimumOTPVersion = "27"; maximumOTPVersion = "29"; };
  };

  checkBeamDeps = who: name: beamDeps:
    if !(b.isList beamDeps) then
      throw "mock ${who} ${name}: `beamDeps` must be a list of derivations, got ${b.typeOf beamDeps}"
    else
      let bad = b.filter (d: !(lib.isDerivation d)) beamDeps; in
      if bad != [ ] then throw "mock ${who} ${name}: `beamDeps` contains a ${b.typeOf (b.head bad)} that is not a derivation"
      else beamDeps;

  erlangCompilerOptionsString = erlangCompilerOptions: erlangDeterministicBuilds:
    "[${lib.concatStringsSep "," (erlangCompilerOptions ++ lib.optionals erlangDeterministicBuilds [ "deterministic" ])}]";

  # ---- interpreters (pkgs/top-level/beam-packages.nix: called with the ----
  # ---- enclosing set's callPackage, so their stdenv is that set's)      ----
  erlangPackage = { version, wxSupport, systemdSupport }:
    { lib, stdenv }:
    stdenv.mkDerivation {
      pname = "erlang";
      inherit version; # U-ERLANG-VERSION
      configureFlags = lib.optional wxSupport "--with-wx" ++ lib.optional systemdSupport "--enable-systemd";
      meta = {
        mainProgram = "erl";
        platforms = lib.platforms.unix;
      };
      # Mock only: which libc the ERTS is linked against is its stdenv's
      # hostPlatform, readable as `erlang.mockHostPlatform` (every mock
      # derivation has it) or `erlang.isMusl`.
      passthru = {
        inherit wxSupport systemdSupport;
        isMusl = stdenv.hostPlatform.isMusl;
      };
    };

  # U-ELIXIR-OTP-BOUNDS: elixir/generic-builder.nix asserts
  # OTP >= minimumOTPVersion and major(OTP) <= maximumOTPVersion, with
  # "Unsupported elixir and erlang OTP combination."; without aliases
  # (config.allowAliases = false) a bad combination evaluates to null.
  # `erlang` is the scope's (from the fixed point), so overrideScope changes it.
  elixirPackage = { version, minimumOTPVersion, maximumOTPVersion }:
    { lib, stdenv, config, coreutils, erlang, makeWrapper, debugInfo ? false }:
    let
      otp = lib.getVersion erlang;
      compatibilityMsg = ''
        Unsupported elixir and erlang OTP combination.

        elixir ${version}
        erlang OTP ${otp} is not >= ${minimumOTPVersion} ${lib.optionalString (maximumOTPVersion != null) "and <= ${maximumOTPVersion}"}

        See https://hexdocs.pm/elixir/${version}/compatibility-and-deprecations.html
      '';
      maxAssert = maximumOTPVersion == null
        || lib.versionOlder (lib.versions.major otp) (toString (lib.toInt maximumOTPVersion + 1));
      minAssert = lib.versionAtLeast otp minimumOTPVersion;
      bothAssert = minAssert && maxAssert;
    in
    if !(config.allowAliases or true) && !bothAssert then null
    else
      assert lib.assertMsg bothAssert compatibilityMsg;
      stdenv.mkDerivation {
        pname = "elixir";
        inherit version debugInfo;
        buildInputs = [ erlang ];
        nativeBuildInputs = [ makeWrapper ];
        meta = {
          mainProgram = "elixir";
          platforms = lib.platforms.unix;
        };
      };

  # ---- members of a set ------------------------------------------------------
  rebar3Packages = { stdenv, erlang }:
    let
      rebar3 = stdenv.mkDerivation {
        pname = "rebar3";
        version = "3.25.1";
        buildInputs = [ erlang ];
        meta.mainProgram = "rebar3";
      };
    in
    {
      inherit rebar3;
      rebar3WithPlugins = { plugins ? [ ], globalPlugins ? [ ] }:
        stdenv.mkDerivation {
          pname = "rebar3-with-plugins";
          inherit (rebar3) version;
          buildInputs = [ erlang rebar3 ] ++ plugins ++ globalPlugins;
          meta.mainProgram = "rebar3";
        };
    };

  rebarPackage = { stdenv, erlang }:
    stdenv.mkDerivation { pname = "rebar"; version = "2.6.4"; buildInputs = [ erlang ]; };

  hexPackage = { stdenv, elixir }:
    stdenv.mkDerivation { pname = "hex"; version = "2.2.1"; buildInputs = [ elixir ]; };

  exDocPackage = { stdenv, elixir }:
    stdenv.mkDerivation { pname = "ex_doc"; version = "0.38.2"; buildInputs = [ elixir ]; meta.mainProgram = "ex_doc"; };

  elixirLsPackage = { stdenv, elixir }:
    stdenv.mkDerivation { pname = "elixir-ls"; version = "0.28.1"; buildInputs = [ elixir ]; meta.mainProgram = "elixir-ls"; };

  # Setup hooks: `inherit (pkgs.callPackages ./hooks { }) …` upstream, i.e.
  # built from the enclosing set (U-MIXRELEASE-TOOLS). Behaviour: U-MIXRELEASE-PHASES.
  hookNames = [
    "beamCopySourceHook" "beamModuleInstallHook" "mixAppConfigPatchHook" "mixBuildDirHook"
    "mixCompileHook" "mixDepsCompileHook" "mixEscriptSetupHook" "mixFodDepsSetupHook"
    "mixNixDepsSetupHook" "mixReleaseSetupHook" "rebar3CompileHook" "rebarDevendorPatchHook"
  ];
  hookFileName = n: lib.concatStrings (b.map (c: if lib.toLower c != c then "-" + lib.toLower c else c) (lib.stringToCharacters n));
  hooks = lib.genAttrs hookNames (n: pkgs.stdenv.mkDerivation { name = hookFileName n; });

  # U-FETCHHEX: { pkg, version, sha256, meta ? { } }, no `hash`, no `...`.
  fetchHexPackage = { lib, stdenv, fetchurl }:
    { pkg, version, sha256, meta ? { } }:
    stdenv.mkDerivation {
      pname = "hex-source-${pkg}";
      inherit version meta;
      dontBuild = true;
      dontConfigure = true;
      dontFixup = true;
      src = fetchurl {
        url = "https://repo.hex.pm/tarballs/${pkg}-${version}.tar";
        inherit sha256;
      };
    };

  # U-BUILDMIX: extendMkDerivation, store name erlang<OTP>-<name>-<version>,
  # installs $out/lib/erlang/lib/<name>-<version> (beamModuleName = name) and
  # $out/src; passthru = caller's // { beamDeps } (no packageName).
  # U-BUILDMIX-ENV: the returned `env` has no `// args.env`, so a caller's
  # `env` is REPLACED, not merged (newest upstream content; a fork merges it).
  # Per-dependency variables therefore go through overrideAttrs.
  buildMixPackage =
    { elixir, erlang, hex, beamCopySourceHook, beamModuleInstallHook, mixBuildDirHook
    , mixCompileHook, mixAppConfigPatchHook, lib, stdenv, writeText }:
    lib.extendMkDerivation {
      constructDrv = stdenv.mkDerivation;
      excludeDrvArgNames = [ "mixEnv" ];
      extendDrvArgs = finalAttrs:
        { beamDeps ? [ ]
        , mixEnv ? "prod"
        , mixTarget ? "host"
        , appConfigPath ? null
        , enableDebugInfo ? false
        , erlangCompilerOptions ? [ ]
        , erlangDeterministicBuilds ? true
        , ...
        }@args:
        {
          name = "erlang${erlang.version}-${args.name}-${finalAttrs.version}";
          env = {
            ERL_COMPILER_OPTIONS = erlangCompilerOptionsString erlangCompilerOptions erlangDeterministicBuilds;
            MIX_ENV = mixEnv;
            MIX_TARGET = mixTarget;
            MIX_BUILD_PREFIX = (if mixTarget == "host" then "" else "${mixTarget}_") + mixEnv;
            MIX_DEBUG = if enableDebugInfo then 1 else 0;
            HEX_OFFLINE = 1;
            LANG = if stdenv.hostPlatform.isLinux then "C.UTF-8" else "C";
            LC_CTYPE = if stdenv.hostPlatform.isLinux then "C.UTF-8" else "UTF-8";
            beamModuleName = args.name;
          };
          __darwinAllowLocalNetworking = true;
          setupHook = writeText "setupHook.sh" ''
            addToSearchPath ERL_LIBS "$1/lib/erlang/lib"
          '';
          nativeBuildInputs = (args.nativeBuildInputs or [ ]) ++ [
            elixir hex beamCopySourceHook beamModuleInstallHook mixBuildDirHook mixCompileHook mixAppConfigPatchHook
          ];
          propagatedBuildInputs = (args.propagatedBuildInputs or [ ]) ++ checkBeamDeps "buildMix" args.name beamDeps;
          passthru = (args.passthru or { }) // { inherit beamDeps; };
        };
    };

  # U-BUILDREBAR3: extendMkDerivation, excludes beamDeps/buildPlugins,
  # pname = name, store name erlang<OTP>-<name>-<version>, env MERGED with
  # the caller's, rebar3WithPlugins in nativeBuildInputs, erlang/openssl/libyaml
  # in buildInputs, passthru = { beamDeps } only (replaces the caller's).
  buildRebar3Package =
    { erlang, beamCopySourceHook, beamModuleInstallHook, rebar3CompileHook, rebar3WithPlugins
    , rebarDevendorPatchHook, libyaml, openssl, lib, stdenv, writeText }:
    lib.extendMkDerivation {
      constructDrv = stdenv.mkDerivation;
      excludeDrvArgNames = [ "beamDeps" "buildPlugins" ];
      extendDrvArgs = finalAttrs:
        { beamDeps ? [ ]
        , buildPlugins ? [ ]
        , enableDebugInfo ? false
        , erlangCompilerOptions ? [ ]
        , erlangDeterministicBuilds ? true
        , ...
        }@args:
        let
          rebar3Custom = rebar3WithPlugins { plugins = buildPlugins; };
        in
        {
          pname = args.name;
          name = "erlang${erlang.version}-${args.name}-${finalAttrs.version}";
          nativeBuildInputs = (args.nativeBuildInputs or [ ]) ++ [
            erlang rebar3Custom rebarDevendorPatchHook beamCopySourceHook beamModuleInstallHook rebar3CompileHook
          ];
          buildInputs = (args.buildInputs or [ ]) ++ [ erlang openssl libyaml ];
          propagatedBuildInputs = lib.unique (checkBeamDeps "buildRebar3" args.name beamDeps);
          env = {
            ERL_COMPILER_OPTIONS = erlangCompilerOptionsString erlangCompilerOptions erlangDeterministicBuilds;
            beamModuleName = args.name;
          } // (args.env or { });
          setupHook = writeText "setupHook.sh" ''
            addToSearchPath ERL_LIBS "$1/lib/erlang/lib/"
          '';
          meta = { inherit (erlang.meta) platforms; } // (args.meta or { });
          passthru = { inherit beamDeps; };
        };
    };

  # U-BUILDERLANGMK: not hook-based; store name <name>-<version> (no erlang
  # prefix), installs $out/lib/erlang/lib/<name> (no version, no $out/src),
  # app_name = name, passthru = { packageName, env (a shell), beamDeps }.
  buildErlangMkPackage = { stdenv, writeText, erlang, perl, which, gitMinimal, wget, lib }:
    { name
    , version
    , src
    , setupHook ? null
    , buildInputs ? [ ]
    , beamDeps ? [ ]
    , postPatch ? ""
    , compilePorts ? false
    , installPhase ? null
    , buildPhase ? null
    , configurePhase ? null
    , meta ? { }
    , enableDebugInfo ? false
    , buildFlags ? [ ]
    , ...
    }@attrs:
    let
      shell = drv: stdenv.mkDerivation { name = "interactive-shell-${drv.name}"; buildInputs = [ drv ]; };
      pkg = self: stdenv.mkDerivation (attrs // {
        app_name = name;
        name = "${name}-${version}";
        inherit version src;
        dontStrip = true;
        setupHook = if setupHook == null then writeText "setupHook.sh" ''
          addToSearchPath ERL_LIBS "$1/lib/erlang/lib"
        '' else setupHook;
        buildInputs = buildInputs ++ [ erlang perl which gitMinimal wget ];
        propagatedBuildInputs = checkBeamDeps "buildErlangMk" name beamDeps;
        buildFlags = [ "SKIP_DEPS=1" ] ++ lib.optional enableDebugInfo ''ERL_OPTS="$ERL_OPTS +debug_info"'' ++ buildFlags;
        configurePhase = if configurePhase == null then "make SKIP_DEPS=1 clean" else configurePhase;
        buildPhase = if buildPhase == null then ''make $buildFlags "''${buildFlagsArray[@]}"'' else buildPhase;
        installPhase = if installPhase == null then ''
          mkdir -p $out/lib/erlang/lib/${name}
          cp -r ebin src $out/lib/erlang/lib/${name}/
        '' else installPhase;
        passthru = {
          packageName = name;
          env = shell self;
          inherit beamDeps;
        };
      });
    in
    lib.fix pkg;

  # The OTP application directory a dependency installs under
  # $out/lib/erlang/lib, from the attributes its builder set
  # (beamModuleInstallHook: <beamModuleName>-<version>; buildErlangMk: <name>),
  # or null when nothing says (e.g. a runCommand source-only dependency).
  installedLibDir = d:
    if d ? beamModuleName then "${d.beamModuleName}-${d.version}"
    else if d ? app_name then d.app_name
    else null;
  # mixBuildDirHook links $ERL_LIBS entries into _build/<prefix>/lib/<dir cut
  # at its first '-'>; mixNixDepsSetupHook links deps/<attribute name> to
  # <dep>/src. Both must name the same app. Source-only derivations carry
  # `passthru.packageName` (nixgen's deps.nix) and are checked with it.
  buildDirName = d:
    let dir = installedLibDir d; in
    if dir != null then b.head (lib.splitString "-" dir) else d.packageName or null;

  # U-MIXRELEASE-ARGS / -ENV / -TOOLS / -PHASES (mix-release.nix @ 2ff9ee32).
  mixReleasePackage =
    { stdenv, lib, bashNonInteractive, elixir, erlang, hex, git, rebar, rebar3, findutils, ripgrep, bbe
    , makeWrapper, writableTmpDirAsHomeHook, coreutils, gnused, gnugrep, gawk, mixBuildDirHook
    , mixCompileHook, mixDepsCompileHook, mixEscriptSetupHook, mixFodDepsSetupHook
    , mixNixDepsSetupHook, mixReleaseSetupHook }:
    lib.extendMkDerivation {
      constructDrv = stdenv.mkDerivation;
      # U-MIXRELEASE-ARGS: compileFlags is excluded and `mixCompileFlags ?
      # compileFlags` is only a default, so compileFlags never reaches the hook.
      excludeDrvArgNames = [ "compileFlags" "erlangCompilerOptions" ];
      extendDrvArgs = finalAttrs:
        { pname
        , version
        , src
        , nativeBuildInputs ? [ ]
        , buildInputs ? [ ]
        , meta ? { }
        , enableDebugInfo ? false
        , mixEnv ? "prod"
        , mixTarget ? "host"
        , compileFlags ? [ ]
        , mixCompileFlags ? compileFlags
        , mixReleaseName ? ""
        , escriptBinName ? null
        , erlangCompilerOptions ? [ ]
        , erlangDeterministicBuilds ? true
        , mixFodDeps ? null
        , mixNixDeps ? { }
        , removeCookie ? true
        , stripDebug ? false
        , ...
        }@attrs:
        # U-MIXRELEASE-ARGS: upstream's own assertions, upstream's message.
        assert lib.assertMsg (!(attrs ? elixir || attrs ? erlang || attrs ? hex))
          "mixRelease no longer takes `elixir`, `erlang` or `hex`. Build with the package set that has the versions you need, e.g. `beam27Packages.mixRelease`, or derive one with `beamPackages.overrideScope (final: prev: { elixir = prev.elixir_1_18; })`.";
        assert mixNixDeps != { } -> mixFodDeps == null;
        assert stripDebug -> !enableDebugInfo;
        assert escriptBinName != null -> mixReleaseName == "";
        let
          depNames = b.attrNames mixNixDeps;
          notDrv = b.filter (n: !(lib.isDerivation mixNixDeps.${n})) depNames;
          misnamed = b.filter (n: let app = buildDirName mixNixDeps.${n}; in app != null && app != n) depNames;
        in
        # Mock-only checks (nixgen rules; app names: U-MIXRELEASE-PHASES).
        if !(b.isAttrs mixNixDeps) || lib.isDerivation mixNixDeps then
          throw "mock mixRelease: `mixNixDeps` must be an attribute set of derivations (app name -> derivation), got ${b.typeOf mixNixDeps}"
        else if notDrv != [ ] then
          throw "mock mixRelease: mixNixDeps.${b.head notDrv} is not a derivation"
        else if misnamed != [ ] then
          throw "mock mixRelease (nixgen rule): mixNixDeps attribute `${b.head misnamed}` does not match the dependency's app name `${buildDirName mixNixDeps.${b.head misnamed}}` (mixRelease links deps/${b.head misnamed} but _build/<env>/lib/${buildDirName mixNixDeps.${b.head misnamed}})"
        else if !(b.isList compileFlags) then
          throw "mock mixRelease: `compileFlags` must be a list of strings"
        else if compileFlags != [ ] && !(attrs ? mixCompileFlags) then
          throw "mock mixRelease (nixgen rule): `compileFlags` is dropped by nixpkgs' mixRelease (excluded from the derivation; the compile hook reads `mixCompileFlags`): pass `mixCompileFlags` instead"
        else
          {
            # U-MIXRELEASE-TOOLS: bbe … writableTmpDirAsHomeHook and the hooks
            # come from the enclosing package set; the mixNixDeps derivations are
            # nativeBuildInputs (their setup hooks fill $ERL_LIBS).
            nativeBuildInputs = nativeBuildInputs
              ++ [ erlang elixir hex bbe findutils git makeWrapper ripgrep writableTmpDirAsHomeHook
                   mixBuildDirHook mixCompileHook mixDepsCompileHook ]
              ++ lib.optionals (escriptBinName != null) [ mixEscriptSetupHook ]
              ++ lib.optionals (escriptBinName == null) [ mixReleaseSetupHook ]
              ++ lib.optionals (mixFodDeps != null) [ mixFodDepsSetupHook ]
              ++ lib.optionals (mixNixDeps != { }) ([ mixNixDepsSetupHook ] ++ b.attrValues mixNixDeps);
            buildInputs = [ bashNonInteractive ] ++ buildInputs ++ lib.optionals (escriptBinName != null) [ erlang ];

            # U-MIXRELEASE-ENV: structured attributes: only `env` is exported;
            # other attributes (mixNixDeps, mixReleaseName, …) are bash variables.
            __structuredAttrs = true;
            strictDeps = true;
            __darwinAllowLocalNetworking = true;

            # U-MIXRELEASE-ENV: defaults under the caller's env (caller wins).
            env = {
              MIX_ENV = mixEnv;
              MIX_TARGET = mixTarget;
              MIX_BUILD_PREFIX = (if mixTarget == "host" then "" else "${mixTarget}_") + mixEnv;
              MIX_DEBUG = if enableDebugInfo then 1 else 0;
              HEX_OFFLINE = 1;
              DEBUG = if enableDebugInfo then 1 else 0;
              MIX_REBAR = "${rebar}/bin/rebar";
              MIX_REBAR3 = "${rebar3}/bin/rebar3";
              ERL_COMPILER_OPTIONS = erlangCompilerOptionsString erlangCompilerOptions erlangDeterministicBuilds;
              LANG = if stdenv.hostPlatform.isLinux then "C.UTF-8" else "C";
              LC_CTYPE = if stdenv.hostPlatform.isLinux then "C.UTF-8" else "UTF-8";
            } // (attrs.env or { });

            # U-MIXRELEASE-PHASES: a plain attribute; a caller's postFixup
            # replaces it (cookie removal and erlang-path scrubbing included).
            postFixup = ''
              rm -f "$out"/bin/*.bat
              for f in $(find $out/bin/ -type f -executable); do
                wrapProgram "$f" --prefix PATH : ${lib.makeBinPath [ coreutils gnused gnugrep gawk ]}
              done
            '' + lib.optionalString removeCookie ''
              rm -f $out/releases/COOKIE
            '' + ''
              # rewrite ${erlang}/lib/erlang to $out with rg and bbe when ERTS is included
            '' + lib.optionalString stripDebug ''
              erl -noinput -eval 'beam_lib:strip_release("'"$out"'")' -s init stop
            '';
            # `mixNixDeps` itself is not excluded: it stays a (structured)
            # derivation attribute, so `release.mixNixDeps.<app>` works; the
            # caller's `passthru` is passed through untouched.
          };
    };

  # Not re-researched for 26.11 (fetch-mix-deps.nix): argument list of the
  # pre-hook versions; elixir/hex default to the scope's.
  fetchMixDepsPackage = { lib, stdenvNoCC, elixir, hex }:
    { pname
    , version
    , hash ? ""
    , sha256 ? ""
    , src
    , mixEnv ? "prod"
    , mixTarget ? "host"
    , debug ? false
    , meta ? { }
    , patches ? [ ]
    , ...
    }@attrs:
    let
      outputHashAttrs =
        if hash != "" then { outputHash = hash; }
        else if sha256 != "" then { outputHash = sha256; outputHashAlgo = "sha256"; }
        else { outputHash = lib.fakeSha256; outputHashAlgo = "sha256"; };
    in
    stdenvNoCC.mkDerivation (b.removeAttrs attrs [ "hash" "sha256" ] // {
      nativeBuildInputs = [ elixir hex ];
      MIX_ENV = mixEnv;
      MIX_TARGET = mixTarget;
      outputHashMode = "recursive";
    } // outputHashAttrs);

  # U-BEAM-SCOPE: pkgs/development/beam-modules/default.nix as a scope over
  # the enclosing set (newScope = extra: callPackageWith (pkgs // extra)).
  packagesFor = erlang:
    lib.makeScope (extra: lib.callPackageWith (pkgs // extra)) (self:
      let
        inherit (self) callPackage;
      in
      {
        inherit erlang;
        beamPackages = self;

        inherit (callPackage rebar3Packages { }) rebar3 rebar3WithPlugins;
        rebar = callPackage rebarPackage { };

        fetchHex = callPackage fetchHexPackage { };
        buildRebar3 = callPackage buildRebar3Package { };
        buildErlangMk = callPackage buildErlangMkPackage { };
        buildMix = callPackage buildMixPackage { };
        fetchMixDeps = callPackage fetchMixDepsPackage { };
        mixRelease = callPackage mixReleasePackage { };

        # U-BEAM-VERSIONS: the default Elixir of every set is 1.18.
        elixir = self.elixir_1_18;

        ex_doc = callPackage exDocPackage { };
        elixir-ls = callPackage elixirLsPackage { };
        hex = callPackage hexPackage { };
      }
      // lib.mapAttrs' (suffix: e: lib.nameValuePair "elixir_${suffix}" (callPackage (elixirPackage e) { debugInfo = true; })) elixirs
      // hooks
      // lib.optionalAttrs allowAliases {
        # U-BEAM-SCOPE: `.extend` was replaced (added 2026-08-24).
        extend = throw ''
          'beamPackages.extend' has been replaced by 'beamPackages.overrideScope'

          See examples at https://nixos.org/manual/nixpkgs/unstable/#sec-beam
        '';
        webdriver = throw "'beamPackages.webdriver' has been removed.";
      });

  # U-BEAM-VERSIONS: pkgs/top-level/beam-packages.nix (`beam`, `beam_minimal`).
  mkBeam = { minimal }:
    let
      callErlang = major: pkgs.callPackage
        (erlangPackage {
          version = erlangVersions.${major};
          wxSupport = !minimal;
          systemdSupport = !minimal && pkgs.stdenv.hostPlatform.isLinux;
        })
        { };
      self = {
        interpreters = {
          inherit (self.packages.erlang) elixir elixir_1_20 elixir_1_19 elixir_1_18 elixir_1_17 elixir-ls;
          erlang = self.interpreters.${self.latestVersion};
          erlang_27 = callErlang "27";
          erlang_28 = callErlang "28";
          erlang_29 = callErlang "29";
        };
        inherit latestVersion;
        packages = {
          erlang = self.packages.${self.latestVersion};
          erlang_27 = packagesFor self.interpreters.erlang_27;
          erlang_28 = packagesFor self.interpreters.erlang_28;
          erlang_29 = packagesFor self.interpreters.erlang_29;
        } // lib.optionalAttrs allowAliases {
          erlang_26 = throw "'erlang_26' has been removed, as it is EOL";
        };
      } // lib.optionalAttrs allowAliases {
        elixir_1_15 = throw "'elixir_1_15' has been removed, due to the removal of erlang_26 as EOL";
        elixir_1_16 = throw "'elixir_1_16' has been removed, due to the removal of erlang_26 as EOL";
        erlang_26 = throw "'erlang_26' has been removed, as it is EOL";
        packagesWith = throw "'beam.packagesWith' has been removed, as such sets cannot be cross compiled. Use an OTP specific set, e.g. 'beam27Packages', and 'overrideScope' to change any of its members.";
      };
    in
    self;
in
{
  inherit erlangVersions elixirs;
  beam = mkBeam { minimal = false; };
  beam_minimal = mkBeam { minimal = true; };
}
