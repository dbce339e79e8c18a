"""Property tests: the Nix escapers round-trip through nix-instantiate, the Elixir ones through
elixir and the TOML ones through tomllib, and every reader fails on arbitrary input with
nixgen's own errors only.

Budgets are fixed (`derandomize=True`, no example database) so CI runs the same examples each
time; the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.nixeval import nix_env

from nixgen.emit.glue import GlueNif, config_block, macro_module
from nixgen.emit.render import (
    elixir_alias,
    elixir_atom,
    elixir_str,
    nix_attr,
    nix_ident,
    nix_ind,
    nix_str,
    toml_key,
    toml_list,
    toml_str,
)
from nixgen.errors import InputError, NixgenError
from nixgen.model import Dynamic
from nixgen.readers.cargo import read_cargo_tree, read_manifest
from nixgen.readers.cargo_lock import read_cargo_config, read_cargo_lock, read_toolchain
from nixgen.readers.elixir import Source, modules, parse_file, parse_text
from nixgen.readers.evaluator import Evaluator
from nixgen.readers.mix_exs import read_mix_exs
from nixgen.readers.mix_lock import lock_from_source, read_mix_lock_text
from nixgen.readers.rustler import rustler_modules
from nixgen.readers.terms import Term
from nixgen.readers.text import read_text
from nixgen.readers.versions import read_mise, read_tool_versions
from nixgen.settings import Settings, default_text, nif_section

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NIX = settings(FUZZ, max_examples=60)

# --------------------------------------------------------------------------- text strategies

# Nix strings are C strings: Nix 2.8 silently cuts a string at NUL, so no literal can hold one
# (see test_nix_str_rejects_nul). Surrogates cannot be written as UTF-8 at all.
_CHARS = st.characters(codec="utf-8", exclude_characters="\0")
# Sequences that mean something to one of Nix's two string syntaxes.
_NIX_TOKENS = st.one_of(
    st.sampled_from(
        ['"', "\\", "$", "{", "}", "${", "$${", "\\${", "''", "'''", "'", "''$", "''\\", "''${"]
    ),
    st.sampled_from(["\n", "\r", "\t", " ", "  ", "\r\n", "\\n", "é", "\u2028", "\U0001f600"]),
)
NIX_TEXT = st.one_of(
    st.text(_CHARS),
    st.lists(st.one_of(_NIX_TOKENS, st.text(_CHARS, max_size=3)), max_size=12).map("".join),
)


# --------------------------------------------------------------------------- (a) Nix escapers


def _nix_eval_json(expr: str) -> object:
    with tempfile.TemporaryDirectory(prefix="nixgen-prop-") as tmp:
        path = Path(tmp, "expr.nix")
        path.write_bytes(expr.encode("utf-8"))
        result = subprocess.run(
            ["nix-instantiate", "--eval", "--strict", "--json", str(path)],
            capture_output=True,
            env=nix_env(),
            check=False,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    return json.loads(result.stdout)


def _nix_list(items: list[str]) -> str:
    return "[\n" + "".join(f"  ({item})\n" for item in items) + "]\n"


@pytest.mark.nix
@NIX
@given(st.lists(NIX_TEXT, min_size=1, max_size=50))
def test_nix_str_round_trips(strings: list[str]) -> None:
    assert _nix_eval_json(_nix_list([nix_str(s) for s in strings])) == strings


def _ind_reproducible(text: str) -> bool:
    """Enough for `''` + nix_ind(text) + `''` to be exactly `text` (Nix's lexer and its
    stripIndentation):

    - `text` does not start with a space or a newline: the opening `''` swallows a first line
      of spaces only, and the smallest indentation (in spaces) of the non-blank lines is
      stripped from every line, which is nothing only if some line starts at column 0;
    - its last line is not one or more spaces only: Nix drops such a final line.

    Templates meet both by starting a snippet with its first word and ending it with `\\n`.
    Tabs, CR and other whitespace are never stripped.
    """
    last_line = text.rpartition("\n")[2]
    return not text.startswith((" ", "\n")) and not (last_line and last_line.strip(" ") == "")


@pytest.mark.nix
@NIX
@given(st.lists(NIX_TEXT.filter(_ind_reproducible), min_size=1, max_size=50))
@example(["'${x}", "a'", "a'''", "x'''${y}'", "''", "'$", "$", "$${x}"])
def test_nix_ind_round_trips(strings: list[str]) -> None:
    # `x` is bound so that an escape that lets `${x}` through yields a wrong value, not an error.
    literals = ["''" + nix_ind(s) + "''" for s in strings]
    assert _nix_eval_json(f'let x = "INJECTED"; in {_nix_list(literals)}') == strings


@pytest.mark.nix
@NIX
@given(st.lists(NIX_TEXT, min_size=1, max_size=50))
@example(["or", "in", "let", "rec", "__curPos", "true", "null", "a-b", "A'", "_", "", "1a"])
def test_nix_attr_is_the_only_key(names: list[str]) -> None:
    # attrNames, not the attrset itself: `--json` prints a set with `outPath` as that value.
    attrsets = [f"builtins.attrNames {{ {nix_attr(name)} = 1; }}" for name in names]
    assert _nix_eval_json(_nix_list(attrsets)) == [[name] for name in names]


@pytest.mark.nix
@NIX
@given(st.lists(NIX_TEXT, min_size=1, max_size=50))
@example(["buildMix", "sourceOnly", "in", "or", "a b", "a'", "_", "", "1a", "x\n"])
def test_nix_ident_is_that_variable_or_refused(names: list[str]) -> None:
    """A name nix_ident accepts reads back as that variable of a `let`; others are refused."""
    accepted = []
    for name in names:
        try:
            accepted.append(nix_ident(name))
        except ValueError:
            assert nix_attr(name).startswith('"'), name  # only what needs quoting is refused
    bindings = " ".join(f"{name} = {json.dumps(name)};" for name in sorted(set(accepted)))
    expr = f"let {bindings} in [ {' '.join(accepted)} ]"
    assert _nix_eval_json(expr) == accepted


def test_nix_ind_escapes_quotes_before_interpolation() -> None:
    assert nix_ind("'${x}") == "''\\'''${x}"
    assert nix_ind("a'") == "a''\\'"


def test_nix_str_rejects_nul() -> None:
    with pytest.raises(NixgenError):
        nix_str("a\0b")


# --------------------------------------------------------------------------- (a) Elixir escapers

ELIXIR = settings(FUZZ, max_examples=8)  # one elixir start (~1 s) an example
# Sequences that mean something in an Elixir string, atom or alias.
_ELIXIR_TEXT_TOKENS = st.one_of(
    st.sampled_from(['"', "\\", "#{", "#{x}", "#", "{", "}", "\n", "\r\n", "\r", "\t", "\0", "'"]),
    st.sampled_from(["\u202e", "\u2066", "\u2028", "\u0085", "\x0b", "\x7f", "é", "\U0001f600"]),
    st.sampled_from([":", ".", "?", "!", "A", "a", "_", "1", " ", "Elixir."]),
)
ELIXIR_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8")),
    st.lists(st.one_of(_ELIXIR_TEXT_TOKENS, st.text(max_size=3)), max_size=12).map("".join),
)
# An atom holds at most 255 characters (erlang:list_to_atom/1).
ATOM_TEXT = ELIXIR_TEXT.filter(lambda t: len(t) <= 240)


def _elixir_hex_lines(
    script: str, args: list[str] | None = None, env: dict[str, str] | None = None
) -> list[str]:
    """Run `script` with the real elixir: the values it prints as `=<Base16>` lines."""
    with tempfile.TemporaryDirectory(prefix="nixgen-prop-") as tmp:
        path = Path(tmp, "values.exs")
        path.write_bytes(script.encode("utf-8"))
        result = subprocess.run(
            ["elixir", str(path), *(args or [])],
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8", **(env or {})},
            check=False,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    lines = result.stdout.decode().splitlines()
    return [bytes.fromhex(line[1:]).decode("utf-8") for line in lines if line.startswith("=")]


@pytest.mark.elixir
@ELIXIR
@given(
    st.lists(ELIXIR_TEXT, min_size=1, max_size=60),
    st.lists(ATOM_TEXT, min_size=1, max_size=60),
)
@example(
    ["#{x}", "\\#{x}", '"', "\0", "\u202e", "a\nb", ""],
    ["my_app", "a?", "a!", "nil", "true", "do", "A", "A.B", "My app", "", "1a", "#{x}", "a\nb"],
)
def test_elixir_escapers_round_trip(strings: list[str], names: list[str]) -> None:
    """Strings and atoms evaluate to exactly the text given; an alias names the module
    `Elixir.<text>`. One elixir run an example (it takes about a second to start)."""
    literals = [
        *(f"{elixir_str(s)}" for s in strings),
        *(f"Atom.to_string({elixir_atom(n)})" for n in names),
        *(f"Atom.to_string({elixir_alias(n)})" for n in names),
    ]
    body = ",\n".join(f"  {literal}" for literal in literals)
    script = f'for v <- [\n{body}\n], do: IO.puts("=" <> Base.encode16(v))\n'
    expected = [*strings, *names, *(f"Elixir.{n}" for n in names)]
    assert _elixir_hex_lines(script) == expected


# Values every Elixir escape matters for.
_HOSTILE = ["#{x}\"q\\ 'é日本😀", "a\nb\r\tc", "\u202e\x7f", "my_app", "A.B", ""]


@pytest.mark.elixir
def test_config_block_reads_back_with_config_reader() -> None:
    """The rendered block, read by Elixir's Config.Reader with the switch on: each module's
    load_from and each tool's path are exactly the values given."""
    nifs = [
        GlueNif(app, f"M{i}", app[::-1], path)
        for i, (app, path) in enumerate(zip(_HOSTILE, reversed(_HOSTILE), strict=True))
    ]
    # The `elixir` launcher (a shell script) passes on only variables named like identifiers.
    tools = [(f"tool {v}", f"NIXGEN_TOOL_{i}") for i, v in enumerate(_HOSTILE[:3])]
    script = (
        "config = Config.Reader.read!(hd(System.argv()))\n"
        f"for i <- 0..{len(nifs) - 1} do\n"
        '  [{app, opts}] = for {a, kw} <- config, kw[:"Elixir.M#{i}"], do: {a, kw}\n'
        '  {load_app, path} = opts[:"Elixir.M#{i}"][:load_from]\n'
        "  for v <- [Atom.to_string(app), Atom.to_string(load_app), path],"
        ' do: IO.puts("=" <> Base.encode16(v))\n'
        "end\n"
        f"for p <- [{', '.join(elixir_atom(p) for p, _ in tools)}],"
        ' do: IO.puts("=" <> Base.encode16(config[p][:path]))\n'
    )
    block = config_block(nifs, tools)
    env = {"PRECOMPILED_NIF": "true", **{v: f"/bin/{i}" for i, (_, v) in enumerate(tools)}}
    with tempfile.TemporaryDirectory(prefix="nixgen-prop-") as tmp:
        Path(tmp, "config.exs").write_text("import Config\n" + block, encoding="utf-8")
        values = _elixir_hex_lines(script, [str(Path(tmp, "config.exs"))], env)
    expected = [v for n in nifs for v in (n.app, n.load_app, n.load_path)]
    assert values == expected + [f"/bin/{i}" for i in range(len(tools))]


