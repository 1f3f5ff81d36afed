"""The web front end: pages for people, served by the same process and over the same API as programs.

``install(app)`` adds the pages, ``/static`` (one script, one stylesheet; no build step, no CDN) and
the security headers. The API's auth dependency accepts the session cookie through
:func:`auditor.web.session.cookie_principal`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .routes import HERE, router
from .security import SecurityHeaders


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SecurityHeaders)
