"""Names and values every stage shares, defined once."""

from __future__ import annotations

from typing import Literal

# The command that rewrites generated files, as their header and messages say.
REGENERATE = "nixgen update"
# The command that writes the deps file alone (mix2nix's drop-in), as its header says.
DEPS_COMMAND = "nixgen deps"

# The files nixgen writes, relative to the project root.
FLAKE_FILE = "flake.nix"
RELEASE_FILE = "nix/release.nix"
DEPS_FILE = "nix/deps.nix"
NIFS_FILE = "nix/nifs.nix"
# Copies of the Cargo.lock of NIF dependencies built from source: NIF_DEPS_DIR/<dep>/<crate dir>/
NIF_DEPS_DIR = "nix/nif-deps"


def nif_lock_path(dep: str, crate_dir: str) -> str:
    """Where nixgen keeps the Cargo.lock of the crate in `crate_dir` of the NIF dependency `dep`."""
    return f"{NIF_DEPS_DIR}/{dep}/{crate_dir}/Cargo.lock"


OVERRIDES_FILE = "nix/overrides.nix"
MODULE_FILE = "nix/module.nix"  # the NixOS service (nixosModules.default)
MODULE_TEST_FILE = "nix/module-test.nix"  # its VM test (checks.<system>.nixos)
SETTINGS_FILE = "nixgen.toml"
# The CI workflow `init --ci github` / `nixgen ci` write once (the user's afterwards).
GITHUB_WORKFLOW_FILE = ".github/workflows/nix.yml"
# nixgen's own flake on GitHub, as README.md and CHANGELOG.md name it (OWNER: the account it is
# published under); CI runs `nixgen check` from it, at the tag of the running version.
NIXGEN_FLAKE = "github:OWNER/nixgen"
CiProvider = Literal["github"]
CI_PROVIDERS: tuple[CiProvider, ...] = ("github",)

Libc = Literal["musl", "gnu"]
LIBCS: tuple[Libc, ...] = ("musl", "gnu")
# x86_64-darwin is left out of the default: nixpkgs 26.11 throws when imported for it
# (docs/UPSTREAM.md U-X86-DARWIN); nixgen.toml may add it for an older nixpkgs.
DEFAULT_SYSTEMS = ("aarch64-darwin", "aarch64-linux", "x86_64-linux")
KNOWN_SYSTEMS = (*DEFAULT_SYSTEMS, "x86_64-darwin")

# A version as numbers (1.18.3 → (1, 18, 3)); compared as tuples.
Version = tuple[int, ...]

# The public Hex repository, as mix.lock names it (the only one nixgen fetches from).
HEXPM = "hexpm"