@pytest.mark.elixir
def test_macro_module_compiles_for_any_app_module() -> None:
    """The macro module is valid Elixir, defining the module it names, for a plain alias and
    for a name that is none (an app named `:"my app"`)."""
    names = ["MyApp", "My app", '#{x}"']
    modules = "\n".join(macro_module(n) for n in names)
    script = (
        f"{modules}\n"
        f"for m <- [{', '.join(elixir_alias(n + '.NixgenRustler') for n in names)}],"
        ' do: IO.puts("=" <> Base.encode16(inspect(m.__info__(:macros))))\n'
    )
    values = _elixir_hex_lines(script)
    assert values == ["[rustler_use: 1]"] * len(names)


# --------------------------------------------------------------------------- (a) TOML escapers

TOML = settings(FUZZ, max_examples=100)

TOML_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8")),
    st.lists(
        st.one_of(
            st.sampled_from(['"', "'", "\\", '"""', "'''", "\n", "\r", "\t", "\0", "\x7f", "#"]),
            st.sampled_from(["[", "]", ".", "=", " ", "é", "\u2028", "\U0001f600", "a", "1"]),
            st.text(max_size=3),
        ),
        max_size=12,
    ).map("".join),
)


@TOML
@given(st.lists(st.tuples(TOML_TEXT, TOML_TEXT), min_size=1, max_size=10))
@example([("a.b", "x"), ("", ""), ("in", '"""'), ("1", "\\u0041")])
def test_toml_key_and_str_round_trip(pairs: list[tuple[str, str]]) -> None:
    items = dict(pairs)
    text = "".join(f"{toml_key(k)} = {toml_str(v)}\n" for k, v in items.items())
    assert tomllib.loads(text) == items


