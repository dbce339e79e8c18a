"""What a NIF build needs from its environment: C libraries, rustflags, the Rust toolchain.

The -sys mapping is data (nixgen/data/sys_crates.toml), not code: adding a crate is one entry
there and one test. Rustflags come from the project's .cargo/config files, the toolchain from
its rust-toolchain files.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nixgen.constants import KNOWN_SYSTEMS, LIBCS
from nixgen.errors import Position, ResolveError
from nixgen.model import CargoConfig, CargoLock, CargoPackage, Project, Toolchain
from nixgen.paths import upwards

DATA_FILE = "data/sys_crates.toml"
_ATTR_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENTRY_KEYS = frozenset({"why", "native", "libs", "env"})
_PROFILES = ("minimal", "default", "complete")
# What rust-overlay's fromRustupToolchain can select.
_CHANNEL = re.compile(r"^(stable|beta|nightly|\d+\.\d+(\.\d+)?|(nightly|beta)-\d{4}-\d{2}-\d{2})$")
# rustc drops a cdylib linked with crt-static, the musl default (docs/UPSTREAM.md
# U-MUSL-CDYLIB-CRT-STATIC).
CRT_FLAGS = ("-C", "target-feature=-crt-static")
# rustler < 0.35 left the erl_nif symbols for the macOS linker to resolve at load time.
DYNAMIC_LOOKUP_FLAGS = ("-C", "link-arg=-undefined", "-C", "link-arg=dynamic_lookup")


@dataclass(frozen=True)
class Exe:
    """A program of a build-platform package: `lib.getExe' pkgs.<package> "<program>"`."""

    package: str  # attribute path in pkgs
    program: str


EnvValue = str | Exe


@dataclass(frozen=True)
class Recipe:
    """What the build of a crate needs; empty when it builds on its own."""

    crate: str
    why: str
    native: tuple[str, ...] = ()  # attribute paths in pkgs
    libs: tuple[str, ...] = ()  # attribute paths in the linked-against package set
    env: tuple[tuple[str, EnvValue], ...] = ()


@dataclass(frozen=True)
class SysTable:
    recipes: Mapping[str, Recipe]
    ignored: frozenset[str]


@dataclass(frozen=True)
class SysNeeds:
    """What one Cargo.lock asks of nixpkgs: the matching recipes, and unknown -sys crates."""

    recipes: tuple[Recipe, ...]  # sorted by crate
    unknown: tuple[str, ...]  # "name version", sorted

    @property
    def native(self) -> tuple[str, ...]:
        return tuple(sorted({p for r in self.recipes for p in r.native}))

    @property
    def libs(self) -> tuple[str, ...]:
        return tuple(sorted({p for r in self.recipes for p in r.libs}))

    @property
    def env(self) -> tuple[tuple[str, EnvValue], ...]:
        return tuple(sorted({kv for r in self.recipes for kv in r.env}, key=lambda kv: kv[0]))

    @property
    def active(self) -> tuple[Recipe, ...]:
        """The recipes that add something (the others only say a crate is known)."""
        return tuple(r for r in self.recipes if r.native or r.libs or r.env)


@cache
def sys_table() -> SysTable:
    """The table shipped with nixgen."""
    text = resources.files("nixgen").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_table(text)


def parse_table(text: str) -> SysTable:
    """Parse and check a sys-crates table; a malformed one is a bug in nixgen: ValueError."""
    data = tomllib.loads(text)
    crates = data.get("crates", {})
    recipes = {name: _recipe(name, entry) for name, entry in crates.items()}
    ignored = frozenset(data.get("ignore", {}).get("crates", []))
    overlap = sorted(ignored & recipes.keys())
    if overlap:
        raise ValueError(f"sys crates both ignored and mapped: {', '.join(overlap)}")
    _check_env_conflicts(recipes.values())
    return SysTable(recipes, ignored)


def _recipe(name: str, entry: dict[str, object]) -> Recipe:
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise ValueError(f"sys crate {name}: unknown keys {', '.join(unknown)}")
    why = entry.get("why")
    if not isinstance(why, str) or not why:
        raise ValueError(f"sys crate {name}: `why` must be a non-empty string")
    if "\n" in why:
        raise ValueError(f"sys crate {name}: `why` must be one line (it becomes a Nix comment)")
    env = entry.get("env", {})
    if not isinstance(env, dict):
        raise ValueError(f"sys crate {name}: `env` must be a table")
    return Recipe(
        crate=name,
        why=why,
        native=_paths(name, "native", entry.get("native", [])),
        libs=_paths(name, "libs", entry.get("libs", [])),
        env=tuple(sorted((_env_name(name, k), _env_value(name, k, v)) for k, v in env.items())),
    )


def _paths(name: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _ATTR_PATH.match(v) for v in value
    ):
        raise ValueError(f"sys crate {name}: `{key}` must be a list of attribute paths")
    return tuple(value)


def _env_name(name: str, key: str) -> str:
    if not _ENV_NAME.match(key):
        raise ValueError(f"sys crate {name}: {key!r} is not an environment variable name")
    return key


def _env_value(name: str, key: str, value: object) -> EnvValue:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"exe", "program"}:
        package, program = value["exe"], value["program"]
        if isinstance(package, str) and _ATTR_PATH.match(package) and isinstance(program, str):
            return Exe(package, program)
    raise ValueError(f"sys crate {name}: env {key} must be a string or {{ exe, program }}")


def _check_env_conflicts(recipes: Iterable[Recipe]) -> None:
    seen: dict[str, tuple[str, EnvValue]] = {}
    for recipe in recipes:
        for key, value in recipe.env:
            other = seen.setdefault(key, (recipe.crate, value))
            if other[1] != value:
                raise ValueError(f"env {key}: {other[0]} and {recipe.crate} disagree")


def sys_needs(lock: CargoLock, table: SysTable | None = None) -> SysNeeds:
    """The recipes matching crates of `lock`, and its -sys crates that match none.

    The whole lock is matched: Cargo.lock lists every package of the workspace for every
    target, and records neither features nor which member uses which crate.
    """
    table = table or sys_table()
    names = {crate.name for crate in lock.packages}
    recipes = tuple(table.recipes[n] for n in sorted(names & table.recipes.keys()))
    unknown = tuple(
        sorted(
            f"{c.name} {c.version}"
            for c in lock.packages
            if c.is_sys and c.name not in table.recipes and c.name not in table.ignored
        )
    )
    return SysNeeds(recipes, unknown)


# --------------------------------------------------------------------------- rustflags


def rustflags(
    project: Project, package: CargoPackage, target: str, *, dynamic_lookup: bool = False
) -> tuple[str, ...]:
    """CARGO_TARGET_<target>_RUSTFLAGS for `package`: the project's flags cargo would miss in
    the build, then nixgen's own (docs/UPSTREAM.md U-CARGO-RUSTFLAGS); () when the variable is
    not needed.

    Rustler runs cargo in the crate's directory, so the .cargo/config of that directory and of
    each parent up to the project root apply (arrays joined farthest first). In the build, cargo
    runs at the source root and reads the config there itself, appending the variable's flags
    to it; flags of every other config must come through the variable. Once any target flags
    are set cargo ignores `build.rustflags`, so without target flags those move in as well.
    """
    configs = _configs(project, package.dir)
    every = [config for _, config in configs]
    if _target_flags(every, target):
        unseen = [config for d, config in configs if d != package.workspace_root]
        project_flags = _target_flags(unseen, target)
    else:
        project_flags = tuple(f for config in every for f in config.build_rustflags or ())
    flags = (*project_flags, *own_flags(target, dynamic_lookup))
    spaced = [f for f in flags if re.search(r"\s", f)]
    if spaced:
        raise ResolveError(
            f"rustflag {spaced[0]!r} (for {target}) contains whitespace, which "
            "CARGO_TARGET_<TRIPLE>_RUSTFLAGS cannot carry",
            Position(package.manifest),
            "split it into separate elements of the rustflags array in .cargo/config.toml",
        )
    return flags


def own_flags(target: str, dynamic_lookup: bool) -> tuple[str, ...]:
    """nixgen's flags for `target` (musl: -crt-static; old rustler on macOS: dynamic lookup)."""
    if target.endswith("-musl"):
        return CRT_FLAGS
    if target.endswith("-apple-darwin") and dynamic_lookup:
        return DYNAMIC_LOOKUP_FLAGS
    return ()


