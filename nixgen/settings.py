"""nixgen.toml: the user's persisted choices, validated key by key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from nixgen.constants import DEFAULT_SYSTEMS, KNOWN_SYSTEMS, LIBCS, SETTINGS_FILE, Libc
from nixgen.emit.render import render
from nixgen.errors import InputError, Position
from nixgen.model import NIF_SOURCES, ModuleHint, NifSource
from nixgen.readers.checks import check_numbers
from nixgen.readers.text import is_special, parse_toml, read_text

DEFAULT_NIXPKGS = "github:NixOS/nixpkgs/nixos-unstable"


@dataclass(frozen=True)
class Settings:
    libc: Libc = "musl"
    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    nixpkgs: str = DEFAULT_NIXPKGS
    mix_env: str = "prod"
    elixir_glue: bool = True
    provided_deps: frozenset[str] = field(default_factory=frozenset)
    otp: str | None = None  # pins Erlang/OTP over .tool-versions (e.g. "27")
    elixir: str | None = None  # pins Elixir over .tool-versions (e.g. "1.18")
    nif_hints: tuple[ModuleHint, ...] = ()  # [nifs."Module"]: modules with dynamic options
    # [nif_deps.<app>] source: how each NIF dependency named there gets its library
    nif_sources: tuple[tuple[str, NifSource], ...] = ()


INIT_KEYS = ("libc", "mix_env", "elixir_glue")  # the values `init` options can set


def default_text(settings: Settings) -> str:
    """A new nixgen.toml: every value through a TOML filter (tomlkit's escaping)."""
    return render("nixgen.toml.j2", settings=settings)


def updated_text(text: str, settings: Settings) -> str:
    """The existing nixgen.toml with the `init` options' values of `settings` (comments and
    every other key kept as they are)."""
    document = tomlkit.parse(text)
    defaults = Settings()
    for key in INIT_KEYS:
        value = getattr(settings, key)
        if document.get(key, getattr(defaults, key)) != value:
            document[key] = value
    return tomlkit.dumps(document)


_MIX_ENV = re.compile(r"[a-z][a-z0-9_]*")


def nif_section(module: str, otp_app: str | None, crates: list[tuple[str, str | None]]) -> str:
    """The `[nifs."Module"]` table to add to nixgen.toml, filled in with what nixgen read;
    `crates` are (name, `path` when not Rustler's default), the likeliest first."""
    crate, path = crates[0] if crates else ("my_crate", None)
    return render(
        "nif_section.toml.j2",
        module=module,
        otp_app=otp_app or "my_app",
        crate=crate,
        path=path,
        others=[name for name, _ in crates[1:]],
    )


def check_mix_env(value: str, where: Position) -> str:
    """A Mix environment is an atom made from MIX_ENV; nixgen accepts the plain names."""
    if not _MIX_ENV.fullmatch(value):
        raise InputError(
            f"mix_env {_cut(value)!r} is not a Mix environment name",
            where,
            'use lowercase letters, digits and _, starting with a letter, e.g. "prod"',
        )
    return value


def _cut(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def load_settings(root: Path) -> Settings | None:
    path = Path(SETTINGS_FILE)
    if not ((root / path).is_file() or is_special(root / path)):  # a FIFO is refused on read
        return None
    text = read_text(root, path)
    return _validate(parse_toml(root, path, text), text)


_TOP_KEYS = {
    "libc",
    "systems",
    "nixpkgs",
    "mix_env",
    "elixir_glue",
    "deps",
    "otp",
    "elixir",
    "nifs",
    "nif_deps",
}
_HINT_KEYS = {"otp_app", "crate", "path", "load_path"}
_DEPS_KEYS = {"provided"}


def _where(text: str, key: str) -> Position:
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(rf"\s*\"?{re.escape(key)}\"?\s*[=\]]", line)
        if match or line.strip() == f"[{key}]":
            return Position(SETTINGS_FILE, number, line.index(key.split(".")[-1]) + 1)
    return Position(SETTINGS_FILE)


def _fail(text: str, key: str, message: str, hint: str) -> InputError:
    return InputError(f"{key}: {message}", _where(text, key), hint)


def _validate(data: dict[str, object], text: str) -> Settings:
    for key in data:
        if key not in _TOP_KEYS:
            raise _fail(text, key, "unknown key", f"known keys: {', '.join(sorted(_TOP_KEYS))}")
    deps = data.get("deps", {})
    if not isinstance(deps, dict):
        raise _fail(text, "deps", "must be a table", "write it as [deps]")
    for key in deps:
        if key not in _DEPS_KEYS:
            raise _fail(text, key, "unknown key in [deps]", "known keys: provided")
    return Settings(
        libc=_libc(data, text),
        systems=_systems(data, text),
        nixpkgs=_string(data, text, "nixpkgs", DEFAULT_NIXPKGS),
        mix_env=check_mix_env(_string(data, text, "mix_env", "prod"), _where(text, "mix_env")),
        elixir_glue=_bool(data, text, "elixir_glue", True),
        provided_deps=frozenset(_strings(deps, text, "provided")),
        otp=_version(data, text, "otp", r"\d+"),
        elixir=_version(data, text, "elixir", r"\d+\.\d+"),
        nif_hints=_hints(data.get("nifs", {}), text),
        nif_sources=_nif_sources(data.get("nif_deps", {}), text),
    )


def _nif_sources(value: object, text: str) -> tuple[tuple[str, NifSource], ...]:
    """`[nif_deps.<app>] source = "precompiled" | "build"` (README "NIF dependencies")."""
    example = '[nif_deps.explorer] source = "build"'
    if not isinstance(value, dict):
        raise _fail(text, "nif_deps", "must be a table", example)
    found: list[tuple[str, NifSource]] = []
    for app, table in sorted(value.items()):
        if not isinstance(table, dict):
            raise _fail(text, app, "must be a table", example)
        if unknown := sorted(set(table) - {"source"}):
            raise _fail(text, unknown[0], f"unknown key in [nif_deps.{app}]", "known keys: source")
        source = _choice(table, text, "source", NIF_SOURCES, "precompiled")
        found.append((app, next(s for s in NIF_SOURCES if s == source)))
    return tuple(found)


def _hints(value: object, text: str) -> tuple[ModuleHint, ...]:
    if not isinstance(value, dict):
        raise _fail(text, "nifs", "must be a table", '[nifs."MyApp.Native"] otp_app = "my_app"')
    hints = []
    for module, table in sorted(value.items()):
        if not isinstance(table, dict):
            raise _fail(text, module, "must be a table", f'[nifs."{module}"] otp_app = "my_app"')
        unknown = sorted(set(table) - _HINT_KEYS)
        if unknown:
            raise _fail(
                text,
                unknown[0],
                f'unknown key in [nifs."{module}"]',
                f"known keys: {', '.join(sorted(_HINT_KEYS))}",
            )
        values = {k: _string(table, text, k, "x") for k in table}
        if "otp_app" not in values:
            raise _fail(text, module, "needs otp_app", f'[nifs."{module}"] otp_app = "my_app"')
        hints.append(
            ModuleHint(
                module,
                values["otp_app"],
                values.get("crate"),
                values.get("path"),
                values.get("load_path"),
            )
        )
    return tuple(hints)


def _version(data: dict[str, object], text: str, key: str, pattern: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    example = "27" if key == "otp" else "1.18"
    if not isinstance(value, str) or not re.fullmatch(pattern + r"(\.\d+)*", value):
        raise _fail(text, key, "must be a version string", f'e.g. {key} = "{example}"')
    return check_numbers(value, key, _where(text, key), f'e.g. {key} = "{example}"')


def _string(data: dict[str, object], text: str, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise _fail(text, key, "must be a non-empty string", f'e.g. {key} = "{default}"')
    return value


def _choice(
    data: dict[str, object], text: str, key: str, choices: tuple[str, ...], default: str
) -> str:
    value = _string(data, text, key, default)
    if value not in choices:
        raise _fail(
            text,
            key,
            f"must be one of {', '.join(choices)}, not {value!r}",
            f'e.g. {key} = "{default}"',
        )
    return value


def _libc(data: dict[str, object], text: str) -> Libc:
    value = _choice(data, text, "libc", LIBCS, "musl")
    return next(libc for libc in LIBCS if libc == value)


def _bool(data: dict[str, object], text: str, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _fail(text, key, "must be true or false", f"e.g. {key} = true")
    return value


def _strings(data: dict[str, object], text: str, key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(text, key, "must be a list of strings", f'e.g. {key} = ["name"]')
    return list(value)


def _systems(data: dict[str, object], text: str) -> tuple[str, ...]:
    systems = _strings(data, text, "systems") if "systems" in data else list(DEFAULT_SYSTEMS)
    unknown = [s for s in systems if s not in KNOWN_SYSTEMS]
    if unknown or not systems:
        raise _fail(
            text,
            "systems",
            f"unsupported system(s): {', '.join(unknown) or 'none'}",
            f"choose among {', '.join(sorted(KNOWN_SYSTEMS))}",
        )
    return tuple(sorted(set(systems)))
