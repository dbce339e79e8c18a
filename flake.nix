{
  description = "nixgen: writes a Nix flake for Elixir/Mix projects with Rust NIFs (Rustler)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      # The systems generated flakes default to (nixgen/constants.py DEFAULT_SYSTEMS):
      # x86_64-darwin is left out, nixpkgs 26.11 throws for it (docs/UPSTREAM.md U-X86-DARWIN).
      systems = [
        "aarch64-darwin"
        "aarch64-linux"
        "x86_64-linux"
      ];
      forEachSystem = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # Name, version and description are pyproject.toml's, defined there once.
      project = (lib.importTOML ./pyproject.toml).project;

      # What the wheel is built from, so a change to the tests does not rebuild the package.
      packageFiles = [
        ./pyproject.toml
        ./README.md
        ./LICENSE
        ./nixgen
        ./templates
      ];
      # The test suite reads the fixtures, the example, bench/ and the docs as well.
      testFiles = packageFiles ++ [
        ./tests
        ./fixtures
        ./example
        ./bench
        ./docs
        ./CHANGELOG.md
        ./flake.nix
      ];
      sourceOf =
        files:
        lib.fileset.toSource {
          root = ./.;
          fileset = lib.fileset.unions files;
        };

      # Tiers that need tools or data the build sandbox lacks (pyproject.toml markers).
      slowTiers = [
        "nix"
        "corpus"
        "elixir"
        "rehearsal"
      ];

      # docs/UPSTREAM.md U-PYTHON-BUILD (buildPythonApplication), U-PYTHON-TREE-SITTER (the
      # tree-sitter binding and the Elixir grammar's Python module come from nixpkgs).
      nixgenPackage =
        {
          python3Packages,
          git,
          writableTmpDirAsHomeHook,
          withTests ? false,
        }:
        python3Packages.buildPythonApplication {
          pname = if withTests then "${project.name}-tests" else project.name;
          inherit (project) version;
          pyproject = true;
          src = sourceOf (if withTests then testFiles else packageFiles);

          build-system = [ python3Packages.hatchling ];
          dependencies = with python3Packages; [
            click
            jinja2
            tomlkit
            tree-sitter
            tree-sitter-grammars.tree-sitter-elixir
          ];
          pythonImportsCheck = [ "nixgen" ];

          # The fast tier of the test suite, in checks.tests only.
          doCheck = withTests;
          nativeCheckInputs = lib.optionals withTests [
            python3Packages.pytestCheckHook
            python3Packages.hypothesis
            git
            writableTmpDirAsHomeHook # U-MIXRELEASE-TOOLS: a writable HOME for git
          ];
          disabledTestMarks = slowTiers;
          pytestFlags = [
            "-p"
            "no:cacheprovider"
          ];

          meta = {
            inherit (project) description;
            license = lib.licenses.mit;
            mainProgram = "nixgen";
          };
        };
    in
    {
      overlays.default = final: prev: { nixgen = final.callPackage nixgenPackage { }; };

      packages = forEachSystem (pkgs: rec {
        nixgen = pkgs.callPackage nixgenPackage { };
        default = nixgen;
      });

      apps = forEachSystem (pkgs: {
        default = {
          type = "app";
          program = lib.getExe self.packages.${pkgs.system}.default;
          meta.description = project.description;
        };
      });

      checks = forEachSystem (pkgs: {
        package = self.packages.${pkgs.system}.default;
        tests = pkgs.callPackage nixgenPackage { withTests = true; };
      });

      # U-PYTHON-ENV (withPackages, ruff); U-BEAM-VERSIONS and U-TOPLEVEL-ALIASES (Elixir from
      # beamPackages: the top-level `elixir` warns).
      devShells = forEachSystem (pkgs: {
        default = pkgs.mkShell {
          packages = [
            (pkgs.python3.withPackages (
              ps: with ps; [
                click
                jinja2
                tomlkit
                tree-sitter
                tree-sitter-grammars.tree-sitter-elixir
                pytest
                hypothesis
                mypy
                build
                hatchling
              ]
            ))
            pkgs.ruff
            pkgs.nix
            pkgs.beamPackages.elixir
            pkgs.cargo
            pkgs.git
          ];
        };
      });

      formatter = forEachSystem (pkgs: pkgs.nixfmt-tree); # U-NIXFMT
    };
}
