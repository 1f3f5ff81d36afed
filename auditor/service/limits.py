"""Request body and time limits as plain ASGI middleware (they act before any route parses a body).

:class:`BodyLimit` refuses a declared ``Content-Length`` above the limit at once and counts the
bytes of a streamed (chunked) body as they arrive, answering 413 the moment the limit is passed:
the upload is never read to its end first. :class:`TimeLimit` bounds a whole request: 408 while the
app is waiting for more of the body (a slow upload), 503 otherwise.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import ProblemError, problem_response


class BodyTooLarge(ProblemError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes", slug="too-large",
                         title="Content Too Large")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    detail = (f"the request body ({declared} bytes) is larger than the limit of {self.max_bytes} bytes"
                              if declared >= 0 else "invalid Content-Length")
                    response = problem_response(413 if declared >= 0 else 400, detail, slug="too-large"
                                                if declared >= 0 else "bad-request", instance=scope.get("path"),
                                                headers={"Connection": "close"})
                    await response(scope, receive, send)
                    return
        seen = 0
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


class TimeLimit:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        receiving = False

        async def tracking_receive() -> Message:
            nonlocal receiving
            receiving = True
            message = await receive()  # a timeout cancels here and leaves ``receiving`` set
            receiving = False
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, tracking_receive, tracking_send)
        except TimeoutError:
            if started:
                return  # the response is already on its way; the server closes the connection
            status = 408 if receiving else 503
            detail: Any = (f"the request body did not arrive within {self.seconds:g} s" if receiving
                           else f"the request took longer than {self.seconds:g} s")
            response = problem_response(status, detail, slug="timeout", instance=scope.get("path"),
                                        headers={"Connection": "close"})
            await response(scope, receive, send)
