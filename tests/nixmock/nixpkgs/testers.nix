# Mock of pkgs.testers.runNixOSTest (U-NIXOS-TEST in docs/UPSTREAM.md).
#
# Upstream reference: NixOS/nixpkgs pkgs/build-support/testers/default.nix (`runNixOSTest =
# testModule: nixos.runTest { imports = [ testModule ]; hostPkgs = pkgs; node.pkgs = pkgsLinux; }`),
# nixos/lib/testing/name.nix (`name`: str, required), testScript.nix (`testScript`: str or
# function of `{ nodes, ... }`), nodes.nix (`nodes`: attrs of NixOS modules), run.nix (the result
# is a derivation named "vm-test-run-<name>" requiring the "nixos-test" and, on Linux, "kvm"
# system features). Own implementation.
#
# Nothing is booted and the nodes' NixOS configurations are not evaluated (no module system
# here): the mock checks the test module's shape. The module of a node is checked by
# tests/test_module.py with the real lib.evalModules.
{ lib, mkDerivation, hostPlatform }:
let
  b = builtins;
  # Top-level options of a test module (nixos/lib/testing/*.nix); the module system refuses any
  # other name ("The option `…' does not exist").
  testOptions = [
    "name" "nodes" "defaults" "node" "testScript" "hostPkgs" "interactive" "meta" "passthru"
    "skipLint" "skipTypeCheck" "globalTimeout" "extraPythonPackages" "enableOCR" "sshBackdoor"
    "enableDebugHook" "includeTestScriptReferences" "containers" "qemu" "extraDriverArgs"
    "_file" "imports"
  ];
  isModule = m: b.isAttrs m || b.isFunction m || b.isPath m;
  checkNode = name: node:
    lib.throwIf (!isModule node) "mock runNixOSTest: nodes.${name} must be a NixOS module (an attribute set, a function or a path)"
      (lib.throwIf (b.isAttrs node && !(b.all isModule (node.imports or [ ])))
        "mock runNixOSTest: nodes.${name}.imports must hold modules"
        true);
  run = test:
    let
      unknown = b.filter (n: !(b.elem n testOptions)) (b.attrNames test);
      script = test.testScript or (throw "mock runNixOSTest: the option `testScript' is used but not defined");
      name = test.name or (throw "mock runNixOSTest: the option `name' is used but not defined");
    in
    assert lib.assertMsg (unknown == [ ]) "mock runNixOSTest: The option `${b.head unknown}' does not exist";
    assert lib.assertMsg (b.isString name) "mock runNixOSTest: `name' must be a string";
    assert lib.assertMsg (b.isString script || (b.isFunction script && (lib.functionArgs script) ? nodes))
      "mock runNixOSTest: `testScript' must be a string or a function of { nodes, ... }";
    assert lib.assertMsg (b.isAttrs (test.nodes or { })) "mock runNixOSTest: `nodes' must be an attribute set";
    assert b.all (n: checkNode n test.nodes.${n}) (b.attrNames (test.nodes or { }));
    mkDerivation {
      name = "vm-test-run-${name}";
      requiredSystemFeatures = [ "nixos-test" ] ++ lib.optional hostPlatform.isLinux "kvm";
      buildCommand = "exit 1";
    };
in
{
  runNixOSTest = testModule:
    lib.throwIf (b.isFunction testModule)
      "mock runNixOSTest: a test module given as a function is not mocked (nixgen passes an attribute set)"
      (run testModule);
}
