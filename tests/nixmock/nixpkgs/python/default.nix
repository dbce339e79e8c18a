# Mock of nixpkgs' Python 3 set: `python3` (with `pkgs`, `withPackages`) and `python3Packages`,
# as much as nixgen's own flake.nix uses. It lives inside the nixpkgs mock because a `path:`
# flake only sees its own directory.
#
# Upstream references (behaviour modelled, code not copied):
#   NixOS/nixpkgs pkgs/development/interpreters/python/mk-python-derivation.nix
#   NixOS/nixpkgs pkgs/development/interpreters/python/python-packages-base.nix
#   NixOS/nixpkgs pkgs/top-level/python-packages.nix (tree-sitter, tree-sitter-grammars)
#   NixOS/nixpkgs pkgs/development/python-modules/tree-sitter-grammars/default.nix
#
# nixos-unstable (26.11) facts, each cited by its docs/UPSTREAM.md entry:
#   U-PYTHON-BUILD         buildPythonPackage / buildPythonApplication arguments: `pyproject`
#                          or `format` required, `build-system`, `dependencies`,
#                          `nativeCheckInputs`, `disabledTestMarks`, `pytestFlags`;
#                          `pytestFlagsArray` throws; `enabled*` must not be [ ];
#                          applications have no "python3.x-" name prefix; a pyproject build
#                          gets a `dist` output; checks run as installCheck
#   U-PYTHON-TREE-SITTER   python3Packages.tree-sitter (0.25.2);
#                          python3Packages.tree-sitter-grammars.tree-sitter-elixir, module
#                          `tree_sitter_elixir`, version of the grammar (0.3.4)
#   U-PYTHON-ENV           python3.withPackages, python3.pkgs; pkgs.ruff
{ lib, mkDerivation, placeholder }:
let
  b = builtins;

  # Which 3.x is python3 is not something nixgen relies on (requires-python >= 3.11).
  libPrefix = "python3.13";

  python = mkDerivation {
    pname = "python3";
    version = "3.13.9-mock";
    meta.mainProgram = "python3";
    passthru = {
      inherit libPrefix;
      executable = libPrefix;
      sitePackages = "lib/${libPrefix}/site-packages";
      pkgs = packages;
      # U-PYTHON-ENV: withPackages (ps: [ … ]) → an environment with those modules.
      withPackages = f: mkDerivation {
        name = "${libPrefix}-env";
        paths = checkDerivations "python3.withPackages" (f packages);
      };
    };
  };

  checkDerivations = what: list:
    if !(b.isList list) then throw "mock nixpkgs: ${what}: expected a list, got ${b.typeOf list}"
    else
      let bad = b.filter (d: !(lib.isDerivation d)) list;
      in if bad == [ ] then list
      else throw "mock nixpkgs: ${what}: every element must be a derivation (mock, nixgen rule), got ${b.typeOf (b.head bad)}";

  # U-PYTHON-BUILD: arguments mk-python-derivation.nix consumes (not passed to mkDerivation).
  excluded = [ "disabled" "checkPhase" "checkInputs" "nativeCheckInputs" "doCheck"
    "doInstallCheck" "pyproject" "format" "stdenv" "dependencies" "optional-dependencies"
    "build-system" "pytestFlagsArray" "passthru" "meta" ];

  mkPythonDerivation = { namePrefix, isModule }: args:
    if lib.isFunction args then
      throw "mock nixpkgs: buildPython*: the `finalAttrs:` form is not mocked"
    else
      let
        pyproject = args.pyproject or null;
        format = args.format or null;
        name = namePrefix + "${args.pname}-${args.version}";
        # U-PYTHON-BUILD: format' in mk-python-derivation.nix
        format' =
          assert lib.assertMsg (pyproject != null -> format == null)
            "mock nixpkgs: buildPython*: give `pyproject` or `format`, not both";
          if pyproject != null then (if pyproject then "pyproject" else "other")
          else if format != null then format
          else throw "${name} does not configure a `format`. To build with setuptools as before, set `pyproject = true` and `build-system = [ setuptools ]`.";
        emptyEnabled = b.filter (n: args ? ${n} && args.${n} == [ ])
          [ "enabledTestMarks" "enabledTestPaths" "enabledTests" ];
        deps = checkDerivations "${name}: dependencies" (args.dependencies or [ ]);
        buildSystem = checkDerivations "${name}: build-system" (args.build-system or [ ]);
        checks = checkDerivations "${name}: nativeCheckInputs" (args.nativeCheckInputs or [ ]);
        result = mkDerivation (b.removeAttrs args excluded // {
          inherit name;
          outputs = (args.outputs or [ "out" ])
            ++ lib.optional (b.elem format' [ "pyproject" "setuptools" "wheel" ]) "dist";
          nativeBuildInputs = [ python ] ++ (args.nativeBuildInputs or [ ]) ++ buildSystem;
          propagatedBuildInputs = (args.propagatedBuildInputs or [ ]) ++ deps ++ [ python ];
          # Python packages have no checkPhase, only an installCheckPhase.
          doCheck = false;
          doInstallCheck = args.doCheck or true;
          nativeInstallCheckInputs = checks;
          passthru = {
            inherit pyproject;
            build-system = buildSystem;
            dependencies = deps;
            optional-dependencies = args.optional-dependencies or { };
          } // lib.optionalAttrs isModule { pythonModule = python; } // (args.passthru or { });
          meta = { platforms = lib.platforms.all; } // (args.meta or { });
        });
      in
      if (args.pytestFlagsArray or [ ]) != [ ] then
        throw "buildPythonPackage: Deprecated flag pytestFlagsArray found. Use pytestFlags or (enabled|disabled)(TestPaths|Tests|TestMarks) instead."
      else if emptyEnabled != [ ] then
        throw "${args.pname}: ${b.head emptyEnabled} must be unspecified, null or a non-empty list."
      else if args.disabled or false then
        throw "${name} not supported for interpreter ${libPrefix}"
      else
        b.seq format' result;

  buildPythonPackage = mkPythonDerivation { namePrefix = "${libPrefix}-"; isModule = true; };
  buildPythonApplication = mkPythonDerivation { namePrefix = ""; isModule = false; };

  module = pname: version: buildPythonPackage {
    inherit pname version;
    pyproject = true;
  };

  packages = {
    inherit python buildPythonPackage buildPythonApplication;
    pytestCheckHook = placeholder "pytest-check-hook" { };
    pythonImportsCheckHook = placeholder "python-imports-check-hook" { };
    hatchling = module "hatchling" "1.27.0-mock";
    setuptools = module "setuptools" "80.9.0-mock";
    click = module "click" "8.2.1-mock";
    jinja2 = module "jinja2" "3.1.6-mock";
    tomlkit = module "tomlkit" "0.13.3-mock";
    pytest = module "pytest" "8.4.1-mock";
    hypothesis = module "hypothesis" "6.136.0-mock";
    mypy = module "mypy" "1.17.1-mock";
    build = module "build" "1.3.0-mock";
    # U-PYTHON-TREE-SITTER
    tree-sitter = module "tree-sitter" "0.25.2";
    tree-sitter-config = module "tree-sitter-config" "0.1.0-mock";
    tree-sitter-grammars = {
      tree-sitter-elixir = buildPythonPackage {
        pname = "python-tree-sitter-elixir";
        version = "0.3.4";
        pyproject = true;
        build-system = [ packages.setuptools ];
        dependencies = [ packages.tree-sitter-config ];
        pythonImportsCheck = [ "tree_sitter_elixir" ];
      };
    };
  };
in
{
  python3 = python;
  python3Packages = packages;
  ruff = placeholder "ruff" { version = "0.12.0-mock"; };
}
