defmodule Hex.MixProject do
  use Mix.Project

  # A stand-in for the Hex client (nixpkgs' `hex` package puts it on ERL_LIBS), see README.md.
  def project do
    [app: :hex, version: "2.2.1", elixir: "~> 1.14", deps: []]
  end

  def application do
    [extra_applications: [:logger], mod: {Hex.Application, []}]
  end
end
