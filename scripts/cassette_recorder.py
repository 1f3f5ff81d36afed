"""Reusable pieces for recording vcrpy cassettes against the sandbox (or, with ``live``, the services).

Import these from any recording script (``scripts/`` is on ``sys.path`` when a script in it runs):

* :func:`start_sandbox` runs the local PubMed/Crossref emulator as a subprocess and yields its base URL;
* :class:`TruncatingProxy` sits in front of it and cuts the first answers in half (for the
  truncated-body scenario, which vcrpy cannot record from a real short read);
* :func:`recording_vcr` is :func:`auditor.sources.replay.replay_vcr` in record mode: the same
  ``match_on`` and filters, and requests saved under the live URLs (``rewrite_uri``);
* :func:`rewrite_hosts` fixes up a cassette file that was recorded some other way;
* :func:`recording_settings` points the clients at a sandbox URL with no cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import yaml
from aiohttp import web

from auditor.config import Settings
from auditor.sources.replay import replay_vcr, rewrite_uri

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SANDBOX = REPO_ROOT.parent / "shared" / "sandbox"
"""CLI default only: the sandbox that sits beside the project checkout."""
RECORDING_EMAIL = "recording@example.org"
"""Sent while recording (polite pool) and filtered out of every cassette."""


@contextlib.contextmanager
def start_sandbox(sandbox_dir: str | os.PathLike[str], *args: str, extra_records: bool = True,
                  log_path: str | os.PathLike[str] | None = None, startup_timeout_s: float = 60.0) -> Iterator[str]:
    """Run ``python -m emulator`` from ``sandbox_dir``; yield ``http://127.0.0.1:PORT``.

    ``args`` are extra emulator options (``--fault-rate 1 --fault-kinds 503``, ``--latency-ms 250``...).
    ``extra_records`` loads the emulator's fixture records (a retracted article, its notice, an
    ECitMatch-ambiguous pair) so retraction scenarios have something to find. The emulator's
    stdout is drained after its READY line, so a chatty server can never block on a full pipe.
    """
    sandbox = Path(sandbox_dir).resolve()
    command = [sys.executable, "-m", "emulator", "--corpus", "corpus/corpus.jsonl.gz", "--port", "0"]
    fixture = sandbox / "emulator" / "tests" / "fixtures" / "extra_records.jsonl"
    if extra_records and fixture.exists():
        command += ["--extra", str(fixture)]
    if log_path:
        command += ["--log", str(log_path)]
    command += list(args)
    proc = subprocess.Popen(command, cwd=sandbox, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            bufsize=1)
    try:
        assert proc.stdout is not None
        url, said = None, ""
        deadline = time.monotonic() + startup_timeout_s
        while url is None and time.monotonic() < deadline:
            said = proc.stdout.readline()
            if not said:
                break
            match = re.match(r"READY (http://\S+)", said)
            url = match.group(1).rstrip("/") if match else None
        if url is None:
            raise RuntimeError(f"sandbox did not start (exit code {proc.poll()}, said {said!r}); "
                               f"is {sandbox} the sandbox folder?")
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _drain(stream: TextIO) -> None:
    for _ in stream:
        pass


def recording_settings(base_url: str | None, **overrides: Any) -> Settings:
    """Clients aimed at ``base_url`` (a sandbox or proxy), or at the live services when None."""
    values: dict[str, Any] = {
        "cache_mode": "no-cache",
        "email": os.environ.get("AUDITOR_EMAIL") or RECORDING_EMAIL,
        "retry_attempts": 3,
        "retry_wait_initial_s": 0.05,
        "retry_wait_max_s": 0.2,
    }
    if base_url is not None:
        values["entrez_url"] = f"{base_url}/entrez/eutils/"
        values["crossref_url"] = f"{base_url}/crossref/"
    values.update(overrides)
    return Settings.load(environ={}, **values)


def recording_vcr(cassette_dir: str | os.PathLike[str], **options: Any) -> Any:
    """A vcr.VCR that always records (``record_mode="all"``) with the replay matchers and filters."""
    return replay_vcr(cassette_dir, record_mode="all", **options)


def rewrite_hosts(cassette_path: str | os.PathLike[str]) -> int:
    """Rewrite sandbox URLs in an existing cassette file to the live ones; returns how many changed."""
    path = Path(cassette_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    changed = 0
    for interaction in data.get("interactions", []):
        request = interaction["request"]
        new = rewrite_uri(request["uri"])
        if new != request["uri"]:
            request["uri"] = new
            changed += 1
    if changed:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return changed


def restore_declared_length(response: dict[str, Any]) -> dict[str, Any]:
    """``before_record_response`` hook for :class:`TruncatingProxy` answers.

    The proxy sends a complete HTTP message holding half a document (so it can be recorded) and
    says in ``x-original-content-length`` how long the whole one was. Putting that back into
    ``Content-Length`` stores what a client sees on a real short read: fewer bytes than declared.
    """
    headers = response.get("headers", {})
    original = headers.pop("x-original-content-length", None) or headers.pop("X-Original-Content-Length", None)
    if original:
        for name in list(headers):
            if name.lower() == "content-length":
                del headers[name]
        headers["Content-Length"] = original if isinstance(original, list) else [original]
    return response


@dataclass
class TruncatingProxy:
    """Forward to ``upstream``; the first ``truncate_first`` answers per path lose half their body."""

    upstream: str
    truncate_first: int = 1
    seen: dict[str, int] = field(default_factory=dict)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length", "accept-encoding")}
        async with aiohttp.ClientSession() as session, session.request(
                request.method, self.upstream + request.path_qs, data=body or None, headers=headers) as resp:
            payload = await resp.read()
            status = resp.status
            passed = {k: v for k, v in resp.headers.items() if k.lower() not in (
                "content-length", "content-encoding", "transfer-encoding", "connection", "date", "server")}
        count = self.seen.get(request.path, 0)
        self.seen[request.path] = count + 1
        if status == 200 and count < self.truncate_first:
            passed["X-Original-Content-Length"] = str(len(payload))
            payload = payload[: len(payload) // 2]
        return web.Response(status=status, body=payload, headers=passed)

    async def serve(self) -> None:
        """Serve until killed, printing ``READY url`` like the sandbox does."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"READY http://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()


@contextlib.contextmanager
def start_truncating_proxy(upstream: str, truncate_first: int = 1) -> Iterator[str]:
    """Run :class:`TruncatingProxy` in a subprocess (in-process, vcrpy would record its own upstream
    requests too); yield its base URL."""
    command = [sys.executable, str(Path(__file__).resolve()), "truncating-proxy", upstream, str(truncate_first)]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.match(r"READY (http://\S+)", line)
        if not match:
            raise RuntimeError(f"truncating proxy did not start (said {line!r})")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "truncating-proxy":
    asyncio.run(TruncatingProxy(sys.argv[2], int(sys.argv[3])).serve())
