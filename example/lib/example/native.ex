defmodule Example.Native do
  @moduledoc """
  The NIFs of the Rust crate in `native/example_nif`, loaded by Rustler.

  Each function below is replaced when the library loads; the Elixir bodies only run if it
  failed to load.
  """

  use Rustler, otp_app: :example, crate: "example_nif"

  @doc "Adds two integers in Rust."
  @spec add(integer(), integer()) :: integer()
  def add(_a, _b), do: :erlang.nif_error(:nif_not_loaded)
end
