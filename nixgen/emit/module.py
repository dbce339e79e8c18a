"""Release plan + project config → nix/module.nix (the NixOS service) and nix/module-test.nix
(its VM test, checks.<system>.nixos)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from nixgen.emit.render import elixir_alias, render
from nixgen.model import MixProject
from nixgen.paths import join
from nixgen.readers.deploy import PortVariable, migrate_module, read_runtime

ReadFile = Callable[[str], str | None]

# Variables a stock Phoenix runtime.exs reads to start the endpoint in a release
# (`if System.get_env("PHX_SERVER") do … server: true`): the service sets them to "true".
SERVER_VARIABLES = ("PHX_SERVER",)


@dataclass(frozen=True)
class ModulePlan:
    service: str  # services.<service> and the systemd unit's name
    release_name: str  # the script in the release's bin/
    port: PortVariable | None  # the Phoenix endpoint's port variable, when there is one
    server_variables: tuple[str, ...]
    migrate: str | None  # the module whose migrate/0 runs before start


def plan_module(
    top: MixProject, release_name: str, included: tuple[str, ...], read: ReadFile
) -> ModulePlan:
    """`included`: the release's Mix deps; the port is read only for a Phoenix app."""
    config_dir = top.config_dir or join(top.dir, "config")
    runtime = join(config_dir, "runtime.exs")
    # the port is read only for a Phoenix app
    config = read_runtime(runtime, read(runtime) if "phoenix" in included else None)
    app = top.app if isinstance(top.app, str) else release_name
    release_ex = join(top.dir, f"lib/{app}/release.ex")
    migrate = migrate_module(release_ex, read(release_ex))
    return ModulePlan(
        service=release_name,
        release_name=release_name,
        port=config.port,
        server_variables=tuple(v for v in SERVER_VARIABLES if v in config.variables),
        migrate=elixir_alias(migrate) if migrate else None,
    )


def render_module(plan: ModulePlan) -> str:
    return render("module.nix.j2", **_fields(plan))


def render_module_test(plan: ModulePlan) -> str:
    return render("module-test.nix.j2", **_fields(plan))


def _fields(plan: ModulePlan) -> dict[str, object]:
    return {f.name: getattr(plan, f.name) for f in fields(plan)}
