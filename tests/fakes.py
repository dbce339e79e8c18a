"""Test doubles for the subprocess gateway and the prefetcher: canned answers, recorded calls."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Call:
    """One command a `FakeRunner` was asked to run."""

    args: tuple[str, ...]
    cwd: Path | None = None
    input: str | None = None


# An answer is the stdout to return, an exception to raise, or a function of the call
# (to create files in `cwd`, as a real git checkout would).
Answer = str | BaseException | Callable[[Call], str]


@dataclass
class FakeRunner:
    """A `Runner` answering by the longest matching command prefix; unknown commands fail."""

    answers: Mapping[tuple[str, ...], Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def run(self, args: Sequence[str], cwd: Path | None = None, input: str | None = None) -> str:
        call = Call(tuple(args), cwd, input)
        self.calls.append(call)
        answer = self._answer(call.args)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, str):
            return answer
        return answer(call)

    def commands(self) -> list[tuple[str, ...]]:
        """The argument vectors of every call, in order."""
        return [call.args for call in self.calls]

    def _answer(self, args: tuple[str, ...]) -> Answer:
        matches = [prefix for prefix in self.answers if args[: len(prefix)] == prefix]
        if not matches:
            raise AssertionError(f"FakeRunner has no answer for {args!r}")
        return self.answers[max(matches, key=len)]


def fake_hash(url: str, rev: str) -> str:
    """The deterministic, well-formed SRI hash `FakePrefetcher` returns for a source."""
    digest = hashlib.sha256(f"{url}@{rev}".encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


@dataclass
class FakePrefetcher:
    """A `Prefetcher` that never touches the network: `fake_hash(url, rev)`, calls recorded."""

    calls: list[tuple[str, str, bool]] = field(default_factory=list)

    def prefetch_git(self, url: str, rev: str, *, submodules: bool = False) -> str:
        self.calls.append((url, rev, submodules))
        return fake_hash(url, rev)
