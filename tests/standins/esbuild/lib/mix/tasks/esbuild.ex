defmodule Mix.Tasks.Esbuild do
  @moduledoc """
  `mix esbuild [--runtime-config] PROFILE ARGS`: the task of phoenixframework/esbuild 0.10.0
  (lib/mix/tasks/esbuild.ex @ 86f43046), over the stand-in `Esbuild`.
  """

  @shortdoc "Invokes esbuild with the profile and args"
  @compile {:no_warn_undefined, Mix}

  use Mix.Task

  @impl true
  def run(args) do
    switches = [runtime_config: :boolean]
    {opts, remaining_args} = OptionParser.parse_head!(args, switches: switches)

    if opts[:runtime_config] do
      Mix.Task.run("app.config")
    else
      Mix.Task.run("loadpaths")
      Application.ensure_all_started(:esbuild)
    end

    Mix.Task.reenable("esbuild")
    install_and_run(remaining_args)
  end

  defp install_and_run([profile | args] = all) do
    case Esbuild.install_and_run(String.to_atom(profile), args) do
      0 -> :ok
      status -> Mix.raise("`mix esbuild #{Enum.join(all, " ")}` exited with #{status}")
    end
  end

  defp install_and_run([]) do
    Mix.raise("`mix esbuild` expects the profile as argument")
  end
end
