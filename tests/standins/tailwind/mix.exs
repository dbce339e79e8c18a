defmodule Tailwind.MixProject do
  use Mix.Project

  # A stand-in for the `tailwind` Hex package 0.5.1 (see README.md).
  def project do
    [app: :tailwind, version: "0.5.1", elixir: "~> 1.14", deps: []]
  end

  def application do
    [
      extra_applications: [:logger, inets: :optional, ssl: :optional],
      mod: {Tailwind, []},
      env: [default: []]
    ]
  end
end
