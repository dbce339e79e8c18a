"""Benchmark nixgen commands as ratios to `python -c pass`, both measured in the same run.

Timings on shared machines are noisy, so only ratios to a baseline taken in the same run are
reported (median of N runs each, interleaved). Usage:

    python bench/bench.py [--runs N] [--project PATH]
    python bench/bench.py --growth [--sizes 1000,5000,20000] [--runs N]

`--growth` measures how time and memory grow with the size of mix.lock instead, on synthetic
locks the benchmark writes itself (bench/growth.py).

The default project is the largest one in ../shared/corpus (by mix.lock entries). `update`,
`check` and `deps` run on a copy set up once by `init` with fake git checkouts (tests/), so no
command needs the network; its nixgen.toml pins OTP 28 and Elixir 1.19 (its .tool-versions asks
for 29 and 1.20).

Every command runs with bytecode caches, as an installed nixgen does (pip compiles a wheel's
modules on install): PYTHONDONTWRITEBYTECODE is dropped from the children's environment and
PYTHONPYCACHEPREFIX points at the run's temporary directory, which one untimed run per command
fills first (so the checkout gets no __pycache__). `--nixgen DIR` measures the nixgen package
under DIR (e.g. an unpacked `git archive` of an older commit) instead of this checkout's; given
twice or more, each version runs on its own copy, interleaved with the others in the same run
(before/after figures against one baseline).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def largest_corpus_project() -> Path:
    projects = [p for p in CORPUS.iterdir() if (p / "mix.lock").is_file()]
    return max(projects, key=lambda p: (p / "mix.lock").read_text(encoding="utf-8").count("{:"))


def child_environment(pycache: Path, nixgen_root: Path = REPO) -> dict[str, str]:
    """The environment of every timed command: bytecode cached under `pycache`, nixgen
    imported from `nixgen_root`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(nixgen_root), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


Command = tuple[list[str], dict[str, str]]  # argv and environment


def measure(commands: dict[str, Command], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command, env in commands.values():  # untimed: writes the bytecode caches
        timed(command, env)
    for _ in range(runs):
        for name, (command, env) in commands.items():  # interleaved: drift hits all alike
            samples[name].append(timed(command, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def nixgen_commands(copy: Path, env: dict[str, str], label: str) -> dict[str, Command]:
    # -P: not the working directory first on sys.path, so PYTHONPATH chooses the nixgen timed
    nixgen = [sys.executable, "-P", "-m", "nixgen"]
    argvs = {
        "nixgen show --json": [*nixgen, "show", "--json", str(copy)],
        "nixgen update": [*nixgen, "-q", "update", str(copy)],
        "nixgen check": [*nixgen, "-q", "check", str(copy)],
        "nixgen deps": [*nixgen, "-q", "deps", str(copy)],
    }
    return {f"{name}{label}": (argv, env) for name, argv in argvs.items()}


def prepare_in_child(project: Path, workdir: Path, nixgen_root: Path) -> Path:
    """`prepared_copy` in a child interpreter, so each nixgen version inits its own copy."""
    workdir.mkdir()
    command = [sys.executable, __file__, "--prepare", str(project), str(workdir)]
    done = subprocess.run(
        [*command, "--nixgen", str(nixgen_root)], check=True, capture_output=True, text=True
    )
    return Path(done.stdout.strip())


def prepared_copy(project: Path, workdir: Path, nixgen_root: Path = REPO) -> Path:
    """A copy of `project` on which `init` already ran (git sources from fake checkouts)."""
    sys.path[:0] = [str(nixgen_root), str(nixgen_root / "tests")]
    from support.projects import offline_fetchers  # the test suite's offline fetchers

    from nixgen.pipeline import InitOptions, plan_init
    from nixgen.write import apply_changes

    copy = workdir / project.name
    shutil.copytree(project, copy, symlinks=True)
    (copy / "nixgen.toml").write_text('otp = "28"\nelixir = "1.19"\n')
    apply_changes(copy, plan_init(copy, InitOptions(), force=True, fetchers=offline_fetchers(copy)))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="runs per command (15; 3 with --growth)")
    parser.add_argument("--project", type=Path)
    parser.add_argument("--growth", action="store_true", help="time and memory per lock entry")
    parser.add_argument("--sizes", default="1000,5000,20000", help="lock entries, for --growth")
    parser.add_argument(
        "--nixgen", type=Path, action="append", help="where the nixgen package is (repeatable)"
    )
    parser.add_argument("--prepare", type=Path, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    roots = [root.resolve() for root in args.nixgen or [REPO]]
    if args.prepare:  # the child of prepare_in_child
        print(prepared_copy(args.prepare[0], args.prepare[1], roots[0]))
        return
    if args.growth:
        from growth import report

        report([int(n) for n in args.sizes.split(",")], args.runs or 3, roots[0])
        return
    args.runs = args.runs or 15
    project = args.project or largest_corpus_project()
    with tempfile.TemporaryDirectory(prefix="nixgen-bench-") as tmp:
        env = child_environment(Path(tmp) / "pycache")
        commands: dict[str, Command] = {"python -c pass": ([sys.executable, "-c", "pass"], env)}
        for i, root in enumerate(roots):
            copy = prepare_in_child(project, Path(tmp) / str(i), root)
            env = child_environment(Path(tmp) / "pycache", root)
            label = f" [{i}]" if len(roots) > 1 else ""
            commands.update(nixgen_commands(copy, env, label))
        medians = measure(commands, args.runs)
    baseline = medians["python -c pass"]
    print(f"project: {project.name}, runs: {args.runs}")
    for i, root in enumerate(roots):
        print(f"nixgen{f' [{i}]' if len(roots) > 1 else ''}: {root}")
    for name, value in medians.items():
        print(f"{name:28} {value * 1000:8.1f} ms  {value / baseline:6.2f}x")


if __name__ == "__main__":
    main()