@TOML
@given(st.lists(TOML_TEXT, max_size=10))
def test_toml_list_round_trips(values: list[str]) -> None:
    assert tomllib.loads(f"x = {toml_list(values)}\n") == {"x": values}


@TOML
@given(
    TOML_TEXT,
    st.one_of(st.none(), TOML_TEXT),
    st.lists(st.tuples(TOML_TEXT, st.one_of(st.none(), TOML_TEXT)), max_size=4),
)
def test_nif_section_reads_back(
    module: str, otp_app: str | None, crates: list[tuple[str, str | None]]
) -> None:
    """The suggested table parses with tomllib to exactly what was read (a comment lists the
    other crates, so they are no value)."""
    crate, path = crates[0] if crates else ("my_crate", None)
    table = {"otp_app": otp_app or "my_app", "crate": crate}
    if path is not None:
        table["path"] = path
    assert tomllib.loads(nif_section(module, otp_app, crates)) == {"nifs": {module: table}}


@TOML
@given(TOML_TEXT.filter(bool), st.lists(TOML_TEXT, max_size=4), st.booleans())
def test_default_settings_text_reads_back(nixpkgs: str, systems: list[str], glue: bool) -> None:
    settings = Settings(
        systems=tuple(systems), nixpkgs=nixpkgs, mix_env="staging", elixir_glue=glue, libc="gnu"
    )
    data = tomllib.loads(default_text(settings))
    assert (data["nixpkgs"], data["systems"], data["elixir_glue"]) == (nixpkgs, systems, glue)
    assert (data["libc"], data["mix_env"]) == ("gnu", "staging")


