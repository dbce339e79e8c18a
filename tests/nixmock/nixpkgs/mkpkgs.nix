# The mock package set for one (build system, host platform) pair.
#
# Upstream references (behaviour modelled, code not copied):
#   NixOS/nixpkgs pkgs/top-level/stage.nix (overlays as a fixed point,
#     extend, appendOverlays, pkgsMusl — which throws off Linux —, pkgsCross)
#   NixOS/nixpkgs pkgs/build-support/trivial-builders/default.nix
#     (runCommand, runCommandLocal, writeText, writeTextFile,
#      writeShellScript, writeShellScriptBin, writeShellApplication,
#      symlinkJoin)
#   NixOS/nixpkgs pkgs/build-support/mkshell/default.nix (mkShell)
#   NixOS/nixpkgs pkgs/build-support/docker/default.nix
#     (dockerTools.buildLayeredImage / streamLayeredImage: no `...`)
#
# `rust-bin` is NOT defined here: it only exists once the rust-overlay
# overlay is applied.
{ lib, platforms, buildSystem, hostPlatform, config ? { }, overlays ? [ ] }:
let
  b = builtins;

  mkPkgsFor = host: overlays': import ./mkpkgs.nix {
    inherit lib platforms buildSystem config;
    hostPlatform = host;
    overlays = overlays';
  };

  base = self:
    let
      inherit (import ./stdenv.nix { inherit lib buildSystem hostPlatform; }) mkDerivation;
      fetchers = import ./fetchers.nix { inherit lib buildSystem; };
      beam = import ./beam.nix {
        inherit lib mkDerivation;
        pkgs = self;
        inherit (fetchers) fetchurl;
        inherit (self) writeText;
      };

      buildPlatform = platforms.native buildSystem;
      isCross = hostPlatform.config != buildPlatform.config;

      placeholder = pname: extra: mkDerivation ({
        inherit pname;
        version = extra.version or "1.0-mock";
        outputs = [ "out" "bin" "dev" "lib" ];
        meta.mainProgram = extra.mainProgram or pname;
      } // b.removeAttrs extra [ "version" "mainProgram" ]);

      cc = placeholder "cc-wrapper" { version = "14"; mainProgram = "cc"; targetPrefix = if isCross then "${hostPlatform.config}-" else ""; };

      mkStdenv = name: ccPkg: {
        inherit name hostPlatform buildPlatform mkDerivation;
        targetPlatform = hostPlatform;
        cc = ccPkg;
        system = hostPlatform.system;
        inherit (hostPlatform) isLinux isDarwin;
        isx86_64 = hostPlatform.isx86_64;
        isAarch64 = hostPlatform.isAarch64;
        shell = "/bin/sh";
        outPath = "/nix/store/00000000000000000000000000000000-mock-${name}";
      };

      # ---- trivial builders ---------------------------------------------
      runCommandWith = name: env: buildCommand:
        mkDerivation (env // { inherit name buildCommand; });

      writeTextFile =
        { name
        , text
        , executable ? false
        , destination ? ""
        , checkPhase ? ""
        , meta ? { }
        , passthru ? { }
        , allowSubstitutes ? false
        , preferLocalBuild ? true
        , derivationArgs ? { }
        }:
        assert lib.assertMsg (b.isString text) "pkgs.writeTextFile ${name}: `text` must be a string, got ${b.typeOf text}";
        mkDerivation (derivationArgs // {
          inherit name text executable destination checkPhase meta passthru allowSubstitutes preferLocalBuild;
        });

      writeText = name: text:
        assert lib.assertMsg (b.isString text) "pkgs.writeText ${name}: The second argument should be a string, but it's a ${b.typeOf text}";
        writeTextFile { inherit name text; };

      writeShellScript = name: text:
        writeTextFile { inherit name; executable = true; text = "#!/bin/sh\n${text}"; };

      writeShellScriptBin = name: text:
        writeTextFile {
          inherit name;
          executable = true;
          destination = "/bin/${name}";
          text = "#!/bin/sh\n${text}";
          meta.mainProgram = name;
        };

      writeShellApplication =
        { name
        , text
        , runtimeInputs ? [ ]
        , runtimeEnv ? null
        , meta ? { }
        , passthru ? { }
        , checkPhase ? null
        , excludeShellChecks ? [ ]
        , extraShellCheckFlags ? [ ]
        , bashOptions ? [ "errexit" "nounset" "pipefail" ]
        , inheritPath ? true
        , derivationArgs ? { }
        }:
        writeTextFile {
          inherit name passthru;
          executable = true;
          destination = "/bin/${name}";
          meta = { mainProgram = name; } // meta;
          text = "#!/bin/sh\n" + lib.concatMapStrings (o: "set -o ${o}\n") bashOptions
            + lib.optionalString (runtimeInputs != [ ]) "export PATH=\"${lib.concatMapStringsSep ":" (p: "${lib.getBin p}/bin") runtimeInputs}${lib.optionalString inheritPath ":$PATH"}\"\n"
            + lib.concatStrings (lib.mapAttrsToList (n: v: "export ${lib.toShellVar n v}\n") (if runtimeEnv == null then { } else runtimeEnv))
            + text;
          derivationArgs = derivationArgs;
        };

      mkShell =
        { name ? "nix-shell"
        , packages ? [ ]
        , inputsFrom ? [ ]
        , buildInputs ? [ ]
        , nativeBuildInputs ? [ ]
        , propagatedBuildInputs ? [ ]
        , propagatedNativeBuildInputs ? [ ]
        , ...
        }@attrs:
        mkDerivation (b.removeAttrs attrs [ "packages" "inputsFrom" ] // {
          inherit name;
          nativeBuildInputs = packages ++ nativeBuildInputs;
          inherit buildInputs propagatedBuildInputs propagatedNativeBuildInputs;
          inputsFromDrvs = inputsFrom;
          phases = [ "buildPhase" ];
          buildPhase = "echo 'mkShell is not buildable' >&2; exit 1";
        });

      streamLayeredImage =
        { name
        , tag ? null
        , fromImage ? null
        , contents ? [ ]
        , config ? { }
        , architecture ? if hostPlatform.isAarch64 then "arm64" else "amd64"
        , created ? "1970-01-01T00:00:01Z"
        , mtime ? "1970-01-01T00:00:01Z"
        , uid ? 0
        , gid ? 0
        , uname ? "root"
        , gname ? "root"
        , maxLayers ? 100
        , extraCommands ? ""
        , fakeRootCommands ? ""
        , enableFakechroot ? false
        , includeStorePaths ? true
        , includeNixDB ? false
        , passthru ? { }
        , meta ? { }
        , layeringPipeline ? null
        , debug ? false
        }:
        assert lib.assertMsg (maxLayers > 1) "the maxLayers argument of dockerTools.buildLayeredImage function must be greather than 1 (current value: ${toString maxLayers})";
        mkDerivation {
          name = "stream-${baseNameOf name}";
          imageName = lib.toLower name;
          imageTag = if tag == null then "" else tag;
          contents = lib.toList contents;
          configJson = b.toJSON config;
          inherit architecture created mtime uid gid uname gname maxLayers extraCommands fakeRootCommands enableFakechroot includeStorePaths includeNixDB debug;
          fromImage = if fromImage == null then "" else fromImage;
          inherit meta;
          passthru = passthru // { imageName = lib.toLower name; imageTag = if tag == null then "" else tag; };
        };

      buildLayeredImage =
        { name
        , tag ? null
        , fromImage ? null
        , contents ? [ ]
        , config ? { }
        , architecture ? if hostPlatform.isAarch64 then "arm64" else "amd64"
        , created ? "1970-01-01T00:00:01Z"
        , mtime ? "1970-01-01T00:00:01Z"
        , uid ? 0
        , gid ? 0
        , uname ? "root"
        , gname ? "root"
        , maxLayers ? 100
        , extraCommands ? ""
        , fakeRootCommands ? ""
        , enableFakechroot ? false
        , includeStorePaths ? true
        , includeNixDB ? false
        , passthru ? { }
        , meta ? { }
        , layeringPipeline ? null
        , debug ? false
        , compressor ? "gz"
        }@args:
        let
          stream = streamLayeredImage (b.removeAttrs args [ "compressor" ]);
          ext = { none = ""; gz = ".gz"; zstd = ".zst"; }.${compressor}
            or (throw "in dockerTools.buildLayeredImage: compressor must be one of none, gz, zstd; got ${compressor}");
        in
        mkDerivation {
          name = "${baseNameOf name}.tar${ext}";
          inherit stream compressor;
          imageName = lib.toLower name;
          configJson = b.toJSON config;
          passthru = passthru // { inherit stream; imageName = lib.toLower name; imageTag = if tag == null then "" else tag; };
        };

      buildImage = { name, tag ? null, config ? null, copyToRoot ? null, contents ? null, ... }@args:
        mkDerivation {
          name = "docker-image-${baseNameOf name}.tar.gz";
          imageName = lib.toLower name;
          configJson = b.toJSON config;
        };

      llvm = {
        libclang = placeholder "clang" { version = "19.1.7"; };
        clang = placeholder "clang-wrapper" { version = "19.1.7"; mainProgram = "clang"; };
        llvm = placeholder "llvm" { version = "19.1.7"; };
        lld = placeholder "lld" { version = "19.1.7"; };
        bintools = placeholder "bintools" { version = "19.1.7"; };
        stdenv = mkStdenv "clang-stdenv" cc;
      };

      placeholderNames = [
        "openssl" "pkg-config" "cmake" "protobuf" "zstd" "lz4" "bzip2" "libgit2" "oniguruma" "dbus"
        "libvirt" "sqlite" "perl" "esbuild" "tailwindcss" "tailwindcss_4" "git" "cacert" "nixfmt-rfc-style"
        "nixfmt" "alejandra" "bashInteractive" "bash" "coreutils" "gnused" "gnugrep" "gawk" "findutils"
        "which" "gnumake" "gnutar" "gzip" "xz" "unzip" "curl" "jq" "ripgrep" "file" "procps" "zlib"
        "libffi" "ncurses" "libiconv" "glibcLocales" "iana-etc" "tzdata" "makeWrapper" "python3"
        "inotify-tools" "mold" "lld" "gcc" "musl" "glibc" "cargo" "rustc" "rustfmt" "clippy" "rust-analyzer"
        "nix" "busybox" "dockerTools-fakeNss" "fakeNss" "util-linux" "openssh" "libsodium" "libxml2"
        "libyaml" "gmp" "imagemagick" "vips" "ffmpeg" "postgresql" "redis" "pcre2" "icu" "ninja" "meson"
        "autoconf" "automake" "libtool" "bison" "flex" "elixir-ls" "lexical" "next-ls" "erlang-ls"
      ];
      mainPrograms = {
        nodejs = "node";
        git = "git";
        "nixfmt-rfc-style" = "nixfmt";
        bashInteractive = "bash";
        python3 = "python3";
        pkg-config = "pkg-config";
      };
      placeholders = lib.genAttrs placeholderNames
        (n: placeholder n { mainProgram = mainPrograms.${n} or n; });

      nativePkgs = if isCross then mkPkgsFor buildPlatform [ ] else self;
    in
    placeholders // {
      inherit lib config;
      system = hostPlatform.system;
      pkgs = self;
      buildPackages = nativePkgs;
      pkgsBuildBuild = nativePkgs;
      pkgsBuildHost = nativePkgs;
      pkgsHostTarget = self;
      targetPackages = self;

      stdenv = mkStdenv "stdenv" cc;
      stdenvNoCC = mkStdenv "stdenv-nocc" null;
      clangStdenv = llvm.stdenv;
      inherit mkShell;
      mkShellNoCC = mkShell;

      callPackage = lib.callPackageWith self;
      newScope = extra: lib.callPackageWith (self // extra);

      extend = overlay: mkPkgsFor hostPlatform (overlays ++ [ overlay ]);
      appendOverlays = extra: if extra == [ ] then self else mkPkgsFor hostPlatform (overlays ++ extra);

      pkgsMusl =
        if hostPlatform.isLinux && hostPlatform.is64bit then
          mkPkgsFor (platforms.musl hostPlatform.system) overlays
        else
          throw "Musl libc only supports 64-bit Linux systems.";
      pkgsCross = lib.mapAttrs (_: host: mkPkgsFor host overlays) platforms.examples;

      inherit (fetchers) fetchurl fetchzip fetchgit fetchFromGitHub;

      runCommand = runCommandWith;
      runCommandLocal = runCommandWith;
      runCommandCC = runCommandWith;
      runCommandNoCC = runCommandWith;
      inherit writeTextFile writeText writeShellScript writeShellScriptBin writeShellApplication;
      writeScript = name: text: writeTextFile { inherit name text; executable = true; };
      writeScriptBin = name: text: writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };
      writeTextDir = path: text: writeTextFile { name = baseNameOf path; inherit text; destination = "/${path}"; };
      symlinkJoin = { name, paths, preferLocalBuild ? true, allowSubstitutes ? false, postBuild ? "", ... }@args:
        mkDerivation (b.removeAttrs args [ "paths" ] // { inherit name postBuild; pathsToLink = paths; });

      dockerTools = {
        inherit buildLayeredImage streamLayeredImage buildImage;
        binSh = placeholder "bin-sh" { };
        usrBinEnv = placeholder "usr-bin-env" { };
        caCertificates = placeholder "ca-certificates" { };
        fakeNss = placeholder "fake-nss" { };
      };

      nodejs = placeholder "nodejs" { version = "22.12.0"; mainProgram = "node"; };
      nodejs_20 = placeholder "nodejs" { version = "20.18.1"; mainProgram = "node"; };
      nodejs_22 = placeholder "nodejs" { version = "22.12.0"; mainProgram = "node"; };
      clang = llvm.clang;
      libclang = llvm.libclang;
      llvmPackages = llvm;
      llvmPackages_18 = llvm;
      llvmPackages_19 = llvm;
      rustPlatform = {
        bindgenHook = placeholder "rust-bindgen-hook" { };
        buildRustPackage = _: throw "mock nixpkgs: rustPlatform.buildRustPackage is not mocked (use crane)";
      };
      darwin = {
        apple_sdk.frameworks = lib.genAttrs [ "Security" "SystemConfiguration" "CoreFoundation" "CoreServices" ]
          (n: placeholder "apple-framework-${n}" { });
        libiconv = placeholders.libiconv;
      };
      apple-sdk = placeholder "apple-sdk" { version = "14.4"; };

      # BEAM
      inherit (beam)
        beam26Packages beam27Packages beam28Packages
        beamMinimal26Packages beamMinimal27Packages beamMinimal28Packages;
      beamPackages = self.beam27Packages;
      beamMinimalPackages = self.beamMinimal27Packages;
      beam = {
        packages = {
          erlang = self.beam27Packages;
          erlang_26 = self.beam26Packages;
          erlang_27 = self.beam27Packages;
          erlang_28 = self.beam28Packages;
        };
        interpreters = {
          erlang = self.beam27Packages.erlang;
          erlang_26 = self.beam26Packages.erlang;
          erlang_27 = self.beam27Packages.erlang;
          erlang_28 = self.beam28Packages.erlang;
        };
      };
      beam_minimal = {
        packages = {
          erlang = self.beamMinimal27Packages;
          erlang_26 = self.beamMinimal26Packages;
          erlang_27 = self.beamMinimal27Packages;
          erlang_28 = self.beamMinimal28Packages;
        };
      };
      erlang = self.beamPackages.erlang;
      erlang_26 = self.beam26Packages.erlang;
      erlang_27 = self.beam27Packages.erlang;
      erlang_28 = self.beam28Packages.erlang;
      elixir = self.beamPackages.elixir;
      elixir_1_15 = self.beamPackages.elixir_1_15;
      elixir_1_16 = self.beamPackages.elixir_1_16;
      elixir_1_17 = self.beamPackages.elixir_1_17;
      elixir_1_18 = self.beamPackages.elixir_1_18;
      elixir_1_19 = self.beamPackages.elixir_1_19;
      rebar3 = self.beamPackages.rebar3;
      elixir-ls = self.beamPackages.elixir-ls;
    };
in
lib.fix (lib.extends (lib.composeManyExtensions (b.map lib.toExtension overlays)) base)
