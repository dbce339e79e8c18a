"""nix/module.nix (nixosModules.default) evaluated with nixpkgs' real `lib.evalModules` over
option stubs that copy NixOS's systemd and firewall option types (tests/nixos/stubs.nix), for
the example and every fixture with NIFs; the VM test (checks.<system>.nixos) over the mocks.

The real lib comes from $NIXGEN_NIXPKGS_LIB (a nixpkgs `lib` directory) or, when unset, from the
nix-community/nixpkgs.lib snapshot fetched into /work/.mirror; without either, these tests are
skipped (no real lib is part of this repository)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.env import REPO
from support.nixeval import nix_available, nix_env, nix_eval
from support.projects import INIT_FIXTURES, copy_fixture, init

from nixgen.emit.module import ModulePlan, plan_module, render_module
from nixgen.readers.deploy import PortVariable, migrate_module, port_variable

pytestmark = [
    pytest.mark.nix,
    pytest.mark.skipif(not nix_available(), reason="nix is not on PATH"),
]

LIB_MIRROR = REPO.parent / ".mirror" / "nix-community+nixpkgs.lib" / "repo"
EVAL = REPO / "tests" / "nixos" / "eval.nix"
NIF_FIXTURES = sorted(name for name, copies in INIT_FIXTURES.items() if copies)
SECRET_VALUE = "s3cret-value-that-must-stay-out-of-the-store"


@pytest.fixture(scope="module")
def real_lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    given = os.environ.get("NIXGEN_NIXPKGS_LIB")
    if given:
        yield Path(given)
        return
    if not (LIB_MIRROR / "HEAD").is_file() or shutil.which("git") is None:
        pytest.skip(f"no real nixpkgs lib: set NIXGEN_NIXPKGS_LIB or fetch it to {LIB_MIRROR}")
    target = tmp_path_factory.mktemp("nixpkgs-lib")
    archive = subprocess.run(
        ["git", f"--git-dir={LIB_MIRROR}", "archive", "HEAD", "lib"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    yield target / "lib"


def evaluate(lib: Path, module: Path, service: str, settings: str) -> dict[str, Any]:
    expr = (
        f"import {EVAL} {{ libDir = {lib}; module = {module}; service = {json.dumps(service)}; "
        f"settings = {settings}; }}"
    )
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "--read-write-mode", "--strict", "--json", "--expr", expr],
        env=nix_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    result: dict[str, Any] = json.loads(proc.stdout)
    result["json"] = json.loads(result["json"])
    return result


def service_of(module_text: str) -> str:
    match = re.search(r"cfg = config\.services\.(\S+);", module_text)
    assert match, "the module names its service"
    return match.group(1).strip('"')


def generated(name: str, tmp_path: Path) -> tuple[Path, str]:
    """The module init writes for `name` (the example or a fixture), and its service."""
    if name == "example":
        root = tmp_path / "example"
        shutil.copytree(REPO / "example", root)
    else:
        root = copy_fixture(name, tmp_path)
    init(root)
    module = root / "nix" / "module.nix"
    return module, service_of(module.read_text(encoding="utf-8"))


def secrets(tmp_path: Path) -> tuple[Path, Path]:
    cookie, env = tmp_path / "secrets" / "cookie", tmp_path / "secrets" / "app.env"
    cookie.parent.mkdir()
    cookie.write_text(SECRET_VALUE, encoding="utf-8")
    env.write_text(f"SECRET_KEY_BASE={SECRET_VALUE}\n", encoding="utf-8")
    return cookie, env


@pytest.mark.parametrize("name", ["example", *NIF_FIXTURES])
def test_module_unit_from_evaluated_config(name: str, tmp_path: Path, real_lib: Path) -> None:
    module, service = generated(name, tmp_path)
    cookie, env = secrets(tmp_path)
    settings = (
        f'{{ services.{service} = {{ enable = true; cookieFile = "{cookie}"; '
        f'environmentFiles = [ "{env}" ]; environment = {{ POOL_SIZE = 10; DEBUG = false; }}; }}; }}'
    )
    result = evaluate(real_lib, module, service, settings)
    unit = result["json"]["unit"]
    config = unit["serviceConfig"]
    wrapper, release, command = config["ExecStart"].split(" ")
    assert wrapper.endswith(f"-{service}-with-cookie") and command == "start"
    assert release == f"{result['release']}/bin/{service}"
    assert config["LoadCredential"] == [f"cookie:{cookie}"]
    assert config["EnvironmentFile"] == [str(env)]
    assert config["ExecStartPre"] == []  # a cookie is given; no migrate module here
    assert unit["environment"] == {
        "RELEASE_TMP": f"/run/{service}",
        "HOME": f"/var/lib/{service}",
        "LANG": "C.UTF-8",
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "POOL_SIZE": "10",
        "DEBUG": "false",
    }
    assert config["RuntimeDirectory"] == config["StateDirectory"] == service
    assert config["DynamicUser"] is True and "User" not in config
    assert config["Restart"] == "on-failure" and config["ProtectSystem"] == "strict"
    assert "MemoryDenyWriteExecute" not in config  # the BEAM JIT needs W+X mappings
    assert unit["wantedBy"] == ["multi-user.target"]
    assert_secrets_not_in_store(result, cookie, env)


def assert_secrets_not_in_store(result: dict[str, Any], *paths: Path) -> None:
    """The unit refers only to derivations (no copied file), and no derivation it refers to holds
    a secret's path or value."""
    assert all(ref.endswith(".drv") for ref in result["references"]), result["references"]
    for drv in result["references"]:
        text = Path(drv).read_text(encoding="utf-8", errors="replace")
        assert SECRET_VALUE not in text
        assert not any(str(p) in text for p in paths), drv


