"""Cargo git sources of NIF crates: which a lock names, and crane's outputHashes key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixgen.fetch.records import CargoGitSource
from nixgen.model import CargoLock, GitSource


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

    @property
    def record(self) -> CargoGitSource:
        return CargoGitSource(self.url, self.rev, self.hash)


def git_sources(lock: CargoLock) -> list[GitSource]:
    git = [c.source for c in lock.packages if isinstance(c.source, GitSource)]
    sources = {lock_source(source): source for source in git}
    return [sources[key] for key in sorted(sources)]


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
