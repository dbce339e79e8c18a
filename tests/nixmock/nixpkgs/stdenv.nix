# Mock of stdenv.mkDerivation.
#
# Upstream reference: NixOS/nixpkgs pkgs/stdenv/generic/make-derivation.nix
# (fixed-point `mkDerivation (finalAttrs: { ... })`, `overrideAttrs`,
# `passthru` merged into the result, `meta` kept off the derivation, the
# `env` attribute set checks). Own implementation.
#
# The result is a plain `derivation` (never buildable: builder /bin/sh,
# `exit 1`) whose attributes are the ones given, so tests can read them:
#   * lists/bools/ints/paths/derivations are coerced by `derivation` itself;
#     an attribute set or function at top level fails evaluation with
#     "cannot coerce a set to a string", exactly like upstream without
#     structured attributes;
#   * `env.NAME` entries become top-level derivation attributes, after the
#     same checks as upstream (value types, no overlap with top-level names).
{ lib, buildSystem, hostPlatform }:
let
  b = builtins;

  notDrvAttrs = [ "passthru" "meta" "env" "pos" "finalPackage" "overrideAttrs" ];

  checkEnv = attrs: env:
    let
      structured = attrs.__structuredAttrs or false;
      badType = b.filter
        (n: let v = env.${n}; in !(b.isString v || b.isBool v || b.isInt v || b.isPath v || lib.isDerivation v))
        (b.attrNames env);
      overlapping = b.filter (n: attrs ? ${n}) (b.attrNames env);
    in
    if !(b.isAttrs env) || lib.isDerivation env then
      throw "mock nixpkgs: stdenv.mkDerivation: `env` must be an attribute set, got ${b.typeOf env}"
    else if badType != [ ] then
      throw "mock nixpkgs: stdenv.mkDerivation: the `env` attribute set can only contain derivation, string, boolean or integer attributes. The `${b.head badType}` attribute is of type ${b.typeOf env.${b.head badType}}."
    else if !structured && overlapping != [ ] then
      throw "mock nixpkgs: stdenv.mkDerivation: the `env` attribute set cannot contain any attributes passed to derivation. The following attributes are overlapping: ${toString overlapping}"
    else env;

  makeDrv = attrs:
    let
      name =
        if attrs ? name then attrs.name
        else if attrs ? pname then "${attrs.pname}${lib.optionalString (attrs ? version) "-${attrs.version}"}"
        else throw "mock nixpkgs: stdenv.mkDerivation needs `name`, or `pname` and `version`";
      env = checkEnv attrs (attrs.env or { });
      passthru = attrs.passthru or { };
      drvAttrs = b.removeAttrs attrs notDrvAttrs // env // {
        inherit name;
        system = buildSystem;
        builder = "/bin/sh";
        args = [ "-c" "echo 'nixgen test mock: this derivation is not buildable' >&2; exit 1" ];
        mockHostPlatform = hostPlatform.config;
      };
      drv = b.derivation drvAttrs;
    in
    drv // passthru // {
      meta = attrs.meta or { };
      inherit passthru;
      # What the builder would see in its environment: every derivation
      # attribute as the string Nix writes into the .drv (for tests).
      mockEnv = b.mapAttrs (_: toEnvString) drvAttrs;
    };

  toEnvString = v:
    if b.isBool v then (if v then "1" else "")
    else if v == null then ""
    else if b.isList v then b.concatStringsSep " " (b.map toEnvString v)
    else if b.isAttrs v && !(v ? outPath) && !(v ? __toString) then b.toJSON v
    else "${toString' v}";
  toString' = v: if b.isPath v || b.isAttrs v then "${v}" else toString v;

  mkDerivation = fnOrAttrs:
    let
      build = rattrs:
        let
          finalAttrs = rattrs (finalAttrs // { inherit finalPackage; });
          finalPackage = makeDrv finalAttrs // {
            overrideAttrs = f0: build (lib.extends (lib.toExtension f0) rattrs);
          };
        in
        finalPackage;
    in
    build (if lib.isFunction fnOrAttrs then fnOrAttrs else _: fnOrAttrs);
in
{
  inherit mkDerivation;
}
