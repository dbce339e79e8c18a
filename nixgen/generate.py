"""Project + settings + known sources → every file nixgen writes, as {path: text}; no I/O beyond
reading. The fetch stage (nixgen/fetch/stage.py) has run before: planning fetches nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from nixgen import constants as files
from nixgen.emit.deps import plan_deps, render_deps
from nixgen.emit.glue import plan_glue
from nixgen.emit.module import plan_module, render_module, render_module_test
from nixgen.emit.nifs import crate_attr, nifs_warnings, plan_nifs, render_nifs
from nixgen.emit.release import plan_release, release_nifs, render_flake, render_release
from nixgen.emit.render import render
from nixgen.fetch.records import KnownSources
from nixgen.model import Dynamic, MixProject, Project
from nixgen.paths import join
from nixgen.readers.config_exs import config_string
from nixgen.resolve.assets import AssetsPlan, plan_assets
from nixgen.resolve.beam import choose_beam
from nixgen.resolve.project import deps_request
from nixgen.settings import Settings, default_text
from nixgen.write import with_header

log = logging.getLogger(__name__)


ReadFile = Callable[[str], str | None]  # a project file's text, None when absent


@dataclass(frozen=True)
class Generated:
    """What a run would write: `generated` files are nixgen's (rewritten), `created` ones the
    user's (written when absent), `edited` user files with a nixgen block changed in place."""

    generated: dict[str, str]
    created: dict[str, str]
    edited: dict[str, str]
    notes: tuple[str, ...] = field(default=())
    # Inputs the flake reads that nixgen does not write: each NIF crate's Cargo.lock.
    lockfiles: tuple[str, ...] = field(default=())


# Every file nixgen writes, as its render function of its plan; True: nixgen's (rewritten, with
# the header), False: the user's, written once.
Outputs = dict[str, tuple[bool, Callable[[], str]]]


@dataclass(frozen=True)
class Planned:
    """Every file planned, not yet rendered. It holds the plans, not the project: a caller that
    drops the project before `render` frees its model (megabytes for a large mix.lock) before
    the largest texts are made."""

    outputs: Outputs
    created: dict[str, str]  # by the Elixir glue
    edited: dict[str, str]
    notes: tuple[str, ...]
    lockfiles: tuple[str, ...]

    def render(self) -> Generated:
        generated: dict[str, str] = {}
        created: dict[str, str] = {}
        for path, (ours, render_text) in self.outputs.items():  # one body at a time
            if ours:
                generated[path] = with_header(render_text(), files.REGENERATE)
            else:
                created[path] = render_text()
        return Generated(generated, created | self.created, self.edited, self.notes, self.lockfiles)


def generate(
    project: Project, settings: Settings, known: KnownSources, read: ReadFile
) -> Generated:
    return plan_outputs(project, settings, known, read).render()


def plan_outputs(
    project: Project, settings: Settings, known: KnownSources, read: ReadFile
) -> Planned:
    request = deps_request(project, settings)
    top = request.top
    deps = plan_deps(request, known)
    nifs = plan_nifs(project, libc=settings.libc, known=known, nif_deps=deps.built_crates)
    config = _config_path(top)
    assets = _assets(top, deps.closure.included, config, read)
    beam = choose_beam(project.tool_versions, top, settings.otp, settings.elixir)
    elixir = ".".join(map(str, beam.elixir))
    log.info("Erlang/OTP %s, Elixir %s (from %s)", beam.otp, elixir, beam.source)
    loaded = release_nifs(project, top, {d: name for name, d in deps.closure.path_deps})
    attrs = {p.manifest: crate_attr(p) for p in project.cargo_packages}
    release = plan_release(project, top, beam, attrs, assets, loaded, deps.nif_modules)
    service = plan_module(top, release.release_name, deps.closure.included, read)
    glue = plan_glue(
        project,
        top,
        loaded.all(),
        assets.tools,
        (config, partial(read, config)),
        settings.elixir_glue,
    )
    if config in glue.edited and deps.app_config is None:
        # The config directory is created by this run: plan deps.nix for the state after the
        # writes, so that `check` right after `init` agrees.
        deps = replace(deps, app_config=config.rsplit("/", 1)[0])
    outputs: Outputs = {
        files.FLAKE_FILE: (True, partial(_flake, top, settings)),
        files.RELEASE_FILE: (True, partial(render_release, release)),
        files.DEPS_FILE: (True, partial(render_deps, deps)),
        files.NIFS_FILE: (True, partial(render_nifs, nifs)),
        files.MODULE_FILE: (True, partial(render_module, service)),
        files.MODULE_TEST_FILE: (True, partial(render_module_test, service)),
        files.OVERRIDES_FILE: (False, partial(render, "overrides.nix")),
        files.SETTINGS_FILE: (False, partial(default_text, settings)),
    }
    for crate in nifs.dep_crates:  # the Cargo.lock copies, read by nix/nifs.nix
        outputs[crate.lock] = (True, partial(str, crate.lock_text))
    notes = (*(skipped.note() for skipped in project.skipped), *nifs_warnings(nifs),
             *assets.notes, *glue.notes, *deps.closure.notes, *_version_note(top))  # fmt: skip
    lockfiles = tuple(sorted({n.cargo_lock for n in project.nifs if n.cargo_lock}))
    return Planned(outputs, glue.created, glue.edited, notes, lockfiles)


def _assets(top: MixProject, included: tuple[str, ...], config: str, read: ReadFile) -> AssetsPlan:
    with_package_json = {p.dir for p in top.walk() if read(join(p.dir, "assets/package.json"))}
    tailwind = (
        config_string(config, read(config), "tailwind", "version")
        if "tailwind" in included
        else None
    )
    return plan_assets(top, included, with_package_json, tailwind)


def _version_note(top: MixProject) -> tuple[str, ...]:
    version = top.version
    return () if not isinstance(version, Dynamic) else (
        f"{version.where}: the version is computed by code (`{version.source}`): the release is "
        "versioned 0.0.0; write it literally in mix.exs to change that",
    )  # fmt: skip


def _flake(top: MixProject, settings: Settings) -> str:
    name = top.app if isinstance(top.app, str) else "release"
    description = f"{name}: Elixir release with Rust NIFs (generated by nixgen)"
    return render_flake(description, settings.systems, settings.nixpkgs)


def _config_path(top: MixProject) -> str:
    return f"{top.config_dir or join(top.dir, 'config')}/config.exs"
