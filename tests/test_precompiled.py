"""NIF dependencies: detection in mix.lock, `use RustlerPrecompiled` options of a package, and
naming and selection (docs/UPSTREAM.md U-RP-TARGET, U-RP-NIF-VERSION, U-RP-ARTIFACT), as table
tests taken from upstream's behaviour."""

from __future__ import annotations

import pytest
from support.fakehex import fake_nif_files, hex_tarball, sha256

from nixgen.constants import Libc
from nixgen.model import Dynamic, LoadFrom
from nixgen.readers.checksum_file import read_checksum_file
from nixgen.readers.elixir import parse_text
from nixgen.readers.hex_tarball import read_hex_tarball
from nixgen.readers.mix_lock import read_mix_lock_text
from nixgen.readers.precompiled import (
    PrecompiledModule,
    package_precompiled_modules,
    read_precompiled_modules,
)
from nixgen.readers.terms import Atom, EMap, ETuple, Term
from nixgen.resolve.precompiled import (
    Artifact,
    NoArtifact,
    artifact_file_name,
    artifact_url,
    compatible_nif_version,
    forces_build,
    lib_name,
    nif_dependencies,
    normalize_target,
    select_artifact,
    select_nif_version,
    target_triple,
)

H = "0" * 64
LOCK = f'''%{{
  "explorer": {{:hex, :explorer, "0.11.1", "{H}", [:mix], [{{:rustler, ">= 0.0.0", [hex: :rustler, repo: "hexpm", optional: true]}}, {{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", optional: false]}}], "hexpm", "{H}"}},
  "image": {{:hex, :image, "0.1.0", "{H}", [:mix], [{{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", optional: true]}}], "hexpm", "{H}"}},
  "mdex": {{:hex, :mdex, "0.2.0", "{H}", [:mix], [{{:mdex_native, "~> 0.2", [hex: :mdex_native, repo: "hexpm", optional: false]}}], "hexpm", "{H}"}},
  "mdex_native": {{:hex, :mdex_native, "0.2.8", "{H}", [:mix], [{{:rustler_precompiled, "~> 0.8", [hex: :rustler_precompiled, repo: "hexpm", optional: false]}}], "hexpm", "{H}"}},
  "rustler_precompiled": {{:hex, :rustler_precompiled, "0.9.0", "{H}", [:mix], [{{:castore, "~> 1.0", [hex: :castore, repo: "hexpm", optional: true]}}], "hexpm", "{H}"}},
  "plain": {{:git, "https://example.com/plain.git", "abc", []}},
}}
'''


def test_detection() -> None:
    deps = nif_dependencies(read_mix_lock_text("mix.lock", LOCK))
    assert deps.apps == ("explorer", "mdex_native")  # image: optional; mdex: no direct edge
    assert (deps.rustler_precompiled, deps.rustler) == ("0.9.0", None)


def test_detection_without_nif_deps() -> None:
    deps = nif_dependencies(read_mix_lock_text("mix.lock", '%{"a": {:git, "u", "r", []}}'))
    assert (deps.apps, deps.rustler_precompiled) == ((), None)


# --------------------------------------------------------------------------- options

MIX_CONFIG: Term = [
    ETuple((Atom("version"), "1.2.3")),
    ETuple((Atom("package"), [ETuple((Atom("links"), EMap((("GitHub", "https://gh/o/r"),))))])),
]


def read_one(body: str) -> PrecompiledModule:
    source = parse_text("lib/n.ex", f"defmodule N do\n{body}\nend\n")
    (found,) = read_precompiled_modules(source, MIX_CONFIG)
    return found


