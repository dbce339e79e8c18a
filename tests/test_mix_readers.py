"""mix.lock, mix.exs and Rustler-module readers on small inline inputs."""

from __future__ import annotations

import pytest

from nixgen.errors import InputError
from nixgen.model import (
    Dynamic,
    DynamicDep,
    GitDep,
    GitLockEntry,
    HexDep,
    HexLockEntry,
    LoadFrom,
    LockDep,
    PathDep,
    UmbrellaDep,
)
from nixgen.readers.elixir import parse_text
from nixgen.readers.mix_exs import read_mix_exs
from nixgen.readers.mix_lock import read_mix_lock_text
from nixgen.readers.rustler import rustler_modules

SHA = "0" * 64  # a tarball checksum: 64 hex digits

LOCK = """%{
  "chatterbox": {:hex, :ts_chatterbox, "0.15.1", "inner1", [:rebar3], [{:hpack, "~> 0.3.0", [hex: :hpack_erl, repo: "hexpm", optional: false]}], "hexpm", "abababababababababababababababababababababababababababababababab"},
  "old": {:hex, :old, "1.0.0", "inner2", [:mix], [], "hexpm"},
  "rustler": {:hex, :rustler, "0.36.1", "in3", [:mix], [{:jason, "~> 1.0", [hex: :jason, repo: "hexpm", optional: true]}, {:toml, "~> 0.6", [hex: :toml, repo: "hexpm", optional: false]}], "hexpm", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"},
  "heroicons": {:git, "https://github.com/tailwindlabs/heroicons.git", "88ab3a0d790e6a47404cba02800a6b25d2afae50", [tag: "v2.1.1", sparse: "optimized", depth: 1]},
  "bandit": {:git, "https://github.com/mtrudel/bandit.git", "abc", [ref: "1.4.2", submodules: true]},
}
"""


def test_mix_lock_entries() -> None:
    lock = read_mix_lock_text("mix.lock", LOCK)
    assert [e.name for e in lock.entries] == ["bandit", "chatterbox", "heroicons", "old", "rustler"]
    assert (lock.hex_count, lock.git_count) == (3, 2)
    chatterbox = lock.get("chatterbox")
    assert isinstance(chatterbox, HexLockEntry)
    assert chatterbox.package == "ts_chatterbox"
    assert chatterbox.managers == ("rebar3",)
    assert chatterbox.outer_checksum == "ab" * 32
    assert chatterbox.deps == (LockDep("hpack", "~> 0.3.0", "hpack_erl", "hexpm", False),)
    old = lock.get("old")
    assert isinstance(old, HexLockEntry) and old.outer_checksum is None
    rustler = lock.get("rustler")
    assert isinstance(rustler, HexLockEntry)
    assert [(d.name, d.optional) for d in rustler.deps] == [("jason", True), ("toml", False)]
    heroicons = lock.get("heroicons")
    assert isinstance(heroicons, GitLockEntry)
    assert (heroicons.tag, heroicons.sparse, heroicons.depth) == ("v2.1.1", "optimized", 1)
    bandit = lock.get("bandit")
    assert isinstance(bandit, GitLockEntry) and bandit.ref == "1.4.2" and bandit.submodules
    assert str(bandit.where) == "mix.lock:6:13"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('%{"a": {:path, "x"}}', "mix.lock:1:8: lock entry 'a' has an unknown shape"),
        (
            '%{"a": {:hex, :a, "1"}}',
            "mix.lock:1:8: lock entry 'a': :hex tuple has 3 elements, expected 7 or 8",
        ),
        (
            '%{"a": {:git, "u", "r"}}',
            "mix.lock:1:8: lock entry 'a': :git tuple has 3 elements, expected 4",
        ),
        (
            f'%{{"a": {{:hex, :a, "1", "i", [:mix], [], "hexpm", "{SHA}"}}, '
            f'"a": {{:hex, :a, "1", "i", [:mix], [], "hexpm", "{SHA}"}}}}',
            "mix.lock:1:119: duplicate lock entry 'a'",
        ),
        ("[1, 2]", "mix.lock:1:1: mix.lock is not a single map"),
        (
            f'%{{"a": {{:hex, :a, "1", "i", [:mix], [], "hexpm", "{SHA}"}},\n  "b": {{:hex, :b, ',
            "mix.lock:2:19: Elixir syntax error: unexpected end of file (is the file truncated?)",
        ),
    ],
)
def test_mix_lock_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_mix_lock_text("mix.lock", text)
    assert str(info.value).startswith(message)
    assert "hint:" in str(info.value)