def test_module_generates_cookie_without_cookie_file(tmp_path: Path, real_lib: Path) -> None:
    module, service = generated("example", tmp_path)
    result = evaluate(real_lib, module, service, f"{{ services.{service}.enable = true; }}")
    config = result["json"]["unit"]["serviceConfig"]
    assert config["LoadCredential"] == []
    [generate] = config["ExecStartPre"]
    assert generate.endswith(f"-{service}-generate-cookie")
    script = nix_string_attr(result["references"], "-generate-cookie.drv", "text")
    assert 'cookie="$STATE_DIRECTORY/cookie"' in script and "base32" in script


def test_cookie_scripts_run_with_bash(tmp_path: Path, real_lib: Path) -> None:
    """The unit's two scripts, as evaluated, run by this machine's bash and coreutils (store
    paths of the mock's coreutils dropped, so PATH finds the real ones): the first start writes
    a 0600 cookie once; the wrapper exports the credential's cookie, else the state one."""
    module, service = generated("example", tmp_path)
    result = evaluate(real_lib, module, service, f"{{ services.{service}.enable = true; }}")
    scripts = {
        name: re.sub(r"/nix/store/[^/\s]+/bin/", "", nix_string_attr(result["references"],
                                                                        f"-{name}.drv", "text"))
        for name in ("generate-cookie", "with-cookie")
    }  # fmt: skip
    state, credentials = tmp_path / "state", tmp_path / "credentials"
    state.mkdir()
    credentials.mkdir()
    env = {"PATH": "/usr/bin:/bin", "STATE_DIRECTORY": str(state)}
    cookie = state / "cookie"
    subprocess.run(["bash", "-c", scripts["generate-cookie"]], env=env, check=True)
    first = cookie.read_text(encoding="utf-8")
    subprocess.run(["bash", "-c", scripts["generate-cookie"]], env=env, check=True)  # kept
    assert cookie.read_text(encoding="utf-8") == first and re.fullmatch(r"[A-Z2-7=]{56}", first)
    assert cookie.stat().st_mode & 0o777 == 0o600
    wrapped = ["bash", "-c", scripts["with-cookie"], "with-cookie", "printenv", "RELEASE_COOKIE"]
    run = subprocess.run(wrapped, env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == first
    (credentials / "cookie").write_text("from-credential", encoding="utf-8")
    env["CREDENTIALS_DIRECTORY"] = str(credentials)
    run = subprocess.run(wrapped, env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "from-credential"


def nix_string_attr(drvs: list[str], suffix: str, attr: str) -> str:
    [drv] = [d for d in drvs if d.endswith(suffix)]
    proc = subprocess.run(
        ["nix", "show-derivation", drv], env=nix_env(), capture_output=True, text=True, check=True
    )
    env: dict[str, str] = next(iter(json.loads(proc.stdout).values()))["env"]
    return env[attr]


def test_module_disabled_defines_no_unit(tmp_path: Path, real_lib: Path) -> None:
    module, service = generated("example", tmp_path)
    result = evaluate(real_lib, module, service, "{ }")
    assert result["json"]["unit"] is None and result["references"] == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("cookieFile = ./cookie;", "not in the Nix store"),  # a path literal would be copied
        ('cookieFile = "relative/cookie";', "absolute path"),
        ('environmentFiles = [ "/nix/store/00000000000000000000000000000000-env" ];', "not in"),
    ],
)
def test_module_refuses_secret_paths_in_store(
    setting: str, message: str, tmp_path: Path, real_lib: Path
) -> None:
    module, service = generated("example", tmp_path)
    with pytest.raises(AssertionError, match=message):
        evaluate(
            real_lib, module, service, f"{{ services.{service} = {{ enable = true; {setting} }}; }}"
        )


PHOENIX_RUNTIME = """import Config

if System.get_env("PHX_SERVER") do
  config :shop, ShopWeb.Endpoint, server: true
end

if config_env() == :prod do
  port = String.to_integer(System.get_env("HTTP_PORT") || "4100")

  config :shop, ShopWeb.Endpoint,
    http: [ip: {0, 0, 0, 0, 0, 0, 0, 0}, port: port]
end
"""

