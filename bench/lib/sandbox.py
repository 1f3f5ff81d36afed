"""Start, query and stop the local PubMed + Crossref emulator (the "sandbox") for a benchmark phase.

Each phase gets its own server process because latency, rate limits and the fault rate are
server options; a fresh process also means fresh rate windows and fault draws, so phases do not
disturb each other's figures.
"""

from __future__ import annotations

import contextlib
import json
import sys
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from cassette_recorder import DEFAULT_SANDBOX as DEFAULT_SANDBOX  # noqa: E402  (re-exported: the CLIs' default)
from cassette_recorder import start_sandbox  # noqa: E402  (one emulator starter for recording and benchmarks)


@dataclass(frozen=True)
class Sandbox:
    url: str
    """``http://127.0.0.1:PORT`` without a trailing slash."""

    @property
    def entrez_url(self) -> str:
        return f"{self.url}/entrez/eutils/"

    @property
    def crossref_url(self) -> str:
        return f"{self.url}/crossref/"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_stats", timeout=10) as reply:
            data: dict[str, Any] = json.load(reply)
        return data

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/_reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


def summarise_stats(stats: dict[str, Any]) -> dict[str, int]:
    """Requests seen by the server, split into answered, rate-limited (429) and faulted."""
    counts: dict[str, dict[str, int]] = stats.get("counts", {})
    total = int(stats.get("requests", 0))
    rejected = sum(n for key, per in counts.items() if key != "faults" for status, n in per.items()
                   if str(status) == "429")
    faults = sum(counts.get("faults", {}).values())
    return {"server_requests": total, "rate_limited_429": rejected, "faults": faults}


@contextlib.contextmanager
def running_sandbox(sandbox_dir: Path, options: Sequence[str] = (), startup_timeout_s: float = 60.0,
                    log: Path | None = None) -> Iterator[Sandbox]:
    """The emulator in ``sandbox_dir`` with the given options, serving its corpus only (no fixtures)."""
    with start_sandbox(sandbox_dir, *options, extra_records=False, log_path=log,
                       startup_timeout_s=startup_timeout_s) as url:
        yield Sandbox(url)
