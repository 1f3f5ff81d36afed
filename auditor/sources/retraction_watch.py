"""The Retraction Watch database as a local index: downloaded at most daily, consulted for free.

Crossref distributes the database as one CSV (``retraction_watch.csv``, about 60 MB, updated every
working day). Asking per reference would cost a request each; Zotero's retraction checker shows the
cheaper shape: fetch the list once a day and match locally by DOI and PMID. So:

* :func:`refresh_index` sends a conditional GET (``If-None-Match`` with the stored ETag) through the
  project's one HTTP layer, at most once per ``retraction_watch_max_age_s`` (a day); a 304 costs one
  small request; ``--offline`` (and a failed download) keep the last copy;
* a new copy is parsed into a SQLite file beside the response cache, built in a temporary file and
  renamed over the old one, so a reader never sees half an index;
* :meth:`RetractionIndex.lookup` answers by original-paper DOI and PMID with no request at all.

This lives in ``sources/`` rather than ``watch/`` because every audit consults it (the CLI
included), and the core must not depend on a shell.

CSV conventions (``api-samples/retraction-watch/README.md``): lists in a cell are ``;``-separated;
a missing DOI is blank, ``unavailable`` or ``Unavailable``; a missing PMID is blank or ``0``; dates
look like ``1/15/2024 0:00`` (month/day/year); ``RetractionNature`` is ``Retraction``,
``Correction``, ``Expression of concern`` or ``Reinstatement``; one row per notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from auditor.atomic import write_atomic
from auditor.identifiers import norm_doi, norm_pmid

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.sources.http import HttpClient

INDEX_NAME = "retraction-watch"
"""The name the index goes by in ``consulted`` and in findings' ``source``."""
INDEX_FILE = "retraction_watch.sqlite3"
REQUIRED_COLUMNS = ("Record ID", "RetractionNature", "OriginalPaperDOI", "OriginalPaperPubMedID")
Nature = Literal["retraction", "correction", "expression_of_concern", "reinstatement"]
_NATURES: dict[str, Nature] = {
    "retraction": "retraction",
    "correction": "correction",
    "expression of concern": "expression_of_concern",
    "reinstatement": "reinstatement",
}
_MISSING_DOI = {"", "unavailable", "none", "n/a", "na"}

_SCHEMA = """
CREATE TABLE entries (
    record_id TEXT NOT NULL,
    nature TEXT NOT NULL,
    original_doi TEXT,
    original_pmid TEXT,
    notice_doi TEXT,
    notice_pmid TEXT,
    notice_date TEXT,
    reasons TEXT NOT NULL,
    title TEXT
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX entries_doi ON entries (original_doi);
CREATE INDEX entries_pmid ON entries (original_pmid);
"""


class RetractionWatchFormatError(ValueError):
    """The file is not the Retraction Watch CSV (wrong columns); the previous copy stays in use."""


@dataclass(frozen=True)
class RetractionEntry:
    """One notice about one paper: a row of the CSV."""

    record_id: str
    nature: Nature
    original_doi: str | None
    original_pmid: str | None
    notice_doi: str | None
    notice_pmid: str | None
    notice_date: date | None
    reasons: tuple[str, ...]
    """``+Fake Peer Review`` style reasons, in the CSV's order, without the ``;`` separators."""
    title: str | None = None


def _doi(value: str | None) -> str | None:
    text = (value or "").strip()
    if text.lower() in _MISSING_DOI:
        return None
    return norm_doi(text) or None


def _pmid(value: str | None) -> str | None:
    """The one PMID rule (:func:`norm_pmid`: blank and ``0`` are missing, at most 9 ASCII digits,
    no leading zeros), so a cited ``PMID: 0012345`` finds the row for 12345. One difference is
    kept on purpose: a trailing ``.0`` is dropped first, because copies of the CSV that went
    through a spreadsheet write the PMID column as floats (``12345678.0``)."""
    text = (value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return norm_pmid(text)


def parse_date(value: str | None) -> date | None:
    """``1/15/2024 0:00`` (month/day/year, as the CSV writes it); ISO dates are accepted too."""
    text = (value or "").strip().split(" ")[0]
    if not text:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(";") if p.strip())


