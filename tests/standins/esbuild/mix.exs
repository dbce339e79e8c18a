defmodule Esbuild.MixProject do
  use Mix.Project

  # A stand-in for the `esbuild` Hex package 0.10.0 (see README.md): same app, version and
  # application callback; no dependencies (the real one needs jason for the npm registry).
  def project do
    [app: :esbuild, version: "0.10.0", elixir: "~> 1.14", deps: []]
  end

  def application do
    [
      extra_applications: [:logger, inets: :optional, ssl: :optional],
      mod: {Esbuild, []},
      env: [default: []]
    ]
  end
end
