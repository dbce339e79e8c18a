"""Hostile inputs of issue 10 (items 11 to 15), in the shape of test_hostile.py: each input has
one asserted outcome, a correct result or one clear error (exit 2, `path:line:col`, a hint, no
traceback, nothing written).

11: inputs that ended in a Python traceback; 12: values that passed and made a flake that
cannot evaluate; 13: an Elixir file nixgen cannot parse but does not need; 14: pipes, devices
and unreadable directories; 15: control characters and long values in what reaches a terminal.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.hostile import CRATE, edit, ex_str, generate, project, with_git_dep
from support.nifseval import install
from support.nixeval import nix_eval_json

from nixgen.cli import main
from nixgen.emit.nifs import plan_nifs, render_nifs
from nixgen.resolve.project import load_project

BIG = "9" * 5000  # past Python's 4,300-digit limit for int()
LONG = "n" * 300  # past NAME_MAX (255 bytes)
SHA = "0123456789abcdef" * 4


def tree(root: Path) -> dict[str, str | bytes]:
    """test_hostile.tree that does not open pipes and devices (it would block or never end)."""
    found: dict[str, str | bytes] = {}
    for current, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(current, name)
            mode = path.lstat().st_mode
            key = path.relative_to(root).as_posix()
            if stat.S_ISLNK(mode):
                found[key] = "-> " + os.readlink(path)
            elif stat.S_ISREG(mode):
                found[key] = path.read_bytes()
            else:
                found[key] = f"mode {stat.S_IFMT(mode):o}"
    return found


def refused_by(tmp_path: Path, root: Path, args: list[str]) -> str:
    """`nixgen <args> root`: exit 2, one message with a hint, nothing written; the message."""
    before = tree(tmp_path)
    result = CliRunner().invoke(main, [*args, str(root)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    stderr = result.stderr
    assert stderr.startswith("nixgen: ") and stderr.count("\n  hint: ") == 1, stderr
    assert tree(tmp_path) == before
    return stderr.removeprefix("nixgen: ")


def refused(tmp_path: Path, root: Path) -> str:
    return refused_by(tmp_path, root, ["init"])


def ok(root: Path, args: list[str]) -> tuple[str, str]:
    result = CliRunner().invoke(main, [*args, str(root)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout, result.stderr


# --------------------------------------------------------------------------- 11: tracebacks


def damage_source_record(root: Path, change: str) -> int:
    """Rewrite the `# nixgen-source:` record of nix/deps.nix; its line number."""
    path = root / "nix" / "deps.nix"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if '"kind": "mix-git"' in line)
    prefix, _, record = lines[number].partition("# nixgen-source: ")
    data = json.loads(record)
    if change == "not_json":
        text = record.replace('"builder": ', '"builder" ')
    elif change == "huge_integer":
        text = record.replace('"submodules": false', f'"submodules": {BIG}')
    else:
        key, value = change.split("=", 1)
        if value == "<missing>":
            del data[key]
        else:
            data[key] = json.loads(value)
        text = json.dumps(data)
    lines[number] = f"{prefix}# nixgen-source: {text}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


SOURCE_DAMAGE = {
    "url_list": ("url=[]", "`url` must be a string"),
    "deps_string": ('deps="abc"', "`deps` must be a list of strings"),
    "missing_hash": ("hash=<missing>", "`hash` must be a string"),
    "bad_hash": ('hash="sha256-x"', "`hash` is not an SRI sha256 hash"),
    "bad_builder": ('builder="cmake"', "unknown builder 'cmake'"),
    "version_newline": ('version="1.0.0\\n"', "cannot be part of a Nix store path"),
    "not_json": ("not_json", "not valid JSON"),
    "huge_integer": ("huge_integer", "not valid JSON"),
}
COMMANDS = {"show": ["show"], "init": ["init"], "init_force": ["init", "--force"],
            "update": ["update"], "check": ["check"]}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(SOURCE_DAMAGE))
def test_damaged_source_record_is_refused_by_every_command(
    tmp_path: Path, case: str, command: str
) -> None:
    """Was a TypeError (`"url": []` is unhashable) in every command, `init --force` too."""
    change, reason = SOURCE_DAMAGE[case]
    root, tools = with_git_dep(tmp_path)
    generate(root, tools)
    line = damage_source_record(root, change)
    message = refused_by(tmp_path, root, COMMANDS[command])
    assert message.startswith(f"nix/deps.nix:{line}:1: damaged `# nixgen-source:` record"), message
    assert reason in message
    assert "delete this line" in message


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ("[deps]\nprovided = []\nprovided = []\n", 3),
        ('[nifs."A"]\notp_app = "a"\notp_app = "b"\n', 3),
    ],
)
def test_duplicate_key_in_a_nixgen_toml_table_is_refused(
    tmp_path: Path, table: str, line: int
) -> None:
    """Was tomlkit's KeyAlreadyPresent as a traceback."""
    root = project(tmp_path)
    (root / "nixgen.toml").write_text(table, encoding="utf-8")
    message = refused(tmp_path, root)
    assert message.startswith(f"nixgen.toml:{line}:1: invalid TOML: Key "), message
    assert "already exists" in message


