"""One writing run per project at a time: an advisory lock file, held with fcntl.flock."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from nixgen.errors import InputError, Position

LOCK_NAME = "nixgen.lock"


def lock_path(root: Path) -> Path:
    """Inside `.git` when it is a directory (never listed by git, never committed); else a
    dot-file in the project, removed when the run ends."""
    git = root / ".git"
    return git / LOCK_NAME if git.is_dir() and not git.is_symlink() else root / f".{LOCK_NAME}"


@contextmanager
def project_lock(root: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Held while a run plans and writes: a second run waits for the first (saying so through
    `on_wait`). The file is removed on exit; the kernel drops the lock of a killed run."""
    if not root.is_dir():
        yield  # nothing to write into: the pipeline reports the path
        return
    path = lock_path(root)
    fd = _acquire(root, path, on_wait)
    try:
        yield
    finally:
        # Unlinked while still held: a run waiting on this file sees it is gone and retries.
        path.unlink(missing_ok=True)
        os.close(fd)


def _acquire(root: Path, path: Path, on_wait: Callable[[str], None] | None) -> int:
    while True:
        fd = _open(root, path)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(
                        f"another nixgen run is writing this project (it holds "
                        f"{path.relative_to(root)}); waiting for it to finish"
                    )
                    on_wait = None
                fcntl.flock(fd, fcntl.LOCK_EX)
            if _is(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the previous holder removed the file meanwhile: lock the new one


def _open(root: Path, path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o644)
    except OSError as error:
        why = "it is a symlink" if error.errno == errno.ELOOP else error.strerror
        raise InputError(
            f"cannot take the lock file: {why}",
            Position(str(path.relative_to(root))),
            "make the project directory writable, or remove what is at that path",
        ) from None


def _is(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)
