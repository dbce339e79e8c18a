defmodule FakeNif.MixProject do
  use Mix.Project

  @version "0.1.0"

  # A NIF dependency as Hex packages that `use RustlerPrecompiled` publish them (README.md):
  # rustler_precompiled required, rustler optional (only for a forced build), the GitHub link
  # that the module's `base_url` is built from.
  def project do
    [
      app: :fake_nif,
      version: @version,
      elixir: "~> 1.14",
      deps: deps(),
      package: [links: %{"GitHub" => "https://github.com/nixgen-test/fake_nif"}]
    ]
  end

  def application do
    [extra_applications: [:logger]]
  end

  defp deps do
    [
      {:rustler_precompiled, "~> 0.8"},
      {:rustler, ">= 0.0.0", optional: true}
    ]
  end
end
