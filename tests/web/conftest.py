"""Fixtures for the browser tests: a real ``auditor serve``, tokens from ``auditor token create``, Chromium.

The server is a subprocess on 127.0.0.1 with a port the OS picked, a SQLite store in a temporary
directory, and jobs answered from the seed 000 cassette (``AUDITOR_REPLAY_CASSETTE``), so nothing
leaves the machine. The browser is Debian's Chromium driven by Playwright's sync API; with ``CI``
set, a missing Chromium or Playwright fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_000 = ROOT / "seeds" / "000_594f0db58d351876.txt"
CASSETTE_000 = ROOT / "cassettes" / "seeds" / "000.yaml"
DOCS = ROOT / "docs"
SCREENSHOTS_ENV = "AUDITOR_WRITE_SCREENSHOTS"
"""Set to 1 to (re)write the README's screenshots in docs/; otherwise they go to a temporary directory,
so a test run never dirties the checkout."""
MAX_UPLOAD = 200_000
"""The test server's upload limit (AUDITOR_MAX_UPLOAD_BYTES): seed 000 (21 kB) fits, a 250 kB file does not."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def auditor_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, env=env or _env(), capture_output=True,
                          text=True, timeout=120)


def auditor_main(*args: str) -> tuple[int, str, str]:
    """The CLI's own ``main`` in this process (the same code as the command, without a 1-4 s interpreter start)."""
    from auditor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@dataclass
class Server:
    url: str
    database: str
    proc: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def token(self, tenant: str) -> str:
        """A token for ``tenant``, made the way a newcomer makes one: ``auditor token create``."""
        if tenant not in self.tokens:
            code, out, err = auditor_main("token", "create", tenant, "--database", self.database)
            assert code == 0, err
            self.tokens[tenant] = out.strip()
            found = re.search(r"token (\d+) for tenant", err)
            assert found, err
            self.token_ids[tenant] = int(found.group(1))
        return self.tokens[tenant]

    def api(self, tenant: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token(tenant)}"}, timeout=30)


def start_server(tmp: Path, env_extra: dict[str, str] | None = None, replay: bool = True) -> Server:
    """``auditor serve`` on a free port; ``replay`` answers every job from seed 000's cassette, otherwise
    ``env_extra`` points the sources at a local fake (``AUDITOR_ENTREZ_URL``, ...)."""
    database = f"sqlite:///{tmp / 'web.sqlite3'}"
    config = tmp / "limits.toml"
    config.write_text("ncbi_rps = 1000.0\ncrossref_rps = 1000.0\ncrossref_concurrency = 8\n"
                      "retry_wait_initial_s = 0.01\nretry_wait_max_s = 0.02\n", encoding="utf-8")
    log = tmp / "serve.log"
    env = {**_env(), "AUDITOR_POLL_INTERVAL": "0.1", "AUDITOR_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
           **(env_extra or {})}
    if replay:
        env["AUDITOR_REPLAY_CASSETTE"] = str(CASSETTE_000)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", "serve", "--port", "0", "--database", database,
                                 "--config", str(config), "--log-level", "warning"], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if found:
            try:
                if httpx.get(f"{found.group(1)}/healthz", timeout=2).status_code == 200:
                    return Server(found.group(1), database, proc, log)
            except httpx.HTTPError:
                pass
        if proc.poll() is not None:
            raise AssertionError(f"auditor serve exited: {log.read_text()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("auditor serve did not start")


def stop_server(srv: Server) -> None:
    srv.proc.terminate()
    try:
        srv.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        srv.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("web"))
    yield srv
    stop_server(srv)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    if os.environ.get(SCREENSHOTS_ENV) == "1":
        DOCS.mkdir(exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture(scope="session")
def cli_json() -> dict[str, Any]:
    """``auditor check`` on seed 000 (replayed), run where the report names the file as the browser uploads it."""
    done = auditor_cli("check", SEED_000.name, "--replay", str(CASSETTE_000), "--format", "json", "--no-progress",
                       cwd=SEED_000.parent)
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "chromium is not installed (run scripts/ensure_chromium.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium through Playwright's sync API; stopped at the end of the module so no event loop lingers."""
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    manager = sync_playwright().start()
    try:
        # launch() gives every run a fresh temporary profile (Playwright refuses --user-data-dir here).
        instance = manager.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
    finally:
        manager.stop()
