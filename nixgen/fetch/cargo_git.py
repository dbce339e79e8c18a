"""Cargo git sources of NIF crates: their fetchgit hash (as crane fetches them), crane's
outputHashes key, and the records carried in nix/nifs.nix."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from nixgen.constants import NIFS_FILE, REGENERATE
from nixgen.errors import InputError, Position
from nixgen.fetch.git import GitKey, KnownHashes, Prefetcher
from nixgen.model import CargoLock, GitSource, Project

_CARGO_GIT_LINE = re.compile(r"^\s*# nixgen-cargo-git: (?P<json>\{.*\})\s*$", re.MULTILINE)

log = logging.getLogger(__name__)


CARGO_GIT_COMMENT = "# nixgen-cargo-git: "


@dataclass(frozen=True)
class CargoGitHash:
    """The fetchgit hash (submodules included, as crane fetches) of a Cargo git source."""

    source: str  # the Cargo.lock `source` string
    url: str
    rev: str
    hash: str

    @property
    def key(self) -> str:
        """crane's outputHashes key: the source percent-decoded with crane's own table."""
        return crane_percent_decode(self.source)

    def comment(self) -> str:
        data = {"hash": self.hash, "rev": self.rev, "submodules": True, "url": self.url}
        return CARGO_GIT_COMMENT + json.dumps(data, sort_keys=True, ensure_ascii=True)


def git_sources(lock: CargoLock) -> list[GitSource]:
    git = [c.source for c in lock.packages if isinstance(c.source, GitSource)]
    sources = {lock_source(source): source for source in git}
    return [sources[key] for key in sorted(sources)]


def pending_cargo_fetches(project: Project, known: Mapping[GitKey, str]) -> int:
    """How many Cargo git sources of the NIF crates' locks are not known yet."""
    keys = {
        GitKey(source.url, source.rev, True)
        for lock in project.cargo_locks
        if lock.path in {n.cargo_lock for n in project.nifs}
        for source in git_sources(lock)
    }
    return len(keys - set(known))


def lock_source(source: GitSource) -> str:
    """The Cargo.lock `source` string (rebuilt when the model was made without it)."""
    if source.raw:
        return source.raw
    query = "&".join(f"{k}={v}" for k, v in source.query)
    return f"git+{source.url}{'?' + query if query else ''}#{source.rev}"


# crane's lib/internalPercentDecode.nix (docs/UPSTREAM.md U-CRANE-OUTPUTHASHES): exactly these
# upper-case escapes, in one pass, applied to the Cargo.lock source before the lookup.
_CRANE_CODES = {
    "%09": "\t", "%0A": "\n", "%0D": "\r", "%20": " ", "%21": "!", "%22": '"', "%23": "#",
    "%24": "$", "%25": "%", "%26": "&", "%27": "'", "%28": "(", "%29": ")", "%2A": "*",
    "%2B": "+", "%2C": ",", "%2F": "/", "%3A": ":", "%3B": ";", "%3C": "<", "%3D": "=",
    "%3E": ">", "%3F": "?", "%40": "@", "%5B": "[", "%5C": "\\", "%5D": "]", "%5E": "^",
    "%60": "`", "%7B": "{", "%7C": "|", "%7D": "}",
}  # fmt: skip


_CRANE_ESCAPE = re.compile("|".join(re.escape(code) for code in _CRANE_CODES))


def crane_percent_decode(text: str) -> str:
    return _CRANE_ESCAPE.sub(lambda m: _CRANE_CODES[m.group(0)], text)


class GitHashes:
    """Hashes of Cargo git sources: known ones first, else from the prefetcher (recorded)."""

    def __init__(self, prefetcher: Prefetcher | None, known: Mapping[GitKey, str]):
        self._prefetcher = prefetcher
        self._hashes = dict(known)
        self.fetched: list[CargoGitHash] = []

    def get(self, source: GitSource, lock: CargoLock) -> CargoGitHash:
        key = GitKey(source.url, source.rev, True)
        if key in self._hashes:
            log.info("%s: reusing the recorded hash of %s at %s", lock.path, source.url, source.rev)
        else:
            if self._prefetcher is None:
                raise InputError(
                    f"the Cargo git dependency {source.url} at {source.rev} has not been fetched",
                    Position(lock.path),
                    f"run `{REGENERATE}` with network access: it fetches git sources once and "
                    f"records their hashes in {NIFS_FILE}",
                )
            self._hashes[key] = self._prefetcher.prefetch_git(
                source.url, source.rev, submodules=True, lfs=True  # as crane fetches
            )
            fetched = CargoGitHash(lock_source(source), source.url, source.rev, self._hashes[key])
            self.fetched.append(fetched)
        return CargoGitHash(lock_source(source), source.url, source.rev, self._hashes[key])


def known_cargo_hashes(text: str) -> KnownHashes:
    """The `# nixgen-cargo-git:` lines of a previous nix/nifs.nix (unreadable lines ignored)."""
    found: dict[tuple[str, str, bool], str] = {}
    for match in _CARGO_GIT_LINE.finditer(text):
        try:
            data = json.loads(match["json"])
            key = (str(data["url"]), str(data["rev"]), bool(data["submodules"]))
            KnownHashes({key: data["hash"]})  # raises ValueError for a malformed hash
            found[key] = data["hash"]
        except (ValueError, TypeError, KeyError):
            continue
    return KnownHashes(found)
