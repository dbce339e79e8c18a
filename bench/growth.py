"""How nixgen's time and memory grow with mix.lock: synthetic locks of 1,000 to 20,000 entries.

For each size the benchmark writes a synthetic project (tests/support/synthetic.py), runs
`init` once, then times `show --json`, `update`, `check` and `deps` (median of N runs,
interleaved). It reports the time per lock entry at each size as a ratio to the time per entry
at the smallest size (target: at most 1.5 at 20,000), both for wall time and for CPU time (user
+ system of the child, steadier on a loaded machine), and each command's peak memory (the
child's own peak resident memory, read by tests/support/peak_memory.py) as a multiple of the
input size (mix.lock + mix.exs bytes). No absolute time is the result: `python
-c pass` is measured in the same run and every median is also printed as a multiple of it.
Commands run with bytecode caches, as in bench.py (`child_environment`). Usage:

    python bench/bench.py --growth [--sizes 1000,5000,20000] [--runs N]
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import REPO, child_environment

sys.path.insert(0, str(REPO / "tests"))
from support.synthetic import write_project  # the tests' synthetic projects

COMMANDS = ("show --json", "update", "check", "deps")


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    max_rss_kib: int


def run_once(command: list[str], env: dict[str, str], peak_file: Path | None = None) -> Sample:
    """One run of `command`: wall time, the child's CPU time (wait4) and its peak memory: what
    the child wrote to `peak_file` (tests/support/peak_memory.py), else wait4's ru_maxrss,
    which on Linux includes this process's own peak (see there)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # check exits 1 when something would change
        raise SystemExit(f"{' '.join(command)} exited {proc.returncode}")
    peak = usage.ru_maxrss
    if peak_file is not None and peak_file.is_file():
        peak = int(peak_file.read_text(encoding="ascii"))
        peak_file.unlink()
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak)


def median_sample(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.max_rss_kib for s in samples),
    )


PEAK_MEMORY = REPO / "tests" / "support" / "peak_memory.py"


def nixgen_command(name: str, project: Path, peak_file: Path | None = None) -> list[str]:
    """`python -m nixgen -q NAME PROJECT`; run by peak_memory.py (the same, and its peak
    memory written to `peak_file`) when one is given."""
    if peak_file is None:
        return [sys.executable, "-m", "nixgen", "-q", *name.split(), str(project)]
    return [sys.executable, str(PEAK_MEMORY), str(peak_file), "-q", *name.split(), str(project)]


def prepare(workdir: Path, entries: int, env: dict[str, str]) -> tuple[Path, int]:
    """A synthetic project of `entries` lock entries after `init`; and its input size."""
    project = write_project(workdir / f"lock-{entries}", entries)
    (project / "nixgen.toml").write_text('otp = "28"\nelixir = "1.19"\n', encoding="utf-8")
    init = nixgen_command("init", project)
    subprocess.run(init, check=True, stdout=subprocess.DEVNULL, env=env)
    size = sum((project / f).stat().st_size for f in ("mix.lock", "mix.exs"))
    return project, size


def measure(
    sizes: list[int], runs: int, nixgen_root: Path
) -> tuple[Sample, dict[tuple[int, str], Sample], dict[int, int]]:
    inputs: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="nixgen-growth-") as tmp:
        env = child_environment(Path(tmp) / "pycache", nixgen_root)
        projects = {}
        for n in sizes:
            projects[n], inputs[n] = prepare(Path(tmp), n, env)
        for name in COMMANDS:  # untimed: fills the bytecode caches
            run_once(nixgen_command(name, projects[sizes[0]]), env)
        baseline: list[Sample] = []
        samples: dict[tuple[int, str], list[Sample]] = {(n, c): [] for n in sizes for c in COMMANDS}
        for _ in range(runs):  # interleaved, so drift hits every size alike
            baseline.append(run_once([sys.executable, "-c", "pass"], env))
            for n in sizes:
                for name in COMMANDS:
                    peak = Path(tmp) / "peak"
                    command = nixgen_command(name, projects[n], peak)
                    samples[n, name].append(run_once(command, env, peak))
    medians = {key: median_sample(values) for key, values in samples.items()}
    return median_sample(baseline), medians, inputs


def report(sizes: list[int], runs: int, nixgen_root: Path) -> None:
    baseline, medians, inputs = measure(sizes, runs, nixgen_root)
    listed = ", ".join(map(str, sizes))
    print(f"growth: sizes {listed}, runs: {runs}; x pass = wall / python -c pass")
    print(
        "per entry = (time / entries) / (time / entries at the smallest size); "
        "exponent k: time grows like entries^k from the previous size"
    )
    print("command        entries  x pass  per entry (wall)  per entry (cpu)  k (cpu)  RSS/input")
    for name in COMMANDS:
        for i, n in enumerate(sizes):
            print(_row(name, sizes, i, medians, baseline, inputs[n]))


def _row(
    name: str,
    sizes: list[int],
    i: int,
    medians: dict[tuple[int, str], Sample],
    baseline: Sample,
    input_bytes: int,
) -> str:
    n, first = sizes[i], medians[sizes[0], name]
    s = medians[n, name]
    wall_ratio = (s.wall / n) / (first.wall / sizes[0])
    cpu_ratio = (s.cpu / n) / (first.cpu / sizes[0])
    exponent = "-"
    if i > 0:
        previous = medians[sizes[i - 1], name]
        exponent = f"{math.log(s.cpu / previous.cpu) / math.log(n / sizes[i - 1]):.2f}"
    memory = s.max_rss_kib * 1024 / input_bytes
    return (
        f"{name:13} {n:8} {s.wall / baseline.wall:7.1f}  {wall_ratio:16.2f}  {cpu_ratio:15.2f}"
        f"  {exponent:>7}  {memory:9.1f}"
    )
