"""The ASGI limit middleware on its own: a slow handler or a slow upload gets a problem, not a hang."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from auditor.service.limits import BodyLimit, TimeLimit


async def _call(app: Any, body_parts: list[bytes], stall_body: bool = False) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    parts = list(body_parts)

    async def receive() -> dict[str, Any]:
        if parts:
            chunk = parts.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(parts) or stall_body}
        await asyncio.Event().wait()  # a client that never sends the rest
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/audits", "headers": []}
    await app(scope, receive, send)
    return sent


async def _reads_everything(scope: Any, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _slow(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(3600)


def _problem(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


async def test_a_handler_past_the_time_limit_answers_503() -> None:
    status, body = _problem(await _call(TimeLimit(_slow, 0.05), [b""]))
    assert status == 503 and body["type"].endswith("timeout")


async def test_a_body_that_stops_arriving_answers_408() -> None:
    status, _ = _problem(await _call(TimeLimit(_reads_everything, 0.05), [b"part"], stall_body=True))
    assert status == 408


async def test_the_body_limit_counts_streamed_chunks() -> None:
    from auditor.service.limits import BodyTooLarge

    app = BodyLimit(_reads_everything, 10)
    assert (await _call(app, [b"12345", b"12345"]))[0]["status"] == 200
    try:
        await _call(app, [b"12345", b"123456"])
    except BodyTooLarge as exc:  # inside the app, FastAPI's handlers turn this into the 413 problem
        assert exc.status_code == 413
    else:
        raise AssertionError("the limit was not enforced")
