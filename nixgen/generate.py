"""Project + settings + known sources → every file nixgen writes, as {path: text}; no I/O beyond
reading. The fetch stage (nixgen/fetch/stage.py) has run before: planning fetches nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

from nixgen.constants import (
    DEPS_FILE,
    FLAKE_FILE,
    NIFS_FILE,
    OVERRIDES_FILE,
    REGENERATE,
    RELEASE_FILE,
    SETTINGS_FILE,
)
from nixgen.emit.deps import plan_deps, render_deps
from nixgen.emit.glue import plan_glue
from nixgen.emit.nifs import crate_attr, nifs_warnings, plan_nifs, render_nifs
from nixgen.emit.release import plan_release, release_nifs, render_flake, render_release
from nixgen.emit.render import render
from nixgen.fetch.records import KnownSources
from nixgen.model import Dynamic, MixProject, Project
from nixgen.paths import join
from nixgen.readers.config_exs import config_string
from nixgen.resolve.assets import AssetsPlan, plan_assets
from nixgen.resolve.beam import choose_beam
from nixgen.resolve.project import DepsRequest, choose_top
from nixgen.settings import Settings, default_text
from nixgen.write import read_existing, with_header

log = logging.getLogger(__name__)


class ReadFile(Protocol):
    def __call__(self, path: str) -> str | None: ...


@dataclass(frozen=True)
class Generated:
    """What a run would write. `generated` files carry nixgen's header and are rewritten;
    `created` ones are the user's, written only when absent; `edited` are user files with a
    nixgen block changed in place."""

    generated: dict[str, str]
    created: dict[str, str]
    edited: dict[str, str]
    notes: tuple[str, ...] = field(default=())
    # Inputs the flake reads that nixgen does not write: each NIF crate's Cargo.lock.
    lockfiles: tuple[str, ...] = field(default=())


def deps_request(project: Project, settings: Settings) -> DepsRequest:
    """The Mix project released and its deps, as the fetch stage and planning see them."""
    return DepsRequest(project, choose_top(project), settings.mix_env, settings.provided_deps)


def generate(
    project: Project, settings: Settings, known: KnownSources, read: ReadFile
) -> Generated:
    request = deps_request(project, settings)
    top = request.top
    deps = plan_deps(request, known)
    nifs = plan_nifs(project, libc=settings.libc, known=known)
    config = _config_path(top)
    assets = _assets(top, deps.closure.included, config, read)
    beam = choose_beam(project.tool_versions, top, settings.otp, settings.elixir)
    log.info("Erlang/OTP %s, Elixir %s (from %s)", beam.otp, _dotted(beam.elixir), beam.source)
    loaded = release_nifs(project, top, {d: name for name, d in deps.closure.path_deps})
    attrs = {p.manifest: crate_attr(p) for p in project.cargo_packages}
    release = plan_release(project, top, beam, attrs, assets, loaded)
    glue = plan_glue(
        project, top, loaded.all(), assets.tools, (config, partial(read, config)),
        settings.elixir_glue,
    )
    if config in glue.edited and deps.app_config is None:
        # The config directory is created by this run: plan deps.nix for the state after the
        # writes, so that `check` right after `init` agrees.
        deps = replace(deps, app_config=config.rsplit("/", 1)[0])
    # Every file nixgen writes: owner, and its text from a plan.
    outputs: dict[str, tuple[Literal["generated", "created"], Callable[[], str]]] = {
        FLAKE_FILE: ("generated", partial(render_flake, _description(top), settings.systems,
                                          settings.nixpkgs)),
        RELEASE_FILE: ("generated", partial(render_release, release)),
        DEPS_FILE: ("generated", partial(render_deps, deps)),
        NIFS_FILE: ("generated", partial(render_nifs, nifs)),
        OVERRIDES_FILE: ("created", partial(render, "overrides.nix")),
        SETTINGS_FILE: ("created", partial(default_text, settings)),
    }  # fmt: skip
    generated = {p: with_header(text(), REGENERATE) for p, (o, text) in outputs.items()
                 if o == "generated"}  # fmt: skip
    created = {p: text() for p, (owner, text) in outputs.items() if owner == "created"}
    notes = (
        *(skipped.note() for skipped in project.skipped),
        *nifs_warnings(nifs),
        *assets.notes,
        *glue.notes,
        *deps.closure.notes,
        *_version_note(top),
    )
    lockfiles = tuple(sorted({n.cargo_lock for n in project.nifs if n.cargo_lock}))
    return Generated(generated, created | glue.created, glue.edited, notes, lockfiles)


def _assets(top: MixProject, included: tuple[str, ...], config: str, read: ReadFile) -> AssetsPlan:
    with_package_json = {p.dir for p in top.walk() if read(join(p.dir, "assets/package.json"))}
    tailwind = (
        config_string(config, read(config), "tailwind", "version")
        if "tailwind" in included
        else None
    )
    return plan_assets(top, included, with_package_json, tailwind)


def _version_note(top: MixProject) -> tuple[str, ...]:
    if not isinstance(top.version, Dynamic):
        return ()
    return (
        f"{top.version.where}: the version is computed by code "
        f"(`{top.version.source}`): the release is versioned 0.0.0; write it "
        "literally in mix.exs to change that",
    )


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _description(top: MixProject) -> str:
    name = top.app if isinstance(top.app, str) else "release"
    return f"{name}: Elixir release with Rust NIFs (generated by nixgen)"


def _config_path(top: MixProject) -> str:
    return f"{top.config_dir or join(top.dir, 'config')}/config.exs"


def read_from(root: Path) -> ReadFile:
    return lambda path: read_existing(root, path)
