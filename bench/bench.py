"""Benchmark nixgen commands as ratios to `python -c pass`, both measured in the same run.

Timings on shared machines are noisy, so only ratios to a baseline taken in the same run are
reported (median of N runs each, interleaved). Usage:

    python bench/bench.py [--runs N] [--project PATH]

The default project is the largest one in ../shared/corpus (by mix.lock entries).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def largest_corpus_project() -> Path:
    projects = [p for p in CORPUS.iterdir() if (p / "mix.lock").is_file()]
    return max(projects, key=lambda p: (p / "mix.lock").read_text(encoding="utf-8").count("{:"))


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():  # interleaved, so drift hits all alike
            samples[name].append(timed(command))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--project", type=Path)
    args = parser.parse_args()
    project = args.project or largest_corpus_project()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "nixgen show --json": [sys.executable, "-m", "nixgen", "show", "--json", str(project)],
    }
    medians = measure(commands, args.runs)
    baseline = medians["python -c pass"]
    print(f"project: {project.name}, runs: {args.runs}")
    for name, value in medians.items():
        print(f"{name:24} {value * 1000:8.1f} ms  {value / baseline:6.2f}x")


if __name__ == "__main__":
    main()
