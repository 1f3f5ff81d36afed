"""The webhook receiver shown in the README verifies our signatures and refuses replays."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from auditor.watch.webhooks import signed_headers

README = Path(__file__).resolve().parent.parent / "README.md"


def _receiver() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- webhook-receiver -->\n```python\n(.*?)```", text, re.S)
    assert block, "the README's webhook receiver block is missing"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "README receiver", "exec"), namespace)  # noqa: S102 - our own README
    return namespace


def test_readme_receiver_accepts_ours_and_refuses_forgeries_stale_and_replays() -> None:
    accept = _receiver()["accept"]
    secret = "watch-secret"
    body = b'{"event": "watch.run"}'
    headers = signed_headers(secret, body, "run-1")
    assert accept(secret.encode(), headers, body)
    assert not accept(secret.encode(), headers, body)  # the same request again: a replay
    assert not accept(secret.encode(), signed_headers(secret, body, "run-2"), body + b" ")  # altered body
    assert not accept(b"other", signed_headers(secret, body, "run-3", now=time.time() + 1), body)
    stale = signed_headers(secret, body, "run-4", now=time.time() - 3600)
    assert not accept(secret.encode(), stale, body)
    assert accept(secret.encode(), signed_headers(secret, body, "run-5", now=time.time() + 2), body)