def parse_csv(stream: IO[str]) -> Iterator[RetractionEntry]:
    """Every row that names an original paper by DOI or PMID; rows of unknown nature are skipped."""
    reader = csv.DictReader(stream)
    columns = [c.strip().lstrip("\ufeff") for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise RetractionWatchFormatError(f"not the Retraction Watch CSV: missing column(s) {', '.join(missing)}")
    reader.fieldnames = columns
    for row in reader:
        nature = _NATURES.get((row.get("RetractionNature") or "").strip().lower())
        record_id = (row.get("Record ID") or "").strip()
        doi, pmid = _doi(row.get("OriginalPaperDOI")), _pmid(row.get("OriginalPaperPubMedID"))
        if nature is None or not record_id or not (doi or pmid):
            continue
        yield RetractionEntry(
            record_id=record_id, nature=nature, original_doi=doi, original_pmid=pmid,
            notice_doi=_doi(row.get("RetractionDOI")), notice_pmid=_pmid(row.get("RetractionPubMedID")),
            notice_date=parse_date(row.get("RetractionDate")), reasons=_list(row.get("Reason")),
            title=(row.get("Title") or "").strip() or None,
        )


def build_index(csv_path: Path, index_path: Path, meta: dict[str, str]) -> int:
    """Parse ``csv_path`` into a fresh index and rename it over ``index_path``; returns the row count."""
    index_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".retraction_watch.", suffix=".tmp", dir=index_path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(_SCHEMA)
            with csv_path.open(encoding="utf-8-sig", newline="", errors="replace") as fh:
                rows = 0
                batch: list[tuple[object, ...]] = []
                for e in parse_csv(fh):
                    batch.append((e.record_id, e.nature, e.original_doi, e.original_pmid, e.notice_doi,
                                  e.notice_pmid, e.notice_date.isoformat() if e.notice_date else None,
                                  ";".join(e.reasons), e.title))
                    if len(batch) >= 5000:
                        conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?)", batch)
                        rows += len(batch)
                        batch.clear()
                conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?)", batch)
                rows += len(batch)
            conn.executescript(_INDEXES)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [*meta.items(), ("rows", str(rows))])
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, index_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return rows