def test_empty_lock() -> None:
    assert read_mix_lock_text("mix.lock", "").entries == ()


MIX_EXS = """
defmodule MyApp.MixProject do
  use Mix.Project

  @version "0.3.0"
  @source_url "https://example.invalid"

  def project do
    [
      app: :my_app,
      version: @version,
      elixir: "~> 1.15",
      deps: deps(),
      releases: [my_app: [include_executables_for: [:unix]], other: []],
      aliases: aliases()
    ]
  end

  defp deps do
    [
      {:rustler, "~> 0.36.0", optional: not (Mix.env() == :prod), runtime: false},
      {:jason, ">= 0.0.0"},
      {:hpack, "~> 0.3", hex: :hpack_erl},
      {:credo, "~> 1.7", only: [:dev, :test], runtime: false},
      {:dialyxir, "~> 1.0", only: :dev},
      {:heroicons, github: "tailwindlabs/heroicons", tag: "v2.1.1", sparse: "optimized", app: false, compile: false},
      {:local, path: "../local"},
      {:sibling, in_umbrella: true},
      custom_dep(),
      External.dep(:z)
      # {:commented, path: "nope"}
    ]
  end

  defp custom_dep do
    if path = System.get_env("CUSTOM_PATH"), do: {:custom, path: path}, else: {:custom, "~> 1.0"}
  end

  defp aliases do
    [setup: ["deps.get", "assets.setup"], "assets.deploy": ["esbuild default --minify", "phx.digest"]]
  end
end
"""


def test_mix_exs_project_and_deps() -> None:
    exs = read_mix_exs(parse_text("mix.exs", MIX_EXS))
    assert (exs.app, exs.version, exs.elixir) == ("my_app", "0.3.0", "~> 1.15")
    assert exs.releases == ("my_app", "other")
    assert exs.apps_path is None and exs.lockfile == "mix.lock"
    assert not isinstance(exs.aliases, Dynamic)
    assert [(a.name, a.tasks) for a in exs.aliases] == [
        ("setup", ("deps.get", "assets.setup")),
        ("assets.deploy", ("esbuild default --minify", "phx.digest")),
    ]
    assert not isinstance(exs.deps, Dynamic)
    deps = {getattr(d, "name", "?"): d for d in exs.deps}
    rustler, credo, dialyxir = deps["rustler"], deps["credo"], deps["dialyxir"]
    assert isinstance(rustler, HexDep) and rustler.options.optional is False
    assert rustler.options.runtime is False
    assert isinstance(credo, HexDep) and credo.options.only == ("dev", "test")
    assert isinstance(dialyxir, HexDep) and dialyxir.options.only == ("dev",)
    hpack = deps["hpack"]
    assert isinstance(hpack, HexDep) and hpack.package == "hpack_erl"
    heroicons = deps["heroicons"]
    assert isinstance(heroicons, GitDep)
    assert heroicons.url == "https://github.com/tailwindlabs/heroicons.git"
    assert (heroicons.tag, heroicons.sparse) == ("v2.1.1", "optimized")
    assert heroicons.options.app is False and heroicons.options.compile is False
    assert isinstance(deps["local"], PathDep) and deps["local"].path == "../local"
    assert isinstance(deps["sibling"], UmbrellaDep)
    dynamic = [d for d in exs.deps if isinstance(d, DynamicDep)]
    assert len(dynamic) == 1
    assert dynamic[0].value.source == "External.dep(:z)"
    assert dynamic[0].value.reason == "call to External.dep"
    custom = deps["custom"]
    assert isinstance(custom, HexDep) and custom.requirement == "~> 1.0"
    jason = deps["jason"]
    assert isinstance(jason, HexDep) and str(jason.where) == "mix.exs:22:7"


def test_mix_exs_env_changes_values() -> None:
    exs = read_mix_exs(parse_text("mix.exs", MIX_EXS), env="dev")
    assert not isinstance(exs.deps, Dynamic)
    rustler = next(d for d in exs.deps if isinstance(d, HexDep) and d.name == "rustler")
    assert rustler.options.optional is True
    exs = read_mix_exs(parse_text("mix.exs", MIX_EXS), system_env={"CUSTOM_PATH": "../c"})
    assert not isinstance(exs.deps, Dynamic)
    assert any(isinstance(d, PathDep) and d.path == "../c" for d in exs.deps)


