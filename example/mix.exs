defmodule Example.MixProject do
  use Mix.Project

  def project do
    [
      app: :example,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      releases: [example: []]
    ]
  end

  def application do
    [extra_applications: [:logger]]
  end

  # No Hex packages: `rustler` is a small stand-in in vendor/rustler (see README.md).
  defp deps do
    [
      {:rustler, path: "vendor/rustler", runtime: false}
    ]
  end
end
