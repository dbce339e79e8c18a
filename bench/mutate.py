"""Mutation run over ../shared/corpus: count the Python tracebacks nixgen ends in, by root cause.

Each corpus project is copied, one of its inputs (mix.exs, mix.lock, Cargo.toml, Cargo.lock,
.tool-versions, nixgen.toml, Elixir modules) gets a random mutation (a byte flip, a cut, a
duplicated or dropped line, a huge integer, a NUL, a control character, a long name, a bad
byte, …), and `nixgen show --json` and `nixgen init --dry-run` run on the copy in-process. A
run that ends in anything but exit 0/1/2 through nixgen's own error path is a traceback; they
are grouped by root cause (exception type + innermost nixgen frame). No network: git checkouts,
prefetches and Hex hashes are offline fakes. The same seed gives the same mutations. Usage:

    python bench/mutate.py [--seed N] [--per-project N] [--jobs N] [--corpus DIR] [-v]

To count against another checkout of nixgen, run from a neutral directory with
PYTHONPATH=<checkout> (`python -m` would put the current directory first on sys.path).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import shutil
import signal
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TIMEOUT_S = 60
ELIXIR_SUFFIXES = (".ex", ".exs")
NIXGEN_TOML = (
    'libc = "musl"\nmix_env = "prod"\notp = "28"\nelixir = "1.19"\n'
    'systems = ["x86_64-linux"]\n\n[deps]\nprovided = []\n'
)

CHECKOUT_MIX_EXS = (
    "defmodule Dep.MixProject do\n  use Mix.Project\n"
    '  def project, do: [app: :dep, version: "1.0.0", deps: []]\nend\n'
)

Mutation = Callable[[random.Random, bytes], bytes]


# --------------------------------------------------------------------------- mutations


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n") or [b""]


def flip_byte(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]


def flip_to_punctuation(rng: random.Random, data: bytes) -> bytes:
    """A byte replaced by one that matters to a parser: quotes, brackets, separators."""
    if not data:
        return b'"'
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.choice(b"\"'[]{}()=,:#\\$%\n ")]) + data[i + 1 :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join(lines[: i + 1] + lines[i:])


def drop_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _replace_token(rng: random.Random, data: bytes, pattern: bytes, new: bytes) -> bytes:
    import re

    found = list(re.finditer(pattern, data))
    if not found:
        return data + b"\n" + new
    match = rng.choice(found)
    return data[: match.start()] + new + data[match.end() :]


def huge_integer(rng: random.Random, data: bytes) -> bytes:
    return _replace_token(rng, data, rb"\d+", b"9" * rng.choice((4301, 5000, 20000)))


def long_name(rng: random.Random, data: bytes) -> bytes:
    """A quoted string's content or an identifier made 300+ bytes long."""
    long = b"n" * rng.choice((256, 300, 5000))
    if rng.random() < 0.5:
        return _replace_token(rng, data, rb'(?<=")[^"\n]*(?=")', long)
    return _replace_token(rng, data, rb"\b[a-z_][a-z0-9_]*\b", long)


def insert_bytes(rng: random.Random, data: bytes, choices: list[bytes]) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice(choices) + data[i:]


def nul(rng: random.Random, data: bytes) -> bytes:
    return insert_bytes(rng, data, [b"\0"])


def control(rng: random.Random, data: bytes) -> bytes:
    return insert_bytes(rng, data, [b"\x1b[31m", b"\r", b"\x07", b"\x7f", b"\t", b"\x0c"])


def bad_utf8(rng: random.Random, data: bytes) -> bytes:
    return insert_bytes(rng, data, [b"\xff", b"\xc3", b"\xed\xa0\x80"])


def string_newline(rng: random.Random, data: bytes) -> bytes:
    """A newline (or a space) at the end of a quoted value: "0.1.0" becomes "0.1.0\\n"."""
    return _replace_token(rng, data, rb'"(?=[,}\]\s)])', rng.choice([b'\\n"', b' "', b'\n"']))


def short_hex(rng: random.Random, data: bytes) -> bytes:
    """A checksum or hash (a long run of hex digits) cut or stretched."""
    return _replace_token(
        rng, data, rb"\b[0-9a-f]{40,64}\b", rng.choice([b"0123abcd", b"f" * 65, b"g" * 64])
    )


def shell_word(rng: random.Random, data: bytes) -> bytes:
    """Shell and Nix metacharacters added to a quoted value."""
    extra = rng.choice([b" ", b"$(id)", b";x", b"${x}", b"'", b"\\n", b"`id`"])
    return _replace_token(rng, data, rb'(?<=[A-Za-z0-9])"', extra + b'"')


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((200, 3000))
    return insert_bytes(rng, data, [b"[" * depth + b"]" * depth, b"{" * depth + b"}" * depth])


MUTATIONS: dict[str, Mutation] = {
    "flip_byte": flip_byte,
    "flip_to_punctuation": flip_to_punctuation,
    "truncate": truncate,
    "duplicate_line": duplicate_line,
    "drop_line": drop_line,
    "swap_lines": swap_lines,
    "huge_integer": huge_integer,
    "long_name": long_name,
    "nul": nul,
    "control": control,
    "bad_utf8": bad_utf8,
    "string_newline": string_newline,
    "deep_nesting": deep_nesting,
    "short_hex": short_hex,
    "shell_word": shell_word,
}