RELEASE_EX = """defmodule Shop.Release do
  @app :shop

  def migrate do
    for repo <- Application.fetch_env!(@app, :ecto_repos), do: repo
  end

  def rollback(repo, version), do: {repo, version}
end
"""


def test_reads_port_variable_and_migrate_module() -> None:
    assert port_variable("config/runtime.exs", PHOENIX_RUNTIME) == PortVariable(
        "HTTP_PORT", 4100, "config/runtime.exs:8:28"
    )
    inline = 'config :a, A.Endpoint, http: [port: String.to_integer(System.get_env("PORT"))]\n'
    assert port_variable("r.exs", inline) == PortVariable("PORT", 4000, "r.exs:1:55")
    assert port_variable("r.exs", "config :a, A.Endpoint, http: [port: 80]\n") is None
    assert migrate_module("lib/shop/release.ex", RELEASE_EX) == "Shop.Release"
    assert migrate_module("x.ex", "defmodule X do\n  def migrate(repo), do: repo\nend\n") is None


def phoenix_plan(tmp_path: Path) -> ModulePlan:
    root = copy_fixture("single_crate", tmp_path)
    (root / "config" / "runtime.exs").write_text(PHOENIX_RUNTIME, encoding="utf-8")
    (root / "lib" / "single").mkdir(exist_ok=True)
    (root / "lib" / "single" / "release.ex").write_text(RELEASE_EX, encoding="utf-8")

    def read(path: str) -> str | None:
        file = root / path
        return file.read_text(encoding="utf-8") if file.is_file() else None

    from nixgen.resolve.project import load_project

    top = load_project(root).mix_projects[0]
    return plan_module(top, "single", ("phoenix", "rustler"), read)


def test_phoenix_module_port_firewall_and_migration(tmp_path: Path, real_lib: Path) -> None:
    plan = phoenix_plan(tmp_path)
    assert plan.port == PortVariable("HTTP_PORT", 4100, "config/runtime.exs:8:28")
    assert plan.server_variables == ("PHX_SERVER",) and plan.migrate == "Shop.Release"
    module = tmp_path / "module.nix"
    module.write_text(render_module(plan), encoding="utf-8")
    on = evaluate(
        real_lib, module, "single", "{ services.single = { enable = true; openFirewall = true; }; }"
    )
    unit = on["json"]["unit"]
    assert on["json"]["firewall"] == [4100]
    assert (
        unit["environment"]["HTTP_PORT"] == "4100" and unit["environment"]["PHX_SERVER"] == "true"
    )
    generate, migrate = unit["serviceConfig"]["ExecStartPre"]
    assert generate.endswith("-single-generate-cookie")
    assert migrate.endswith(f"{on['release']}/bin/single eval 'Shop.Release.migrate()'")
    off = evaluate(
        real_lib,
        module,
        "single",
        "{ services.single = { enable = true; runMigrations = false; port = 80; }; }",
    )
    config = off["json"]["unit"]["serviceConfig"]
    assert off["json"]["firewall"] == [] and len(config["ExecStartPre"]) == 1
    assert config["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]


@pytest.mark.parametrize("name", ["example", *NIF_FIXTURES])
def test_nixos_check_evaluates_on_linux_only(name: str, tmp_path: Path) -> None:
    module, service = generated(name, tmp_path)
    root = module.parents[1]
    drv = nix_eval(root, "checks.x86_64-linux.nixos.drvPath")
    assert drv.endswith(f'-vm-test-run-{service}-nixos.drv"')
    darwin = nix_eval(root, "checks.aarch64-darwin", extra_args=["--apply", "builtins.attrNames"])
    assert "nixos" not in darwin
    args = nix_eval(root, "nixosModules.default", extra_args=["--apply", "builtins.functionArgs"])
    assert args == "{ config = false; lib = false; pkgs = false; }"


@pytest.mark.parametrize(
    ("test_module", "message"),
    [
        (
            '{ name = "t"; nodes = { }; testScript = ""; machine = { }; }',
            "`machine' does not exist",
        ),
        ('{ nodes = { }; testScript = ""; }', "`name' is used but not defined"),
        ('{ name = "t"; nodes.m = 1; testScript = ""; }', "nodes.m must be a NixOS module"),
        ('{ name = "t"; testScript = { machine }: ""; }', "function of { nodes, ... }"),
    ],
)
def test_run_nixos_test_mock_checks_the_test_module(test_module: str, message: str) -> None:
    mock = REPO / "tests" / "nixmock" / "nixpkgs"
    expr = f'(import {mock} {{ system = "x86_64-linux"; }}).testers.runNixOSTest {test_module}'
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "--expr", f"({expr}).name"],
        env=nix_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
