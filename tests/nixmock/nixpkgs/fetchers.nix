# Mock fetchers: REAL fixed-output derivations, so Nix itself validates the
# hash format when the drvPath is computed (nothing is ever fetched).
#
# Upstream references (argument lists modelled, code not copied):
#   NixOS/nixpkgs pkgs/build-support/fetchurl/default.nix
#   NixOS/nixpkgs pkgs/build-support/fetchzip/default.nix
#   NixOS/nixpkgs pkgs/build-support/fetchgit/default.nix
#     (no `...`; `hash`/`sha256` via lib.fetchers.withNormalizedHash;
#      fetchSubmodules defaults to true)
#   NixOS/nixpkgs pkgs/build-support/fetchgithub/default.nix (has `...`)
#
# Deliberate difference: upstream falls back to lib.fakeHash when no hash is
# given (evaluation succeeds, the build fails). The mock throws instead, so a
# generated flake that forgets a hash is caught at evaluation time.
{ lib, buildSystem }:
let
  b = builtins;

  # Pick the single hash among `hash` (SRI), `sha256`, `outputHash`.
  normalizeHash = who: { hash ? "", sha256 ? "", outputHash ? "", outputHashAlgo ? "" }:
    let
      given = b.filter (x: x != null && x != "") [ hash sha256 outputHash ];
    in
    if b.length given > 1 then
      throw "${who}: only one of `hash`, `sha256` or `outputHash` may be given"
    else if given == [ ] then
      throw "${who}: no hash given (nixpkgs would use lib.fakeHash and fail at build time); pass `hash` (SRI) or `sha256`"
    else if hash != null && hash != "" then
      { outputHash = hash; }
    else if sha256 != null && sha256 != "" then
      { outputHash = sha256; outputHashAlgo = "sha256"; }
    else
      { inherit outputHash; } // lib.optionalAttrs (outputHashAlgo != null && outputHashAlgo != "") { inherit outputHashAlgo; };

  fixedOutput = { name, mode, hashAttrs, extra ? { }, passthru ? { }, meta ? { } }:
    let
      drv = b.derivation ({
        inherit name;
        system = buildSystem;
        builder = "/bin/sh";
        args = [ "-c" "echo 'nixgen test mock: fetchers do not fetch' >&2; exit 1" ];
        outputHashMode = mode;
      } // extra // hashAttrs);
    in
    drv // passthru // { inherit meta passthru; };

  fetchurl =
    { url ? ""
    , urls ? [ ]
    , curlOpts ? ""
    , curlOptsList ? [ ]
    , netrcPhase ? null
    , netrcImpureEnvVars ? [ ]
    , outputHash ? ""
    , outputHashAlgo ? ""
    , hash ? ""
    , md5 ? ""
    , sha1 ? ""
    , sha256 ? ""
    , sha512 ? ""
    , recursiveHash ? false
    , downloadToTemp ? false
    , postFetch ? ""
    , name ? null
    , pname ? ""
    , version ? ""
    , executable ? false
    , showURLs ? false
    , meta ? { }
    , passthru ? { }
    , preferLocalBuild ? true
    , nativeBuildInputs ? [ ]
    , derivationArgs ? { }
    }:
    let
      urls' = if url != "" then [ url ] ++ urls else urls;
      name' =
        if name != null then name
        else if pname != "" && version != "" then "${pname}-${version}"
        else if urls' == [ ] then throw "fetchurl requires either `url` or `urls` to be set"
        else baseNameOf (toString (b.head urls'));
      hashAttrs =
        if sha512 != "" then { outputHash = sha512; outputHashAlgo = "sha512"; }
        else if sha1 != "" then { outputHash = sha1; outputHashAlgo = "sha1"; }
        else if md5 != "" then throw "fetchurl does not support md5 anymore, please use `hash` (SRI) or sha256"
        else normalizeHash "fetchurl" { inherit hash sha256 outputHash outputHashAlgo; };
    in
    assert lib.assertMsg (urls' != [ ]) "fetchurl requires either `url` or `urls` to be set";
    fixedOutput {
      name = name';
      mode = if recursiveHash || executable then "recursive" else "flat";
      inherit hashAttrs passthru meta;
      extra = derivationArgs // { urls = urls'; inherit postFetch; };
    };

  fetchzip =
    { name ? "source"
    , url ? ""
    , urls ? [ ]
    , nativeBuildInputs ? [ ]
    , postFetch ? ""
    , extraPostFetch ? ""
    , extension ? null
    , stripRoot ? true
    , ...
    }@args:
    fixedOutput {
      inherit name;
      mode = "recursive";
      hashAttrs = normalizeHash "fetchzip" {
        hash = args.hash or "";
        sha256 = args.sha256 or "";
        outputHash = args.outputHash or "";
        outputHashAlgo = args.outputHashAlgo or "";
      };
      extra = { urls = (if url != "" then [ url ] else [ ]) ++ urls; inherit postFetch stripRoot; };
      passthru = args.passthru or { };
    };

  urlToName = url: rev:
    let
      base = lib.removeSuffix ".git" (baseNameOf (lib.removeSuffix "/" url));
      short = if rev != null && b.match "[a-f0-9]*" rev != null then "-${b.substring 0 7 rev}" else "";
    in
    "${base}${short}";

  fetchgit = lib.makeOverridable (
    { url
    , tag ? null
    , rev ? null
    , name ? urlToName url (if tag != null then tag else rev)
    , leaveDotGit ? null
    , outputHash ? ""
    , outputHashAlgo ? null
    , hash ? ""
    , sha256 ? ""
    , fetchSubmodules ? true
    , deepClone ? false
    , branchName ? null
    , sparseCheckout ? null
    , nonConeMode ? null
    , nativeBuildInputs ? [ ]
    , preFetch ? ""
    , postFetch ? ""
    , preferLocalBuild ? true
    , fetchLFS ? false
    , netrcPhase ? null
    , netrcImpureEnvVars ? [ ]
    , passthru ? { }
    , meta ? { }
    , allowedRequisites ? null
    , fetchTags ? false
    , rootDir ? ""
    , gitConfigFile ? null
    , derivationArgs ? { }
    }:
    if tag != null && rev != null then
      throw "fetchgit requires one of either `rev` or `tag` to be provided (not both)."
    else if b.isString sparseCheckout then
      throw "Please provide directories/patterns for sparse checkout as a list of strings. Passing a (multi-line) string is not supported any more."
    else
      fixedOutput {
        inherit name passthru meta;
        mode = "recursive";
        hashAttrs = normalizeHash "fetchgit" {
          inherit hash sha256 outputHash;
          outputHashAlgo = if outputHashAlgo == null then "" else outputHashAlgo;
        };
        extra = derivationArgs // {
          inherit url fetchSubmodules deepClone fetchLFS fetchTags rootDir;
          rev = if tag != null then "refs/tags/${tag}" else if rev != null then rev else "HEAD";
          sparseCheckout = lib.defaultTo [ ] sparseCheckout;
        };
      }
  );

  fetchFromGitHub = lib.makeOverridable (
    { owner
    , repo
    , tag ? null
    , rev ? null
    , name ? "source"
    , fetchSubmodules ? false
    , leaveDotGit ? false
    , deepClone ? false
    , private ? false
    , forceFetchGit ? false
    , fetchLFS ? false
    , rootDir ? ""
    , sparseCheckout ? [ ]
    , githubBase ? "github.com"
    , varPrefix ? null
    , passthru ? { }
    , meta ? { }
    , ...
    }@args:
    if (tag == null) == (rev == null) then
      throw "fetchFromGitHub requires one of either `rev` or `tag` to be provided (not both)."
    else
      fixedOutput {
        inherit name passthru meta;
        mode = "recursive";
        hashAttrs = normalizeHash "fetchFromGitHub" {
          hash = args.hash or "";
          sha256 = args.sha256 or "";
        };
        extra = {
          url = "https://${githubBase}/${owner}/${repo}";
          rev = if tag != null then "refs/tags/${tag}" else rev;
          inherit fetchSubmodules;
        };
      }
  );
in
{
  inherit fetchurl fetchzip fetchgit fetchFromGitHub normalizeHash;
}
