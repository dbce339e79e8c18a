defmodule RustlerPrecompiled.MixProject do
  use Mix.Project

  # A stand-in for the `rustler_precompiled` Hex package 0.8.4 (see README.md): same app, module
  # and version; no dependencies (the real one needs castore for HTTPS and rustler, optional, for
  # a forced build).
  def project do
    [app: :rustler_precompiled, version: "0.8.4", elixir: "~> 1.14", deps: []]
  end

  # As upstream: inets and ssl for the download.
  def application do
    [extra_applications: [:logger, :inets, :ssl]]
  end
end
