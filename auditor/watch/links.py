"""Links in webhook payloads: relative to the service, or absolute under ``AUDITOR_PUBLIC_URL``.

The service itself only knows relative URLs (it may sit behind any proxy, under any host), which is
right for its own answers but not for a notification read elsewhere: a chat message or an e-mail
built from the payload needs ``https://auditor.example.org/v1/...``. So an operator may name the
public base URL once; it is checked when a process starts (a typo must not surface as a broken
link in a notification weeks later), and when unset the links stay relative.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from auditor.errors import ConfigError

PUBLIC_URL_ENV = "AUDITOR_PUBLIC_URL"


def parse_public_url(raw: str | None) -> str | None:
    """The base URL without a trailing slash, or None when unset; ConfigError with the reason."""
    value = (raw or "").strip()
    if not value:
        return None
    example = "use an absolute http(s) URL such as https://auditor.example.org"
    if len(value) > 500 or any(ord(c) < 33 or ord(c) == 127 for c in value):
        raise ConfigError(f"{PUBLIC_URL_ENV}: {value[:80]!r} is not a URL; {example}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise ConfigError(f"{PUBLIC_URL_ENV}: {value[:80]!r} is malformed ({exc}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{PUBLIC_URL_ENV}: {value[:80]!r} is not an absolute http(s) URL; {example}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{PUBLIC_URL_ENV}: must not carry credentials")
    if parts.query or parts.fragment:
        raise ConfigError(f"{PUBLIC_URL_ENV}: {value[:80]!r} has a query or fragment; {example}")
    return value.rstrip("/")


def link(base: str | None, path: str) -> str:
    """``path`` (starting with ``/``) under ``base``, or ``path`` itself when there is no base."""
    return f"{base}{path}" if base else path
