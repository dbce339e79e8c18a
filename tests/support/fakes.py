"""Test doubles for the subprocess gateway and the fetch stage's fetchers: canned answers,
recorded calls, no network."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nixgen.fetch.checkouts import GitCheckouts
from nixgen.fetch.git import Prefetcher
from nixgen.fetch.records import KnownSources
from nixgen.fetch.stage import Fetchers, HexPackages, Progress, fetch_sources
from nixgen.model import GitLockEntry, HexLockEntry, Project
from nixgen.readers.hex_tarball import HexPackage
from nixgen.resolve.project import DepsRequest


@dataclass(frozen=True)
class Call:
    """One command a `FakeRunner` was asked to run."""

    args: tuple[str, ...]
    cwd: Path | None = None
    input: str | None = None
    env: Mapping[str, str] | None = None


# An answer is the stdout to return, an exception to raise, or a function of the call
# (to create files in `cwd`, as a real git checkout would).
Answer = str | BaseException | Callable[[Call], str]


@dataclass
class FakeRunner:
    """A `Runner` answering by the longest matching command prefix; unknown commands fail."""

    answers: Mapping[tuple[str, ...], Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def run(
        self,
        args: Sequence[str],
        cwd: Path | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        call = Call(tuple(args), cwd, input, env)
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

    def prefetch_git(
        self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
    ) -> str:
        self.calls.append((url, rev, submodules))
        return fake_hash(url, rev)


class FakeCheckouts:
    """A GitCheckouts whose checkouts are tiny Mix apps made on the spot (no network).

    `apps` maps a URL to the files of its checkout; by default a checkout holds a mix.exs for
    an app named after the URL's last path segment, version 1.0.0, with no deps.
    """

    def __init__(
        self,
        apps: dict[str, dict[str, str]] | None = None,
        roots: dict[str, str] | None = None,
    ) -> None:
        """`roots` maps a URL to the directory its default app lives in (`sparse:`)."""
        self.apps = apps or {}
        self.roots = roots or {}
        self.calls: list[tuple[str, str, bool]] = []

    @contextmanager
    def checkout(
        self, url: str, rev: str, *, submodules: bool = False
    ) -> Iterator[tuple[str, Path]]:
        self.calls.append((url, rev, submodules))
        name = url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1].replace("-", "_")
        root = self.roots.get(url, ".")
        files = self.apps.get(url) or {f"{root}/mix.exs": default_mix_exs(name)}
        with tempfile.TemporaryDirectory(prefix="fake-checkout-") as tmp:
            for relative, text in files.items():
                path = Path(tmp, relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            yield fake_hash(url, rev), Path(tmp)


def default_mix_exs(app: str, version: str = "1.0.0", deps: str = "[]") -> str:
    return (
        f"defmodule Fake.MixProject do\n  use Mix.Project\n"
        f"  def project, do: [app: :{app}, version: {json.dumps(version)}, deps: {deps}]\nend\n"
    )


def fake_checkouts(project: Project) -> FakeCheckouts:
    """Checkouts whose app sits where each git lock entry says (`sparse:`/`subdir:`)."""
    roots = {
        e.url: (e.subdir or e.sparse or ".")
        for lock in project.locks
        for e in lock.entries
        if isinstance(e, GitLockEntry)
    }
    return FakeCheckouts(roots=roots)


def fake_hex_hash(package: str, version: str) -> str:
    return hashlib.sha256(f"{package}-{version}.tar".encode()).hexdigest()


def package_without_nif_modules(entry: HexLockEntry) -> HexPackage:
    """A stand-in for a NIF dependency's Hex package that tests cannot fetch (the corpus
    locks): no files, so no `use RustlerPrecompiled` module and nothing to stage."""
    return HexPackage(entry.package, entry.version, (entry.outer_checksum or "0" * 64).lower(), {})


def failing_hex_packages(entry: HexLockEntry) -> HexPackage:
    raise AssertionError(f"the Hex package of {entry.name} was fetched")


def fake_fetchers(
    project: Project,
    checkouts: GitCheckouts | None = None,
    prefetcher: Prefetcher | None = None,
    hex_packages: HexPackages = package_without_nif_modules,
) -> Fetchers:
    """Offline fetchers for `project`: fake checkouts, FakePrefetcher, fake_hex_hash, and NIF
    dependencies read as packages without modules (`hex_packages`)."""
    return Fetchers(
        checkouts or fake_checkouts(project), prefetcher or FakePrefetcher(), fake_hex_hash,
        hex_packages,
    )  # fmt: skip


def fetched(
    project: Project,
    request: DepsRequest | None = None,
    fetchers: Fetchers | None = None,
    known: KnownSources | None = None,
    progress: Progress | None = None,
) -> KnownSources:
    """The fetch stage run offline: what the plans of `project` (and `request`'s deps) need."""
    return fetch_sources(
        project, request, known or KnownSources(), fetchers or fake_fetchers(project), progress
    )
