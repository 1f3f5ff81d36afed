"""A document parsed at upload, handed to the job that audits it in the same process.

``POST /v1/audits`` parses every upload (the reference limit and the job's progress total need
it), and the job that audits the stored bytes parsed them again: in ``auditor serve`` both run in
one process, so a warm re-run paid each document's parse twice (7% of its CPU on PostgreSQL).
The API offers its parse here; the job takes it back if it is for the very bytes and name the job
stores, and parses them itself otherwise (another process's upload, an entry evicted, a restart).
Parsing is a function of the bytes and the name alone (``execute.parse_bytes``), so what is taken
is what the job would have computed. An entry is taken once: a second job for the same document
parses again. The entries' source bytes are bounded (:data:`HANDOFF_BYTES`), oldest out first,
so offers nobody takes (a refused submission, a job run by another worker) cost bounded memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from auditor.model import ParsedDocument

HANDOFF_BYTES = 64 * 1024 * 1024
"""At most this many uploaded bytes' worth of parsed documents wait for their jobs."""


def _key(data: bytes, name: str) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), name


class ParsedHandoff:
    """Parsed documents keyed by (SHA-256 of the bytes, name); thread-safe (uploads run in threads)."""

    def __init__(self, max_bytes: int = HANDOFF_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], tuple[int, ParsedDocument]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def offer(self, data: bytes, name: str, parsed: ParsedDocument) -> None:
        if len(data) > self.max_bytes:
            return
        key = _key(data, name)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[0]
            self._entries[key] = (len(data), parsed)
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                _, (size, _) = self._entries.popitem(last=False)
                self._bytes -= size

    def take(self, data: bytes, name: str) -> ParsedDocument | None:
        """The parse offered for exactly these bytes and name, removed; None if there is none."""
        with self._lock:
            entry = self._entries.pop(_key(data, name), None)
            if entry is None:
                return None
            self._bytes -= entry[0]
            return entry[1]

    def __len__(self) -> int:
        return len(self._entries)


HANDOFF = ParsedHandoff()
"""The process's one handoff: the API offers into it, the jobs of the same process take from it."""
