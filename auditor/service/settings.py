"""Service limits and switches, from ``auditor serve`` flags and the environment.

| variable | default | meaning |
|---|---|---|
| ``AUDITOR_MAX_UPLOAD_BYTES`` | 20 MiB | largest accepted document (413 beyond; enforced while the body streams) |
| ``AUDITOR_MAX_REFERENCES`` | 5000 | references per document (422 beyond) |
| ``AUDITOR_MAX_ACTIVE_JOBS`` | 10 | queued + running jobs per tenant (429 beyond, with ``Retry-After``) |
| ``AUDITOR_REQUEST_TIMEOUT`` | 60 | seconds a request may take, upload included (408/503 beyond) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.documents.detect import MAX_DOCUMENT_BYTES
from auditor.env import env_numbers

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    max_upload_bytes: int = MAX_DOCUMENT_BYTES
    """The loaders' own document limit (``auditor check`` reads the same variable)."""
    max_references: int = 5000
    max_active_jobs: int = 10
    request_timeout_s: float = 60.0
    auth: bool = True
    """False only under ``--no-auth`` on a loopback address: every request acts for tenant ``local``."""
    retry_after_s: int = 2
    """``Retry-After`` on 202 and on the status of an unfinished job: a sensible first poll interval."""
    busy_retry_after_s: int = 10
    """``Retry-After`` on a 429 (too many active jobs)."""

    @property
    def max_body_bytes(self) -> int:
        """The whole request may exceed the document by the multipart framing and small fields."""
        return self.max_upload_bytes + 64 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> ServiceSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = dict(env_numbers(env, (
            ("AUDITOR_MAX_UPLOAD_BYTES", "max_upload_bytes", int), ("AUDITOR_MAX_REFERENCES", "max_references", int),
            ("AUDITOR_MAX_ACTIVE_JOBS", "max_active_jobs", int),
            ("AUDITOR_REQUEST_TIMEOUT", "request_timeout_s", float))))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
