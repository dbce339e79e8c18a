defmodule Esbuild do
  @moduledoc """
  A STAND-IN for the `esbuild` Hex package (phoenixframework/esbuild 0.10.0,
  lib/esbuild.ex @ 86f43046c069df68702082f8376be3be38e89652), for nixgen's build rehearsal.

  The contract kept: `bin_path/0` is `Application.get_env(:esbuild, :path)`, else
  `_build/esbuild-<target>` next to the build path; `install_and_run/2` installs only when that
  file does not exist, then runs it with the profile's `args` (plus the extra ones) in the
  profile's `cd` with its `env`; `:version` / `:version_check` only produce warnings at start.
  Installing would download from the npm registry: the stand-in raises instead, as the Nix
  sandbox has no network. Nothing reads a `MIX_ESBUILD_PATH` variable (only the upstream docs
  suggest `config :esbuild, path: System.get_env("MIX_ESBUILD_PATH")`).
  """

  @latest_version "0.25.0"

  use Application
  require Logger

  @impl true
  def start(_, _) do
    if Application.get_env(:esbuild, :version_check, true) do
      unless Application.get_env(:esbuild, :version) do
        Logger.warning("esbuild version is not configured")
      end

      configured_version = configured_version()

      case bin_version() do
        {:ok, ^configured_version} -> :ok
        {:ok, version} -> Logger.warning("Outdated esbuild version. Expected #{configured_version}, got #{version}.")
        :error -> :ok
      end
    end

    Supervisor.start_link([], strategy: :one_for_one, name: __MODULE__.Supervisor)
  end

  def latest_version, do: @latest_version

  def configured_version, do: Application.get_env(:esbuild, :version, latest_version())

  def config_for!(profile) when is_atom(profile) do
    Application.get_env(:esbuild, profile) ||
      raise ArgumentError, "unknown esbuild profile #{inspect(profile)}"
  end

  def bin_path do
    name = "esbuild-#{target()}"

    Application.get_env(:esbuild, :path) ||
      if Code.ensure_loaded?(Mix.Project) do
        Path.join(Path.dirname(Mix.Project.build_path()), name)
      else
        Path.expand("_build/#{name}")
      end
  end

  def bin_version do
    path = bin_path()

    with true <- File.exists?(path),
         {result, 0} <- System.cmd(path, ["--version"]) do
      {:ok, String.trim(result)}
    else
      _ -> :error
    end
  end

  def run(profile, extra_args) when is_atom(profile) and is_list(extra_args) do
    config = config_for!(profile)
    args = config[:args] || []

    if args == [] and extra_args == [] do
      raise "no arguments passed to esbuild"
    end

    opts = [
      cd: config[:cd] || File.cwd!(),
      env: normalize_env(config[:env] || %{}),
      into: IO.stream(:stdio, :line),
      stderr_to_stdout: true
    ]

    bin_path()
    |> System.cmd(args ++ extra_args, opts)
    |> elem(1)
  end

  def install_and_run(profile, args) do
    File.exists?(bin_path()) || install()

    run(profile, args)
  end

  def install do
    raise "esbuild stand-in: would download esbuild #{configured_version()} from the npm " <>
            "registry to #{bin_path()} (no network in the Nix sandbox)"
  end

  defp target do
    {:unix, osname} = :os.type()
    [arch | _] = :erlang.system_info(:system_architecture) |> List.to_string() |> String.split("-")

    case arch do
      arch when arch in ["amd64", "x86_64"] -> "#{osname}-x64"
      "aarch64" -> "#{osname}-arm64"
      _ -> raise "esbuild is not available for architecture: #{arch}"
    end
  end

  defp normalize_env(env) do
    Map.new(env, fn
      {key, value} when is_list(value) -> {key, Enum.join(value, ":")}
      other -> other
    end)
  end
end
