"""Inputs → Project: map each Rustler module to its crate, lock, artifact and load path."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nixgen.constants import Version
from nixgen.model import (
    AnyNif,
    CargoLock,
    CargoPackage,
    Dynamic,
    HexLockEntry,
    LoadFrom,
    MixProject,
    ModuleHint,
    Nif,
    NotNif,
    Project,
    RustlerModule,
    UnresolvedNif,
)
from nixgen.paths import inside, join, relative
from nixgen.readers.project import Inputs
from nixgen.settings import nif_section

# Rustler's default load path lost its "lib" prefix in 0.37 (docs/UPSTREAM.md U-RUSTLER-LOADPATH).
UNPREFIXED_LOAD_PATH_SINCE = (0, 37)


def resolve(
    inputs: Inputs,
    env: str = "prod",
    all_cargo_locks: bool = True,
    hints: tuple[ModuleHint, ...] = (),
) -> Project:
    """`all_cargo_locks=False` reads only the Cargo.lock files NIFs use (generation needs no
    other; a large lock of an unrelated crate costs more than the rest of the read)."""
    nifs = tuple(
        _nif(inputs, project, _hinted(module, hints))
        for top in (*inputs.mix_projects, *inputs.path_projects)
        for project in top.walk()
        for module in project.rustler_modules
    )
    used_locks = {n.cargo_lock for n in nifs}
    return Project(
        env=env,
        mix_projects=inputs.mix_projects,
        path_projects=inputs.path_projects,
        locks=inputs.locks,
        cargo_packages=inputs.cargo_packages,
        workspaces=inputs.workspaces,
        cargo_locks=tuple(
            inputs.read_cargo_lock(path)
            for path in inputs.cargo_lock_files
            if all_cargo_locks or path in used_locks
        ),
        cargo_configs=inputs.cargo_configs,
        toolchains=inputs.toolchains,
        tool_versions=inputs.tool_versions,
        nifs=nifs,
        not_nifs=_not_nifs(inputs, nifs),
        skipped=inputs.skipped,
    )


@dataclass
class _Draft:
    """Accumulates a Nif while the chain module → crate → package → lock is followed."""

    problems: list[str]

    def need(self, value: str | Dynamic | None, what: str) -> str | None:
        if isinstance(value, Dynamic):
            self.problems.append(
                f"{what} is dynamic: `{value.source}` ({value.reason}) at {value.where}"
            )
            return None
        return value


def _hinted(module: RustlerModule, hints: tuple[ModuleHint, ...]) -> RustlerModule:
    """A module with dynamic options, described by the user in nixgen.toml, as if its options
    had been written literally."""
    hint = next((h for h in hints if h.module == module.module), None)
    if hint is None or module.options is None:
        return module
    load_from = LoadFrom(hint.otp_app, hint.load_path) if hint.load_path else None
    return replace(
        module,
        options=None,
        otp_app=hint.otp_app,
        crate=hint.crate,
        path=hint.path,
        load_from=load_from,
    )


def _crate_guesses(inputs: Inputs, project: MixProject) -> list[tuple[str, str | None]]:
    """The project's cdylib crates, those using rustler first, with their `path:` when it is not
    Rustler's default (`native/<crate>`)."""
    found = sorted(
        (p.rustler is None, p.name, p.dir)
        for p in inputs.cargo_packages
        if p.is_dynamic_library and inside(p.dir, project.dir)
    )
    return [
        (name, None if path == f"native/{name}" else path)
        for _, name, directory in found
        for path in [relative(directory, project.dir)]
    ]


def _nif(inputs: Inputs, project: MixProject, module: RustlerModule) -> Nif | UnresolvedNif:
    """A Nif when every link of the chain is known and no problem was found, else an
    UnresolvedNif with its problems."""
    draft = _Draft([])
    if module.options is not None:
        section = nif_section(
            module.module,
            project.app if isinstance(project.app, str) else None,
            _crate_guesses(inputs, project),
        )
        draft.problems.append(
            f"options are not a literal keyword list: `{module.options.source}`; "
            "nixgen cannot tell which crate this module loads — write the options literally, "
            "or describe the module in nixgen.toml (filled in with what nixgen found):\n"
            + "\n".join(f"    {line}" for line in section.splitlines())
        )
    otp_app = draft.need(module.otp_app, "otp_app")
    if module.options is None and module.otp_app is None:
        draft.problems.append("no otp_app: option (Rustler requires it)")
    crate = draft.need(module.crate, "crate") if module.crate is not None else otp_app
    package = _package(inputs, project, module, crate, draft)
    cargo_lock = _cargo_lock(inputs, package, draft)
    rustler_version = _rustler_version(inputs, project, cargo_lock)
    load_app, load_path = _load_from(module, otp_app, crate, rustler_version, draft)
    site = (module.module, module.where, module.kind, project.dir)
    version = _format(rustler_version)
    if (
        not draft.problems
        and otp_app is not None
        and crate is not None
        and package is not None
        and cargo_lock is not None
        and load_app is not None
        and load_path is not None
    ):
        return Nif(
            *site,
            otp_app=otp_app,
            crate=crate,
            package=package.manifest,
            workspace_root=package.workspace_root,
            cargo_lock=cargo_lock.path,
            lib_name=package.lib_name,
            artifact=f"lib{package.lib_name}.so",
            load_app=load_app,
            load_path=load_path,
            rustler_version=version,
        )
    return UnresolvedNif(
        *site,
        otp_app=otp_app,
        crate=crate,
        package=package.manifest if package else None,
        workspace_root=package.workspace_root if package else None,
        cargo_lock=cargo_lock.path if cargo_lock else None,
        lib_name=package.lib_name if package else None,
        artifact=f"lib{package.lib_name}.so" if package else None,
        load_app=load_app,
        load_path=load_path,
        rustler_version=version,
        problems=tuple(draft.problems),
    )


