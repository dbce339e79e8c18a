"""Build rehearsal: run what the generated flake's derivations would run, without Nix.

No machine of this project can run `nix build` (README, "Limitations": no real `nix build` is part
of the test suite). The mocks (tests/nixmock) check that the generated Nix *evaluates*; this module
checks what it *does*: it evaluates the generated flake against the mocks (tests/nixeval.py, one
`nix eval --json --apply` call), then executes, phase by phase and in a temporary directory, what
nixpkgs' `beamPackages.mixRelease` and `buildMix` would do with the evaluated attributes, with this
machine's real `mix`/`elixir`/`erl` and `cargo`:

* each NIF crate (`packages`/`checks` `nif-<crate>`) is built with the real `cargo build --release`
  for the host target (its locked crates.io dependencies fetched first, as crane vendors them) and
  installed as crane does, at `<out>/<library>` (`lib/lib<name>.so`);
* each `mixNixDeps` entry (and its `beamDeps`, dependencies first) goes through buildMix's phases;
* the release goes through mixRelease's phases, the generated shell snippets (`preConfigure`,
  `postConfigure`, `preBuild`, `postBuild`, ...) run VERBATIM with bash;
* `nifLoad`'s `buildCommand` runs verbatim against the rehearsed release, each `writeText` file
  its derivation is given (the Elixir it evaluates) written out with the text the flake evaluates
  to and its variable pointing at it, as in the build (U-TRIVIAL-BUILDERS).

Store paths in generated shell text and in `env` values are substituted: a NIF crate's output by
the directory its cargo build was installed to, a dependency's or the release's output by the
directory the rehearsal built it in, a tool placeholder `<store path>/bin/<prog>` (e.g.
`lib.getExe pkgs.esbuild`) by tests/standins/bin/<prog>. Store paths that exist on disk are
evaluation-time copies of project files (`lib.fileset.toSource`, `appConfigPath`) and are used as
they are. Any other store path is an error naming it.

Hex is unreachable here: a Hex dependency's `src` (the `fetchHex` derivation, `pname =
"hex-source-<pkg>"`) is replaced by the stand-in source tests/standins/<pkg>/ (example/vendor/rustler
for `rustler`), unpacked as fetchHex does; the Hex client itself (nixpkgs' `hex`, on ERL_LIBS in
both builders) by tests/standins/hex. A git dependency cannot be rehearsed: RehearsalSkip.

Upstream behaviour is cited by the IDs of docs/UPSTREAM.md (U-MIXRELEASE-PHASES,
U-MIXRELEASE-ENV, U-BUILDMIX, U-BUILDMIX-ENV, U-FETCHHEX, U-CRANE-INSTALL, U-MIX-DEPS-COMPILE-PATH,
U-RELEASE-EVAL) and the nixpkgs file each step follows:
pkgs/development/beam-modules/mix-release.nix @ 2ff9ee32 and its hooks/*.sh,
build-mix.nix (the hook-based version), fetch-hex.nix @ e4f8726d.

Differences from a Nix build, on purpose: no sandbox (only `cargo fetch` uses the network, as
crane's vendoring does; nothing else needs it), the host's glibc target instead of musl, Debian's
OTP/Elixir instead of nixpkgs', no `wrapProgram` and no ERTS reference scrubbing in the release
fixup. The outputs of dependencies and of the release are made read-only (chmod -R a-w) and, since
root ignores permissions, also snapshotted: any later change to them fails the rehearsal, as a
write into the Nix store would fail the build.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.example import make_fake_cargo, tool_env
from support.nixeval import nix_eval_json

REPO = Path(__file__).resolve().parents[2]
STANDINS = REPO / "tests" / "standins"
STANDIN_BIN = STANDINS / "bin"
# The stand-in for the Elixir `rustler` package already exists (example/README.md): reused.
HEX_STANDIN_SOURCES = {"rustler": REPO / "example" / "vendor" / "rustler"}
TIMEOUT = 300  # seconds per external command
# What a rehearsed build keeps of tool_env (tests/test_e2e.py); the derivation's env comes on top.
SANDBOX_KEEP = frozenset(
    {"PATH", "HOME", "MIX_HOME", "HEX_HOME", "HEX_OFFLINE", "MIX_ENV", "LANG"}
    | {"RUSTUP_HOME", "CARGO_HOME", "CARGO_NET_OFFLINE"}
)
TAIL_LINES = 60

# A store path, optionally followed by /bin/<program> (what `lib.getExe` returns).
STORE_PATH = re.compile(
    r"(/nix/store/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+)(/bin/[A-Za-z0-9+\-._]+)?"
)

# One evaluation gives everything (applied to `checks.<system>`). Attribute values are read the
# way the builder would see them; `env` is what was given to mkDerivation (read back through
# `overrideAttrs`, which hands over the final attributes).
APPLY = r"""
checks:
let
  b = builtins;
  str = v:
    if v == null then null
    else if b.isString v then v
    else if b.isBool v then (if v then "1" else "")
    else if b.isList v then b.concatStringsSep " " (map str v)
    else toString v;
  attrsOf = d:
    if d ? overrideAttrs
    then (d.overrideAttrs (old: { passthru = (old.passthru or { }) // { rehearsalAttrs = old; }; })).rehearsalAttrs
    else { };
  envOf = d:
    let e = if d ? env && b.isAttrs d.env then d.env else ((attrsOf d).env or { });
    in b.mapAttrs (_: str) e;
  hookNames = [
    "unpackPhase" "postUnpack" "sourceRoot" "patches" "prePatch" "patchPhase" "postPatch"
    "configurePhase" "preConfigure" "postConfigure" "buildPhase" "preBuild" "postBuild"
    "installPhase" "preInstall" "postInstall" "postFixup" "dontMixCompile" "escriptBinName"
  ];
  hooks = d: b.listToAttrs (b.concatMap
    (n: if d ? ${n} && d.${n} != null then [ { name = n; value = str d.${n}; } ] else [ ])
    hookNames);
  hexSrc = s:
    if b.isAttrs s && b.substring 0 11 (s.pname or "") == "hex-source-"
    then { pkg = b.substring 11 (-1) s.pname; version = s.version or ""; out = s.outPath; }
    else null;
  gitSrc = s:
    if b.isAttrs s && (s ? rev || s ? url) && hexSrc s == null
    then { url = str (s.url or ""); rev = str (s.rev or ""); out = s.outPath; }
    else null;
  beamDepsOf = d: d.beamDeps or (d.passthru.beamDeps or [ ]);
  # A runCommand's attributes that are writeText files: the builder sees each as a variable
  # holding the file's path (U-TRIVIAL-BUILDERS).
  textFiles = d: b.listToAttrs (b.concatMap
    (n: let v = d.${n}; in
      if b.isAttrs v && v ? outPath && v ? text && b.isString v.text
      then [ { name = n; value = v.text; } ] else [ ])
    (b.attrNames d));
  dep = d: {
    out = d.outPath;
    drvName = d.name;
    app = d.beamModuleName or d.packageName or d.app_name or null;
    version = str (d.version or null);
    kind =
      if d ? buildCommand then "runCommand"
      else if d ? app_name then "buildErlangMk"
      else if d ? appConfigPath then "buildMix"
      else if d ? beamModuleName then "buildRebar3"
      else "unknown";
    src = if d ? src then str d.src else null;
    hexSrc = if d ? src then hexSrc d.src else null;
    gitSrc = if d ? src then gitSrc d.src else null;
    appConfigPath = if d ? appConfigPath then str d.appConfigPath else null;
    env = envOf d;
    hooks = hooks d;
    buildCommand = d.buildCommand or null;
    beamDeps = map (x: x.outPath) (beamDepsOf d);
  };
  r = checks.release;
  mixNixDeps = r.mixNixDeps or (r.passthru.mixNixDeps or { });
  closure = b.genericClosure {
    startSet = map (d: { key = d.outPath; drv = d; }) (b.attrValues mixNixDeps);
    operator = item: map (d: { key = d.outPath; drv = d; }) (beamDepsOf item.drv);
  };
  crateNames = b.filter (n: b.substring 0 4 n == "nif-") (b.attrNames checks);
in
{
  release = {
    out = r.outPath;
    name = r.name;
    pname = r.pname or r.name;
    version = str (r.version or "");
    src = str r.src;
    env = envOf r;
    hooks = hooks r;
    removeCookie = r.removeCookie or true;
    mixReleaseName = str (r.mixReleaseName or "");
    compileFlags = str (r.mixCompileFlags or (r.compileFlags or [ ]));
    mixNixDeps = b.mapAttrs (_: d: d.outPath) mixNixDeps;
  };
  deps = b.listToAttrs (map (item: { name = b.unsafeDiscardStringContext item.key; value = dep item.drv; }) closure);
  nifLoad = {
    out = checks.nifLoad.outPath;
    name = checks.nifLoad.name;
    buildCommand = checks.nifLoad.buildCommand;
    files = textFiles checks.nifLoad;
  };
  crates = b.listToAttrs (map (n: let c = checks.${n}; in {
    name = b.substring 4 (-1) n;
    value = {
      out = c.outPath;
      pname = c.pname or n;
      src = str c.src;
      library = c.library or (c.passthru.library or null);
      cargoExtraArgs = str (c.cargoExtraArgs or "--locked");
    };
  }) crateNames);
}
"""

# ----------------------------------------------------------------------------- upstream hooks
# Hook bodies as bash, copied from the nixpkgs hook files they name (their `echo` lines left out).

# hooks/mix-build-dir-hook.sh @ d030e245 (mixBuildDirHook; U-MIXRELEASE-PHASES, U-BUILDMIX):
# every entry of every ERL_LIBS directory, linked as _build/$MIX_BUILD_PREFIX/lib/<name cut at '-'>.
MIX_BUILD_DIR_HOOK = r"""
mkdir -p _build/"$MIX_BUILD_PREFIX"/lib
while read -r -d ':' lib; do
  for dir in "$lib"/*; do
    dest=$(basename "$dir" | cut -d '-' -f1)
    build_dir="_build/$MIX_BUILD_PREFIX/lib/$dest"
    ln -sv "$dir" "$build_dir"
  done
done <<<"$ERL_LIBS:"
"""

# hooks/mix-app-config-patch-hook.sh @ a7e18bfc (mixAppConfigPatchHook, prePatch; U-BUILDMIX).
MIX_APP_CONFIG_PATCH_HOOK = r"""
rm -rvf config
if [ ! -z "${appConfigPath}" ]; then
  ln -sf "${appConfigPath}" config
fi
"""

# hooks/beam-copy-source-hook.sh @ 06a3ecd2 (beamCopySourceHook, postPatch; U-BUILDMIX).
BEAM_COPY_SOURCE_HOOK = r"""
mkdir -p "$out/src"
cp -r "." "$out/src"
"""

# hooks/beam-module-install-hook.sh @ a3961166 (beamModuleInstallHook, installPhase; U-BUILDMIX).
BEAM_MODULE_INSTALL_HOOK = r"""
mkdir -p "$out/lib/erlang/lib/${beamModuleName}-${version}"
for reldir in _build/{$MIX_BUILD_PREFIX,shared}/lib/${beamModuleName}/{src,ebin,priv,include}; do
  if test -d "$reldir"; then
    cp -vHrt "$out/lib/erlang/lib/${beamModuleName}-${version}" "$reldir"
  fi
done
"""

# hooks/mix-nix-deps-setup-hook.sh @ 5ed96fe1 (mixNixDepsPostConfigure; U-MIXRELEASE-PHASES). The
# associative array mixNixDeps (structured attrs) is declared by the caller of this snippet.
MIX_NIX_DEPS_POST_CONFIGURE = r"""
for name in "${!mixNixDeps[@]}"; do
  if [ -d "${mixNixDeps[$name]}/src" ]; then
    mkdir -p deps
    ln -sv "${mixNixDeps[$name]}/src" "deps/$name"
  fi
done
"""

# mix-release.nix @ 2ff9ee32 L187-191 (postFixup with removeCookie; U-MIXRELEASE-PHASES), after
# L171-172 (the .bat removal). The wrapProgram loop (L175-185) and the ERTS reference scrubbing
# (L194-221) concern nixpkgs' store paths and are not rehearsed.
RELEASE_POST_FIXUP = r"""
rm -f "$out"/bin/*.bat
"""
RELEASE_REMOVE_COOKIE = r"""
if [ -e $out/releases/COOKIE ]; then
  echo "removing $out/releases/COOKIE"
  rm $out/releases/COOKIE
fi
"""


class RehearsalError(AssertionError):
    """A rehearsed step failed: the message names the step, the command, its cwd and output."""


class RehearsalSkip(Exception):
    """The project cannot be rehearsed here (e.g. a git dependency); the message says why."""


@dataclass
class Step:
    """One command the rehearsal ran."""

    name: str
    command: str
    cwd: Path
    returncode: int
    output: str


@dataclass
class Rehearsal:
    """What a rehearsal built and observed."""

    project: Path
    work: Path
    evaluated: dict[str, Any]
    release_out: Path = Path()
    nif_load_out: Path = Path()
    crate_outs: dict[str, Path] = field(default_factory=dict)
    dep_outs: dict[str, Path] = field(default_factory=dict)  # by app name
    steps: list[Step] = field(default_factory=list)
    cargo_marker: Path = Path()

    def cargo_calls(self) -> list[str]:
        """The command lines the failing `cargo` in front of PATH received during Mix steps."""
        if not self.cargo_marker.exists():
            return []
        return self.cargo_marker.read_text(encoding="utf-8").splitlines()

    def output_of(self, name: str) -> str:
        return "\n".join(step.output for step in self.steps if step.name == name)

    def release_app_dir(self, app: str) -> Path:
        """lib/<app>-<version> of the rehearsed release."""
        matches = sorted((self.release_out / "lib").glob(f"{app}-*"))
        if len(matches) != 1:
            raise RehearsalError(f"release has {len(matches)} lib/{app}-* directories: {matches}")
        return matches[0]


# ----------------------------------------------------------------------------- helpers


def evaluate(project: Path, system: str = "x86_64-linux") -> dict[str, Any]:
    """The attributes the rehearsal needs, in one `nix eval --json --apply` over the mocks."""
    data = nix_eval_json(project, f"checks.{system}", extra_args=["--apply", APPLY])
    assert isinstance(data, dict)
    return data


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    split = text.splitlines()
    cut = split[-lines:]
    prefix = f"[... {len(split) - lines} lines cut ...]\n" if len(split) > lines else ""
    return prefix + "\n".join(cut)


def _make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


def _make_read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root (symlinks not followed) with its size and mtime."""
    snap: dict[str, tuple[int, int]] = {}
    for path in [root, *root.rglob("*")]:
        stat = path.lstat()
        snap[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return snap


def _copy_tree(src: Path, dest: Path) -> None:
    """stdenv's unpackPhase for a directory source: copy, links kept, then `chmod -R u+w`."""
    shutil.copytree(src, dest, symlinks=True)
    _make_writable(dest)


def _hex_inner_checksum(project: Path, pkg: str, version: str) -> str:
    """The inner checksum mix.lock records for a Hex package: what fetchHex's `.hex` holds.

    fetch-hex.nix L122 writes the tarball's CHECKSUM file, which is that inner checksum when the
    tarball is the one the lock names (U-FETCHHEX).
    """
    lock = project / "mix.lock"
    text = lock.read_text(encoding="utf-8") if lock.is_file() else ""
    pattern = re.compile(
        r'\{:hex,\s*:"?'
        + re.escape(pkg)
        + r'"?,\s*"'
        + re.escape(version)
        + r'",\s*"([0-9a-fA-F]{64})"'
    )
    match = pattern.search(text)
    if match is None:
        raise RehearsalError(f"mix.lock has no :hex entry for {pkg} {version}")
    return match[1].lower()


def _mix_exs_version(project_dir: Path) -> str | None:
    match = re.search(
        r'version:\s*"([^"]+)"', (project_dir / "mix.exs").read_text(encoding="utf-8")
    )
    return match[1] if match else None


# ----------------------------------------------------------------------------- the rehearsal


class Rehearser:
    """Runs one rehearsal of `project` (after `nixgen init`) in `work`."""

    def __init__(self, project: Path, work: Path, *, cache: Path, system: str = "x86_64-linux"):
        self.project = project
        self.work = work
        self.cache = cache
        self.system = system
        self.store_map: dict[str, Path] = {}
        self.read_only: dict[Path, dict[str, tuple[int, int]]] = {}
        self.fake_bin = work / "fake-cargo-bin"
        self.result = Rehearsal(project=project, work=work, evaluated={})
        self.result.cargo_marker = work / "cargo-was-called"

    # -- commands -------------------------------------------------------------------------

    def _env(self, drv: str, drv_env: Mapping[str, str], *, mix_env: str) -> dict[str, str]:
        """A clean environment (tool_env of tests/test_e2e.py: tmp HOME/MIX_HOME/HEX_HOME,
        HEX_OFFLINE=1, no MIX_*/HEX_*/RUSTLER_*/CARGO_* leaking) with a failing cargo first on
        PATH, a fresh TMPDIR, then the derivation's env (store paths substituted)."""
        tmp = self.work / "tmp" / drv
        env = tool_env(tmp, precompiled=False, mix_env=mix_env, path_prefix=self.fake_bin)
        # A build sees no variable of the caller's (e.g. a DATABASE_URL set on this machine).
        env = {name: value for name, value in env.items() if name in SANDBOX_KEEP}
        (tmp / "tmpdir").mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = env["TEMPDIR"] = env["NIX_BUILD_TOP"] = str(tmp / "tmpdir")
        for name, value in drv_env.items():
            env[name] = self.substitute(value, f"{drv}: env.{name}")
        return env

    def run(self, name: str, argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
        """Run a command that must succeed; its output (stderr merged)."""
        proc = run_command(name, argv, cwd, env)
        self.result.steps.append(Step(name, shlex.join(argv), cwd, proc.returncode, proc.stdout))
        output = succeeded(name, argv, cwd, proc)
        self.check_read_only(name)
        return output

    def bash(
        self, name: str, script: str, cwd: Path, env: Mapping[str, str], prelude: str = ""
    ) -> str:
        """Run shell text as stdenv does (bash, `set -eu -o pipefail`); store paths substituted."""
        text = self.substitute(script, name)
        slug = re.sub(r"[^\w.-]", "_", name)
        path = self.work / "scripts" / f"{len(self.result.steps):03d}-{slug}.sh"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{prelude}\n{text}", encoding="utf-8")
        try:
            return self.run(name, ["bash", "-eu", "-o", "pipefail", str(path)], cwd, env)
        except RehearsalError as error:
            raise RehearsalError(f"{error}\n--- script {path}\n{text}") from None

    # -- store paths ----------------------------------------------------------------------

    def substitute(self, text: str, what: str) -> str:
        unmapped: list[str] = []

        def replace(match: re.Match[str]) -> str:
            store, program = match[1], match[2] or ""
            if store in self.store_map:
                return f"{self.store_map[store]}{program}"
            if program and (STANDIN_BIN / program.removeprefix("/bin/")).is_file():
                return str(STANDIN_BIN / program.removeprefix("/bin/"))
            if Path(store).exists():  # an evaluation-time copy of project files
                return match[0]
            unmapped.append(match[0])
            return match[0]

        result = STORE_PATH.sub(replace, text)
        if unmapped:
            raise RehearsalError(
                f"{what}: store path(s) the rehearsal cannot provide: {', '.join(sorted(set(unmapped)))}"
                f"\n--- text\n{text}"
            )
        return result

    def out_dir(self, store_path: str) -> Path:
        """The directory standing in for a derivation output (named like its store path)."""
        path = self.work / "store" / Path(store_path).name
        self.store_map[store_path] = path
        return path

    def seal(self, out: Path) -> None:
        """Make an output read-only, like the Nix store, and remember its contents."""
        _make_read_only(out)
        self.read_only[out] = _snapshot(out)

    def check_read_only(self, step: str) -> None:
        for out, before in self.read_only.items():
            after = _snapshot(out)
            if after != before:
                changed = sorted(
                    set(after.keys() ^ before.keys())
                    | {k for k in after.keys() & before.keys() if after[k] != before[k]}
                )
                raise RehearsalError(
                    f"{step}: wrote into the read-only output {out} (in the Nix store this fails: "
                    f"read-only file system): {', '.join(changed[:20])}"
                )

    # -- stand-ins ------------------------------------------------------------------------

    def hex_standin(self) -> Path:
        """tests/standins/hex compiled once per cache, installed like nixpkgs' `hex`
        (`$out/lib/erlang/lib/hex`, setup hook `addToSearchPath ERL_LIBS`)."""
        out = self.cache / "hex-standin"
        libs = out / "lib" / "erlang" / "lib"
        if not (libs / "hex" / "ebin" / "hex.app").is_file():
            build = self.cache / "hex-standin-build"
            shutil.rmtree(build, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.copytree(
                STANDINS / "hex", build, ignore=shutil.ignore_patterns("_build", "deps")
            )
            env = tool_env(self.cache / "hex-tmp", precompiled=False, mix_env="prod")
            self.run("hex stand-in: mix compile", ["mix", "compile"], build, env)
            libs.mkdir(parents=True)
            shutil.copytree(build / "_build" / "prod" / "lib" / "hex", libs / "hex", symlinks=False)
        return libs

    def fetch_hex(self, dep: Mapping[str, Any]) -> Path:
        """fetchHex's output for a Hex source, from the stand-in source (U-FETCHHEX,
        fetch-hex.nix @ e4f8726d L110-128: the tarball's contents, `hex_metadata.config`, and
        `.hex` = "<pkg>,<version>,<checksum>,hexpm")."""
        hex_src = dep["hexSrc"]
        pkg, version = str(hex_src["pkg"]), str(hex_src["version"])
        source = HEX_STANDIN_SOURCES.get(pkg, STANDINS / pkg)
        if not (source / "mix.exs").is_file():
            raise RehearsalSkip(
                f"no stand-in source for the Hex package {pkg} (tests/standins/{pkg})"
            )
        standin_version = _mix_exs_version(source)
        if standin_version != version:
            raise RehearsalError(
                f"the Hex package {pkg} is locked at {version}, its stand-in {source} is {standin_version}"
            )
        out = self.out_dir(str(hex_src["out"]))
        if not out.exists():
            shutil.copytree(
                source, out, ignore=shutil.ignore_patterns("_build", "deps", "README.md")
            )
            checksum = _hex_inner_checksum(self.project, pkg, version)
            (out / ".hex").write_text(f"{pkg},{version},{checksum},hexpm", encoding="utf-8")
            metadata = (
                f'{{<<"name">>,<<"{pkg}">>}}.\n{{<<"version">>,<<"{version}">>}}.\n'
                f'{{<<"app">>,<<"{dep["app"]}">>}}.\n{{<<"build_tools">>,[<<"mix">>]}}.\n'
            )
            (out / "hex_metadata.config").write_text(metadata, encoding="utf-8")
            self.seal(out)
        return out

    # -- NIF crates (crane) ---------------------------------------------------------------

    def build_crates(self) -> None:
        """crane's buildPackage, approximated by the real `cargo build --release` for the host
        target, installed flat as crane does: `<out>/<library>` (lib/lib<name>.so; U-CRANE-INSTALL).
        Cached per crate source in `cache` (the source is an evaluation-time store copy).

        As crane vendors the locked crates (fixed-output derivations, with network) before the
        offline build, `cargo fetch --locked` runs first with the network allowed: it downloads
        into CARGO_HOME's registry what is missing there (everything on a fresh machine) and uses
        no network once all of it is there. The build itself runs offline (CARGO_NET_OFFLINE from
        tool_env). All builds of one cache share a CARGO_TARGET_DIR, so crates.io dependencies
        such as rustler are compiled once per test session."""
        target = self.cache / "cargo-target"
        for name, crate in sorted(self.result.evaluated["crates"].items()):
            library = crate["library"]
            if not library:
                raise RehearsalError(f"nif-{name}: no `library` attribute")
            key = hashlib.sha256(
                f"{crate['src']}\0{crate['cargoExtraArgs']}\0{library}".encode()
            ).hexdigest()[:20]
            out = self.cache / "crates" / f"{key}-{name}"
            if not (out / library).is_file():
                build = self.cache / "crate-builds" / f"{key}-{name}"
                shutil.rmtree(build, ignore_errors=True)
                _copy_tree(Path(crate["src"]), build / "source")
                env = tool_env(build / "tmp", precompiled=False, mix_env="prod")
                env["CARGO_TARGET_DIR"] = str(target)
                online = {k: v for k, v in env.items() if k != "CARGO_NET_OFFLINE"}
                fetch = ["cargo", "fetch", "--locked"]
                self.run(f"nif-{name}: cargo fetch", fetch, build / "source", online)
                built = target / "release" / Path(library).name
                # Another crate of this session may have left a library of the same name there.
                built.unlink(missing_ok=True)
                argv = ["cargo", "build", "--release", *shlex.split(crate["cargoExtraArgs"])]
                self.run(f"nif-{name}: cargo build", argv, build / "source", env)
                if not built.is_file():
                    raise RehearsalError(f"nif-{name}: cargo did not produce {built}")
                (out / library).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(built, out / library)
            self.store_map[crate["out"]] = out
            self.result.crate_outs[name] = out / library

    # -- buildMix ---------------------------------------------------------------------------

    def dep_order(self) -> list[str]:
        deps: dict[str, Any] = self.result.evaluated["deps"]
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(key: str) -> None:
            if state.get(key) == "done":
                return
            if state.get(key) == "visiting":
                raise RehearsalError(f"dependency cycle through {deps[key]['drvName']}")
            state[key] = "visiting"
            for child in deps[key]["beamDeps"]:
                visit(child)
            state[key] = "done"
            order.append(key)

        for key in sorted(deps, key=lambda k: str(deps[k]["drvName"])):
            visit(key)
        return order

    def erl_libs(self, dep_keys: Sequence[str]) -> str:
        """ERL_LIBS as the builders' setup hooks leave it: hex (nativeBuildInputs) first, then
        every dependency's `lib/erlang/lib`, the propagated beamDeps included."""
        deps: dict[str, Any] = self.result.evaluated["deps"]
        closure: list[str] = []

        def add(key: str) -> None:
            if key in closure:
                return
            closure.append(key)
            for child in deps[key]["beamDeps"]:
                add(child)

        for key in dep_keys:
            add(key)
        libs = [str(self.hex_standin())]
        libs += [str(self.store_map[key] / "lib" / "erlang" / "lib") for key in closure]
        return ":".join(libs)

    def build_dep(self, key: str) -> None:
        dep: dict[str, Any] = self.result.evaluated["deps"][key]
        label = f"{dep['app'] or dep['drvName']}"
        kind = dep["kind"]
        if dep["gitSrc"] is not None:
            git = dep["gitSrc"]
            raise RehearsalSkip(
                f"{label} is a git dependency ({git['url']} {git['rev']}): not rehearsed"
            )
        if kind == "runCommand":
            self.run_command_dep(key, dep, label)
            return
        if kind != "buildMix":
            raise RehearsalSkip(f"{label} is built with {kind}: not rehearsed")
        if dep["hexSrc"] is not None:
            src = self.fetch_hex(dep)
        elif dep["src"] and Path(dep["src"]).is_dir():
            src = Path(dep["src"])
        else:
            raise RehearsalError(
                f"{label}: source {dep['src']} is neither a Hex package nor a store copy"
            )
        hooks: dict[str, str] = dep["hooks"]
        _refuse_replaced_phases(label, hooks)

        out = self.out_dir(key)
        build_top = self.work / "build" / Path(key).name
        source = build_top / "source"
        _copy_tree(src, source)
        # U-BUILDMIX: build-mix.nix env (MIX_ENV, MIX_TARGET, MIX_BUILD_PREFIX, MIX_DEBUG,
        # HEX_OFFLINE, ERL_COMPILER_OPTIONS, LANG/LC_CTYPE, beamModuleName) as the derivation has
        # it in the end: buildMix replaces a caller's `env` (U-BUILDMIX-ENV, as the mock does), an
        # `overrideAttrs` adding to it is kept.
        drv_env = dict(dep["env"])
        drv_env.setdefault("MIX_ENV", "prod")
        drv_env.setdefault("MIX_TARGET", "host")
        drv_env.setdefault("MIX_BUILD_PREFIX", drv_env["MIX_ENV"])
        drv_env.setdefault("HEX_OFFLINE", "1")
        drv_env.setdefault("LANG", "C.UTF-8")
        drv_env.setdefault("LC_CTYPE", "C.UTF-8")
        drv_env.setdefault("beamModuleName", str(dep["app"]))
        env = self._env(Path(key).name, drv_env, mix_env=drv_env["MIX_ENV"])
        env["out"] = str(out)
        env["version"] = str(dep["version"])
        env["appConfigPath"] = self.substitute(
            dep["appConfigPath"] or "", f"{label}: appConfigPath"
        )
        env["ERL_LIBS"] = self.erl_libs(dep["beamDeps"])
        out.mkdir(parents=True)

        def phase(name: str, upstream: str = "") -> None:
            if name in hooks:
                self.bash(f"{label}: {name} (caller's, verbatim)", hooks[name], source, env)
            if upstream:
                self.bash(f"{label}: {name} hook", upstream, source, env)

        # stdenv's phases with build-mix.nix's hooks (U-BUILDMIX): prePatch runs the caller's
        # prePatch, then mixAppConfigPatchHook; postPatch the caller's, then beamCopySourceHook;
        # preConfigure the caller's, then mixBuildDirHook.
        phase("prePatch", MIX_APP_CONFIG_PATCH_HOOK)
        phase("postPatch", BEAM_COPY_SOURCE_HOOK)
        phase("preConfigure", MIX_BUILD_DIR_HOOK)
        phase("postConfigure")
        # mixCompileHook (hooks/mix-compile-hook.sh @ a7e18bfc): preBuild, mix compile, postBuild.
        phase("preBuild")
        self.run(f"{label}: mix compile", ["mix", "compile", "--no-deps-check"], source, env)
        phase("postBuild")
        # beamModuleInstallHook; the stored hook does not run preInstall/postInstall (nixpkgs PR
        # #530508 later made it do so): run them around it, as newer nixpkgs does.
        phase("preInstall")
        self.bash(f"{label}: beamModuleInstallHook", BEAM_MODULE_INSTALL_HOOK, source, env)
        phase("postInstall")
        self.seal(out)
        if dep["app"]:
            self.result.dep_outs[str(dep["app"])] = out

    def run_command_dep(self, key: str, dep: Mapping[str, Any], label: str) -> None:
        """A dependency made by runCommand (nixgen's source-only deps): its buildCommand verbatim."""
        out = self.out_dir(key)
        env = self._env(Path(key).name, dep["env"], mix_env="prod")
        env["out"] = str(out)
        self.bash(f"{label}: buildCommand (verbatim)", str(dep["buildCommand"]), self.work, env)
        if not out.exists():
            raise RehearsalError(f"{label}: buildCommand did not create $out")
        self.seal(out)
        if dep["app"]:
            self.result.dep_outs[str(dep["app"])] = out

    # -- mixRelease -------------------------------------------------------------------------

    def build_release(self) -> None:
        rel: dict[str, Any] = self.result.evaluated["release"]
        hooks: dict[str, str] = rel["hooks"]
        _refuse_replaced_phases("the release", hooks)
        if hooks.get("escriptBinName"):
            raise RehearsalSkip("an escript (escriptBinName) is not rehearsed")
        if hooks.get("dontMixCompile"):
            raise RehearsalSkip("dontMixCompile is not rehearsed")

        out = self.out_dir(rel["out"])
        self.result.release_out = out
        build_top = self.work / "build" / "release"
        build_top.mkdir(parents=True)
        # unpackPhase: the source (a lib.fileset.toSource store path, named "source") copied
        # into the build directory and made writable; then `cd` into sourceRoot if set.
        _copy_tree(Path(rel["src"]), build_top / "source")

        # U-MIXRELEASE-ENV: mix-release.nix @ 2ff9ee32 L146-168, the defaults merged under the
        # caller's env (`// (attrs.env or { })`). MIX_REBAR/MIX_REBAR3 are left out (no rebar
        # here); HOME is a writable tmp (writableTmpDirAsHomeHook), given by tool_env.
        given: dict[str, str] = dict(rel["env"])
        for rebar in ("MIX_REBAR", "MIX_REBAR3"):  # L156-157: only rebar deps use them, and
            given.pop(rebar, None)  # those are not rehearsed (RehearsalSkip)
        mix_env = given.get("MIX_ENV", "prod")
        mix_target = given.get("MIX_TARGET", "host")
        defaults = {
            "MIX_ENV": mix_env,
            "MIX_TARGET": mix_target,
            "MIX_BUILD_PREFIX": ("" if mix_target == "host" else f"{mix_target}_") + mix_env,
            "MIX_DEBUG": "0",
            "HEX_OFFLINE": "1",
            "DEBUG": "0",
            "ERL_COMPILER_OPTIONS": "[deterministic]",
            "LANG": "C.UTF-8",
            "LC_CTYPE": "C.UTF-8",
        }
        env = self._env("release", {**defaults, **given}, mix_env=mix_env)
        env["out"] = str(out)
        # The mixNixDeps derivations are nativeBuildInputs (L131): their setup hooks fill
        # ERL_LIBS, with the propagated beamDeps; hex comes first (L115).
        dep_keys = list(rel["mixNixDeps"].values())
        env["ERL_LIBS"] = self.erl_libs(dep_keys)
        # Structured attrs (L141): attributes are bash variables, not exported.
        prelude = "\n".join(
            [
                f"pname={shlex.quote(str(rel['pname']))}",
                f"version={shlex.quote(str(rel['version']))}",
                f"src={shlex.quote(str(rel['src']))}",
            ]
        )

        top_env = env
        if hooks.get("postUnpack"):
            self.bash(
                "release: postUnpack (verbatim)", hooks["postUnpack"], build_top, env, prelude
            )
        source_root = hooks.get("sourceRoot") or "source"
        cwd = build_top / source_root
        if not cwd.is_dir():
            raise RehearsalError(
                f"release: sourceRoot {source_root!r} is not a directory of the source"
            )

        def caller(name: str) -> None:
            if hooks.get(name):
                self.bash(
                    f"release: {name} (caller's, verbatim)", hooks[name], cwd, top_env, prelude
                )

        # U-MIXRELEASE-PHASES, in upstream order (runHook runs the caller's hook first, then the
        # hooks registered by nativeBuildInputs in their order).
        caller("prePatch")
        caller("postPatch")
        # configurePhase: preConfigure = caller's, then mixBuildDirHook.
        caller("preConfigure")
        self.bash("release: mixBuildDirHook", MIX_BUILD_DIR_HOOK, cwd, env, prelude)
        # postConfigure = caller's, then mixDepsCompileHook (hooks/mix-deps-compile-hook.sh @
        # 2ff9ee32), then mixNixDepsPostConfigure (registered after it, L131). deps.compile keeps
        # unavailable path deps and fails on them; unavailable Hex deps (deps/ is linked only
        # afterwards) are skipped (U-MIX-DEPS-COMPILE-PATH).
        caller("postConfigure")
        self.run(
            "release: mix deps.compile",
            ["mix", "deps.compile", "--no-deps-check", "--skip-umbrella-children"],
            cwd,
            env,
        )
        declare = " ".join(
            f"[{shlex.quote(name)}]={shlex.quote(path)}"
            for name, path in sorted(rel["mixNixDeps"].items())
        )
        self.bash(
            "release: mixNixDepsPostConfigure",
            f"declare -A mixNixDeps=({declare})\n{MIX_NIX_DEPS_POST_CONFIGURE}",
            cwd,
            env,
            prelude,
        )
        # buildPhase = mixCompileHook (hooks/mix-compile-hook.sh @ a7e18bfc).
        caller("preBuild")
        flags = shlex.split(rel["compileFlags"] or "")
        self.run("release: mix compile", ["mix", "compile", "--no-deps-check", *flags], cwd, env)
        caller("postBuild")
        # installPhase = mixReleaseInstallHook (hooks/mix-release-setup-hook.sh @ ab47a5d5).
        caller("preInstall")
        name = [rel["mixReleaseName"]] if rel["mixReleaseName"] else []
        self.run(
            "release: mix release",
            ["mix", "release", *name, "--no-deps-check", "--path", str(out)],
            cwd,
            env,
        )
        caller("postInstall")
        # fixupPhase: mixRelease's own postFixup (L170-227; lib.extendMkDerivation puts it over
        # a postFixup given to mixRelease, so only overrideAttrs can replace it). One that still
        # wraps the programs is mixRelease's (as the mocks render it): rehearsed as below. Any
        # other was put there by an override and runs verbatim.
        post_fixup = hooks.get("postFixup", "")
        if post_fixup and "wrapProgram" not in post_fixup:
            caller("postFixup")
        else:
            fixup = RELEASE_POST_FIXUP + (RELEASE_REMOVE_COOKIE if rel["removeCookie"] else "")
            self.bash("release: postFixup", fixup, cwd, env, prelude)
        self.seal(out)

    # -- nifLoad ----------------------------------------------------------------------------

    def nif_load(self) -> None:
        """checks.nifLoad: pkgs.runCommand, its buildCommand verbatim (bash, set -eu -o pipefail)
        with `$out` and `$TMPDIR` set and HOME=/homeless-shelter, as in a Nix build. What it boots
        decides whether config providers (runtime.exs) run (U-RELEASE-EVAL)."""
        check = self.result.evaluated["nifLoad"]
        out = self.out_dir(check["out"])
        env = self._env("nifLoad", {}, mix_env="prod")
        for name in list(env):
            if name.startswith(("MIX_", "HEX_")):
                del env[name]
        env["HOME"] = "/homeless-shelter"
        env["out"] = str(out)
        env.update(self._text_files("nifLoad", check["files"]))
        cwd = Path(env["TMPDIR"])
        self.bash("nifLoad: buildCommand (verbatim)", check["buildCommand"], cwd, env)
        if not out.exists():
            raise RehearsalError(f"nifLoad: the check did not create $out ({out})")
        self.result.nif_load_out = out

    def _text_files(self, label: str, files: dict[str, str]) -> dict[str, str]:
        """The derivation's writeText attributes as files, in place of their store paths: the
        variable of each, pointing at a file holding the evaluated text."""
        where = self.work / f"{label}-files"
        where.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, text in files.items():
            path = where / name
            path.write_text(text, encoding="utf-8")
            paths[name] = str(path)
        return paths

    # -- all ----------------------------------------------------------------------------------

    def rehearse(self) -> Rehearsal:
        self.work.mkdir(parents=True, exist_ok=True)
        make_fake_cargo(self.fake_bin, self.result.cargo_marker)
        self.result.evaluated = evaluate(self.project, self.system)
        self.build_crates()
        for key in self.dep_order():
            self.build_dep(key)
        self.build_release()
        self.nif_load()
        return self.result


def rehearse(project: Path, work: Path, *, cache: Path, system: str = "x86_64-linux") -> Rehearsal:
    """Evaluate the flake `nixgen init` wrote in `project` and rehearse its build in `work`.

    Raises RehearsalError (the failing step, command, cwd and output tail) or RehearsalSkip.
    `cache` keeps cargo builds and the Hex stand-in between rehearsals.
    """
    return Rehearser(project, work, cache=cache, system=system).rehearse()


def _refuse_replaced_phases(label: str, hooks: dict[str, str]) -> None:
    """A derivation that replaces a whole phase or patches its source is not rehearsed: the
    emulated phases would no longer be what Nix runs."""
    for phase_name in ("unpackPhase", "patchPhase", "configurePhase", "buildPhase", "installPhase"):
        if phase_name in hooks:
            raise RehearsalSkip(f"{label} replaces {phase_name}: not rehearsed")
    if hooks.get("patches"):
        raise RehearsalSkip(f"{label} has patches: not rehearsed")


def run_command(
    name: str, argv: Sequence[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `argv` with stderr merged into stdout and no input; a timeout is a RehearsalError."""
    try:
        return subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        out = error.output if isinstance(error.output, str) else ""
        raise RehearsalError(
            f"{name}: timed out after {TIMEOUT}s\n  command: {shlex.join(argv)}\n  cwd: {cwd}\n"
            f"--- output (tail)\n{_tail(out)}"
        ) from None


def succeeded(
    name: str, argv: Sequence[str], cwd: Path, proc: subprocess.CompletedProcess[str]
) -> str:
    """The output of a finished command, or a RehearsalError naming it when it failed."""
    if proc.returncode != 0:
        raise RehearsalError(
            f"{name}: exited {proc.returncode}\n  command: {shlex.join(argv)}\n  cwd: {cwd}\n"
            f"--- output (tail)\n{_tail(proc.stdout)}"
        )
    return proc.stdout
