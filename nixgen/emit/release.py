"""Project → flake.nix and nix/release.nix: inputs, the mixRelease, NIF copies, checks."""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass

from nixgen.emit.render import NIX_WIDTH, check_store_name, elixir_alias, render
from nixgen.errors import Position, ResolveError
from nixgen.model import AnyNif, CargoPackage, MixProject, Nif, Project, UnresolvedNif
from nixgen.paths import inside, join, relative
from nixgen.resolve.assets import AssetsPlan
from nixgen.resolve.beam import Beam, describes

# What the release source leaves out, under the source root (docs/UPSTREAM.md U-FLAKE-SOURCE):
# nixgen's own files, and what a local build or a checkout leaves behind.
SOURCE_EXCLUDED = (".git", "flake.lock", "flake.nix", "nix", "result")
# ... and in every Mix project built in it: build output, fetched deps, stale NIF libraries.
MIX_EXCLUDED = ("_build", "deps", "priv/native")


@dataclass(frozen=True)
class NifCopy:
    crate: str  # attribute in nifs.crates
    dest: str  # relative to the directory Mix builds in, with ".so"


@dataclass(frozen=True)
class ReleasePlan:
    pname: str
    version: str
    src_root: str  # the release source: the app and its in-repository path deps
    app_subdir: str | None  # the app's directory inside src_root, when not its root
    release_name: str  # the script in $out/bin
    mix_release_name: str | None
    mix_env: str
    beam: Beam
    env: tuple[tuple[str, str], ...]
    copies: tuple[NifCopy, ...]
    modules: tuple[str, ...]
    exclude: tuple[str, ...]  # relative to src_root
    assets: AssetsPlan


def plan_release(
    project: Project,
    top: MixProject,
    beam: Beam,
    crate_attr: dict[str, str],
    assets: AssetsPlan,
    nifs: ReleaseNifs,
    dep_modules: tuple[str, ...] = (),
) -> ReleasePlan:
    """`crate_attr` maps a Cargo.toml path to its attribute in nix/nifs.nix; `nifs` are the
    release's, from `release_nifs`; `dep_modules` the modules of its NIF dependencies (Hex
    packages using RustlerPrecompiled), which the NIF-load check loads too. In-repository path
    deps are built by Mix inside the release (docs/UPSTREAM.md U-MIX-DEPS-COMPILE-PATH), so their
    sources are part of it."""
    pname = _pname(top)
    release_name = top.releases[0] if isinstance(top.releases, tuple) and top.releases else pname
    where = Position(join(top.dir, "mix.exs"))
    version = top.version if isinstance(top.version, str) else "0.0.0"
    root = _common_dir([top.dir, *nifs.path_dirs])
    return ReleasePlan(
        pname=check_store_name(pname, "the release name", where),
        version=check_store_name(version, "the app version", where),
        src_root=root,
        app_subdir=None if root == top.dir else relative(top.dir, root),
        release_name=release_name,
        mix_release_name=release_name if release_name != pname else None,
        mix_env=project.env,
        beam=beam,
        env=_switch_env(nifs.all()),
        copies=_copies(project, top.dir, nifs.all(), crate_attr),
        modules=tuple(sorted({*(n.module for n in nifs.all()), *dep_modules})),
        exclude=_excluded(project, top, nifs.path_dirs, root),
        assets=assets,
    )


@dataclass(frozen=True)
class ReleaseNifs:
    apps: tuple[AnyNif, ...]  # NIFs of the apps in the release
    deps: tuple[tuple[str, str, tuple[AnyNif, ...]], ...]  # (dep name, dep dir, its NIFs)
    path_dirs: tuple[str, ...] = ()  # every in-repository path dep of the release

    def all(self) -> tuple[Nif, ...]:
        """Every NIF of the release; one nixgen could not resolve stops generation."""
        return tuple(_resolved(n) for n in (*self.apps, *(n for _, _, ns in self.deps for n in ns)))


def release_nifs(project: Project, top: MixProject, path_deps: dict[str, str]) -> ReleaseNifs:
    """The NIFs of the apps in `top`'s release and of its path dependencies (`path_deps`: dir →
    dep name); a NIF of another Mix project of the repository stops generation."""
    apps = {p.dir for p in top.walk()}
    outside = [n for n in project.nifs if n.mix_dir not in apps and n.mix_dir not in path_deps]
    if outside:
        nif = outside[0]
        raise ResolveError(
            f"{nif.module} is a NIF of {nif.mix_dir}, which the release of {top.dir} does not "
            "include",
            nif.where,
            f"run nixgen in {nif.mix_dir} to release that project",
        )
    by_dep = {d: tuple(n for n in project.nifs if n.mix_dir == d) for d in sorted(path_deps)}
    return ReleaseNifs(
        apps=tuple(n for n in project.nifs if n.mix_dir in apps),
        deps=tuple((path_deps[d], d, nifs) for d, nifs in by_dep.items() if nifs),
        path_dirs=tuple(sorted(path_deps)),
    )