def _configs(project: Project, directory: str) -> list[tuple[str, CargoConfig]]:
    """(dir, config) that cargo reads when run in `directory`, farthest first. In one directory
    `.cargo/config` is used over `.cargo/config.toml`, as cargo does."""
    by_dir: dict[str, CargoConfig] = {}
    # `config` sorts after `config.toml` and so replaces it.
    for config in sorted(project.cargo_configs, key=lambda c: not c.path.endswith(".toml")):
        by_dir[posixpath.dirname(posixpath.dirname(config.path)) or "."] = config
    return [(d, by_dir[d]) for d in reversed(list(upwards(directory))) if d in by_dir]


def flags_cargo_drops(config: CargoConfig, target: str) -> tuple[str, ...]:
    """The `build.rustflags` of `config` that cargo stops using on `target` once nixgen sets
    CARGO_TARGET_<T>_RUSTFLAGS (U-CARGO-RUSTFLAGS): none when the config has target flags for it
    (cargo joins those with the variable's itself)."""
    return () if _target_flags([config], target) else (config.build_rustflags or ())


def _target_flags(configs: list[CargoConfig], target: str) -> tuple[str, ...]:
    """`target.<triple>.rustflags`, then every matching `target.'cfg(…)'.rustflags`, as cargo."""
    exact = _flags_of(configs, target)
    keys = sorted({k for c in configs for k, _ in c.target_rustflags if cfg_matches(k, target)})
    by_cfg = [f for key in keys for f in _flags_of(configs, key)]
    return (*exact, *by_cfg)