HUGE_INTEGERS = {
    # case: (file, text replaced, replacement (None: the whole file), message pattern)
    "mix_exs_literal": (
        "mix.exs",
        "start_permanent: Mix.env() == :prod",
        f"start_permanent: {BIG}",
        r"mix\.exs:11:24: integer literal of 5000 digits",
    ),
    "elixir_requirement": (
        "mix.exs",
        '"~> 1.15"',
        f'"~> 1.{BIG}"',
        r"mix\.exs:10:16: the `elixir:` requirement '~> 1\.9+… \(5005 characters\)' has a "
        r"5000-digit number",
    ),
    "mix_lock_rustler": (
        "mix.lock",
        '"0.36.1", "3d',
        f'"0.{BIG}.1", "3d',
        r"mix\.lock:3:14: lock entry 'rustler': version '0\.9+… \(5004 characters\)' has a "
        r"5000-digit number",
    ),
    "cargo_lock": (
        f"{CRATE}/Cargo.lock",
        'version = "1.0.0"',
        f'version = "1.{BIG}.0"',
        rf"{CRATE}/Cargo\.lock:\d+:1: the version of \S+ '1\.9+… \(5004 characters\)' has a "
        r"5000-digit number",
    ),
    "nixgen_toml_elixir": (
        "nixgen.toml",
        None,
        f'elixir = "1.{BIG}"\n',
        r"nixgen\.toml:1:1: elixir '1\.9+… \(5002 characters\)' has a 5000-digit number",
    ),
    "tool_versions_erlang": (
        ".tool-versions",
        None,
        f"erlang {BIG}\nelixir 1.18\n",
        r"\.tool-versions:1:8: the erlang version '9+… \(5000 characters\)' has a 5000-digit "
        r"number",
    ),
    "tool_versions_elixir": (
        ".tool-versions",
        None,
        f"erlang 27\nelixir 1.{BIG}\n",
        r"\.tool-versions:2:8: the elixir version '1\.9+… \(5002 characters\)' has a "
        r"5000-digit number",
    ),
}


@pytest.mark.parametrize("case", sorted(HUGE_INTEGERS))
def test_integer_past_pythons_digit_limit_is_refused(tmp_path: Path, case: str) -> None:
    """Was `ValueError: Exceeds the limit (4300 digits)` from int() in the reader or later."""
    path, old, new, pattern = HUGE_INTEGERS[case]
    root = project(tmp_path)
    if old is None:
        (root / path).write_text(new, encoding="utf-8")
    else:
        edit(root, path, old, new)
    first = refused(tmp_path, root).split("\n")[0]
    assert re.fullmatch(pattern, first), first


LONG_PATHS = {
    "path_dep": (
        '{:rustler, "~> 0.36.1", runtime: false}',
        f'{{:rustler, "~> 0.36.1", runtime: false}},\n      {{:local, path: "../{LONG}"}}',
        r"mix\.exs:24:7: the `path:` of 'local' '\.\./n+… \(303 characters\)' has a name longer "
        r"than 255 bytes, which no file system holds",
    ),
    "lockfile": (
        "version: @version,",
        f'version: @version,\n      lockfile: "{LONG}/mix.lock",',
        r"mix\.exs:10:18: `lockfile:` 'n+… \(309 characters\)' has a name longer than 255 "
        r"bytes, which no file system holds",
    ),
    "apps_path": (
        "version: @version,",
        f'version: @version,\n      apps_path: "apps/{LONG}",',
        r"mix\.exs:10:19: `apps_path:` 'apps/n+… \(305 characters\)' has a name longer than "
        r"255 bytes, which no file system holds",
    ),
}


@pytest.mark.parametrize("case", sorted(LONG_PATHS))
def test_path_component_longer_than_a_file_name_is_refused(tmp_path: Path, case: str) -> None:
    """Was `OSError: [Errno 36] File name too long` from a path lookup."""
    old, new, pattern = LONG_PATHS[case]
    root = project(tmp_path)
    edit(root, "mix.exs", old, new)
    first = refused(tmp_path, root).split("\n")[0]
    assert re.fullmatch(pattern, first), first


PROST_BUILD = f"""
[[package]]
name = "prost-build"
version = "0.13.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{SHA}"
"""


