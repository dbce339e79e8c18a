"""nixgen: a Nix flake for Elixir projects with Rustler NIFs."""

__version__ = "0.1.0"