def test_umbrella_root() -> None:
    exs = read_mix_exs(
        parse_text(
            "mix.exs",
            """
defmodule Umb.MixProject do
  use Mix.Project
  def project, do: [apps_path: "apps", version: "1.0.0", deps: [], releases: [umb: [applications: [a: :permanent]]]]
end
""",
        )
    )
    assert exs.apps_path == "apps" and exs.app is None and exs.releases == ("umb",)


def test_mix_exs_without_project_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        read_mix_exs(parse_text("mix.exs", "defmodule X do\nend\n"))
    assert "no module with `use Mix.Project`" in str(info.value)


def test_mix_exs_dynamic_deps() -> None:
    exs = read_mix_exs(
        parse_text(
            "mix.exs",
            """
defmodule D.MixProject do
  use Mix.Project
  def project, do: [app: :d, version: "1.0.0", deps: Mess.deps()]
end
""",
        )
    )
    assert isinstance(exs.deps, Dynamic) and exs.deps.source == "Mess.deps()"


NATIVE = '''
defmodule MyApp.Native do
  @moduledoc """
  Example:

      use Rustler, otp_app: :doc_app, crate: "doc_crate"
  """
  # use Rustler, otp_app: :commented
  version = Mix.Project.config()[:version]

  use RustlerPrecompiled,
    otp_app: :my_app,
    crate: "my_crate",
    version: version,
    base_url: "https://example.invalid/v#{version}",
    nif_versions: ["2.15", "2.16"],
    targets: ~w(x86_64-unknown-linux-musl aarch64-apple-darwin),
    force_build: System.get_env("MY_BUILD") in ["1", "true"]

  def add(_a, _b), do: :erlang.nif_error(:nif_not_loaded)
end

defmodule MyApp.Second do
  use Rustler, otp_app: :my_app, crate: :second, path: "native/second", load_from: {:my_app, "priv/native/libsecond"}, skip_compilation?: true, features: ["a"], mode: :release
end

defmodule MyApp.Opts do
  opts = download_or_reuse_nif_file([otp_app: :my_app])
  use Rustler, opts
end

defmodule MyApp.LiteralVar do
  opts = [otp_app: :my_app]
  use Rustler, opts
end

defmodule MyApp.Call do
  use RustlerPrecompiled, Precompiled.options(otp_app: :x)
end

defmodule MyApp.Macro do
  defmacro __using__(_) do
    quote do
      use Rustler, otp_app: :in_quote
    end
  end
end
'''


def test_rustler_modules() -> None:
    found = rustler_modules(parse_text("lib/native.ex", NATIVE))
    assert [(m.module, m.kind) for m in found] == [
        ("MyApp.Native", "precompiled"),
        ("MyApp.Second", "rustler"),
        ("MyApp.Opts", "rustler"),
        ("MyApp.LiteralVar", "rustler"),
        ("MyApp.Call", "precompiled"),
    ]
    native, second, opts, literal_var, call = found
    assert literal_var.options is None and literal_var.otp_app == "my_app"
    assert str(native.where) == "lib/native.ex:11:3"
    assert (native.otp_app, native.crate, native.nif_versions) == (
        "my_app",
        "my_crate",
        ("2.15", "2.16"),
    )
    assert isinstance(native.version, Dynamic) and native.version.source == "version"
    assert native.force_build is False  # MY_BUILD is unset
    assert second.crate == "second" and second.path == "native/second"
    assert second.load_from == LoadFrom("my_app", "priv/native/libsecond")
    assert (second.skip_compilation, second.features, second.mode) == (True, ("a",), "release")
    assert opts.options is not None and opts.options.source == "opts"
    assert opts.otp_app is None
    assert call.options is not None and call.options.source == "Precompiled.options(otp_app: :x)"


def test_rustler_module_reading_the_switch_is_flagged() -> None:
    found = rustler_modules(
        parse_text(
            "lib/n.ex",
            """
defmodule N do
  if System.get_env("PRECOMPILED_NIF") do
    use Rustler, otp_app: :n, skip_compilation?: true
  else
    use Rustler, otp_app: :n
  end
end
""",
        )
    )
    assert len(found) == 2
    assert all(m.reads_precompiled_nif for m in found)