def _common_dir(dirs: list[str]) -> str:
    common = posixpath.commonpath([posixpath.join("/", d) for d in dirs]).lstrip("/")
    return common or "."


def _switch_env(nifs: tuple[Nif, ...]) -> tuple[tuple[str, str], ...]:
    """PRECOMPILED_NIF for the Rustler switch; RustlerPrecompiled modules build from source."""
    env = [("PRECOMPILED_NIF", "true")]
    if any(n.kind == "precompiled" for n in nifs):
        env.append(("RUSTLER_PRECOMPILED_FORCE_BUILD_ALL", "true"))
    return tuple(sorted(env))


def _pname(top: MixProject) -> str:
    if isinstance(top.app, str):
        return top.app
    releases = top.releases if isinstance(top.releases, tuple) else ()
    if releases:
        return releases[0]
    return posixpath.basename(posixpath.abspath(top.dir)) if top.dir != "." else "release"


def _copies(
    project: Project, base: str, nifs: tuple[Nif, ...], crate_attr: dict[str, str]
) -> tuple[NifCopy, ...]:
    return tuple(sorted({_copy(project, base, n, crate_attr) for n in nifs}, key=lambda c: c.dest))


def _resolved(nif: AnyNif) -> Nif:
    if isinstance(nif, UnresolvedNif):
        raise ResolveError(
            f"{nif.module} is not resolved: {'; '.join(nif.problems)}",
            nif.where,
            "fix the problem above (see `nixgen show`), then run nixgen again",
        )
    return nif


def _copy(project: Project, base: str, nif: Nif, crate_attr: dict[str, str]) -> NifCopy:
    """Where `nif`'s library goes, relative to `base` (the directory Mix builds in)."""
    load_dir = next(
        (p.dir for p in project.all_mix_projects() if p.app == nif.load_app), nif.mix_dir
    )
    dest = join(load_dir, nif.load_path) + ".so"
    return NifCopy(crate_attr[nif.package], relative(dest, base))


def _excluded(
    project: Project, top: MixProject, path_dirs: tuple[str, ...], root: str
) -> tuple[str, ...]:
    """Everything under `root` goes into the release source but nixgen's files, build output,
    fetched deps and stale NIF libraries of every Mix project in it, and the crates (built by
    crane, not by Mix)."""
    paths = set(SOURCE_EXCLUDED)
    for mix_dir in [p.dir for p in top.walk()] + list(path_dirs):
        for name in MIX_EXCLUDED:
            paths.add(relative(join(mix_dir, name), root))
    for package in project.cargo_packages:
        if inside(package.dir, root) and package.dir != root:
            paths.add(relative(_crate_root(package), root))
        if inside(package.workspace_root, root):
            paths.add(relative(join(package.workspace_root, "target"), root))
    kept = sorted(p for p in paths if p != "." and not p.startswith(".."))
    return tuple(p for p in kept if not any(p.startswith(q + "/") for q in kept))


def _crate_root(package: CargoPackage) -> str:
    return package.workspace_root if package.workspace_root != "." else package.dir


def load_script(modules: tuple[str, ...]) -> str:
    """Elixir for the NIF-load check: load each Rustler module, fail if its @on_load fails."""
    return (
        f"for m <- [{', '.join(map(elixir_alias, modules))}] do\n"
        "  case Code.ensure_loaded(m) do\n"
        '    {:module, ^m} -> IO.puts("loaded #{inspect(m)}")\n'
        '    error -> IO.puts(:stderr, "#{inspect(m)} failed to load: #{inspect(error)}")'
        "; System.halt(1)\n"
        "  end\n"
        "end\n"
    )


def render_flake(description: str, systems: tuple[str, ...], nixpkgs_url: str) -> str:
    return render(
        "flake.nix.j2", description=description, systems=sorted(systems), nixpkgs_url=nixpkgs_url
    )


def render_release(plan: ReleasePlan) -> str:
    fields = {f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)}
    return render(
        "release.nix.j2",
        **fields,
        load_script=load_script(plan.modules),
        beam_table=describes(),
        nix_width=NIX_WIDTH,
    )