def test_links_built_base_url_and_literal_options() -> None:
    found = read_one("""
  mix_config = Mix.Project.config()
  version = mix_config[:version]
  github_url = mix_config[:package][:links]["GitHub"]
  use RustlerPrecompiled,
    otp_app: :n,
    crate: "n_nif",
    version: version,
    base_url: "#{github_url}/releases/download/v#{version}",
    targets: ~w(x86_64-unknown-linux-musl aarch64-apple-darwin x86_64-unknown-linux-musl),
    nif_versions: ["2.15", "2.16"],
    load_from: {:n, "priv/native/x"},
    force_build: System.get_env("N_BUILD") in ["1", "true"] || System.get_env("CI_BUILD") == "1"
  def f(), do: System.get_env("RUNTIME_ONLY")
""")
    assert found.base_url == "https://gh/o/r/releases/download/v1.2.3"
    assert (found.otp_app, found.crate, found.basename, found.version) == (
        "n",
        "n_nif",
        "n_nif",
        "1.2.3",
    )
    assert found.targets == ("x86_64-unknown-linux-musl", "aarch64-apple-darwin")  # uniq
    assert found.nif_versions == ("2.15", "2.16")
    assert found.load_from == LoadFrom("n", "priv/native/x")
    assert found.force_build is False  # the variables are unset, as in nixgen's builds
    assert found.force_build_env == ("CI_BUILD", "N_BUILD")
    assert found.env_reads == ("CI_BUILD", "N_BUILD")  # RUNTIME_ONLY is read at run time
    assert (found.options, found.wrapper, found.variants) == (None, None, None)


def test_wrapper_and_variants() -> None:
    found = read_one("""
  alias N.Precompiled
  legacy = System.get_env("N_LEGACY") in ["1"]
  linux = [legacy_cpu: fn -> legacy end, other: fn _config -> false end]
  use RustlerPrecompiled,
      Precompiled.options(
        otp_app: :n,
        base_url: {"https://h/#{Mix.Project.config()[:version]}", []},
        version: "1.2.3",
        variants: %{"x86_64-unknown-linux-gnu" => linux}
      )
""")
    assert found.wrapper == "Precompiled.options"
    assert found.base_url == "https://h/1.2.3"
    assert found.basename == "n"
    assert found.variants == (("x86_64-unknown-linux-gnu", ("legacy_cpu", "other")),)
    assert found.variant_names("x86_64-unknown-linux-gnu") == ("legacy_cpu", "other")
    assert found.variant_names("x86_64-unknown-linux-musl") == ()
    assert found.env_reads == ("N_LEGACY",)


DYNAMIC = [
    ('base_url: {"https://h", [{"authorization", "t"}]}', "base_url", "request headers"),
    ("base_url: {N.Urls, :url}", "base_url", "function called at compile time"),
    ('base_url: "#{@url}/x"', "base_url", "@url is not defined"),
    ('base_url: "#{Application.get_env(:n, :u)}/x"', "base_url", "call to Application.get_env"),
    ('base_url: "#{[1]}/x"', "base_url", "not text"),
    (
        'targets: Enum.uniq(["a"] ++ RustlerPrecompiled.Config.default_targets())',
        "targets",
        "Enum.uniq",
    ),
    ("nif_versions: versions()", "nif_versions", "not a local zero-argument function"),
    ("force_build: Application.compile_env(:n, :build)", "force_build", "call to Application"),
    ("variants: some_variants()", "variants", "not a local zero-argument function"),
    ("otp_app: 12", "otp_app", "not an atom or a string"),
]


@pytest.mark.parametrize(("option", "field", "reason"), DYNAMIC)
def test_dynamic_values_are_kept_not_guessed(option: str, field: str, reason: str) -> None:
    found = read_one(f'  use RustlerPrecompiled, {option}, otp_app: :n, version: "1.0.0"')
    value = getattr(found, field)
    assert isinstance(value, Dynamic), value
    assert reason in value.reason


def test_deeply_nested_interpolation_stays_dynamic() -> None:
    nested = '"#{' * 400 + '"x"' + '}"' * 400
    found = read_one(f"  use RustlerPrecompiled, otp_app: :n, base_url: {nested}")
    assert isinstance(found.base_url, Dynamic) and "levels deep" in found.base_url.reason
    assert len(found.base_url.reason) < 200


