defmodule ExampleTest do
  use ExUnit.Case, async: true
  doctest Example

  test "the NIF adds" do
    assert Example.add(1, 2) == 3
    assert Example.add(-40, 2) == -38
  end

  test "the NIF is loaded, not the Elixir fallback" do
    assert Example.Native.add(20, 22) == 42
  end

  test "the NIF rejects what does not fit in 64 bits" do
    assert_raise ArgumentError, fn -> Example.Native.add(9_223_372_036_854_775_807, 1) end
  end
end
