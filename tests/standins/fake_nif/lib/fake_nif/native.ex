defmodule FakeNif.Native do
  @moduledoc "The NIF of native/fake_nif, downloaded (or found in the cache) by RustlerPrecompiled."
  version = Mix.Project.config()[:version]
  github_url = Mix.Project.config()[:package][:links]["GitHub"]

  # As ecto_libsql and explorer write it: the package's own force-build variable, musl targets.
  use RustlerPrecompiled,
    otp_app: :fake_nif,
    crate: "fake_nif",
    base_url: "#{github_url}/releases/download/v#{version}",
    force_build: System.get_env("FAKE_NIF_BUILD") in ["1", "true"],
    version: version,
    nif_versions: ["2.15", "2.16"],
    targets: ~w(
      aarch64-apple-darwin
      x86_64-apple-darwin
      aarch64-unknown-linux-gnu
      x86_64-unknown-linux-gnu
      aarch64-unknown-linux-musl
      x86_64-unknown-linux-musl
    ),
    max_retries: 0

  @doc "Which build of the library is loaded: \"upstream artifact\" or \"rebuilt from source\"."
  def origin, do: :erlang.nif_error(:nif_not_loaded)

  def add(_a, _b), do: :erlang.nif_error(:nif_not_loaded)
end