def test_show_json_of_a_crate_that_needs_a_program(tmp_path: Path) -> None:
    """A Cargo.lock with prost-build (protoc through PROTOC, like supavisor's) was `Object of
    type Exe is not JSON serializable`."""
    root = project(tmp_path)
    with (root / CRATE / "Cargo.lock").open("a", encoding="utf-8") as lock:
        lock.write(PROST_BUILD)
    stdout, _ = ok(root, ["show", "--json"])
    [native] = json.loads(stdout)["native"]
    assert native["env"] == {"PROTOC": {"kind": "exe", "package": "protobuf", "program": "protoc"}}


# --------------------------------------------------------------------------- 12: broken flakes


BROKEN_VALUES = {
    # case: (file, text replaced, replacement, message pattern)
    "lock_version_newline": (
        "mix.lock",
        '"1.4.4"',
        '"1.4.4\\n"',
        r"mix\.lock:2:12: the version of 'jason' '1\.4\.4\\n' cannot be part of a Nix store "
        r"path .*",
    ),
    "app_version_newline": (
        "mix.exs",
        '@version "0.1.0"',
        '@version "0.1.0\\n"',
        r"mix\.exs:4:13: the app version '0\.1\.0\\n' cannot be part of a Nix store path .*",
    ),
    "outer_checksum_short": (
        "mix.lock",
        '"hexpm", "30b314f30f1fa356450081dbca9e3b4a8acb87c9ef8509afb6c1ebe1d4ac8278"',
        '"hexpm", "30b314f30f1fa356"',
        r"mix\.lock:2:12: lock entry 'jason': checksum '30b314f30f1fa356' is not a sha256 "
        r"checksum \(64 hex digits\)",
    ),
    "outer_checksum_not_hex": (
        "mix.lock",
        '"hexpm", "30b314f30f1fa356450081dbca9e3b4a8acb87c9ef8509afb6c1ebe1d4ac8278"',
        f'"hexpm", "{"z" * 64}"',
        r"mix\.lock:2:12: lock entry 'jason': checksum 'z{64}' is not a sha256 checksum .*",
    ),
    "cargo_version_space": (
        f"{CRATE}/Cargo.toml",
        'version = "0.1.0"',
        'version = "0.1.0 beta"',
        rf"{CRATE}/Cargo\.toml:3:1: package\.version '0\.1\.0 beta' is not a SemVer version .*",
    ),
    "cargo_lock_version_space": (
        f"{CRATE}/Cargo.lock",
        'version = "1.0.0"',
        'version = "1.0.0 "',
        rf"{CRATE}/Cargo\.lock:\d+:1: the version of \S+ '1\.0\.0 ' is not a SemVer version .*",
    ),
    "crate_name_shell": (
        f"{CRATE}/Cargo.toml",
        'name = "single_nif"\nversion',
        'name = "x;touch${IFS}y"\nversion',
        rf"{CRATE}/Cargo\.toml:2:1: package\.name 'x;touch\$\{{IFS\}}y' is not a Cargo package "
        r"name .*",
    ),
    "cargo_lock_name_shell": (
        f"{CRATE}/Cargo.lock",
        'name = "cfg-if"',
        'name = "cfg-if$(id)"',
        rf"{CRATE}/Cargo\.lock:\d+:1: package\.name 'cfg-if\$\(id\)' is not a Cargo package .*",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_VALUES))
def test_value_that_would_break_the_flake_is_refused_where_it_is_read(
    tmp_path: Path, case: str
) -> None:
    """Each passed before and gave a flake that does not evaluate (`re.match` with `$` took
    "0.1.0\\n"; checksums, Cargo versions and names were not checked)."""
    path, old, new, pattern = BROKEN_VALUES[case]
    root = project(tmp_path)
    edit(root, path, old, new)
    first = refused(tmp_path, root).split("\n")[0]
    assert re.fullmatch(pattern, first), first


def test_crate_name_is_a_quoted_shell_word_in_cargo_extra_args(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    nifs = (root / "nix" / "nifs.nix").read_text(encoding="utf-8")
    # buildNif (templates/nix/build-nif.nix) quotes each `-p` package: pname, and the workspace's
    assert 'pname = "single_nif";' in nifs and 'packages = [ "single_nif" ];' in nifs
    assert '" -p ${lib.escapeShellArg p}"' in nifs


@pytest.mark.nix
def test_crate_name_reaches_crane_as_one_shell_word(tmp_path: Path) -> None:
    """The reader refuses such a name; the template quotes it all the same (crane splices
    cargoExtraArgs into bash unquoted, docs/UPSTREAM.md U-CRANE-BUILD)."""
    root = project(tmp_path)
    plan = plan_nifs(load_project(root))
    [crate] = plan.crates
    hostile = replace(plan, crates=(replace(crate, name="a b'c;d"),))
    target = install(root, render_nifs(hostile), tmp_path / "work")
    env = f"nifs.x86_64-linux.gnu.crates.{crate.attr}.env.cargoExtraArgs"
    assert nix_eval_json(target, env) == "--locked -p 'a b'\\''c;d'"


# --------------------------------------------------------------------------- 13: unparsable files

# Elixir accepts a keyword list as an access key; tree-sitter-elixir 0.3.5 does not
# (ComponentsGuide's examples_html.ex).
ACCESS_KEYWORDS = "defmodule Single.Examples do\n  def x(r), do: r[at!: 0]\nend\n"


def test_elixir_file_the_grammar_rejects_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "lib" / "single" / "examples.ex").write_text(ACCESS_KEYWORDS, encoding="utf-8")
    _, stderr = ok(root, ["init"])
    assert "note: lib/single/examples.ex:2:" in stderr
    assert "skipped" in stderr and "does not mention Rustler" in stderr
    assert (root / "flake.nix").is_file()
    shown, _ = ok(root, ["show"])
    assert "NIFs (1):" in shown and "lib/single/examples.ex:2:" in shown


