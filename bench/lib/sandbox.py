"""Start, query and stop the local PubMed + Crossref emulator (the "sandbox") for a benchmark phase.

Each phase gets its own server process because latency, rate limits and the fault rate are
server options; a fresh process also means fresh rate windows and fault draws, so phases do not
disturb each other's figures.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO


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


def _drain(stream: TextIO) -> None:
    for _ in stream:
        pass


@contextlib.contextmanager
def running_sandbox(sandbox_dir: Path, options: Sequence[str] = (), startup_timeout_s: float = 60.0,
                    log: Path | None = None) -> Iterator[Sandbox]:
    """Run ``python -m emulator`` in ``sandbox_dir`` until the block exits; yields its URL."""
    cmd = [sys.executable, "-m", "emulator", "--corpus", "corpus/corpus.jsonl.gz", "--port", "0", *options]
    if log is not None:
        cmd += ["--log", str(log)]
    proc = subprocess.Popen(cmd, cwd=sandbox_dir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, bufsize=1)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + startup_timeout_s
        url = None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("READY "):
                url = line.split()[1].rstrip("/")
                break
        if url is None:
            raise RuntimeError(f"sandbox did not start (exit code {proc.poll()}); command: {' '.join(cmd)}")
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield Sandbox(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
