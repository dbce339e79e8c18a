defmodule Tailwind do
  @moduledoc """
  A STAND-IN for the `tailwind` Hex package (phoenixframework/tailwind 0.5.1, lib/tailwind.ex
  @ 1063868737808e3124dfe472d8b7c62591e3cfaf, whose lib/ equals tag v0.5.1), for nixgen's build
  rehearsal.

  The contract kept: `bin_path/1` is `Application.get_env(:tailwind, :path)`, else
  `_build/tailwind-<target>-<version>` next to the build path; `install_and_run/2` installs only
  when that file does not exist, then runs it with the profile's `args` (plus the extra ones) in
  the profile's `cd` with its `env`; a global `:path` together with a per-profile `:version`
  raises at start; `:version` / `:version_check` otherwise only produce warnings. Installing would
  download from GitHub: the stand-in raises instead, as the Nix sandbox has no network. Nothing
  reads a `MIX_TAILWIND_PATH` variable.
  """

  @latest_version "4.3.0"
  @config_keys [:version_check, :version, :target, :path]

  use Application
  require Logger

  @impl true
  def start(_, _) do
    validate_config!()

    if Application.get_env(:tailwind, :version_check, true) do
      unless Application.get_env(:tailwind, :version) do
        Logger.warning("tailwind version is not configured")
      end

      for {profile, config} <- profiles() do
        configured_version = Keyword.get(config, :version, configured_version())

        case bin_version(profile) do
          {:ok, ^configured_version} -> :ok
          {:ok, version} -> Logger.warning("Outdated tailwind version. Expected #{configured_version}, got #{version}.")
          :error -> :ok
        end
      end
    end

    Supervisor.start_link([], strategy: :one_for_one)
  end

  def latest_version, do: @latest_version

  def profiles do
    :tailwind
    |> Application.get_all_env()
    |> Keyword.drop(@config_keys)
    |> Enum.filter(&Keyword.keyword?(elem(&1, 1)))
  end

  def configured_version, do: Application.get_env(:tailwind, :version, latest_version())

  def configured_version(profile) when is_atom(profile) do
    :tailwind |> Application.get_env(profile, []) |> Keyword.get(:version, configured_version())
  end

  defp validate_config! do
    if Application.get_env(:tailwind, :path) do
      with_version = for {profile, config} <- profiles(), Keyword.has_key?(config, :version), do: profile

      if with_version != [] do
        raise ArgumentError,
              "cannot configure per-profile :version when global :path is set: #{inspect(with_version)}"
      end
    end
  end

  def config_for!(profile) when is_atom(profile) do
    Application.get_env(:tailwind, profile) ||
      raise ArgumentError, "unknown tailwind profile #{inspect(profile)}"
  end

  def bin_path(version \\ configured_version()) do
    Application.get_env(:tailwind, :path) || default_bin_path(version)
  end

  defp default_bin_path(version) do
    name = "tailwind-#{target()}-#{version}"

    if Code.ensure_loaded?(Mix.Project) do
      Path.join(Path.dirname(Mix.Project.build_path()), name)
    else
      Path.expand("_build/#{name}")
    end
  end

  def bin_version, do: configured_version() |> bin_path() |> get_version()

  def bin_version(profile) when is_atom(profile) do
    profile |> configured_version() |> bin_path() |> get_version()
  end

  defp get_version(path) do
    with true <- File.exists?(path),
         {out, 0} <- System.cmd(path, ["--help"], env: %{"NO_COLOR" => "1"}),
         [vsn] <- Regex.run(~r/tailwindcss v([^\s]+)/, out, capture: :all_but_first) do
      {:ok, vsn}
    else
      _ -> :error
    end
  end

  def run(profile, extra_args) when is_atom(profile) and is_list(extra_args) do
    config = config_for!(profile)
    args = config[:args] || []
    env = config |> Keyword.get(:env, %{}) |> Enum.into(%{"BROWSERSLIST_IGNORE_OLD_DATA" => "1"})

    opts = [
      cd: config[:cd] || File.cwd!(),
      env: env,
      into: IO.stream(:stdio, :line),
      stderr_to_stdout: true
    ]

    profile
    |> configured_version()
    |> bin_path()
    |> System.cmd(args ++ extra_args, opts)
    |> elem(1)
  end

  def install_and_run(profile, args) when is_atom(profile) do
    version = configured_version(profile)

    unless File.exists?(bin_path(version)) do
      install(version)
    end

    run(profile, args)
  end

  def install(version \\ configured_version()) do
    raise "tailwind stand-in: would download tailwindcss #{version} from GitHub to " <>
            "#{bin_path(version)} (no network in the Nix sandbox)"
  end

  defp target do
    [arch | _] = :erlang.system_info(:system_architecture) |> List.to_string() |> String.split("-")
    {:unix, osname} = :os.type()

    case arch do
      arch when arch in ["amd64", "x86_64"] -> "#{osname}-x64"
      "aarch64" -> "#{osname}-arm64"
      _ -> raise "tailwind is not available for architecture: #{arch}"
    end
  end
end