def test_unparsable_elixir_file_that_mentions_rustler_is_still_an_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    text = ACCESS_KEYWORDS.replace("  def x", "  # Rustler\n  def x")
    (root / "lib" / "single" / "examples.ex").write_text(text, encoding="utf-8")
    assert refused(tmp_path, root).startswith("lib/single/examples.ex:3:")


# --------------------------------------------------------------------------- 14: special files


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A read that blocks fails the test after 20 s instead of hanging the suite."""

    def fail(signum: int, frame: object) -> None:
        raise TimeoutError("nixgen blocked reading a special file")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


FIFOS = ["mix.exs", "mix.lock", f"{CRATE}/Cargo.toml", f"{CRATE}/Cargo.lock", "nixgen.toml",
         ".tool-versions", "lib/single/native.ex", "nix/deps.nix"]  # fmt: skip


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("path", FIFOS)
@pytest.mark.parametrize("command", ["show", "init"])
def test_fifo_in_place_of_an_input_is_refused(tmp_path: Path, path: str, command: str) -> None:
    """`show` blocked forever on a FIFO mix.exs; several inputs were silently skipped."""
    root = project(tmp_path)
    (root / path).parent.mkdir(exist_ok=True)
    (root / path).unlink(missing_ok=True)
    os.mkfifo(root / path)
    message = refused_by(tmp_path, root, [command])
    if path.startswith("nix/"):  # a generated file: the writer may be the one to refuse it
        assert message.startswith(f"{path}: is ") and "not a regular file" in message, message
    else:
        assert message.startswith(f"{path}: is a named pipe (FIFO), not a regular file"), message


def test_device_in_place_of_an_input_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "mix.lock").unlink()
    try:
        os.mknod(root / "mix.lock", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    assert refused(tmp_path, root).startswith("mix.lock: is a device, not a regular file")


def test_unreadable_lib_directory_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was "NIFs: none": the directory listing failed silently. Permission bits do not stop
    root, so the listing is made to fail as it would for another user."""
    root = project(tmp_path)
    unreadable = root / "lib" / "single"
    scandir = os.scandir

    def refusing(path: object = ".") -> object:
        if Path(str(path)) == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", refusing)
    message = refused_by(tmp_path, root, ["show"])
    assert message.startswith("lib/single: cannot list directory: Permission denied"), message


# --------------------------------------------------------------------------- 15: terminals


def test_control_characters_from_a_file_name_are_escaped_in_errors(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "lib" / "single" / "\x1b[2Jbad.ex").write_text("defmodule Rustler.X do\n", "utf-8")
    message = refused(tmp_path, root)
    assert "\x1b" not in message
    assert message.startswith("lib/single/\\x1b[2Jbad.ex:")


def test_control_characters_from_project_text_are_escaped_in_show(tmp_path: Path) -> None:
    root = project(tmp_path)
    edit(root, "mix.exs", '"~> 1.15"', ex_str("~> 1.15 \x1b]0;owned\x07\u202e"))
    stdout, _ = ok(root, ["show"])
    assert "\x1b" not in stdout and "\x07" not in stdout and "\u202e" not in stdout
    assert "\\x1b]0;owned\\x07\\u202e" in stdout
    as_json, _ = ok(root, ["show", "--json"])
    assert "\x1b" not in as_json and "\u202e" not in as_json
    elixir = json.loads(as_json)["project"]["mix_projects"][0]["elixir"]
    assert elixir == "~> 1.15 \x1b]0;owned\x07\u202e"  # the JSON still holds the exact value


def test_error_messages_cut_long_values(tmp_path: Path) -> None:
    root = project(tmp_path)
    edit(root, "mix.exs", '@version "0.1.0"', f'@version "0.1.0-{"a" * 5000}"')
    message = refused(tmp_path, root)
    assert len(message) < 600, len(message)
    assert "(5006 characters)" in message
