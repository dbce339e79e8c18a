defmodule RustlerPrecompiled do
  @moduledoc """
  A small STAND-IN for the `rustler_precompiled` Hex package, written for nixgen's tests because
  Hex is unreachable where they run. Real projects use the real package.

  It implements the compile-time contract of philss/rustler_precompiled **v0.8.4** (commit
  9d9778cb6e7135299a6bc7b9b1b4635879218828, 2025-12-08), read in `lib/rustler_precompiled.ex`:
  `__using__/1` (L149-212) and `__using__/2` (L216-269) — force build or download; `target/3`,
  `target_config/1`, `find_compatible_nif_version/2`, `system_arch/0`,
  `maybe_override_with_env_vars/2`, `normalize_arch_os/1` (L426-614) — triple and NIF version;
  `build_metadata/1`, `variant_suffix/2`, `lib_name/4`, `lib_name_with_ext/2` (L630-704,
  L859-880) — artifact name; `download_or_reuse_nif_file/2` (L716-764) — cache, integrity,
  `:erl_tar` extraction; `check_integrity_from_map/3` and helpers (L780-832); `cache_dir/1`
  (L834-847) — global cache or XDG; `download_nif_artifact/1`, `with_retry/2` (L902-953,
  L1060-1077); `write_metadata/2` (L1088-1106, a warning on failure since 0.8.3); `checksum_file/1`
  (L1141-1144) — `checksum-<Module>.exs` in the cwd; and `lib/rustler_precompiled/config.ex`
  `new/1` (L42-72: defaults, a `dev` pre-release forces the build). docs/UPSTREAM.md
  U-RUSTLER-PRECOMPILED-* summarise it.

  Left out: Windows, `base_url` as `{url, headers}` or `{module, fun}`, validation of `:targets`
  against rustc's list, proxy credentials, the Mix tasks.
  """
  require Logger

  @default_targets ~w(aarch64-apple-darwin aarch64-unknown-linux-gnu aarch64-unknown-linux-musl
    arm-unknown-linux-gnueabihf riscv64gc-unknown-linux-gnu x86_64-apple-darwin
    x86_64-pc-windows-gnu x86_64-pc-windows-msvc x86_64-unknown-linux-gnu x86_64-unknown-linux-musl)
  @own_options ~w(base_url version force_build targets nif_versions max_retries variants)a

  defmacro __using__(opts) do
    forced =
      if Code.ensure_loaded?(Rustler) do
        quote do: use(Rustler, rustler_opts)
      else
        quote do
          raise "Rustler dependency is needed to force the build. Add it to your `mix.exs` " <>
                  "file: `{:rustler, \">= 0.0.0\", optional: true}` (rustler_precompiled stand-in)"
        end
      end

    quote do
      opts = unquote(opts)
      app = Keyword.fetch!(opts, :otp_app)

      opts =
        if Application.compile_env(
             :rustler_precompiled,
             :force_build_all,
             System.get_env("RUSTLER_PRECOMPILED_FORCE_BUILD_ALL") in ["1", "true"]
           ),
           do: Keyword.put(opts, :force_build, true),
           else:
             Keyword.put_new(
               opts,
               :force_build,
               Application.compile_env(:rustler_precompiled, [:force_build, app])
             )

      case RustlerPrecompiled.__prepare__(__MODULE__, opts) do
        {:force_build, rustler_opts} ->
          unquote(forced)

        {:ok, load_from, load_data} ->
          @on_load :__load_precompiled_nif__
          @precompiled_load_from load_from
          @precompiled_load_data load_data

          @doc false
          def __load_precompiled_nif__ do
            {app, path} = @precompiled_load_from
            path = app |> Application.app_dir(path) |> to_charlist()
            :erlang.load_nif(path, @precompiled_load_data)
          end

        {:error, message} ->
          raise message
      end
    end
  end

  @doc false
  def __prepare__(module, opts) do
    config = config(module, opts)
    artifact = artifact(config)
    write_metadata(module, metadata(config, artifact))

    cond do
      config.force_build? -> {:force_build, Keyword.drop(opts, @own_options)}
      match?({:error, _}, artifact) -> artifact
      true -> place(config, elem(artifact, 1))
    end
  end

  defp config(module, opts) do
    version = Keyword.fetch!(opts, :version)

    %{
      module: module,
      otp_app: Keyword.fetch!(opts, :otp_app),
      version: version,
      base_url: Keyword.fetch!(opts, :base_url),
      basename: to_string(opts[:crate] || Keyword.fetch!(opts, :otp_app)),
      force_build?: "dev" in Version.parse!(version).pre or opts[:force_build] == true,
      targets: Keyword.get(opts, :targets, @default_targets),
      nif_versions: Keyword.get(opts, :nif_versions, ["2.15"]),
      variants: Keyword.get(opts, :variants, %{}),
      load_data: opts[:load_data] || 0,
      max_retries: Keyword.get(opts, :max_retries, 3)
    }
  end

  defp artifact(config) do
    arch = List.to_string(:erlang.system_info(:system_architecture))
    triple = target_triple(arch, &System.get_env/1)
    running = List.to_string(:erlang.system_info(:nif_version))

    with {:target, true} <- {:target, triple in config.targets},
         {:ok, nif} <- nif_version(running, config.nif_versions) do
      lib = "lib#{config.basename}-v#{config.version}-nif-#{nif}-#{triple}"
      lib = lib <> variant_suffix(config, triple)
      {:ok, %{lib_name: lib, file_name: lib <> ".so.tar.gz", target: "nif-#{nif}-#{triple}"}}
    else
      {:target, false} -> {:error, not_available("target", triple, config.targets)}
      :error -> {:error, not_available("NIF version", running, config.nif_versions)}
    end
  end

  defp not_available(what, value, available) do
    "precompiled NIF is not available for this #{what}: #{inspect(value)}.\n" <>
      "The available #{what}s are:\n - #{Enum.join(available, "\n - ")}"
  end

  @doc "The Rust target triple for an Erlang `system_architecture` and `TARGET_*` variables."
  def target_triple(system_architecture, get_env) do
    parts = String.split(system_architecture, "-")
    keys = %{3 => [:arch, :vendor, :os], 4 => [:arch, :vendor, :os, :abi]}
    detected = Map.new(Enum.zip(Map.get(keys, length(parts), []), parts))

    overridden =
      for {key, var} <- [
            arch: "TARGET_ARCH",
            vendor: "TARGET_VENDOR",
            os: "TARGET_OS",
            abi: "TARGET_ABI"
          ],
          value = get_env.(var),
          into: detected,
          do: {key, value}

    # An override for Linux that keeps the detected vendor gets "unknown" (Nerves).
    overridden =
      if overridden != detected and overridden[:vendor] == detected[:vendor] and
           overridden[:os] == "linux",
         do: Map.put(overridden, :vendor, "unknown"),
         else: overridden

    normalised = normalise(overridden)

    [:arch, :vendor, :os, :abi]
    |> Enum.map(&normalised[&1])
    |> Enum.reject(&is_nil/1)
    |> Enum.join("-")
  end

  defp normalise(%{os: os} = t) when is_binary(os) do
    cond do
      os =~ "darwin" ->
        %{t | os: "darwin", arch: if(t.arch == "arm", do: "aarch64", else: t.arch)}

      os =~ "linux" ->
        %{t | arch: arch(t.arch), vendor: linux_vendor(t.vendor)}

      os =~ "freebsd" ->
        %{
          t
          | os: "freebsd",
            arch: arch(t.arch),
            vendor: if(t.vendor == "portbld", do: "unknown", else: t.vendor)
        }

      true ->
        t
    end
  end

  defp normalise(t), do: t

  defp arch("amd64"), do: "x86_64"
  defp arch("riscv64"), do: "riscv64gc"
  defp arch(other), do: other

  defp linux_vendor(vendor) when vendor in ~w(pc redhat suse alpine), do: "unknown"
  defp linux_vendor(vendor), do: vendor

  @doc "The NIF version to download: the running one, else the newest same-major one below it."
  def nif_version(running, available) do
    [major, minor] = running |> String.split(".") |> Enum.map(&String.to_integer/1)

    compatible =
      for v <- available,
          [^major, m] <- [v |> String.split(".") |> Enum.map(&String.to_integer/1)],
          m <= minor,
          do: {m, v}

    cond do
      running in available -> {:ok, running}
      compatible == [] -> :error
      true -> {:ok, compatible |> Enum.max() |> elem(1)}
    end
  end

  defp variant_suffix(config, triple) do
    found =
      Enum.find(Map.get(config.variants, triple, []), fn {_name, fun} ->
        if is_function(fun, 1), do: fun.(config), else: fun.()
      end)

    if found, do: "--#{elem(found, 0)}", else: ""
  end

  # Cached tarball: integrity check, then extraction. Absent: download it into the cache first.
  defp place(config, artifact) do
    native_dir = Application.app_dir(config.otp_app, "priv/native")
    cache = cache_dir("precompiled_nifs")
    cached = Path.join(cache, artifact.file_name)

    result =
      if File.exists?(cached) do
        with :ok <- verify(cached, config.module), do: extract(cached, native_dir)
      else
        url =
          config.base_url
          |> URI.parse()
          |> Map.update!(:path, &Path.join(&1 || "", artifact.file_name))
          |> to_string()

        with :ok <- File.mkdir_p(cache),
             {:ok, body} <- retry(fn -> download(url) end, config.max_retries),
             :ok <- File.write(cached, body),
             :ok <- verify(cached, config.module),
             do: extract(cached, native_dir)
      end

    case result do
      :ok -> {:ok, {config.otp_app, "priv/native/" <> artifact.lib_name}, config.load_data}
      {:error, reason} -> {:error, "Error while downloading precompiled NIF: #{reason}."}
    end
  end

  defp extract(tar_gz, dir) do
    case :erl_tar.extract(String.to_charlist(tar_gz), [:compressed, cwd: String.to_charlist(dir)]) do
      :ok -> :ok
      {:error, reason} -> {:error, "cannot extract #{tar_gz}: #{inspect(reason)}"}
    end
  end

  defp verify(path, module) do
    checksums = read_map(Path.join(File.cwd!(), "checksum-#{module}.exs"))

    with {:ok, entry} <- Map.fetch(checksums, Path.basename(path)) |> missing(module),
         ["sha256", expected] <- String.split(entry, ":", parts: 2) |> algorithm() do
      actual = :crypto.hash(:sha256, File.read!(path)) |> Base.encode16(case: :lower)

      if actual == expected,
        do: :ok,
        else: {:error, "the integrity check failed because the checksum of files does not match"}
    end
  end

  defp missing(:error, module),
    do:
      {:error,
       "the precompiled NIF file does not exist in the checksum file. Please consider run: `mix rustler_precompiled.download #{inspect(module)} --only-local` to generate the checksum file."}

  defp missing(found, _module), do: found

  defp algorithm(["sha256", _] = ok), do: ok

  defp algorithm([other | _]),
    do:
      {:error,
       "checksum algorithm is not supported: #{inspect(other)}. The supported ones are:\n - sha256"}

  defp read_map(file) do
    with {:ok, text} <- File.read(file),
         {%{} = map, _binding} <- Code.eval_string(text) do
      map
    else
      _ -> %{}
    end
  rescue
    _ -> %{}
  end

  @doc "Where artifacts (`precompiled_nifs`) and metadata (`metadata`) are cached."
  def cache_dir(sub_dir) do
    case System.get_env("RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH") do
      nil ->
        opts = if System.get_env("MIX_XDG"), do: %{os: :linux}, else: %{}
        :filename.basedir(:user_cache, Path.join("rustler_precompiled", sub_dir), opts)

      global ->
        Logger.info("Using global cache for rustler precompiled artifacts. Path: #{global}")
        global
    end
  end

  defp download(url) do
    {:ok, _} = Application.ensure_all_started(:inets)
    {:ok, _} = Application.ensure_all_started(:ssl)

    for {option, vars} <- [
          proxy: ~w(HTTP_PROXY http_proxy),
          https_proxy: ~w(HTTPS_PROXY https_proxy)
        ],
        proxy = Enum.find_value(vars, &System.get_env/1),
        %URI{host: host, port: port} when is_binary(host) <- [URI.parse(proxy)],
        do: :httpc.set_options([{option, {{String.to_charlist(host), port}, []}}])

    ssl = [verify: :verify_peer, cacerts: cacerts(), depth: 3]

    case :httpc.request(:get, {String.to_charlist(url), []}, [ssl: ssl], body_format: :binary) do
      {:ok, {{_, 200, _}, _headers, body}} -> {:ok, body}
      other -> {:error, "couldn't fetch NIF from #{url}: #{inspect(other)}"}
    end
  end

  defp cacerts do
    :public_key.cacerts_get()
  rescue
    _ -> []
  end

  defp retry(fun, retries) do
    Enum.reduce_while(1..retries//1, fun.(), fn
      _attempt, {:ok, _} = ok ->
        {:halt, ok}

      attempt, error ->
        Logger.info("Attempt #{attempt} failed with #{inspect(error)}")
        Process.sleep(:rand.uniform(attempt * 2_000))
        {:cont, fun.()}
    end)
  end

  defp metadata(config, artifact) do
    base =
      Map.take(config, [:base_url, :otp_app, :targets, :nif_versions, :version])
      |> Map.put(:basename, config.basename)

    case artifact do
      {:ok, a} ->
        Map.merge(
          base,
          Map.put(a, :cached_tar_gz, Path.join(cache_dir("precompiled_nifs"), a.file_name))
        )

      {:error, _} ->
        base
    end
  end

  defp write_metadata(module, metadata) do
    file = Path.join(cache_dir("metadata"), "metadata-#{module}.exs")

    with false <- read_map(file) == metadata,
         :ok <- File.mkdir_p(Path.dirname(file)),
         :ok <- File.write(file, inspect(metadata, limit: :infinity, pretty: true)) do
      :ok
    else
      true ->
        :ok

      {:error, reason} ->
        Logger.warning(
          "Cannot write metadata file for module #{inspect(module)}. Reason: #{inspect(reason)}."
        )
    end
  end
end
