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
# nixos-unstable (26.11) facts, each cited by its docs/UPSTREAM.md entry:
#   U-PKGSMUSL          pkgsMusl: a native musl re-import on 64-bit Linux, throws elsewhere
#   U-BEAM-VERSIONS     beam27/28/29Packages, beamMinimal27/28/29Packages,
#                       beamPackages = beamMinimalPackages' OTP = 28, no beam26Packages
#   U-TOPLEVEL-ALIASES  top-level elixir, elixir_1_17..1_19, erlang, erlang_27/28,
#                       ex_doc warn (warnAlias); elixir_1_15/1_16, erlang_26 throw;
#                       no top-level elixir_1_20 / erlang_29
#   U-NIXFMT            nixfmt-rfc-style warns and is nixfmt; nixfmt-tree (treefmt)
#   U-TAILWINDCSS       tailwindcss_3 3.4.17, tailwindcss_4 4.3.2, tailwindcss = _3
#   U-ESBUILD           esbuild 0.27.2
#   U-BINDGEN-HOOK      rustPlatform.bindgenHook uses the set's own clang
#   U-TRIVIAL-BUILDERS  runCommand's attributes reach the builder; writeText,
#                       writeShellApplication take upstream's arguments (no `...`)
# Aliases are added only with config.allowAliases (default true), as upstream.
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
      # U-BEAM-SCOPE: the BEAM sets are scopes over this (the enclosing) set.
      beamSets = import ./beam.nix {
        inherit lib config;
        pkgs = self;
      };
      allowAliases = config.allowAliases or true;

      # U-TOPLEVEL-ALIASES: aliases.nix's warnAlias (a derivation warns when
      # instantiated, lib.warnOnInstantiate; other values when read).
      warnAlias = msg: v:
        if lib.isDerivation v then lib.warnOnInstantiate msg v
        else if b.isAttrs v then b.mapAttrs (_: lib.warn msg) v
        else if lib.isFunction v then arg: lib.warn msg (v arg)
        else if b.isList v then b.map (lib.warn msg) v
        else lib.warn msg v;
      deprecatedBeam = name: use: value:
        warnAlias "'${name}' is deprecated in favor of using the beamPackages sets. Use '${use}' instead." value;

      # U-TAILWINDCSS: prebuilt binaries; a system missing from the package's
      # platform map throws when the derivation is instantiated.
      tailwind = { pname, version, plat }:
        placeholder pname {
          inherit version;
          mainProgram = "tailwindcss";
          tailwindTarget = plat.${hostPlatform.system}
            or (throw "tailwindcss has not been packaged for ${hostPlatform.system} yet.");
          meta.platforms = b.attrNames plat;
        };

      buildPlatform = platforms.native buildSystem;
      isCross = hostPlatform.config != buildPlatform.config;

      placeholder = pname: extra: mkDerivation ({
        inherit pname;
        version = extra.version or "1.0-mock";
        outputs = [ "out" "bin" "dev" "lib" ];
        meta = { mainProgram = extra.mainProgram or pname; } // extra.meta or { };
      } // b.removeAttrs extra [ "version" "mainProgram" "meta" ]);

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

      # ---- trivial builders (U-TRIVIAL-BUILDERS) ---------------------------
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
        "libvirt" "sqlite" "perl" "git" "gitMinimal" "cacert"
        "nixfmt" "nixfmt-tree" "alejandra" "bashInteractive" "bashNonInteractive" "bash" "coreutils" "gnused"
        "gnugrep" "gawk" "findutils" "bbe" "writableTmpDirAsHomeHook" "wget"
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
        "nixfmt-tree" = "treefmt";
        bashInteractive = "bash";
        bashNonInteractive = "bash";
        gitMinimal = "git";
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

      # U-PKGSMUSL: native (build = host = musl) re-import with the same overlays.
      pkgsMusl =
        if hostPlatform.isLinux && hostPlatform.is64bit then
          mkPkgsFor (platforms.musl hostPlatform.system) overlays
        else
          throw "Musl libc only supports 64-bit Linux systems, and i686-linux.";
      pkgsCross = lib.mapAttrs (_: host: mkPkgsFor host overlays) platforms.examples;

      inherit (fetchers) fetchurl fetchzip fetchgit fetchFromGitHub;

      runCommand = runCommandWith;
      runCommandLocal = runCommandWith;
      runCommandCC = runCommandWith;
      runCommandNoCC = runCommandWith;
      inherit writeTextFile writeText writeShellScript writeShellScriptBin writeShellApplication;
      # U-NIXOS-TEST
      testers = import ./testers.nix { inherit lib mkDerivation hostPlatform; };
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
        # U-BINDGEN-HOOK: substitutes this set's clang (its libc's headers).
        bindgenHook = placeholder "rust-bindgen-hook" { clang = llvm.clang; libclang = llvm.libclang; };
        buildRustPackage = _: throw "mock nixpkgs: rustPlatform.buildRustPackage is not mocked (use crane)";
      };
      darwin = {
        apple_sdk.frameworks = lib.genAttrs [ "Security" "SystemConfiguration" "CoreFoundation" "CoreServices" ]
          (n: placeholder "apple-framework-${n}" { });
        libiconv = placeholders.libiconv;
      };
      apple-sdk = placeholder "apple-sdk" { version = "14.4"; };

      # U-ESBUILD, U-TAILWINDCSS
      esbuild = placeholder "esbuild" { version = "0.27.2"; };
      tailwindcss_3 = tailwind {
        pname = "tailwindcss_3";
        version = "3.4.17";
        plat = { aarch64-darwin = "macos-arm64"; aarch64-linux = "linux-arm64"; armv7l-linux = "linux-armv7"; x86_64-linux = "linux-x64"; };
      };
      tailwindcss_4 = tailwind {
        pname = "tailwindcss_4";
        version = "4.3.2";
        plat = { aarch64-darwin = "macos-arm64"; aarch64-linux = "linux-arm64"; x86_64-linux = "linux-x64"; };
      };
      tailwindcss = self.tailwindcss_3;

      # BEAM (U-BEAM-VERSIONS): all-packages.nix takes each set's `beamPackages`.
      inherit (beamSets) beam beam_minimal;
      beam27Packages = self.beam.packages.erlang_27.beamPackages;
      beam28Packages = self.beam.packages.erlang_28.beamPackages;
      beam29Packages = self.beam.packages.erlang_29.beamPackages;
      beamMinimal27Packages = self.beam_minimal.packages.erlang_27.beamPackages;
      beamMinimal28Packages = self.beam_minimal.packages.erlang_28.beamPackages;
      beamMinimal29Packages = self.beam_minimal.packages.erlang_29.beamPackages;
      beamPackages = self.beam.packages.erlang.beamPackages;
      beamMinimalPackages = self.beam_minimal.packages.erlang.beamPackages;
      rebar3 = self.beamPackages.rebar3;
      elixir-ls = self.beamPackages.elixir-ls;
    }
    # U-PYTHON-BUILD, U-PYTHON-TREE-SITTER, U-PYTHON-ENV: python3 (replacing its placeholder),
    # python3Packages, ruff; for nixgen's own flake.nix.
    // import ./python { inherit lib placeholder mkDerivation; }
    // lib.optionalAttrs allowAliases {
      # U-TOPLEVEL-ALIASES (aliases.nix, added 2026-06-15 / 2026-04-01)
      elixir = deprecatedBeam "elixir" "beamPackages.elixir" self.beamPackages.elixir;
      elixir_1_15 = throw "'elixir_1_15' has been removed, due to the removal of erlang_26 as EOL";
      elixir_1_16 = throw "'elixir_1_16' has been removed, due to the removal of erlang_26 as EOL";
      elixir_1_17 = deprecatedBeam "elixir_1_17" "beamPackages.elixir_1_17" self.beamPackages.elixir_1_17;
      elixir_1_18 = deprecatedBeam "elixir_1_18" "beamPackages.elixir_1_18" self.beamPackages.elixir_1_18;
      elixir_1_19 = deprecatedBeam "elixir_1_19" "beamPackages.elixir_1_19" self.beamPackages.elixir_1_19;
      erlang = deprecatedBeam "erlang" "beamPackages.erlang" self.beamPackages.erlang;
      erlang_26 = throw "'erlang_26' has been removed, as it is EOL";
      erlang_27 = deprecatedBeam "erlang_27" "beam27Packages.erlang" self.beam27Packages.erlang;
      erlang_28 = deprecatedBeam "erlang_28" "beam28Packages.erlang" self.beam28Packages.erlang;
      ex_doc = deprecatedBeam "ex_doc" "beamPackages.ex_doc" self.beamPackages.ex_doc;
      # U-NIXFMT
      nixfmt-rfc-style =
        if lib.oldestSupportedReleaseIsAtLeast 2511 then
          warnAlias "nixfmt-rfc-style is now the same as pkgs.nixfmt which should be used instead." self.nixfmt
        else
          self.nixfmt;
      nixfmt-classic =
        if lib.oldestSupportedReleaseIsAtLeast 2605 then
          throw "nixfmt-classic has been removed as it is deprecated and unmaintained."
        else
          warnAlias "nixfmt-classic is deprecated and unmaintained. We recommend switching to nixfmt." self.nixfmt;
      # U-X86-DARWIN
      pkgsx86_64Darwin = throw "pkgsx86_64Darwin has been removed, as support for the platform has been dropped; see https://nixos.org/manual/nixpkgs/unstable/release-notes#x86_64-darwin-26.11";
    };
in
lib.fix (lib.extends (lib.composeManyExtensions (b.map lib.toExtension overlays)) base)