class RetractionIndex:
    """Read-only look-ups in one copy of the database; cheap to open, safe to share in one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    @property
    def as_of(self) -> str:
        """ISO date of the copy: the day it was last downloaded or confirmed current (304)."""
        return self.meta.get("checked_date") or self.meta.get("downloaded_date") or "unknown"

    @property
    def consulted_key(self) -> str:
        """``retraction-watch@2026-12-01``: the ``consulted`` entry that names the index and its date."""
        return f"{INDEX_NAME}@{self.as_of}"

    def lookup(self, doi: str | None = None, pmid: str | None = None) -> list[RetractionEntry]:
        """Every notice about the paper with this DOI or PMID, oldest first."""
        clauses, args = [], []
        if doi and norm_doi(doi):
            clauses.append("original_doi = ?")
            args.append(norm_doi(doi))
        if pmid and _pmid(pmid):
            clauses.append("original_pmid = ?")
            args.append(_pmid(pmid))
        if not clauses:
            return []
        rows = self._conn.execute(
            f"SELECT DISTINCT * FROM entries WHERE {' OR '.join(clauses)} ORDER BY notice_date, record_id",
            args).fetchall()
        return [RetractionEntry(record_id=r[0], nature=r[1], original_doi=r[2], original_pmid=r[3],
                                notice_doi=r[4], notice_pmid=r[5],
                                notice_date=date.fromisoformat(r[6]) if r[6] else None,
                                reasons=_list(r[7]), title=r[8]) for r in rows]

    def close(self) -> None:
        self._conn.close()


@dataclass(frozen=True)
class IndexState:
    """What :func:`refresh_index` did and what audits can use."""

    index: RetractionIndex | None
    action: str
    """``downloaded``, ``not_modified``, ``fresh`` (checked less than a day ago), ``offline``,
    ``failed`` (kept the last copy, if any) or ``disabled``."""
    error: str | None = None
    requests: int = 0


def _read_meta(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def _set_meta(path: Path, values: dict[str, str]) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))
        conn.commit()
    finally:
        conn.close()


def _open(path: Path) -> RetractionIndex | None:
    try:
        return RetractionIndex(path) if path.is_file() else None
    except sqlite3.Error:
        return None


FAILURE_FILE = "retraction_watch.failed.json"
"""The last failed refresh (url, time, error), so the next audit within the back-off does not retry it."""

_REFRESHING: dict[tuple[str, str], asyncio.Task[tuple[str, str | None, int]]] = {}
"""Refreshes under way in this process, by (index path, url): concurrent audits share one download."""


async def refresh_index(http: HttpClient, url: str, cache_dir: Path, *, mode: str = "use",
                        max_age_s: float = 86400.0, retry_s: float = 900.0,
                        now: float | None = None) -> IndexState:
    """Bring the local copy up to date if it is older than ``max_age_s``, then open it.

    ``http`` is an :class:`auditor.sources.http.HttpClient`. ``mode`` follows the cache modes:
    ``offline`` never sends a request, ``refresh`` checks now whatever the age, the others at most
    once per ``max_age_s``. Failures keep the last copy and are reported in ``error``.

    Two rules make this cheap in a long-running service, where every job calls it: audits that
    start together in one process share one refresh (a 60 MB download is made once, not once per
    job), and after a failed refresh the next attempt waits ``retry_s`` (except in ``refresh``
    mode). Without them an unreachable download host cost every job its whole retry schedule
    (5.5 s at the defaults) before its audit could start.
    """
    path = cache_dir / INDEX_FILE
    if mode == "offline":
        return IndexState(_open(path), "offline")
    key = (str(path), url)
    loop = asyncio.get_running_loop()
    running = _REFRESHING.get(key)
    if running is not None and running.get_loop() is loop and not running.done():
        action, error, _ = await asyncio.shield(running)
        return IndexState(_open(path), action, error, 0)  # the leader counts the requests
    task = loop.create_task(_refresh(http, url, path, mode, max_age_s, retry_s, now))
    _REFRESHING[key] = task
    task.add_done_callback(lambda done: _REFRESHING.pop(key, None) if _REFRESHING.get(key) is done else None)
    action, error, requests = await asyncio.shield(task)
    return IndexState(_open(path), action, error, requests)


async def _refresh(http: HttpClient, url: str, path: Path, mode: str, max_age_s: float, retry_s: float,
                   now: float | None) -> tuple[str, str | None, int]:
    """The refresh itself: ``(action, error, requests)``; the caller opens the index."""
    current = time.time() if now is None else now
    meta = _read_meta(path)
    same_source = meta.get("url") == url
    checked = float(meta.get("checked_at", "0") or 0)
    if same_source and mode != "refresh" and current - checked < max_age_s:
        return "fresh", None, 0
    failure = _read_failure(path, url)
    if failure is not None and mode != "refresh" and 0 <= current - failure[0] < retry_s:
        ago, due = current - failure[0], retry_s - (current - failure[0])
        return "failed", f"{failure[1]}; that attempt was {_minutes(ago)} ago, the next is due in {_minutes(due)}", 0
    cache_dir = path.parent
    headers = {"Accept": "text/csv"}
    if same_source and meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".retraction_watch.", suffix=".csv", dir=cache_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    today = datetime.fromtimestamp(current, UTC).date().isoformat()
    try:
        result = await http.download(INDEX_NAME, url, tmp, headers)
        if result.error is not None:
            _write_failure(path, url, current, result.error)
            return "failed", result.error, result.requests
        if result.status == 304 and path.is_file():
            _set_meta(path, {"checked_at": str(current), "checked_date": today})
            _clear_failure(path)
            return "not_modified", None, result.requests
        try:
            build_index(tmp, path, {
                "url": url, "etag": result.headers.get("etag", ""),
                "last_modified": result.headers.get("last-modified", ""),
                "downloaded_at": str(current), "downloaded_date": today,
                "checked_at": str(current), "checked_date": today,
            })
        except (RetractionWatchFormatError, csv.Error, OSError, sqlite3.Error) as exc:
            error = f"{INDEX_NAME}: {exc}"
            _write_failure(path, url, current, error)
            return "failed", error, result.requests
        _clear_failure(path)
        return "downloaded", None, result.requests
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _minutes(seconds: float) -> str:
    return f"{max(1, math.ceil(seconds / 60))} min"


def _failure_path(index_path: Path) -> Path:
    return index_path.with_name(FAILURE_FILE)


def _read_failure(index_path: Path, url: str) -> tuple[float, str] | None:
    """``(failed_at, error)`` of the last failed refresh from ``url``, if any (unreadable means none)."""
    try:
        data = json.loads(_failure_path(index_path).read_text(encoding="utf-8"))
        if data.get("url") == url:
            return float(data["failed_at"]), str(data["error"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def _write_failure(index_path: Path, url: str, when: float, error: str) -> None:
    with contextlib.suppress(OSError):
        write_atomic(_failure_path(index_path), json.dumps({"url": url, "failed_at": when, "error": error}))


def _clear_failure(index_path: Path) -> None:
    with contextlib.suppress(OSError):
        _failure_path(index_path).unlink(missing_ok=True)


def index_from_rows(rows: Iterable[str], path: Path, as_of: str = "2026-12-01") -> RetractionIndex:
    """An index built from CSV text lines (tests, fixtures): the same parser as a download."""
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_path = path.with_suffix(".csv")
    csv_path.write_text("".join(rows), encoding="utf-8")
    build_index(csv_path, path, {"url": "file", "downloaded_date": as_of, "checked_date": as_of})
    return RetractionIndex(path)


def read_csv_text(text: str) -> list[RetractionEntry]:
    """Parse CSV text held in memory (small files, tests)."""
    return list(parse_csv(io.StringIO(text)))


async def open_for_audit(settings: Settings, http: HttpClient) -> IndexState | None:
    """The index every audit consults, refreshed as the settings say; None when switched off."""
    if settings.retraction_watch_url == "off":
        return None
    return await refresh_index(http, settings.retraction_watch_url, settings.resolved_cache_dir,
                               mode=settings.cache_mode, max_age_s=settings.retraction_watch_max_age_s,
                               retry_s=settings.retraction_watch_retry_s)
