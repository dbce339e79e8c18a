"""The literal evaluator over tree-sitter-elixir syntax trees."""

from __future__ import annotations

import pytest

from nixgen.errors import InputError
from nixgen.model import Dynamic
from nixgen.readers.elixir import modules, parse_text
from nixgen.readers.evaluator import Evaluator
from nixgen.readers.terms import Atom, Charlist, EMap, ETuple, Term, keyword_pairs


def value(expr: str, env: str = "prod", system_env: dict[str, str] | None = None) -> Term:
    """Evaluate `expr` as the body of `def x` inside a module with a few attributes/functions."""
    source = parse_text(
        "t.ex",
        f"""
defmodule T do
  @version "1.2.3"
  @flag true
  @list [:a, :b]
  def helper, do: [1, 2]
  defp nested do
    x = "in"
    [x, @version]
  end
  def x do
    {expr}
  end
end
""",
    )
    module = modules(source)[0]
    return Evaluator(source, module, env, system_env or {}).call_function("x", module.node)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (":ok", Atom("ok")),
        (':"foo-bar"', Atom("foo-bar")),
        ('"hi\\n"', "hi\n"),
        ("'abc'", Charlist("abc")),
        ("42", 42),
        ("1_000", 1000),
        ("0x1F", 31),
        ("-3", -3),
        ("1.5", 1.5),
        ("true", True),
        ("nil", None),
        ("[1, 2 | [3]]", [1, 2, 3]),
        ("[a: 1, b: :c]", [ETuple((Atom("a"), 1)), ETuple((Atom("b"), Atom("c")))]),
        ("[1, a: 2]", [1, ETuple((Atom("a"), 2))]),
        ('{:a, "b"}', ETuple((Atom("a"), "b"))),
        ('%{"k" => 1, z: 2}', EMap((("k", 1), (Atom("z"), 2)))),
        ("~w(a b c)", ["a", "b", "c"]),
        ("~w(a b)a", [Atom("a"), Atom("b")]),
        ("~w(a b)s", ["a", "b"]),
        ("~w(a b)c", [Charlist("a"), Charlist("b")]),
        ("~W(a\\n b)", ["a\\n", "b"]),
        ("~s(str)", "str"),
        ("@version", "1.2.3"),
        ("@list ++ [:c]", [Atom("a"), Atom("b"), Atom("c")]),
        ("helper()", [1, 2]),
        ("helper", [1, 2]),
        ("nested()", ["in", "1.2.3"]),
        ("Mix.env()", Atom("prod")),
        ("Mix.env() == :prod", True),
        ("Mix.env() in [:dev, :test]", False),
        ("not @flag", False),
        ("@flag and false", False),
        ("false or :x", Atom("x")),
        ("nil || 3", 3),
        ('"a" <> "b"', "ab"),
        ('System.get_env("UNSET")', None),
        ('System.get_env("UNSET", "dflt")', "dflt"),
        ("if Mix.env() == :prod, do: 1, else: 2", 1),
        ("if Mix.env() == :dev do\n 1\n else\n 2\n end", 2),
        ("x = 5\n    [x]", [5]),
    ],
)
def test_literals(expr: str, expected: Term) -> None:
    assert value(expr) == expected


def test_env_and_system_env_are_inputs() -> None:
    assert value("Mix.env()", env="dev") == Atom("dev")
    assert value('System.get_env("X") in ["1", "true"]', system_env={"X": "true"}) is True


@pytest.mark.parametrize(
    ("expr", "source", "reason"),
    [
        ('"v#{@version}"', '"v#{@version}"', "string interpolation"),
        ("opts", "opts", "variable `opts`"),
        ("Foo.bar(1)", "Foo.bar(1)", "call to Foo.bar"),
        ("@missing", "@missing", "module attribute @missing is not defined before use"),
        ("~r/abc/", "~r/abc/", "~r sigil"),
        ("fn -> 1 end", "fn -> 1 end", "not a literal"),
        (
            "Mix.Project.config()[:version]",
            "Mix.Project.config()[:version]",
            "call to Mix.Project.config",
        ),
        ("Foo.bar()[:x]", "Foo.bar()[:x]", "call to Foo.bar"),
    ],
)
def test_dynamic_values_keep_source_and_position(expr: str, source: str, reason: str) -> None:
    result = value(expr)
    assert isinstance(result, Dynamic)
    assert result.source == source
    assert result.reason == reason
    assert (result.where.path, result.where.line, result.where.col) == ("t.ex", 12, 5)


def test_dynamic_spreads_through_operators() -> None:
    result = value("[:a] ++ Foo.more()")
    assert isinstance(result, Dynamic)
    assert result.source == "[:a] ++ Foo.more()"


def test_recursive_function_is_dynamic_not_a_hang() -> None:
    source = parse_text("r.ex", "defmodule R do\n  def a, do: b()\n  def b, do: a()\nend\n")
    module = modules(source)[0]
    result = Evaluator(source, module).call_function("a", module.node)
    assert isinstance(result, Dynamic)


def test_nested_modules_get_full_names_and_docs_are_not_code() -> None:
    source = parse_text(
        "m.ex",
        '''
defmodule Outer do
  @moduledoc """
  defmodule Fake do end
  """
  # defmodule Commented do end
  defmodule Inner do
  end
end
defmodule Other.Top do
end
''',
    )
    assert [m.name for m in modules(source)] == ["Outer", "Outer.Inner", "Other.Top"]


def test_keyword_pairs() -> None:
    assert keyword_pairs(value("[a: 1, b: 2]")) == [("a", 1), ("b", 2)]
    assert keyword_pairs(value("[1, 2]")) is None


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("defmodule A do\n  def x, do: [1, 2\nend\n", "s.ex:", "Elixir syntax error"),
        ('%{"a" => {:hex, :a,', "s.ex:1:", "Elixir syntax error"),
    ],
)
def test_syntax_errors_have_positions(text: str, where: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        parse_text("s.ex", text)
    message = str(info.value)
    assert message.startswith(where)
    assert what in message
    assert "hint:" in message


def test_mix_project_config_and_access() -> None:
    source = parse_text(
        "n.ex",
        """
defmodule N do
  cfg = Mix.Project.config()
  version = cfg[:version]
  def x, do: [version, cfg[:package][:links]["GitHub"], cfg[:missing], %{a: 1}[:a]]
end
""",
    )
    module = modules(source)[0]
    config: Term = [
        ETuple((Atom("version"), "1.0.0")),
        ETuple((Atom("package"), [ETuple((Atom("links"), EMap((("GitHub", "u"),))))])),
    ]
    ev = Evaluator(source, module, mix_config=config)
    assert ev.call_function("x", module.node) == ["1.0.0", "u", None, 1]
