defmodule Rustler.MixProject do
  use Mix.Project

  # A stand-in for the `rustler` Hex package (see lib/rustler.ex): the version is the one whose
  # defaults it reproduces, and the one nixgen reads to pick the default load path.
  def project do
    [
      app: :rustler,
      version: "0.36.0",
      elixir: "~> 1.14",
      deps: []
    ]
  end

  def application do
    [extra_applications: [:logger]]
  end
end
