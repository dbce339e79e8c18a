defmodule Rustler do
  @moduledoc """
  A small STAND-IN for the Elixir side of the `rustler` Hex package (0.36).

  It exists only because Hex is unreachable on the machines that test nixgen: the example project
  cannot fetch the real package there. Real projects use the real `rustler` package; do not copy
  this module into one.

  It implements the part of Rustler's contract that nixgen relies on:

    * options are the `use Rustler` options with the application config of the using module
      merged over them — `Application.compile_env(otp_app, module, [])`, config wins (rustler >= 0.30);
    * `crate` defaults to `otp_app`, `path` to `"native/<crate>"`, `load_from` to
      `{otp_app, "priv/native/lib<crate>"}` (rustler <= 0.36; 0.37 dropped the `lib` prefix);
    * with `skip_compilation?: true` cargo is never called;
    * otherwise the crate is built at compile time with `cargo build` and the library copied to
      `priv/native/lib<crate>.so` (a macOS `.dylib` is copied to `.so`: `:erlang.load_nif/2`
      appends `.so` on every Unix);
    * the using module gets `@on_load` calling `:erlang.load_nif/2` on the `load_from` path,
      relative to the `load_from` application's directory.

  Unlike the real package it also defines `__rustler_branch__/0` in the using module,
  returning `:skip_compilation` or `:cargo`, so tests can tell which branch compiled it.
  """

  defmacro __using__(opts) do
    quote bind_quoted: [opts: opts] do
      otp_app = Keyword.fetch!(opts, :otp_app)
      # Rustler >= 0.30: application config wins over the `use` options.
      rustler_config = Rustler.__config__(opts, Application.compile_env(otp_app, __MODULE__, []))

      for resource <- Rustler.__prepare__(rustler_config) do
        @external_resource resource
      end

      @rustler_load_from rustler_config.load_from
      @rustler_load_data rustler_config.load_data
      @rustler_branch if(rustler_config.skip_compilation?, do: :skip_compilation, else: :cargo)

      @on_load :load_nif

      @doc false
      def load_nif do
        {app, path} = @rustler_load_from

        app
        |> Application.app_dir(path)
        |> to_charlist()
        |> :erlang.load_nif(@rustler_load_data)
      end

      @doc false
      def __rustler_branch__, do: @rustler_branch
    end
  end

  @doc false
  @spec __config__(keyword(), keyword()) :: map()
  def __config__(use_opts, app_config) do
    opts = Keyword.merge(use_opts, app_config)
    otp_app = Keyword.fetch!(opts, :otp_app)
    crate = to_string(Keyword.get(opts, :crate, otp_app))

    %{
      otp_app: otp_app,
      crate: crate,
      path: Keyword.get(opts, :path, "native/#{crate}"),
      load_from: Keyword.get(opts, :load_from, {otp_app, "priv/native/lib#{crate}"}),
      load_data: Keyword.get(opts, :load_data, 0),
      skip_compilation?: Keyword.get(opts, :skip_compilation?, false),
      mode: Keyword.get(opts, :mode, :release),
      target_dir: Keyword.get(opts, :target_dir)
    }
  end

  @doc false
  # Runs at compile time of the using module; returns its external resources.
  @spec __prepare__(map()) :: [Path.t()]
  def __prepare__(%{skip_compilation?: true}), do: []

  def __prepare__(config) do
    crate_dir = Path.expand(config.path)
    target_dir = config.target_dir || System.get_env("CARGO_TARGET_DIR") || "target"
    target_dir = Path.expand(target_dir, crate_dir)
    mode_args = if config.mode == :release, do: ["--release"], else: []
    mode_dir = if config.mode == :release, do: "release", else: "debug"

    IO.puts("Compiling crate #{config.crate} in #{mode_dir} mode (#{config.path}) with cargo")

    {output, status} =
      try do
        System.cmd("cargo", ["build" | mode_args] ++ ["--target-dir", target_dir],
          cd: crate_dir,
          stderr_to_stdout: true
        )
      rescue
        error in ErlangError ->
          raise CompileError,
            description:
              "could not run cargo for crate #{config.crate}: #{inspect(error.original)}"
      end

    if status != 0 do
      raise CompileError,
        description: "cargo failed for crate #{config.crate} (exit #{status}):\n#{output}"
    end

    lib_name = String.replace(config.crate, "-", "_")
    extension = if match?({:unix, :darwin}, :os.type()), do: "dylib", else: "so"
    built = Path.join([target_dir, mode_dir, "lib#{lib_name}.#{extension}"])
    # Like Rustler: always to priv/native/ of the project being compiled, whatever load_from says.
    destination = Path.join("priv/native", "lib#{lib_name}.so")
    File.mkdir_p!(Path.dirname(destination))
    # Remove first so that a VM with the old library mapped does not see it rewritten.
    File.rm(destination)
    File.cp!(built, destination)

    [Path.join(crate_dir, "Cargo.toml") | Path.wildcard(Path.join(crate_dir, "src/**/*.rs"))]
  end
end
