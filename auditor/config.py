"""Run settings for talking to PubMed and Crossref, gathered from flags, environment and a TOML file.

Precedence, highest first: ``overrides`` passed to :meth:`Settings.load` (the CLI flags; ``None``
means "flag not given"), environment variables, the optional TOML file, then the defaults below.
Everything is validated here, once, so a typo becomes one clear :class:`ConfigError` before any
request is sent rather than a confusing failure half-way through a run.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.errors import ConfigError

DEFAULT_ENTREZ_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CROSSREF_URL = "https://api.crossref.org/"
DEFAULT_RETRACTION_WATCH_URL = "https://gitlab.com/crossref/retraction-watch-data/-/raw/main/retraction_watch.csv"
CACHE_MODES = ("use", "no-cache", "refresh", "offline")
CACHE_MODE_ALIASES = {"off": "no-cache", "none": "no-cache", "on": "use"}
DAY = 86400.0

# Environment variable -> field name. Kept explicit so the README can list them verbatim.
ENV_VARS: dict[str, str] = {
    "AUDITOR_ENTREZ_URL": "entrez_url",
    "AUDITOR_CROSSREF_URL": "crossref_url",
    "NCBI_API_KEY": "ncbi_api_key",
    "AUDITOR_EMAIL": "email",
    "AUDITOR_CACHE_DIR": "cache_dir",
    "AUDITOR_CACHE_MODE": "cache_mode",
    "AUDITOR_CACHE_TTL": "cache_ttl_s",
    "AUDITOR_CACHE_NEGATIVE_TTL": "cache_negative_ttl_s",
    "AUDITOR_RETRY_ATTEMPTS": "retry_attempts",
    "AUDITOR_RETRY_MAX_TIME": "retry_max_time_s",
    "AUDITOR_RETRY_WAIT_INITIAL": "retry_wait_initial_s",
    "AUDITOR_RETRY_WAIT_MAX": "retry_wait_max_s",
    "AUDITOR_CONNECT_TIMEOUT": "connect_timeout_s",
    "AUDITOR_READ_TIMEOUT": "read_timeout_s",
    "AUDITOR_MAX_CONNECTIONS": "max_connections",
    "AUDITOR_RETRACTION_WATCH_URL": "retraction_watch_url",
}


def _default_cache_dir() -> str:
    from platformdirs import user_cache_dir

    return user_cache_dir("reference-auditor")


@dataclass(frozen=True)
class Settings:
    """Everything the sources layer needs; immutable so one run cannot drift mid-way."""

    entrez_url: str = DEFAULT_ENTREZ_URL
    """Base URL of NCBI E-utilities, ending in ``/``: a mirror, a proxy or a local stand-in may serve it."""
    crossref_url: str = DEFAULT_CROSSREF_URL
    """Base URL of the Crossref REST API, ending in ``/``."""
    ncbi_api_key: str | None = None
    """Raises NCBI's allowance from 3 to 10 requests/s; never written to the cache or cassettes."""
    email: str | None = None
    """Contact address: NCBI ``email``, Crossref ``mailto`` (polite pool) and the User-Agent."""
    cache_dir: str | None = None
    """Where the response cache lives; unset means the platform's user cache directory (platformdirs)."""
    cache_mode: str = "use"
    """``use`` | ``no-cache`` | ``refresh`` (fetch and overwrite) | ``offline`` (cache only)."""
    cache_ttl_s: float = 30 * DAY
    """How long a positive answer is reused."""
    cache_negative_ttl_s: float = 1 * DAY
    """How long a negative answer (404, nothing found) is reused: such facts change sooner."""
    retry_attempts: int = 5
    """Attempts per request, the first included."""
    retry_max_time_s: float = 60.0
    """Give up retrying once this much time has passed since the first attempt."""
    retry_wait_initial_s: float = 0.5
    """First backoff wait, in seconds; it doubles per retry, with jitter, unless ``Retry-After`` says more."""
    retry_wait_max_s: float = 8.0
    """Longest single backoff wait, in seconds."""
    connect_timeout_s: float = 10.0
    """Seconds to open a connection."""
    read_timeout_s: float = 30.0
    """Seconds to wait for a response."""
    max_connections: int = 10
    """Bound on the shared connection pool (both services together)."""
    ncbi_rps: float | None = None
    """Override NCBI's rate (default 3/s, 10/s with an API key, then NCBI's ``X-RateLimit-Limit``);
    benchmarks and tests use it."""
    crossref_rps: float | None = None
    """Override Crossref's starting rate (default 5/s public, 10/s polite); headers still adapt it."""
    crossref_concurrency: int | None = None
    """Override Crossref's starting concurrency (default 1 public, 3 polite)."""
    retraction_watch_url: str = DEFAULT_RETRACTION_WATCH_URL
    """Where the Retraction Watch CSV is downloaded from; ``off`` switches the index off."""
    retraction_watch_max_age_s: float = 1 * DAY
    """How old the local copy may get before a conditional GET checks for a new one."""
    retraction_watch_retry_s: float = 15 * 60
    """After a failed download, how long audits keep using the last copy (or none) before trying
    again; `--refresh` tries at once."""

    @classmethod
    def load(
        cls,
        config_path: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Merge defaults < TOML file < environment < overrides, then validate."""
        env = os.environ if environ is None else environ
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        if config_path is not None:
            values.update(_read_toml(Path(config_path), known))
        for var, name in ENV_VARS.items():
            raw = env.get(var)
            if raw is not None and raw.strip() != "":
                values[name] = raw.strip()
        for name, value in overrides.items():
            if name not in known:
                raise ConfigError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = value
        return cls().with_values(values)

    def with_values(self, values: Mapping[str, Any]) -> Settings:
        """A validated copy with some fields replaced (strings from env/TOML are converted)."""
        converted = {name: _convert(name, value) for name, value in values.items()}
        result = replace(self, **converted)
        result._validate()
        return result

    @property
    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else Path(_default_cache_dir())

    @property
    def crossref_polite(self) -> bool:
        return bool(self.email)

    def _validate(self) -> None:
        for name in ("entrez_url", "crossref_url"):
            url = getattr(self, name)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"{name}: {url!r} is not an http(s) URL")
            if not url.endswith("/"):
                raise ConfigError(f"{name}: {url!r} must end with '/'")
        if self.retraction_watch_url != "off":
            parts = urlsplit(self.retraction_watch_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"retraction_watch_url: {self.retraction_watch_url!r} is not an http(s) URL or 'off'")
        if self.cache_mode not in CACHE_MODES:
            raise ConfigError(f"cache_mode: {self.cache_mode!r} is not one of {', '.join(CACHE_MODES)}")
        if self.email is not None and ("@" not in self.email or any(c.isspace() for c in self.email)):
            raise ConfigError(f"email: {self.email!r} is not an email address")
        if self.retry_attempts < 1:
            raise ConfigError("retry_attempts must be at least 1")
        for name in ("cache_ttl_s", "cache_negative_ttl_s", "retry_max_time_s", "retry_wait_initial_s",
                     "retry_wait_max_s", "retraction_watch_max_age_s", "retraction_watch_retry_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        for name in ("connect_timeout_s", "read_timeout_s", "ncbi_rps", "crossref_rps"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"{name} must be greater than 0")
        for name in ("max_connections", "crossref_concurrency"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1")


_FLOAT = {"cache_ttl_s", "cache_negative_ttl_s", "retry_max_time_s", "retry_wait_initial_s",
          "retry_wait_max_s", "connect_timeout_s", "read_timeout_s", "ncbi_rps", "crossref_rps",
          "retraction_watch_max_age_s", "retraction_watch_retry_s"}
_INT = {"retry_attempts", "max_connections", "crossref_concurrency"}


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _FLOAT:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: {value!r} is not a number") from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise ConfigError(f"{name}: {value!r} is not a finite number")
        return number
    if name in _INT:
        if isinstance(value, bool):
            raise ConfigError(f"{name}: {value!r} is not an integer")
        try:
            number = int(str(value).strip()) if isinstance(value, str) else int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: {value!r} is not an integer") from None
        if not isinstance(value, str) and number != value:
            raise ConfigError(f"{name}: {value!r} is not an integer")
        return number
    if not isinstance(value, str | os.PathLike):
        raise ConfigError(f"{name}: expected text, got {value!r}")
    text = os.fspath(value)
    if name == "cache_mode":
        return CACHE_MODE_ALIASES.get(text.strip().lower(), text.strip().lower())
    return text


def _with_hint(key: str) -> str:
    """``cache_ttl`` -> ``cache_ttl (did you mean cache_ttl_s?)``: env names and keys differ by ``_s``."""
    names = [f.name for f in fields(Settings)]
    by_env = ENV_VARS.get(key.upper()) or ENV_VARS.get(f"AUDITOR_{key.upper()}")
    close = [by_env] if by_env else difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    return f"{key} (did you mean {close[0]}?)" if close else key


def _read_toml(path: Path, known: set[str]) -> dict[str, Any]:
    """Read ``path``; keys may sit at the top level or under an ``[auditor]`` table.

    A FIFO, socket or device is refused before it is opened (opening a FIFO waits for a writer
    forever), and bytes that are not UTF-8 are one error line like any other bad TOML.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None  # missing or unreadable: the open below says which
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise ConfigError(f"config file {path}: not a regular file (a FIFO, socket or device)")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    table = data.get("auditor", data)
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: [auditor] must be a table")
    unknown = sorted(k for k in table if k not in known and k != "auditor")
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting(s) {', '.join(map(_with_hint, unknown))}"
                          " (the keys are listed in the README's Configuration section)")
    return {k: v for k, v in table.items() if k != "auditor"}