def _package(
    inputs: Inputs, project: MixProject, module: RustlerModule, crate: str | None, draft: _Draft
) -> CargoPackage | None:
    if crate is None:
        return None
    path = draft.need(module.path, "path") if module.path is not None else f"native/{crate}"
    if path is None:
        return None
    crate_dir = join(project.dir, path)
    package = next((p for p in inputs.cargo_packages if p.dir == crate_dir), None)
    if package is None:
        draft.problems.append(
            f"no Cargo.toml with a [package] in {crate_dir}/ (crate {crate!r}); "
            "set `path:` in the `use Rustler` options to the crate's directory"
        )
    elif not package.is_dynamic_library:
        draft.problems.append(
            f"crate {package.name} ({package.manifest}) is not a cdylib/dylib; "
            'add `crate-type = ["cdylib"]` to its [lib] section'
        )
    return package


def _cargo_lock(inputs: Inputs, package: CargoPackage | None, draft: _Draft) -> CargoLock | None:
    if package is None:
        return None
    path = join(package.workspace_root, "Cargo.lock")
    lock = inputs.read_cargo_lock(path) if path in inputs.cargo_lock_files else None
    if lock is None:
        draft.problems.append(
            f"no Cargo.lock in {package.workspace_root}/ for crate {package.name}; run "
            f"`cargo generate-lockfile` in {package.workspace_root} and commit the file"
        )
    return lock


def parse_version(text: str) -> Version | None:
    # At most 18 digits a number: int() of a longer one may refuse (4,300 digits).
    match = re.match(r"^\D*(\d{1,18})\.(\d{1,18})(?:\.(\d{1,18}))?(?!\d)", text)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def _format(version: Version | None) -> str | None:
    return ".".join(map(str, version)) if version else None


def _rustler_version(
    inputs: Inputs, project: MixProject, cargo_lock: CargoLock | None
) -> Version | None:
    """The Elixir-side rustler: from the project's mix.lock, else from the lock of the project
    that builds it (a path dependency has none of its own: Mix resolves its deps with the
    parent's), else a rustler Mix project read alongside, else the rustler crate in Cargo.lock
    (the two are released in step)."""
    locks = sorted(inputs.locks, key=lambda lk: lk.path != project.lockfile)
    for lock in locks:
        entry = lock.get("rustler")
        if isinstance(entry, HexLockEntry):
            return parse_version(entry.version)
    for other in (p for top in (*inputs.mix_projects, *inputs.path_projects) for p in top.walk()):
        if other.app == "rustler" and isinstance(other.version, str):
            return parse_version(other.version)
    crates = cargo_lock.find("rustler") if cargo_lock else ()
    return parse_version(crates[0].version) if crates else None


def _load_from(
    module: RustlerModule,
    otp_app: str | None,
    crate: str | None,
    version: Version | None,
    draft: _Draft,
) -> tuple[str | None, str | None]:
    if isinstance(module.load_from, Dynamic):
        draft.need(module.load_from, "load_from")
        return None, None
    if isinstance(module.load_from, LoadFrom):
        return (
            draft.need(module.load_from.app, "load_from app"),
            draft.need(module.load_from.path, "load_from path"),
        )
    if crate is None:
        return otp_app, None
    if version is None:
        draft.problems.append(
            "rustler's version is unknown (not in mix.lock or Cargo.lock), so its default "
            "load path is too; set `load_from:` explicitly"
        )
        return otp_app, None
    prefix = "" if version >= UNPREFIXED_LOAD_PATH_SINCE else "lib"
    return otp_app, f"priv/native/{prefix}{crate}"


def _not_nifs(inputs: Inputs, nifs: tuple[AnyNif, ...]) -> tuple[NotNif, ...]:
    used = {n.package for n in nifs}
    unknown = ", ".join(n.module for n in nifs if n.crate is None)
    return tuple(
        NotNif(p.manifest, p.name, _not_nif_reason(p, unknown))
        for p in inputs.cargo_packages
        if p.is_dynamic_library and p.manifest not in used
    )


def _not_nif_reason(package: CargoPackage, unknown_modules: str) -> str:
    if package.rustler is None:
        return "cdylib/dylib crate without a rustler dependency that no `use Rustler` loads"
    if unknown_modules:
        return (
            f"depends on rustler and may be the crate of {unknown_modules}, whose options "
            "are dynamic; nixgen does not guess"
        )
    return "depends on rustler, but no `use Rustler` module loads it"