def _flags_of(configs: list[CargoConfig], key: str) -> list[str]:
    return [f for c in configs for k, flags in c.target_rustflags if k == key for f in flags]


_CFG_TOKEN = re.compile(
    r'\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|"(?P<str>[^"]*)"|(?P<punct>[(),=]))'
)
Token = tuple[str, str]


def cfg_matches(key: str, target: str) -> bool:
    """Whether a `[target.'cfg(…)']` table applies to `target` (unreadable: it does not)."""
    if not (key.startswith("cfg(") and key.endswith(")")):
        return False
    tokens = _cfg_tokens(key[4:-1])
    try:
        value, rest = _cfg_expr(tokens, _cfg_facts(target))
    except (IndexError, ValueError):
        return False
    return value and not rest


def _cfg_facts(target: str) -> dict[str, str]:
    arch, vendor, system, *env = target.split("-")
    return {
        "target_arch": arch,
        "target_vendor": vendor,
        "target_os": "macos" if system == "darwin" else system,
        "target_env": env[0] if env else "",
        "target_family": "unix",
        "target_pointer_width": "64",
        "target_endian": "little",
        "unix": "",
    }


def _cfg_tokens(text: str) -> list[Token]:
    tokens, position = [], 0
    while text[position:].strip():
        match = _CFG_TOKEN.match(text, position)
        if match is None:
            return [("bad", text[position:].strip())]
        kind = match.lastgroup or "bad"
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


def _cfg_expr(tokens: list[Token], facts: dict[str, str]) -> tuple[bool, list[Token]]:
    kind, name = tokens[0]
    rest = tokens[1:]
    if kind != "ident":
        raise ValueError(name)
    if name in ("all", "any", "not") and rest[:1] == [("punct", "(")]:
        values, rest = _cfg_list(rest[1:], facts)
        if name == "not":
            if len(values) != 1:
                raise ValueError(name)
            return not values[0], rest
        return (all(values) if name == "all" else any(values)), rest
    if rest[:1] == [("punct", "=")]:
        if rest[1][0] != "str":
            raise ValueError(name)
        return facts.get(name) == rest[1][1], rest[2:]
    return facts.get(name) == "", rest


def _cfg_list(tokens: list[Token], facts: dict[str, str]) -> tuple[list[bool], list[Token]]:
    values: list[bool] = []
    while tokens[0] != ("punct", ")"):
        value, tokens = _cfg_expr(tokens, facts)
        values.append(value)
        if tokens[0] == ("punct", ","):
            tokens = tokens[1:]
        elif tokens[0] != ("punct", ")"):
            raise ValueError(tokens[0][1])
    return values, tokens[1:]


# --------------------------------------------------------------------------- toolchain


@dataclass(frozen=True)
class RustToolchain:
    """A rust-overlay toolchain; `key` is "default" (latest stable) or the pinning file."""

    key: str
    channel: str
    profile: str | None = None
    components: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()


DEFAULT_TOOLCHAIN = RustToolchain("default", "stable")


def toolchain_for(project: Project, directory: str) -> RustToolchain:
    """The toolchain rustup picks in `directory`: the nearest rust-toolchain file there or in a
    parent (`rust-toolchain` before `rust-toolchain.toml`, as rustup), else latest stable."""
    by_dir: dict[str, Toolchain] = {}
    for pinned in sorted(project.toolchains, key=lambda t: t.path.endswith(".toml"), reverse=True):
        by_dir[posixpath.dirname(pinned.path) or "."] = pinned
    found = next((by_dir[d] for d in upwards(directory) if d in by_dir), None)
    return DEFAULT_TOOLCHAIN if found is None else pinned_toolchain(found)


def pinned_toolchain(pinned: Toolchain) -> RustToolchain:
    channel = pinned.channel or "stable"
    if not _CHANNEL.fullmatch(channel):
        raise ResolveError(
            f"toolchain channel {channel!r} is not one rust-overlay can select",
            Position(pinned.path),
            "use stable, beta, nightly, a version such as 1.76.0, or nightly-YYYY-MM-DD",
        )
    if pinned.profile is not None and pinned.profile not in _PROFILES:
        raise ResolveError(
            f"unknown toolchain profile {pinned.profile!r}",
            Position(pinned.path),
            f"use one of {', '.join(_PROFILES)}",
        )
    return RustToolchain(pinned.path, channel, pinned.profile, pinned.components, pinned.targets)


def rust_target(system: str, libc: str) -> str:
    """The Rust target nix/nifs.nix builds for on `system` with `libc`, as nixpkgs derives it
    (docs/UPSTREAM.md U-PLATFORM-RUST); only used here to pick the .cargo/config flags."""
    arch, kernel = system.split("-", 1)
    return f"{arch}-apple-darwin" if kernel == "darwin" else f"{arch}-unknown-linux-{libc}"


# The targets whose .cargo/config rustflags nix/nifs.nix carries (CARGO_TARGET_<T>_RUSTFLAGS).
TARGETS = tuple(sorted({rust_target(s, libc) for s in KNOWN_SYSTEMS for libc in LIBCS}))
