defmodule Hex do
  @moduledoc """
  A STAND-IN for the Hex client, for the build rehearsal (tests/rehearsal.py) only: Hex is
  unreachable from the machines that test nixgen, and nixpkgs' `hex` package is what makes Mix
  accept Hex dependencies inside mixRelease/buildMix (it is on ERL_LIBS there).

  Mix calls `Hex.start/0` and `Hex.version/0` (lib/mix/lib/mix/hex.ex); starting the
  application registers `Hex.SCM` and `Hex.RemoteConverger` with Mix, as
  hexpm/hex lib/hex/application.ex does. Nothing here touches the network: fetching a package
  raises instead.
  """

  def start do
    {:ok, _} = Application.ensure_all_started(:hex)
  end

  def stop do
    case Application.stop(:hex) do
      :ok -> :ok
      {:error, {:not_started, :hex}} -> :ok
    end
  end

  def version, do: "2.2.1"
end

defmodule Hex.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    Mix.SCM.append(Hex.SCM)
    Mix.RemoteConverger.register(Hex.RemoteConverger)
    Supervisor.start_link([], strategy: :one_for_one, name: Hex.Supervisor)
  end

  @impl true
  def stop(_state) do
    Mix.RemoteConverger.register(nil)
    :ok
  end
end

defmodule Hex.Lock do
  @moduledoc false

  # hexpm/hex lib/hex/utils.ex `lock/1`: the 8-element (or older 7-element) :hex lock tuple.
  def parse(tuple) when is_tuple(tuple) and elem(tuple, 0) == :hex do
    [:hex, name, version, inner, managers, deps, repo, outer] =
      tuple |> Tuple.to_list() |> Kernel.++(List.duplicate(nil, 8)) |> Enum.take(8)

    %{
      name: to_string(name),
      version: version,
      inner_checksum: inner,
      outer_checksum: outer,
      managers: managers,
      deps: deps && Enum.map(deps, &dep/1),
      repo: repo || "hexpm"
    }
  end

  def parse(_), do: nil

  defp dep({app, req, opts}) do
    opts = opts |> Keyword.put_new(:repo, "hexpm") |> Keyword.update!(:hex, &to_string/1)
    {app, req, opts}
  end
end

defmodule Hex.SCM do
  @moduledoc false
  # The parts of hexpm/hex lib/hex/scm.ex that Mix calls while compiling already fetched
  # packages; `checkout/1` and `update/1` (mix deps.get) would download: they raise.
  @behaviour Mix.SCM

  @impl true
  def fetchable?, do: true

  @impl true
  def format(_opts), do: "Hex package"

  @impl true
  def format_lock(opts) do
    case Hex.Lock.parse(opts[:lock]) do
      %{version: version, name: name} -> "#{version} (#{name})"
      nil -> nil
    end
  end

  @impl true
  def accepts_options(name, opts) do
    opts
    |> Keyword.put_new(:hex, name)
    |> Keyword.update(:repo, "hexpm", &(&1 || "hexpm"))
    |> Keyword.update!(:hex, &to_string/1)
    |> Keyword.update!(:repo, &to_string/1)
  end

  @impl true
  def checked_out?(opts), do: File.dir?(opts[:dest])

  @impl true
  def lock_status(opts) do
    with %{} = lock <- Hex.Lock.parse(opts[:lock]),
         {:ok, manifest} <- File.read(Path.join(opts[:dest], ".hex")),
         # fetchHex writes the old plain-text manifest: "<pkg>,<version>,<checksum>,<repo>"
         [name, version, inner, repo | _] <- manifest |> String.trim() |> String.split(",") do
      if {name, version, inner, repo} ==
           {lock.name, lock.version, String.downcase(lock.inner_checksum || ""), lock.repo},
         do: :ok,
         else: :mismatch
    else
      _ -> :mismatch
    end
  end

  @impl true
  def equal?(opts1, opts2), do: opts1[:hex] == opts2[:hex] and opts1[:repo] == opts2[:repo]

  @impl true
  def managers(opts) do
    case Hex.Lock.parse(opts[:lock]) do
      %{managers: managers} -> managers || []
      nil -> []
    end
  end

  @impl true
  def checkout(opts), do: fetch!(opts)

  @impl true
  def update(opts), do: fetch!(opts)

  defp fetch!(opts) do
    Mix.raise(
      "hex stand-in: would fetch #{opts[:hex]} from #{opts[:repo]} into #{opts[:dest]} " <>
        "(no network in the Nix sandbox)"
    )
  end
end

defmodule Hex.RemoteConverger do
  @moduledoc false
  # hexpm/hex lib/hex/remote_converger.ex: a Hex package's children come from its lock entry.
  @behaviour Mix.RemoteConverger

  @impl true
  def remote?(dep), do: !!dep.opts[:hex]

  @impl true
  def converge(_deps, _lock) do
    Mix.raise("hex stand-in: would resolve Hex dependencies (no network in the Nix sandbox)")
  end

  @impl true
  def deps(%Mix.Dep{app: app}, lock) do
    case Hex.Lock.parse(lock[app]) do
      %{deps: deps} when is_list(deps) -> deps
      _ -> []
    end
  end

  @impl true
  def post_converge, do: :ok
end