# --------------------------------------------------------------------------- (b) readers


def _only_nixgen_errors(read: Callable[[], object]) -> None:
    """`read` may fail, but only with one of nixgen's errors; anything else propagates."""
    with suppress(NixgenError):
        read()


@contextmanager
def _project(files: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nixgen-prop-") as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        yield root


def _read_elixir(source: Source) -> None:
    _only_nixgen_errors(lambda: lock_from_source(source))
    _only_nixgen_errors(lambda: rustler_modules(source, system_env={"X": "1"}))
    try:
        mix = read_mix_exs(source, "test", {"X": "1"})
    except NixgenError:
        return
    _only_nixgen_errors(lambda: rustler_modules(source, mix_config=mix.config))


def _fuzz_elixir(text: str) -> None:
    try:
        source = parse_text("mix.exs", text)
    except NixgenError:
        return
    _read_elixir(source)


# Elixir: tokens that reach the evaluator's handlers, in random order.
_ELIXIR_TOKENS = st.one_of(
    st.sampled_from(
        ["defmodule", "M", "M.MixProject", "do", "end", "use", "Mix.Project", "Rustler", "def"]
    ),
    st.sampled_from(
        ["defp", "project", "deps", "(", ")", "[", "]", "{", "}", "%{", "=>", ",", "\n", "|"]
    ),
    st.sampled_from(
        ["=", "++", "<>", "|>", "and", "or", "not", "!", "-", "+", "==", "in", "if", "else"]
    ),
    st.sampled_from(
        [":a", ":hex", ':"q a"', "a:", "app:", "deps:", "x", "@x", "nil", "true", '"s"', "'c'"]
    ),
    st.sampled_from(
        ["1", "1.5", "007", "0x1F", "1_0", "?_", "?a", "?\\n", "?\\\n", "~w(a b)a", "~s(x)"]
    ),
    st.sampled_from(
        ['"\\u{1F600}"', '"\\u{110000}"', '"\\u{D800}"', '"\\x{FFFFFFFF}"', '"\\x41"', '"#{x}"']
    ),
    st.sampled_from(
        ["Mix.env()", 'System.get_env("X")', "Mix.Project.config()", "[:a]", "x[:a]", "f()"]
    ),
)
ELIXIR_SOUP = st.lists(_ELIXIR_TOKENS, max_size=40).map(" ".join)


@FUZZ
@given(st.one_of(st.text(), ELIXIR_SOUP))
@example("%{a: 007}")
@example("%{a: ?_}")
@example("%{a: ?\\\n}")
@example('%{a: "\\u{110000}"}')
@example('%{a: "\\u{D800}"}')
@example('%{a: "\\x{FFFFFFFF}"}')
@example("defmodule M do\n  @a [@a]\n  def project, do: [app: @a]\nend\n")
@example("defmodule M do\n  x = [x]\n  def project, do: [app: x]\nend\n")
@example("defmodule M do\n  @a project()\n  def project, do: [app: @a]\nend\n")
def test_elixir_readers_on_arbitrary_text(text: str) -> None:
    _fuzz_elixir(text)


def _ex_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{") + '"'


_KEYS = st.one_of(
    st.sampled_from(
        ["hex", "repo", "optional", "git", "github", "path", "in_umbrella", "only", "runtime"]
    ),
    st.sampled_from(
        ["app", "compile", "manager", "override", "organization", "branch", "tag", "ref"]
    ),
    st.sampled_from(
        ["sparse", "subdir", "submodules", "depth", "crate", "otp_app", "mode", "load_from"]
    ),
    st.sampled_from(
        ["features", "skip_compilation?", "version", "nif_versions", "force_build", "do"]
    ),
    st.sampled_from(
        ["deps", "releases", "aliases", "apps_path", "apps", "lockfile", "config_path", '"k y"']
    ),
)
_LEAF = st.one_of(
    st.sampled_from([":hex", ":git", ":mix", ":rebar3", ":a", ':"q a"', "nil", "true", "false"]),
    st.text(max_size=8).map(_ex_str),
    st.integers().map(str),
    st.sampled_from(["007", "0x1F", "1_000", "?_", "?\\\n", "1.5e3", "'cl'", "~w(a b)a"]),
    st.sampled_from(['"\\u{1F600}"', '"\\0"', '"\\u{110000}"', '"\\x{FFFFFFFF}"', '"#{x}"']),
    st.sampled_from(["@attr", "x", "f()", "g()", 'System.get_env("X")', "Mix.env()"]),
    st.sampled_from(['"a" <> "b"', "[1] ++ [2]", "Mix.Project.config()[:app]", "!nil"]),
    st.sampled_from(["if Mix.env() == :prod, do: :a, else: :b", "%Struct{}", "%{m | a: 1}"]),
)


def _keywords(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in pairs)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(inner, max_size=4).map(", ".join)
    keywords = st.lists(st.tuples(_KEYS, inner), max_size=4).map(_keywords)
    return st.one_of(
        items.map(lambda s: f"[{s}]"),
        items.map(lambda s: f"{{{s}}}"),
        keywords.map(lambda s: f"[{s}]"),
        st.tuples(items, keywords).map(lambda p: f"[{p[0]}, {p[1]}]" if p[0] else f"[{p[1]}]"),
        st.lists(st.tuples(inner, inner), max_size=3).map(
            lambda kv: "%{" + ", ".join(f"{k} => {v}" for k, v in kv) + "}"
        ),
    )


TERM = st.recursive(_LEAF, _compound, max_leaves=12)


def _near(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly `valid`, sometimes any term: one field of an otherwise well-formed tuple is off."""
    return st.one_of(*[valid] * 5, TERM)


_LOCK_DEP = st.tuples(
    st.sampled_from([":jason", ":a"]),
    _near(st.sampled_from(['"~> 1.0"', "nil"])),
    _near(st.sampled_from(['[hex: :jason, repo: "hexpm", optional: false]', "[optional: true]"])),
).map(lambda t: "{" + ", ".join(t) + "}")
_HEX = st.tuples(
    _near(st.sampled_from([":jason", '"jason"'])),
    _near(st.just('"1.4.1"')),
    _near(st.just('"abc"')),
    _near(st.sampled_from(["[:mix]", "[:rebar3, :make]", "[]"])),
    _near(st.lists(_LOCK_DEP, max_size=3).map(lambda ds: "[" + ", ".join(ds) + "]")),
    _near(st.just('"hexpm"')),
    st.lists(_near(st.just('"def"')), max_size=2),
).map(lambda t: "{:hex, " + ", ".join([*t[:6], *t[6]]) + "}")
_GIT = st.tuples(
    _near(st.just('"https://example.com/a.git"')),
    _near(st.just('"0123abc"')),
    _near(st.lists(st.tuples(_KEYS, TERM), max_size=4).map(lambda ps: f"[{_keywords(ps)}]")),
).map(lambda t: "{:git, " + ", ".join(t) + "}")
_LOCK_KEY = st.sampled_from(['"a": ', '"b" => ', "c: ", ":d => ", '"a" => ', '"" => ', "1 => "])
MIX_LOCK = st.lists(st.tuples(_LOCK_KEY, st.one_of(_HEX, _GIT, TERM)), max_size=4).map(
    lambda entries: "%{\n" + ",\n".join(f"  {k}{v}" for k, v in entries) + "\n}\n"
)


@FUZZ
@given(MIX_LOCK)
def test_mix_lock_reader_on_near_valid_locks(text: str) -> None:
    _only_nixgen_errors(lambda: read_mix_lock_text("mix.lock", text))


_DEP = st.one_of(
    st.tuples(st.sampled_from([":a", ":b"]), _near(st.just('"~> 1.0"')), TERM).map(
        lambda t: "{" + ", ".join(t) + "}"
    ),
    st.tuples(st.sampled_from([":a", ":b"]), TERM).map(lambda t: "{" + ", ".join(t) + "}"),
    TERM,
)
_PROJECT_TAIL = st.sampled_from(["", " ++ f()", " |> Keyword.merge(f())", " ++ [x: 1]"])


def _mix_exs(parts: tuple[str, str, str, list[str], str, str, str, str]) -> str:
    attr, var, project_kw, deps, tail, helper, use_args, nested = parts
    return f"""defmodule P.MixProject do
  use Mix.Project
  @attr {attr}
  x = {var}
  def project do
    [app: :p, version: @attr, deps: deps(), {project_kw}]{tail}
  end
  defp deps do
    [{", ".join(deps)}]
  end
  def f, do: {helper}
  defp g do
    y = {var}
    [y | {nested}]
  end
end

defmodule P.Native do
  @attr {attr}
  use Rustler{use_args}
  defmodule Inner do
    use RustlerPrecompiled, otp_app: :p, crate: {nested}
  end
end
"""


MIX_EXS = st.tuples(
    TERM,
    TERM,
    st.lists(st.tuples(_KEYS, TERM), min_size=1, max_size=4).map(_keywords),
    st.lists(_DEP, max_size=4),
    _PROJECT_TAIL,
    TERM,
    st.one_of(
        st.just(""),
        st.lists(st.tuples(_KEYS, _near(st.just(":p"))), max_size=6).map(
            lambda ps: ", " + _keywords(ps) if ps else ""
        ),
        TERM.map(lambda t: ", " + t),
    ),
    TERM,
).map(_mix_exs)


@FUZZ
@given(MIX_EXS)
def test_mix_exs_and_rustler_readers_on_near_valid_projects(text: str) -> None:
    _fuzz_elixir(text)


# Minimal inputs of the evaluator bugs the properties above found (fixed in readers/elixir.py).


def _evaluate(expr: str) -> Term:
    source = parse_text(
        "t.ex",
        "defmodule T do\n  @a 1\n  @a [@a]\n  x = [x]\n  @b f()\n  def f, do: @b\n"
        f"  def v, do: {expr}\nend\n",
    )
    module = modules(source)[0]
    return Evaluator(source, module).call_function("v", module.node)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("007", 7),
        ("0o17", 15),
        ("0xF_F", 255),
        ("1_000", 1000),
        ("?_", 95),
        ("?\\s", 32),
        ("@a", [1]),
    ],
)
def test_evaluator_literals(expr: str, value: Term) -> None:
    assert _evaluate(expr) == value


# `?\` + newline (10 in Elixir; tree-sitter leaves the newline out of the node) and cycles.
@pytest.mark.parametrize("expr", ["?\\\n", "f()", "@b"])
def test_evaluator_gives_up_on_unreadable_and_cyclic_values(expr: str) -> None:
    assert isinstance(_evaluate(expr), Dynamic)


def test_self_referring_module_variable_is_dynamic_inside() -> None:
    value = _evaluate("x")  # `x = [x]`: the inner x is not the one being defined
    assert isinstance(value, list) and len(value) == 1 and isinstance(value[0], Dynamic)


@pytest.mark.parametrize("escape", ["\\u{110000}", "\\u{D800}", "\\x{FFFFFFFF}"])
def test_invalid_code_point_is_an_input_error(escape: str) -> None:
    with pytest.raises(InputError, match="invalid Unicode code point") as raised:
        read_mix_lock_text("mix.lock", f'%{{"a": "{escape}"}}')
    assert str(raised.value.where) == "mix.lock:1:9"


# --------------------------------------------------------------------------- file readers

_FILE_READERS: dict[str, Callable[[Path, Path], object]] = {
    "Cargo.toml": read_manifest,
    "Cargo.lock": read_cargo_lock,
    ".cargo/config.toml": read_cargo_config,
    "rust-toolchain.toml": read_toolchain,
    "rust-toolchain": read_toolchain,
    ".tool-versions": read_tool_versions,
    "mise.toml": read_mise,
    "mix.exs": lambda root, path: _read_elixir(parse_file(root, path)),
    "text": read_text,
}


def _read_all(root: Path, name: str) -> None:
    _only_nixgen_errors(lambda: _FILE_READERS[name](root, Path(name)))
    if name == "Cargo.toml":
        _only_nixgen_errors(lambda: read_cargo_tree(root, [Path(name)]))


_BYTES = st.one_of(
    st.binary(),
    st.text().map(lambda s: s.encode("utf-8")),
    st.lists(st.sampled_from([b"\xef\xbb\xbf", b"\r\n", b"\0", b"\xff", b"[", b"=", b'"'])).map(
        b"".join
    ),
)


@FUZZ
@given(st.sampled_from(sorted(_FILE_READERS)), _BYTES)
def test_file_readers_on_arbitrary_bytes(name: str, data: bytes) -> None:
    with _project({name: data}) as root:
        _read_all(root, name)


# TOML documents: random values, and Cargo-shaped tables whose fields are sometimes wrong.
_TOML_SCALAR = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(),
    st.dates(),
    st.sampled_from(["", ".", "..", "../x", "a", "a/b", "/abs", "*", "a/*", "[", "?"]),
)
TOML_VALUE = st.recursive(
    _TOML_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _toml_near(valid: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Mostly `valid`: with many fields per document, most should still pass the early checks."""
    return st.one_of(*[valid] * 9, TOML_VALUE)


def _table(**fields: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({}, optional={k: _toml_near(v) for k, v in fields.items()})


_STR = st.sampled_from(["x", "0.1.0", "", "1.2.3-rc.1"])
# Not "a**" nor a 300-character name: see the known failures at the end.
_PATH = st.sampled_from(["", ".", "..", "../x", "a", "a/b", "c", "/abs", "*", "a/*", "?", "[x"])
_STRS = st.lists(st.one_of(_STR, _PATH), max_size=3)
_DEP_SPEC = st.one_of(
    _STR,
    _table(
        version=_STR,
        git=_STR,
        path=_PATH,
        workspace=st.booleans(),
        package=st.sampled_from(["rustler", "x"]),
    ),
)
_DEPS = st.dictionaries(st.sampled_from(["rustler", "a", "b"]), _toml_near(_DEP_SPEC), max_size=3)
_NAME = st.sampled_from(["x", "rustler", "my-nif"])
_PACKAGE = st.fixed_dictionaries(
    {"name": _toml_near(_NAME)},
    optional={
        "version": _toml_near(st.one_of(_STR, st.just({"workspace": True}))),
        "workspace": _toml_near(_PATH),
    },
)
_WORKSPACE = _table(members=_STRS, exclude=_STRS, package=_table(version=_STR), dependencies=_DEPS)
_MANIFEST_REST = {
    "lib": _table(name=_STR, **{"crate-type": _STRS, "crate_type": _STRS}),
    "dependencies": _DEPS,
    "dev-dependencies": _DEPS,
    "build-dependencies": _DEPS,
    "target": st.dictionaries(st.sampled_from(["cfg(unix)", "x"]), _table(dependencies=_DEPS)),
    "features": st.dictionaries(st.text(max_size=4), _STRS, max_size=2),
}
# A package, a virtual workspace, or a package that is also a workspace root.
CARGO_TOML: st.SearchStrategy[dict[str, object]] = st.one_of(
    st.fixed_dictionaries({"package": _PACKAGE}, optional=_MANIFEST_REST),
    st.fixed_dictionaries({"workspace": _WORKSPACE}),
    st.fixed_dictionaries({"package": _PACKAGE, "workspace": _WORKSPACE}, optional=_MANIFEST_REST),
    st.dictionaries(st.sampled_from(["package", "workspace", "lib"]), TOML_VALUE),
)
_SOURCE = st.tuples(
    st.sampled_from(["registry+", "sparse+", "git+", "path+", "", "registry"]),
    st.sampled_from(["https://e.com/i", "https://e.com/r?branch=m&tag=v%2B1", ""]),
    st.sampled_from(["", "#0123abc", "#"]),
).map("".join)
_LOCKED = _table(name=_STR, version=_STR, source=_SOURCE, checksum=_STR)
CARGO_LOCK = _table(
    version=st.integers(min_value=0, max_value=5),
    package=st.lists(_LOCKED, max_size=3),
    metadata=st.dictionaries(st.sampled_from(["checksum x 0.1.0 (registry+a)", "y"]), _STR),
    root=_LOCKED,
)
CARGO_CONFIG = _table(
    build=_table(rustflags=st.one_of(_STR, _STRS), target=st.one_of(_STR, _STRS)),
    target=st.dictionaries(_STR, _table(rustflags=st.one_of(_STR, _STRS), linker=_STR)),
)
TOOLCHAIN = _table(toolchain=_table(channel=_STR, components=_STRS, targets=_STRS, profile=_STR))
MISE = _table(
    tools=st.dictionaries(
        st.sampled_from(["erlang", "core:elixir", "x"]),
        st.one_of(_STR, st.lists(_STR, max_size=2), _table(version=_STR)),
    )
)
_TOML_FILES = {
    "Cargo.toml": CARGO_TOML,
    "Cargo.lock": CARGO_LOCK,
    ".cargo/config.toml": CARGO_CONFIG,
    "rust-toolchain.toml": TOOLCHAIN,
    "rust-toolchain": TOOLCHAIN,
    "mise.toml": MISE,
}


@FUZZ
@given(
    st.sampled_from(sorted(_TOML_FILES)).flatmap(lambda n: st.tuples(st.just(n), _TOML_FILES[n]))
)
def test_toml_readers_on_near_valid_documents(named: tuple[str, dict[str, object]]) -> None:
    name, document = named
    with _project({name: tomlkit.dumps(document).encode("utf-8")}) as root:
        _read_all(root, name)


_DIRS = ("", "a", "a/b", "c")


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(_DIRS), CARGO_TOML, st.booleans()), min_size=1, max_size=4)
)
def test_cargo_tree_on_near_valid_workspaces(
    manifests: list[tuple[str, dict[str, object], bool]],
) -> None:
    files = {f"{d}/Cargo.toml".lstrip("/"): tomlkit.dumps(doc).encode() for d, doc, _ in manifests}
    files.update({f"{d}/src/lib.rs".lstrip("/"): b"" for d, _, lib in manifests if lib})
    with _project(files) as root:
        paths = sorted(Path(name) for name in files if name.endswith("Cargo.toml"))
        _only_nixgen_errors(lambda: read_cargo_tree(root, paths))


# --------------------------------------------------------------------------- formerly failing inputs


def test_dependency_package_that_is_no_string_is_an_input_error(tmp_path: Path) -> None:
    """Found by test_cargo_tree_on_near_valid_workspaces: `package = []` crashed the reader."""
    toml = '[package]\nname = "x"\nversion = "0.1.0"\n[dependencies]\nrustler = { version = "0.36", package = [] }\n'
    (tmp_path / "Cargo.toml").write_text(toml)
    with pytest.raises(InputError, match="package"):
        read_cargo_tree(tmp_path, [Path("Cargo.toml")])


def test_deeply_nested_elixir_term_is_an_input_error() -> None:
    with pytest.raises(InputError):
        read_mix_lock_text("mix.lock", '%{"a": ' + "[" * 2000 + "]" * 2000 + "}")


def test_deeply_nested_cargo_lock_is_an_input_error() -> None:
    nested = b"a = " + b"[" * 5000 + b"]" * 5000
    with _project({"Cargo.lock": nested}) as root, pytest.raises(InputError):
        read_cargo_lock(root, Path("Cargo.lock"))


def test_invalid_member_glob_is_an_input_error() -> None:
    with _project({"Cargo.toml": b'[workspace]\nmembers = ["a**"]\n'}) as root:
        _only_nixgen_errors(lambda: read_cargo_tree(root, [Path("Cargo.toml")]))


def test_overlong_member_name_is_not_an_os_error() -> None:
    manifest = b'[workspace]\nmembers = ["' + b"n" * 300 + b'"]\n'
    with _project({"Cargo.toml": manifest}) as root:
        _only_nixgen_errors(lambda: read_cargo_tree(root, [Path("Cargo.toml")]))


def test_overlong_word_in_rust_toolchain_is_not_an_os_error() -> None:
    with _project({"rust-toolchain": b"a" * 300}) as root:
        _only_nixgen_errors(lambda: read_toolchain(root, Path("rust-toolchain")))
