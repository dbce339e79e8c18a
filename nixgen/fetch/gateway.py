"""The one gateway through which nixgen runs external programs (git, nix, nix-prefetch-git)."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from nixgen.errors import ToolError

log = logging.getLogger(__name__)

STDERR_TAIL_LINES = 20

# nixgen never talks to a user through a child process: a git that wants a
# password must fail instead of waiting on the terminal.
NON_INTERACTIVE_ENV: Mapping[str, str] = {"GIT_TERMINAL_PROMPT": "0"}


class Runner(Protocol):
    """Runs a program to completion and returns its standard output."""

    def run(
        self,
        args: Sequence[str],
        cwd: Path | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run `args` (`env` over the runner's environment); raise `ToolError` when the
        program is absent or exits non-zero."""
        ...


def which(name: str) -> bool:
    """Whether `name` is an executable on PATH."""
    return shutil.which(name) is not None


class SubprocessRunner:
    """A `Runner` backed by `subprocess.run`; output is decoded as UTF-8."""

    def __init__(self, env: Mapping[str, str] | None = None, timeout: float | None = None):
        self._env = {**os.environ, **NON_INTERACTIVE_ENV, **(env or {})}
        self._timeout = timeout

    def run(
        self,
        args: Sequence[str],
        cwd: Path | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        argv = list(args)
        command = shlex.join(argv)
        log.debug("$ %s%s", command, f"  (in {cwd})" if cwd else "")
        try:
            done = subprocess.run(
                argv,
                cwd=cwd,
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                capture_output=True,
                env={**self._env, **(env or {})},
                encoding="utf-8",
                errors="replace",
                timeout=self._timeout,
                check=False,
            )
        except FileNotFoundError as error:
            raise _missing(argv[0], cwd) from error
        except subprocess.TimeoutExpired as error:
            raise ToolError(f"`{command}` did not finish within {self._timeout} s") from error
        if done.returncode != 0:
            raise _failed(command, done.returncode, done.stderr, cwd)
        return done.stdout


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last `lines` non-blank lines of `stderr`, the part that usually says what went wrong."""
    kept = [line for line in stderr.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _failed(command: str, code: int, stderr: str, cwd: Path | None) -> ToolError:
    where = f" in {cwd}" if cwd else ""
    message = f"`{command}` failed with exit code {code}{where}"
    tail = stderr_tail(stderr)
    if tail:
        message += ":\n" + "\n".join(f"    {line}" for line in tail.splitlines())
    return ToolError(message)


def _missing(program: str, cwd: Path | None) -> ToolError:
    # FileNotFoundError also covers a cwd that does not exist; say which one it was.
    if cwd is not None and not cwd.is_dir():
        return ToolError(f"cannot run `{program}`: directory {cwd} does not exist")
    return ToolError(
        f"`{program}` is not installed (not found on PATH)",
        hint=f"install `{program}` or add the directory that holds it to PATH",
    )
