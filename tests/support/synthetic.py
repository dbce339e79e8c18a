"""Synthetic Mix projects with an N-entry mix.lock, written by the benchmark itself.

The dependency graph is shaped like a real lock (bonfire's): Hex entries only, each depending
on 0 to 6 entries earlier in a fixed pseudo-random order (so the graph has no cycle), about one
edge in eight optional, some packages managed by rebar3 or make, and mix.exs listing every
entry nothing else requires (so the release closure reaches all of them). Nothing is random
between runs: the same N gives the same files.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

_MANAGERS = ("[:mix]", "[:mix]", "[:mix]", "[:rebar3]", "[:make, :mix]")


def dep_name(index: int) -> str:
    return f"pkg_{index:05d}"


def _checksum(name: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()


def _requirements(rng: random.Random, index: int) -> list[tuple[int, bool]]:
    """(dependency index, optional) pairs of entry `index`, all with lower indices."""
    if index == 0:
        return []
    count = min(index, rng.choice((0, 1, 1, 2, 2, 3, 4, 6)))
    picked = sorted(set(rng.randrange(index) for _ in range(count)))
    return [(dep, rng.random() < 0.125) for dep in picked]


def _lock_line(name: str, manager: str, requirements: list[tuple[int, bool]]) -> str:
    deps = ", ".join(
        f'{{:{dep_name(d)}, "~> 1.0", [hex: :{dep_name(d)}, repo: "hexpm", '
        f"optional: {'true' if optional else 'false'}]}}"
        for d, optional in requirements
    )
    return (
        f'  "{name}": {{:hex, :{name}, "1.0.0", "{_checksum(name, "inner")}", {manager}, '
        f'[{deps}], "hexpm", "{_checksum(name, "outer")}"}},'
    )


def write_project(root: Path, entries: int, *, seed: int = 13) -> Path:
    """Write mix.exs and an `entries`-entry mix.lock under `root`; return `root`."""
    rng = random.Random(seed)
    graph = [_requirements(rng, i) for i in range(entries)]
    required = {d for reqs in graph for d, _ in reqs}
    lines = ["%{"]
    lines += [
        _lock_line(dep_name(i), _MANAGERS[i % len(_MANAGERS)], graph[i]) for i in range(entries)
    ]
    lines.append("}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "mix.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tops = [i for i in range(entries) if i not in required]
    (root / "mix.exs").write_text(_mix_exs(tops), encoding="utf-8")
    return root


def _mix_exs(tops: list[int]) -> str:
    deps = ",\n".join(f'      {{:{dep_name(i)}, "~> 1.0"}}' for i in tops)
    return f"""defmodule Synthetic.MixProject do
  use Mix.Project

  def project do
    [app: :synthetic, version: "0.1.0", elixir: "~> 1.17", deps: deps()]
  end

  defp deps do
    [
{deps}
    ]
  end
end
"""
