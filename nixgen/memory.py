"""A large project's memory: large blocks go back to the system when freed (glibc).

nixgen holds a few texts the size of mix.lock at once (mix.lock itself, the deps.nix it writes and
the one on disk) and frees each when done with it. glibc serves a block of 128 KiB or more from a
mapping of its own, returned to the system when freed; but the first time it frees one, it raises
that threshold to the block's size (up to 32 MiB), so from then on blocks of that size come from
the heap, where a freed one stays part of the process while anything above it lives
(docs/UPSTREAM.md U-GLIBC-MMAP-THRESHOLD). For a 7.6 MB mix.lock that added ~7 MB to the peak.
Setting the threshold explicitly turns the adjustment off; nixgen does so when mix.lock is large
enough for it to matter, and only on glibc (elsewhere nothing happens).
"""

from __future__ import annotations

import sys
from pathlib import Path

# mix.lock from which the threshold is set: smaller projects do not pay for importing ctypes.
LARGE_LOCK = 1 << 20
# glibc malloc/malloc.h: `#define M_MMAP_THRESHOLD -3`; 128 KiB is glibc's default threshold.
_M_MMAP_THRESHOLD = -3
_THRESHOLD = 128 * 1024


def prepare_for(root: Path) -> bool:
    """Before reading the project at `root`: fix glibc's mmap threshold when its mix.lock is
    large. Whether it was set (False on another C library, or for a small or absent lock)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if (root / "mix.lock").stat().st_size < LARGE_LOCK:
            return False
    except OSError:
        return False  # no lock (yet): the command says so itself
    return _set_mmap_threshold(_THRESHOLD)


def _set_mmap_threshold(size: int) -> bool:
    import ctypes  # only for a large project: importing it costs a few milliseconds

    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):
            return False  # not glibc: musl and others have no mallopt
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, size) == 1)
    except (OSError, AttributeError):
        return False
