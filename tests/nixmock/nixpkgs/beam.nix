# Mock BEAM package sets (beamPackages, beam27Packages, beamMinimal27Packages, ...).
#
# Upstream references (argument lists modelled, code not copied):
#   NixOS/nixpkgs pkgs/development/beam-modules/default.nix
#     (lib.makeExtensible package set: erlang, elixir, elixir_1_NN, hex,
#      rebar3, fetchHex, buildMix, buildRebar3, buildErlangMk, mixRelease,
#      fetchMixDeps; `extend` overrides propagate to the builders)
#   NixOS/nixpkgs pkgs/development/beam-modules/fetch-hex.nix
#     ({ pkg, version, sha256, meta ? { } }: no `hash`, no `...`)
#   NixOS/nixpkgs pkgs/development/beam-modules/build-mix.nix
#     (name, version, src required; beamDeps, appConfigPath, mixEnv, ...; `...`
#      passed to mkDerivation; newest version merges `env`)
#   NixOS/nixpkgs pkgs/development/beam-modules/build-rebar3.nix
#   NixOS/nixpkgs pkgs/development/beam-modules/build-erlang-mk.nix
#   NixOS/nixpkgs pkgs/development/beam-modules/mix-release.nix
#     (pname, version, src required; mixNixDeps, mixFodDeps, mixEnv,
#      removeCookie, stripDebug, elixir/erlang/hex overridable, `...`)
#   NixOS/nixpkgs pkgs/development/beam-modules/fetch-mix-deps.nix
#
# Project rules enforced on top of the real signatures (nixgen DESIGN.md,
# "Facts the generated Nix must respect" 1 and 3): mixRelease must not be
# given `elixir`, `erlang` or `hex` (pick them with the package set), and
# every `mixNixDeps` attribute must be named after the dependency's app.
{ lib, pkgs, mkDerivation, fetchurl, writeText }:
let
  b = builtins;

  otpVersions = {
    "26" = "26.2.5.14";
    "27" = "27.3.4.3";
    "28" = "28.1";
  };
  elixirVersions = {
    "1_15" = "1.15.8";
    "1_16" = "1.16.3";
    "1_17" = "1.17.3";
    "1_18" = "1.18.4";
    "1_19" = "1.19.1";
  };

  mkSet = { otp, minimal }:
    lib.makeExtensible (self:
      let
        mkElixir = v: lib.makeOverridable
          ({ erlang, debugInfo ? false }: mkDerivation {
            pname = "elixir";
            version = v;
            buildInputs = [ erlang ];
            inherit debugInfo;
            meta.mainProgram = "elixir";
          })
          { erlang = self.erlang; };

        # ---- fetchHex: { pkg, version, sha256, meta ? {} } (no `hash`) ----
        fetchHex = { pkg, version, sha256, meta ? { } }:
          mkDerivation {
            pname = "hex-source-${pkg}";
            inherit version meta;
            src = fetchurl {
              url = "https://repo.hex.pm/tarballs/${pkg}-${version}.tar";
              inherit sha256;
            };
            dontBuild = true;
            dontConfigure = true;
            dontFixup = true;
          };

        checkBeamDeps = who: name: beamDeps:
          if !(b.isList beamDeps) then
            throw "${who} ${name}: `beamDeps` must be a list of derivations, got ${b.typeOf beamDeps}"
          else
            let bad = b.filter (d: !(lib.isDerivation d)) beamDeps; in
            if bad != [ ] then throw "${who} ${name}: `beamDeps` contains a ${b.typeOf (b.head bad)} that is not a derivation"
            else beamDeps;

        # ---- buildMix -----------------------------------------------------
        buildMix =
          { name
          , version
          , src
          , setupHook ? null
          , buildInputs ? [ ]
          , nativeBuildInputs ? [ ]
          , propagatedBuildInputs ? [ ]
          , beamDeps ? [ ]
          , postPatch ? ""
          , compilePorts ? false
          , meta ? { }
          , enableDebugInfo ? false
          , mixEnv ? "prod"
          , mixTarget ? "host"
          , appConfigPath ? null
          , erlangCompilerOptions ? [ ]
          , erlangDeterministicBuilds ? true
          , passthru ? { }
          , ...
          }@args:
          let
            deps = checkBeamDeps "buildMix" name beamDeps;
          in
          mkDerivation (b.removeAttrs args [ "beamDeps" "mixEnv" "mixTarget" "appConfigPath" "erlangCompilerOptions" "erlangDeterministicBuilds" "compilePorts" "enableDebugInfo" "name" ] // {
            name = "erlang${self.erlang.version}-${name}-${version}";
            inherit version src;
            nativeBuildInputs = nativeBuildInputs ++ [ self.elixir self.hex ];
            propagatedBuildInputs = propagatedBuildInputs ++ deps;
            appConfigPath = if appConfigPath == null then "" else appConfigPath;
            env = {
              ERL_COMPILER_OPTIONS = "[${lib.concatStringsSep "," (erlangCompilerOptions ++ lib.optional erlangDeterministicBuilds "deterministic")}]";
              HEX_OFFLINE = 1;
              MIX_ENV = mixEnv;
              MIX_TARGET = mixTarget;
              MIX_BUILD_PREFIX = (if mixTarget == "host" then "" else "${mixTarget}_") + mixEnv;
              MIX_DEBUG = if enableDebugInfo then 1 else 0;
              beamModuleName = name;
            } // (args.env or { });
            passthru = passthru // { packageName = name; beamDeps = deps; };
          });

        # ---- buildRebar3 --------------------------------------------------
        buildRebar3 =
          { name
          , version
          , src ? null
          , beamDeps ? [ ]
          , buildPlugins ? [ ]
          , enableDebugInfo ? false
          , erlangCompilerOptions ? [ ]
          , erlangDeterministicBuilds ? true
          , passthru ? { }
          , ...
          }@args:
          let
            deps = checkBeamDeps "buildRebar3" name beamDeps;
          in
          mkDerivation (b.removeAttrs args [ "beamDeps" "buildPlugins" "erlangCompilerOptions" "erlangDeterministicBuilds" "enableDebugInfo" "name" ] // {
            pname = name;
            name = "erlang${self.erlang.version}-${name}-${version}";
            inherit version;
            buildInputs = (args.buildInputs or [ ]) ++ [ self.erlang self.rebar3 ] ++ buildPlugins;
            propagatedBuildInputs = lib.unique deps;
            env = {
              ERL_COMPILER_OPTIONS = "[${lib.concatStringsSep "," (erlangCompilerOptions ++ lib.optional erlangDeterministicBuilds "deterministic")}]";
              beamModuleName = name;
            } // (args.env or { });
            passthru = passthru // { packageName = name; beamDeps = deps; };
          });

        # ---- buildErlangMk ------------------------------------------------
        buildErlangMk =
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
          }@args:
          let
            deps = checkBeamDeps "buildErlangMk" name beamDeps;
          in
          mkDerivation (b.removeAttrs args [ "beamDeps" "setupHook" "installPhase" "buildPhase" "configurePhase" "compilePorts" "enableDebugInfo" ] // {
            app_name = name;
            name = "${name}-${version}";
            inherit version src;
            buildInputs = buildInputs ++ [ self.erlang ];
            propagatedBuildInputs = deps;
            buildFlags = [ "SKIP_DEPS=1" ] ++ buildFlags;
            passthru = { packageName = name; beamDeps = deps; };
          });

        # ---- mixRelease ---------------------------------------------------
        mixRelease =
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
          , mixReleaseName ? ""
          , escriptBinName ? null
          , erlangCompilerOptions ? [ ]
          , erlangDeterministicBuilds ? true
          , mixFodDeps ? null
          , mixNixDeps ? { }
          , elixir ? self.elixir
          , erlang ? self.erlang
          , hex ? self.hex.override { inherit elixir; }
          , removeCookie ? true
          , stripDebug ? false
          , ...
          }@attrs:
          let
            forbidden = b.filter (n: attrs ? ${n}) [ "elixir" "erlang" "hex" ];
            depNames = b.attrNames mixNixDeps;
            notDrv = b.filter (n: !(lib.isDerivation mixNixDeps.${n})) depNames;
            misnamed = b.filter
              (n: let d = mixNixDeps.${n}; app = d.packageName or d.beamModuleName or n; in app != n)
              depNames;
            ownEnv = {
              MIX_ENV = mixEnv;
              MIX_TARGET = mixTarget;
              MIX_DEBUG = if enableDebugInfo then 1 else 0;
              HEX_OFFLINE = 1;
              LC_ALL = "C.UTF-8";
              ERL_COMPILER_OPTIONS = "[${lib.concatStringsSep "," (erlangCompilerOptions ++ lib.optional erlangDeterministicBuilds "deterministic")}]";
            };
            overridable = b.removeAttrs attrs [ "compileFlags" "erlangCompilerOptions" "mixNixDeps" "elixir" "erlang" "hex" ];
          in
          if forbidden != [ ] then
            throw "mock mixRelease (nixgen rule): do not pass `${b.head forbidden}` to mixRelease; choose erlang/elixir/hex with the package set (e.g. beam27Packages.extend (final: prev: { elixir = final.elixir_1_18; })) and import deps.nix with that same set"
          else if !(b.isAttrs mixNixDeps) || lib.isDerivation mixNixDeps then
            throw "mock mixRelease: `mixNixDeps` must be an attribute set of derivations (app name -> derivation), got ${b.typeOf mixNixDeps}"
          else if notDrv != [ ] then
            throw "mock mixRelease: mixNixDeps.${b.head notDrv} is not a derivation"
          else if misnamed != [ ] then
            throw "mock mixRelease (nixgen rule): mixNixDeps attribute `${b.head misnamed}` does not match the dependency's app name `${let d = mixNixDeps.${b.head misnamed}; in d.packageName or d.beamModuleName}`"
          else if !(mixNixDeps != { } -> mixFodDeps == null) then
            throw "mock mixRelease: assertion `mixNixDeps != { } -> mixFodDeps == null` failed"
          else if !(stripDebug -> !enableDebugInfo) then
            throw "mock mixRelease: assertion `stripDebug -> !enableDebugInfo` failed"
          else if !(b.isList compileFlags) then
            throw "mock mixRelease: `compileFlags` must be a list of strings"
          else
            mkDerivation (overridable // {
              nativeBuildInputs = nativeBuildInputs ++ [ erlang elixir hex self.rebar3 ] ++ b.attrValues mixNixDeps;
              inherit buildInputs removeCookie stripDebug mixReleaseName;
              escriptBinName = if escriptBinName == null then "" else escriptBinName;
              mixNixDepNames = depNames;
              compileFlags = lib.concatStringsSep " " compileFlags;
              env = b.removeAttrs ownEnv (b.attrNames attrs) // (attrs.env or { });
              passthru = (attrs.passthru or { }) // { inherit mixNixDeps elixir erlang hex; };
            });

        fetchMixDeps =
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
          , elixir ? self.elixir
          , hex ? self.hex.override { inherit elixir; }
          , ...
          }@attrs:
          let
            outputHashAttrs =
              if hash != "" then { outputHash = hash; }
              else if sha256 != "" then { outputHash = sha256; outputHashAlgo = "sha256"; }
              else { outputHash = lib.fakeSha256; outputHashAlgo = "sha256"; };
          in
          mkDerivation (b.removeAttrs attrs [ "hash" "sha256" "elixir" "hex" ] // {
            nativeBuildInputs = [ elixir hex ];
            MIX_ENV = mixEnv;
            MIX_TARGET = mixTarget;
            outputHashMode = "recursive";
          } // outputHashAttrs);
      in
      {
        erlang = lib.makeOverridable
          ({ }: mkDerivation {
            pname = if minimal then "erlang-minimal" else "erlang";
            version = otpVersions.${otp};
            withWx = !minimal;
            withOdbc = !minimal;
            meta.mainProgram = "erl";
          })
          { };
        elixir = self.elixir_1_18;
        hex = lib.makeOverridable
          ({ elixir }: mkDerivation {
            pname = "hex";
            version = "2.2.1";
            buildInputs = [ elixir ];
          })
          { elixir = self.elixir; };
        rebar3 = mkDerivation { pname = "rebar3"; version = "3.25.0"; buildInputs = [ self.erlang ]; meta.mainProgram = "rebar3"; };
        rebar = mkDerivation { pname = "rebar"; version = "2.6.4"; buildInputs = [ self.erlang ]; };
        elixir-ls = mkDerivation { pname = "elixir-ls"; version = "0.28.1"; buildInputs = [ self.elixir ]; meta.mainProgram = "elixir-ls"; };
        ex_doc = mkDerivation { pname = "ex_doc"; version = "0.38.2"; buildInputs = [ self.elixir ]; };
        beamPackages = self;
        callPackage = lib.callPackageWith (pkgs // self);
        inherit fetchMixDeps;
        fetchHex = lib.makeOverridable fetchHex;
        buildMix = lib.makeOverridable buildMix;
        buildRebar3 = lib.makeOverridable buildRebar3;
        buildErlangMk = lib.makeOverridable buildErlangMk;
        mixRelease = lib.makeOverridable mixRelease;
      } // lib.mapAttrs' (suffix: v: lib.nameValuePair "elixir_${suffix}" (mkElixir v)) elixirVersions);
in
{
  inherit otpVersions elixirVersions;
  beam26Packages = mkSet { otp = "26"; minimal = false; };
  beam27Packages = mkSet { otp = "27"; minimal = false; };
  beam28Packages = mkSet { otp = "28"; minimal = false; };
  beamMinimal26Packages = mkSet { otp = "26"; minimal = true; };
  beamMinimal27Packages = mkSet { otp = "27"; minimal = true; };
  beamMinimal28Packages = mkSet { otp = "28"; minimal = true; };
}