def test_options_that_are_not_a_keyword_list() -> None:
    found = read_one("  use RustlerPrecompiled, Keyword.merge(a(), b())")
    assert found.options is not None and found.options.source == "Keyword.merge(a(), b())"
    assert found.otp_app is None


def test_uses_in_strings_functions_and_quotes_are_not_modules() -> None:
    source = parse_text(
        "lib/x.ex",
        """defmodule X do
  @doc "use RustlerPrecompiled, otp_app: :doc"
  def f, do: "grep -Rl 'use RustlerPrecompiled' lib"
  defmacro __using__(_) do
    quote do
      use RustlerPrecompiled, otp_app: :quoted
    end
  end
end
""",
    )
    assert read_precompiled_modules(source) == []


def test_from_a_package_tarball() -> None:
    tarball = hex_tarball("fake_nif", "0.1.0", fake_nif_files())
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball))
    (found,) = package_precompiled_modules(package)
    assert found.module == "FakeNif.Native"
    assert str(found.where) == "fake_nif-0.1.0.tar:lib/fake_nif/native.ex:6:3"
    assert found.base_url == "https://github.com/example/fake_nif/releases/download/v0.1.0"
    assert found.force_build_env == ("FAKE_NIF_BUILD",)


def test_package_without_readable_mix_exs_keeps_config_dynamic() -> None:
    files = {**fake_nif_files(), "mix.exs": b"defmodule M do\n  def project, do: opts()\nend\n"}
    tarball = hex_tarball("fake_nif", "0.1.0", files)
    package = read_hex_tarball(tarball, "fake_nif", "0.1.0", sha256(tarball))
    (found,) = package_precompiled_modules(package)
    assert isinstance(found.base_url, Dynamic) and isinstance(found.version, Dynamic)


# --------------------------------------------------------------------------- T2: naming