def inputs(root: Path) -> list[Path]:
    """The files nixgen reads, relative to the project (nixgen.toml whether or not present;
    nix/deps.nix and nix/nifs.nix, with their `# nixgen-source:` records, when init could
    write them)."""
    names = {
        "mix.exs",
        "mix.lock",
        "Cargo.toml",
        "Cargo.lock",
        ".tool-versions",
        "deps.nix",
        "nifs.nix",
    }
    found = {Path("nixgen.toml")}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        if path.name in names or path.name.endswith(ELIXIR_SUFFIXES):
            found.add(path.relative_to(root))
    return sorted(found)


def _by_kind(files: list[Path]) -> dict[str, list[Path]]:
    """Files grouped so each kind is mutated as often (a project has many more modules than
    lock files)."""
    kinds: dict[str, list[Path]] = {}
    for path in files:
        kind = path.name if not path.name.endswith(ELIXIR_SUFFIXES) else path.parts[0]
        kinds.setdefault(kind if path.name != "mix.exs" else "mix.exs", []).append(path)
    return kinds


# --------------------------------------------------------------------------- running nixgen


class _Timeout(BaseException):
    """Not an Exception: neither nixgen nor click may swallow it."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout(f"no answer within {TIMEOUT_S} s")


@contextlib.contextmanager
def _offline_tools() -> Iterator[None]:
    """Replace nixgen's network tools (git, Hex) with fakes that answer at once."""
    import nixgen.pipeline as pipeline
    from nixgen.fetch.stage import Fetchers

    class Checkouts:
        @contextlib.contextmanager
        def checkout(
            self, url: str, rev: str, *, submodules: bool = False
        ) -> Iterator[tuple[str, Path]]:
            with tempfile.TemporaryDirectory(prefix="mutate-checkout-") as tmp:
                (Path(tmp) / "mix.exs").write_text(CHECKOUT_MIX_EXS)
                yield _fake_sri(url + rev), Path(tmp)

    class Prefetcher:
        def prefetch_git(
            self, url: str, rev: str, *, submodules: bool = False, lfs: bool = False
        ) -> str:
            return _fake_sri(url + rev)

    def offline_fetchers() -> Fetchers:
        return Fetchers(
            Checkouts(),
            Prefetcher(),
            lambda package, version: hashlib.sha256(f"{package}{version}".encode()).hexdigest(),
        )

    saved = pipeline.default_fetchers
    pipeline.default_fetchers = offline_fetchers
    try:
        yield
    finally:
        pipeline.default_fetchers = saved


def _fake_sri(text: str) -> str:
    import base64

    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@dataclass(frozen=True)
class Outcome:
    project: str
    mutation: str
    file: str
    command: str
    cause: str | None  # None: a clean exit (0, 1 or 2)
    detail: str


def _root_cause(exc: BaseException, tb: TracebackType | None) -> str:
    frames = [f for f in traceback.extract_tb(tb) if "/nixgen/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "(outside nixgen)"
    return f"{type(exc).__name__} at {where}"


def run_command(root: Path, args: list[str]) -> tuple[str | None, str]:
    """(root cause, message) of a traceback, or (None, "") for a clean exit."""
    from click.testing import CliRunner

    from nixgen.cli import main

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        result = CliRunner().invoke(main, [*args, str(root)])
    except _Timeout as exc:
        return "Timeout", str(exc)
    finally:
        signal.alarm(0)
    exc = result.exception
    if isinstance(exc, SystemExit) and result.exit_code in (0, 1, 2):
        if "Traceback" in result.stderr:
            return "Traceback in stderr", result.stderr[-300:]
        return None, ""
    if exc is None:
        return None, ""
    tb = result.exc_info[2] if result.exc_info else None
    return _root_cause(exc, tb), f"{type(exc).__name__}: {str(exc)[:200]}"


def mutate_project(job: tuple[Path, int, int]) -> list[Outcome]:
    source, seed, count = job
    rng = random.Random(f"{seed}:{source.name}")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp, _offline_tools():
        pristine = Path(tmp, "pristine")
        shutil.copytree(source, pristine, symlinks=True)
        run_command(pristine, ["init"])  # the generated files become inputs too, when it works
        for _ in range(count):
            root = Path(tmp, source.name)
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(pristine, root, symlinks=True)
            kinds = _by_kind(inputs(root))
            target = rng.choice(kinds[rng.choice(sorted(kinds))])
            name = rng.choice(sorted(MUTATIONS))
            path = root / target
            data = path.read_bytes() if path.is_file() else NIXGEN_TOML.encode()
            path.write_bytes(MUTATIONS[name](rng, data))
            for args in (["show", "--json"], ["init", "--dry-run"]):
                cause, detail = run_command(root, args)
                outcomes.append(
                    Outcome(source.name, name, target.as_posix(), " ".join(args), cause, detail)
                )
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-project", type=int, default=12, help="mutated copies per project")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every traceback")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    import nixgen

    print(f"nixgen from {Path(nixgen.__file__).parent}", file=sys.stderr)
    projects = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    jobs = [(p, args.seed, args.per_project) for p in projects]
    with ProcessPoolExecutor(args.jobs) as pool:
        outcomes = [o for batch in pool.map(mutate_project, jobs) for o in batch]
    failures = [o for o in outcomes if o.cause is not None]
    causes = Counter(o.cause for o in failures)
    print(
        f"seed {args.seed}: {len(outcomes)} runs, {len(failures)} tracebacks, "
        f"{len(causes)} root causes"
    )
    for cause, n in causes.most_common():
        example = next(o for o in failures if o.cause == cause)
        print(
            f"  {n:4}  {cause}\n        e.g. {example.project} {example.file} "
            f"({example.mutation}, {example.command}): {example.detail[:160]!r}"
        )
    if args.verbose:
        for o in failures:
            print(f"{o.project}\t{o.file}\t{o.mutation}\t{o.command}\t{o.cause}\t{o.detail!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
