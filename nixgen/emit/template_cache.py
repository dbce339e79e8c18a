"""Compiled templates kept between runs: jinja2's bytecode cache, so a run does not compile
templates/ again (that took about as long as reading mix.lock, issue 13 §3).

Never stale: jinja2 keys each entry by the template's name and path and stores a checksum of its
source next to the code; an edited template no longer matches and is compiled again. The file
name also carries a digest of what else shapes the compiled code (nixgen's and jinja2's versions,
the environment's syntax options). The directory is jinja2's default, one per user with mode
0700 in the temporary directory (jinja2 checks both, since the cache holds code). A run that
cannot use it (read-only, unsafe, corrupt entry) compiles as if there were none; a run with
PYTHONDONTWRITEBYTECODE set reads the cache but writes nothing, as Python does with .pyc files.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Mapping
from contextlib import suppress

import jinja2
from jinja2.bccache import Bucket

from nixgen import __version__


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """jinja2's file system cache, for which a failure only means compiling again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # an unreadable entry is a cache miss, whatever broke it
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        with suppress(OSError):  # full or read-only: the next run compiles again
            super().dump_bytecode(bucket)


def template_cache(
    options: Mapping[str, object], directory: str | None = None
) -> TemplateCache | None:
    """The cache for an environment made with `options`, in `directory` (None: jinja2's
    default); None when no safe directory can be had."""
    shape = repr((__version__, jinja2.__version__, sorted(options.items())))
    digest = hashlib.sha256(shape.encode("utf-8")).hexdigest()[:16]
    try:
        return TemplateCache(directory, pattern=f"nixgen-{digest}-%s.cache")
    except (OSError, RuntimeError):  # RuntimeError: jinja2 found the directory unsafe
        return None
