"""``auditor serve --proxy-headers``: behind a TLS reverse proxy, forwarded headers from it are trusted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from auditor.cli import build_parser

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_forwarded_headers_are_ignored_unless_asked_for() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.proxy_headers is False and args.forwarded_allow_ips is None


def test_proxy_headers_trust_the_proxy(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", "serve", "--database", f"sqlite:///{tmp_path / 's.db'}", "--port", "0",
             "--workers", "0", "--no-auth", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"],
            stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"serving on (http://\S+)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        base = found.group(1)
        while True:
            try:
                resp = httpx.get(f"{base}/healthz", headers={"X-Forwarded-For": "203.0.113.7",
                                                             "X-Forwarded-Proto": "https"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert resp.status_code == 200
        while "GET /healthz" not in log.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(30)
    access = next(line for line in log.read_text().splitlines() if "GET /healthz" in line)
    assert "203.0.113.7" in access  # the client the proxy saw, not the proxy's own address
