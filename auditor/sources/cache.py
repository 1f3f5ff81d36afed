"""SQLite cache of raw HTTP answers, keyed by the normalised request.

Raw responses (not parsed records, never verdicts) are kept so that an improved parser or judge can
be re-run over the same answers without asking the services again. Credentials and contact details
(``api_key``, ``email``, ``tool``, ``mailto``) are left out of the key, so changing them neither
splits the cache nor writes them to disk. Freshness is decided on read from ``fetched_at`` and the
current TTLs, so a changed TTL applies to entries already stored. WAL mode and a busy timeout let
several processes share one cache file; each operation is a single quick statement.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from auditor.errors import ConfigError

PRIVATE_PARAMS = frozenset({"api_key", "email", "tool", "mailto"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    negative INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: float
    negative: bool


def _clean_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in pairs if k not in PRIVATE_PARAMS)


def request_key(
    method: str,
    url: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    form: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
) -> str:
    """A stable text form of a request: method, URL without query, sorted params, sorted form body.

    Query parameters already in ``url`` are merged with ``params`` so GET and POST spellings of the
    same question do not collide while equivalent spellings do.
    """
    parts = urlsplit(url)
    pairs = list(parse_qsl(parts.query, keep_blank_values=True))
    pairs += list(params.items() if isinstance(params, Mapping) else params)
    bare = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))
    body: list[tuple[str, str]] = []
    if form is not None:
        body = _clean_pairs(form.items() if isinstance(form, Mapping) else form)
    return json.dumps([method.upper(), bare, _clean_pairs(pairs), body], ensure_ascii=False)


class ResponseCache:
    """A small key/value store of HTTP answers with positive and negative TTLs."""

    def __init__(self, path: Path, ttl_s: float, negative_ttl_s: float, busy_timeout_s: float = 10.0):
        self.path = path
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._disabled = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=busy_timeout_s, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cache {path}: cannot be opened ({exc}); choose another --cache-dir or use --no-cache"
            ) from None

    def _degrade(self, exc: sqlite3.Error) -> None:
        """A cache that fails mid-run (disk full, locked too long) is skipped, with one warning:
        it only saves requests, and losing it must not lose the audit."""
        if not self._disabled:
            self._disabled = True
            print(f"auditor: warning: cache {self.path} disabled for this run: {exc}", file=sys.stderr)

    @staticmethod
    def _hash(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def get(self, key: str, now: float | None = None) -> CachedResponse | None:
        """The stored answer if it is still fresh, else None."""
        if self._disabled:
            return None
        try:
            row = self._db.execute(
                "SELECT status, headers, body, fetched_at, negative FROM responses WHERE key = ?",
                (self._hash(key),),
            ).fetchone()
        except sqlite3.Error as exc:
            self._degrade(exc)
            return None
        if row is None:
            return None
        status, headers, body, fetched_at, negative = row
        ttl = self.negative_ttl_s if negative else self.ttl_s
        if (now if now is not None else time.time()) - fetched_at > ttl:
            return None
        return CachedResponse(status, json.loads(headers), bytes(body), fetched_at, bool(negative))

    def put(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
            now: float | None = None) -> None:
        """Store (or overwrite) one answer. Callers only store answers they could parse."""
        if self._disabled:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, request, status, headers, body, fetched_at, negative)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._hash(key), key, status, json.dumps(dict(headers)), body,
                 now if now is not None else time.time(), int(negative)),
            )
        except sqlite3.Error as exc:
            self._degrade(exc)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self._db.close()
