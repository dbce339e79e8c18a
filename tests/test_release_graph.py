"""What the evaluated release derivation is made of, over the mock nixpkgs: which package set
each part comes from (musl only for what the release runs) and the switch surviving overrides."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.nixeval import nix_eval_json
from support.projects import copy_fixture, init

from nixgen.constants import LIBCS, Libc
from nixgen.pipeline import InitOptions

pytestmark = pytest.mark.nix

RELEASE = "packages.x86_64-linux.default"
# mixRelease's build-time tools (docs/UPSTREAM.md U-MIXRELEASE-TOOLS): taken from the package
# set the BEAM scope was made from.
BUILD_TOOLS = ("bbe", "findutils", "git", "ripgrep")
GRAPH = (
    """r: map (d: { name = d.name or ""; host = d.mockHostPlatform or ""; }) r.nativeBuildInputs"""
)


def graph(root: Path) -> list[dict[str, str]]:
    result = nix_eval_json(root, RELEASE, extra_args=["--apply", GRAPH])
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize("libc", LIBCS)
def test_only_erts_takes_the_nifs_libc(libc: Libc, tmp_path: Path) -> None:
    """ERTS (what the release runs) is musl with libc = "musl"; git, ripgrep, bbe, findutils
    and the rest of mixRelease's tools stay in the default (cached) set either way."""
    root = copy_fixture("single_crate", tmp_path)
    init(root, InitOptions(libc=libc))
    tools = graph(root)
    names = [t["name"] for t in tools]
    erlang = [t for t in tools if t["name"].startswith("erlang-")]
    assert len(erlang) == 1, names
    assert ("musl" in erlang[0]["host"]) == (libc == "musl")
    for tool in BUILD_TOOLS:
        assert any(tool in n for n in names), (tool, names)
    musl_tools = [t for t in tools if "musl" in t["host"] and t not in erlang]
    assert musl_tools == [], json.dumps(musl_tools)


def test_switch_survives_an_override_that_replaces_env(tmp_path: Path) -> None:
    """A builder or override that sets `env` without merging cannot drop PRECOMPILED_NIF: the
    release exports it again before anything compiles."""
    root = copy_fixture("single_crate", tmp_path)
    init(root)
    overrides = root / "nix" / "overrides.nix"
    overrides.write_text(
        overrides.read_text().replace(
            "release = old: { };", 'release = old: { env = { LANG = "C.UTF-8"; }; };'
        )
    )
    env = nix_eval_json(root, RELEASE + ".mockEnv")
    assert "PRECOMPILED_NIF" not in env  # the override did drop the variable from env ...
    assert re.search(
        r"^export PRECOMPILED_NIF='?true'?$", env["preConfigure"], re.M
    )  # ... nor the build


def test_release_env_carries_the_switch(tmp_path: Path) -> None:
    root = copy_fixture("precompiled", tmp_path)
    init(root)
    env = nix_eval_json(root, RELEASE + ".mockEnv")
    assert env["PRECOMPILED_NIF"] == "true"
    assert env["RUSTLER_PRECOMPILED_FORCE_BUILD_ALL"] == "true"
    assert re.search(
        r"^export RUSTLER_PRECOMPILED_FORCE_BUILD_ALL='?true'?$", env["preConfigure"], re.M
    )


BINDGEN_PACKAGE = """
[[package]]
name = "bindgen"
version = "0.71.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "5f58bf3d7db68cfbac37cfc485a8d711e87e064c3d0fe0435b92f7a407f9d6b3"
"""


@pytest.mark.parametrize("libc", LIBCS)
def test_bindgen_gets_the_targets_c_headers(libc: Libc, tmp_path: Path) -> None:
    """bindgenHook's BINDGEN_EXTRA_CLANG_ARGS carry its clang's glibc headers
    (docs/UPSTREAM.md U-BINDGEN-HOOK); a musl crate gets the target variable bindgen prefers,
    built from the musl C compiler."""
    root = copy_fixture("single_crate", tmp_path)
    lock = root / "native" / "single_nif" / "Cargo.lock"
    lock.write_text(lock.read_text() + BINDGEN_PACKAGE)
    init(root, InitOptions(libc=libc))
    env = nix_eval_json(root, "packages.x86_64-linux.nif-single_nif.mockEnv")
    assert "rust-bindgen-hook" in env["nativeBuildInputs"]
    pre_build = env.get("preBuild", "")
    if libc == "gnu":
        assert "BINDGEN_EXTRA_CLANG_ARGS" not in pre_build
        return
    assert pre_build.startswith("export BINDGEN_EXTRA_CLANG_ARGS_x86_64_unknown_linux_musl=")
    assert "--target=x86_64-unknown-linux-musl" in pre_build
    linker = env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"]
    cc = linker.rsplit("/bin/", 1)[0]
    assert f"$(< {cc}/nix-support/libc-cflags)" in pre_build  # the musl cc's libc flags
