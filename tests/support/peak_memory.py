"""`python peak_memory.py OUT ARGS...`: run `nixgen ARGS...` as `python -m nixgen` does and, when
it exits, write its peak resident memory (KiB, Linux's VmHWM) to the file OUT.

The peak is read by the process itself because the one `wait4` reports is not the child's own
on Linux: Python's subprocess starts a child with vfork, so the child's ru_maxrss starts at the
parent's peak (measured: `python -c pass` reports 14 MB from a 14 MB parent and 219 MB from a
219 MB one). VmHWM is the peak of the memory the process has since its exec.
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def peak_kib() -> int | None:
    """This process's peak resident memory in KiB; None where /proc does not tell."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def main() -> None:
    out, args = Path(sys.argv[1]), sys.argv[2:]

    def report() -> None:
        peak = peak_kib()
        if peak is not None:
            out.write_text(f"{peak}\n", encoding="ascii")

    atexit.register(report)
    sys.argv = ["nixgen", *args]
    runpy.run_module("nixgen", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