@pytest.mark.parametrize(
    ("system_arch", "env", "triple"),
    [
        # upstream test/rustler_precompiled_test.exs "target/3" cases (as strings)
        ("arm-apple-darwin20.3.0", {}, "aarch64-apple-darwin"),
        ("x86_64-apple-darwin20.3.0", {}, "x86_64-apple-darwin"),
        ("x86_64-redhat-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
        ("x86_64-suse-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
        ("x86_64-alpine-linux-musl", {}, "x86_64-unknown-linux-musl"),
        ("amd64-pc-linux-gnu", {}, "x86_64-unknown-linux-gnu"),
        ("x86_64-pc-linux-gnu", {}, "x86_64-unknown-linux-gnu"),  # Debian's OTP 25 (E1)
        ("arm-unknown-linux-gnueabihf", {}, "arm-unknown-linux-gnueabihf"),
        ("riscv64-unknown-linux-musl", {}, "riscv64gc-unknown-linux-musl"),
        ("amd64-portbld-freebsd13.0", {}, "x86_64-unknown-freebsd"),
        ("x86_64-unknown-linux-musl", {}, "x86_64-unknown-linux-musl"),
        # maybe_override_with_env_vars/2 cases
        (
            "x86_64-apple-darwin20.3.0",
            {"TARGET_ARCH": "aarch64", "TARGET_OS": "linux", "TARGET_ABI": "gnu"},
            "aarch64-unknown-linux-gnu",
        ),
        ("x86_64-pc-linux-gnu", {"TARGET_ABI": "musl"}, "x86_64-unknown-linux-musl"),
        ("a-b", {}, ""),  # neither 3 nor 4 parts: upstream gives up too
    ],
)
def test_normalize_target(system_arch: str, env: dict[str, str], triple: str) -> None:
    assert normalize_target(system_arch, env) == triple


@pytest.mark.parametrize(
    ("system", "libc", "triple"),
    [
        ("x86_64-linux", "musl", "x86_64-unknown-linux-musl"),
        ("x86_64-linux", "gnu", "x86_64-unknown-linux-gnu"),
        ("aarch64-linux", "musl", "aarch64-unknown-linux-musl"),
        ("aarch64-linux", "gnu", "aarch64-unknown-linux-gnu"),
        ("aarch64-darwin", "musl", "aarch64-apple-darwin"),
        ("x86_64-darwin", "gnu", "x86_64-apple-darwin"),
    ],
)
def test_target_triple(system: str, libc: Libc, triple: str) -> None:
    assert target_triple(system, libc) == triple


@pytest.mark.parametrize(
    ("beam", "available", "chosen"),
    [  # upstream "find_compatible_nif_version/2"
        ("2.14", ["2.14", "2.15", "2.16"], "2.14"),
        ("2.16", ["2.14", "2.15", "2.16"], "2.16"),
        ("2.17", ["2.14", "2.15", "2.16"], "2.16"),
        ("2.13", ["2.14", "2.15", "2.16"], None),
        ("3.0", ["2.14", "2.15", "2.16"], None),
        ("1.0", ["2.14", "2.15", "2.16"], None),
        ("2.17", ["2.14"], "2.14"),
        ("2.13", ["2.14"], None),
    ],
)
def test_compatible_nif_version(beam: str, available: list[str], chosen: str | None) -> None:
    assert compatible_nif_version(beam, available) == chosen


@pytest.mark.parametrize(
    ("otp", "nif_versions", "chosen"),
    [
        (25, ["2.15", "2.16"], "2.16"),  # OTP 25 is NIF 2.16 (U-RP-NIF-VERSION)
        (27, ["2.15"], "2.15"),
        (27, None, "2.15"),  # default nif_versions
        (28, ["2.15", "2.16", "2.17"], "2.17"),
        (29, ["2.15", "2.16", "2.17"], "2.17"),
        (23, ["2.16"], None),  # candlex on OTP 23
        (26, ["2.16"], "2.16"),
    ],
)
def test_select_nif_version(otp: int, nif_versions: list[str] | None, chosen: str | None) -> None:
    assert select_nif_version(otp, nif_versions) == chosen


@pytest.mark.parametrize(
    ("args", "file"),
    [
        (
            ("explorer", "0.11.1", "2.15", "x86_64-unknown-linux-musl", None),
            "libexplorer-v0.11.1-nif-2.15-x86_64-unknown-linux-musl.so.tar.gz",
        ),
        (
            ("explorer", "0.11.1", "2.15", "x86_64-unknown-linux-gnu", "legacy_cpu"),
            "libexplorer-v0.11.1-nif-2.15-x86_64-unknown-linux-gnu--legacy_cpu.so.tar.gz",
        ),
        (
            ("example", "0.2.0", "2.14", "x86_64-pc-windows-msvc", None),
            "example-v0.2.0-nif-2.14-x86_64-pc-windows-msvc.dll.tar.gz",
        ),
        (
            ("example", "0.2.0", "2.16", "aarch64-apple-darwin", None),
            "libexample-v0.2.0-nif-2.16-aarch64-apple-darwin.so.tar.gz",
        ),
    ],
)
def test_artifact_file_name(args: tuple[str, str, str, str, str | None], file: str) -> None:
    assert artifact_file_name(lib_name(*args), args[3]) == file


@pytest.mark.parametrize(
    ("base", "url"),
    [
        (
            "https://github.com/o/r/releases/download/v1.0.0",
            "https://github.com/o/r/releases/download/v1.0.0/f.tar.gz",
        ),
        ("https://h/dir/", "https://h/dir/f.tar.gz"),
        ("https://h", "https://h/f.tar.gz"),
        ("https://h/d?token=1", "https://h/d/f.tar.gz?token=1"),
    ],
)
def test_artifact_url(base: str, url: str) -> None:
    assert artifact_url(base, "f.tar.gz") == url


@pytest.mark.parametrize(
    ("version", "forced"),
    [
        ("0.12.0-dev", True),
        ("1.0.0-dev.1", True),
        ("1.0.0-rc.1", False),
        ("1.0.0", False),
        ("1.0.0+dev", False),
        ("1.0.0-devel", False),
    ],
)
def test_forces_build(version: str, forced: bool) -> None:
    assert forces_build(version) is forced


# --------------------------------------------------------------------------- selection

MUSL = "libn_nif-v1.2.3-nif-2.16-x86_64-unknown-linux-musl.so.tar.gz"
DARWIN = "libn_nif-v1.2.3-nif-2.15-aarch64-apple-darwin.so.tar.gz"
CHECKSUMS = read_checksum_file(
    "checksum-Elixir.N.exs",
    f'%{{"{MUSL}" => "sha256:{"a" * 64}", "{DARWIN}" => "sha256:{"b" * 64}"}}',
)
MODULE = PrecompiledModule(
    "N",
    parse_text("n.ex", "x").pos(parse_text("n.ex", "x").tree.root_node),
    None,
    otp_app="n",
    crate="n_nif",
    version="1.2.3",
    base_url="https://gh/o/r/releases/download/v1.2.3",
    nif_versions=("2.15", "2.16"),
)


def test_select_artifact() -> None:
    chosen = select_artifact(MODULE, CHECKSUMS, "x86_64-linux", "musl", 27)
    assert isinstance(chosen, Artifact)
    assert (chosen.triple, chosen.nif_version, chosen.file, chosen.sha256) == (
        "x86_64-unknown-linux-musl",
        "2.16",
        MUSL,
        "a" * 64,
    )
    assert chosen.url == f"https://gh/o/r/releases/download/v1.2.3/{MUSL}"
    assert chosen.sri == CHECKSUMS.entries[1].sri and chosen.sri.startswith("sha256-qqqq")


def test_nif_versions_from_the_checksum_file_when_not_literal() -> None:
    module = PrecompiledModule(**{**MODULE.__dict__, "nif_versions": Dynamic("v()", MODULE.where)})
    chosen = select_artifact(module, CHECKSUMS, "aarch64-darwin", "musl", 28)
    assert isinstance(chosen, Artifact) and chosen.file == DARWIN


NO_ARTIFACT = [
    ({}, ("x86_64-linux", "gnu", 27), "is not in checksum-Elixir.N.exs"),
    (
        {},
        ("aarch64-darwin", "gnu", 27),
        "libn_nif-v1.2.3-nif-2.16-aarch64-apple-darwin.so.tar.gz is not in",
    ),
    (
        {"targets": ("x86_64-unknown-linux-gnu",)},
        ("x86_64-linux", "musl", 27),
        "not among the package's targets",
    ),
    (
        {"nif_versions": ("2.17",)},
        ("x86_64-linux", "musl", 25),
        "no NIF version for OTP 25 (BEAM 2.16)",
    ),
    ({"version": "1.2.3-dev"}, ("x86_64-linux", "musl", 27), "always builds from source"),
    (
        {"version": Dynamic("v", MODULE.where, "call to f")},
        ("x86_64-linux", "musl", 27),
        "`v`: call to f",
    ),
]


@pytest.mark.parametrize(("change", "target", "reason"), NO_ARTIFACT)
def test_no_artifact(change: dict[str, object], target: tuple[str, Libc, int], reason: str) -> None:
    module = PrecompiledModule(**{**MODULE.__dict__, **change})
    chosen = select_artifact(module, CHECKSUMS, *target)
    assert isinstance(chosen, NoArtifact), chosen
    assert reason in chosen.reason


def test_url_is_none_for_a_dynamic_base_url() -> None:
    module = PrecompiledModule(**{**MODULE.__dict__, "base_url": Dynamic("u()", MODULE.where)})
    chosen = select_artifact(module, CHECKSUMS, "x86_64-linux", "musl", 27)
    assert isinstance(chosen, Artifact) and chosen.url is None
