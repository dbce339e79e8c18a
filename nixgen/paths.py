"""Project-relative POSIX paths, as the model stores them ("." is the project root)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator


def join(directory: str, path: str) -> str:
    """`path`, written relative to `directory`, as a normalised project-relative path."""
    return posixpath.normpath(posixpath.join(directory, path))


def outside(path: str) -> bool:
    """Whether a project-relative path leads out of the project."""
    return path == ".." or path.startswith(("../", "/"))


def inside(path: str, directory: str) -> bool:
    """Whether `path` is `directory` or below it (for ".", anywhere in the project)."""
    if directory == ".":
        return not outside(path)
    return path == directory or path.startswith(directory + "/")


def relative(path: str, directory: str) -> str:
    """`path` as seen from `directory` (both project-relative)."""
    return path if directory == "." else posixpath.relpath(path, directory)


def upwards(directory: str) -> Iterator[str]:
    """`directory`, its parents, ..., ".": where cargo and rustup look for their files."""
    while True:
        yield directory
        if directory in (".", "", "/"):
            return
        directory = posixpath.dirname(directory) or "."


def parents(directory: str) -> Iterator[str]:
    """The directories above `directory`, up to "."."""
    above = upwards(directory)
    next(above)
    yield from above
