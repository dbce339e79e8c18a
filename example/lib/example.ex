defmodule Example do
  @moduledoc """
  A small Mix application with one Rust NIF crate, used to show and test nixgen.
  """

  @doc """
  Adds two integers with the Rust NIF.

      iex> Example.add(1, 2)
      3
  """
  @spec add(integer(), integer()) :: integer()
  def add(a, b) when is_integer(a) and is_integer(b), do: Example.Native.add(a, b)
end
