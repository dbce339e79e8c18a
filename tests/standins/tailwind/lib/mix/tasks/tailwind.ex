defmodule Mix.Tasks.Tailwind do
  @moduledoc """
  `mix tailwind [--runtime-config] PROFILE ARGS`: the task of phoenixframework/tailwind 0.5.1
  (lib/mix/tasks/tailwind.ex @ 10638687, lines 39-64), over the stand-in `Tailwind`.
  """

  @shortdoc "Invokes tailwind with the profile and args"
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
      Application.ensure_all_started(:tailwind)
    end

    Mix.Task.reenable("tailwind")
    install_and_run(remaining_args)
  end

  defp install_and_run([profile | args] = all) do
    case Tailwind.install_and_run(String.to_atom(profile), args) do
      0 -> :ok
      status -> Mix.raise("`mix tailwind #{Enum.join(all, " ")}` exited with #{status}")
    end
  end

  defp install_and_run([]) do
    Mix.raise("`mix tailwind` expects the profile as argument")
  end
end
