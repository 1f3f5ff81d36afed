"""``auditor submit FILE --server URL``: the CLI as a client of a running ``auditor serve``.

Without ``--wait`` it prints the new audit's URL on stdout and exits 0. With ``--wait`` it polls
(honouring ``Retry-After``), then writes the report(s) exactly as ``auditor check`` would
(``--format``/``--output`` mean the same) and exits with the same code: 0, 1 findings, 3
unchecked; 2 for any error (unreachable server, refused upload, failed or cancelled audit).
The token comes from ``--token`` or ``AUDITOR_TOKEN``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from auditor.errors import AuditorError, InputError
from auditor.outcome import DEFAULT_FAIL_ON


class ServiceError(AuditorError):
    """The service refused or failed the request (exit 2)."""


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("submit", help="audit a file on a running service",
                       description="Submit FILE to a running `auditor serve`; with --wait, write its report and "
                       "exit like `auditor check`.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--server", required=True, metavar="URL", help="the service, e.g. http://127.0.0.1:8000")
    p.add_argument("--token", metavar="T", help="bearer token (default: AUDITOR_TOKEN)")
    p.add_argument("--wait", action="store_true", help="wait for the result; exit codes as `auditor check`")
    p.add_argument("--format", default="text", metavar="FORMATS", help="with --wait: as `auditor check --format`")
    p.add_argument("--output", "-o", metavar="PATH", help="with --wait: as `auditor check --output`")
    p.add_argument("--fail-on", default=DEFAULT_FAIL_ON, metavar="VERDICTS", help="as `auditor check --fail-on`")
    p.add_argument("--idempotency-key", metavar="KEY", help="resubmitting with the same key returns the same audit")
    p.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS",
                   help="with --wait: give up after this long (default 3600)")
    p.set_defaults(run=run)


def _problem(resp: Any) -> ServiceError:
    try:
        body = resp.json()
        message = f"{body.get('title', resp.reason_phrase)}: {body.get('detail', '')}".rstrip(": ")
    except ValueError:
        message = resp.reason_phrase
    return ServiceError(f"server answered {resp.status_code} ({message})")


def run(args: argparse.Namespace) -> int:
    import httpx

    from auditor.atomic import write_atomic
    from auditor.documents.loader import max_document_bytes, read_document_bytes
    from auditor.outcome import parse_fail_on
    from auditor.reports.render import EXTENSIONS

    from .check import parse_formats

    parse_fail_on(args.fail_on)
    formats = parse_formats(args.format, args.output)
    # The same guard as `auditor check`: regular files only, opened before they are judged, and
    # never read past the upload limit (the server would refuse the excess anyway).
    data = read_document_bytes(args.file, max_document_bytes())
    token = args.token or os.environ.get("AUDITOR_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if args.idempotency_key:
        headers["Idempotency-Key"] = args.idempotency_key
    base = args.server.rstrip("/")
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(60.0, connect=10.0)) as client:
            resp = client.post("/v1/audits", files={"file": (args.file, data)}, data={"fail_on": args.fail_on})
            if resp.status_code != 202:
                raise _problem(resp)
            location = resp.headers.get("location") or f"/v1/audits/{resp.json()['id']}"
            if not args.wait:
                print(base + location)
                return 0
            deadline = time.monotonic() + args.timeout
            status = resp.json()
            while status["status"] in ("queued", "running"):
                if time.monotonic() > deadline:
                    raise ServiceError(f"gave up waiting after {args.timeout:g} s; the audit is at {base + location}")
                wait = resp.headers.get("retry-after", "1")
                time.sleep(min(5.0, max(0.2, float(wait) if wait.replace(".", "", 1).isdigit() else 1.0)))
                resp = client.get(location)
                if resp.status_code != 200:
                    raise _problem(resp)
                status = resp.json()
            if status["status"] != "succeeded":
                error = status.get("error") or {}
                raise ServiceError(f"the audit {status['status']}" + (f": {error.get('detail')}" if error else ""))
            bodies = {}
            for fmt in formats:
                report = client.get(f"{location}/report", params={"format": fmt})
                if report.status_code != 200:
                    raise _problem(report)
                bodies[fmt] = report.content.decode("utf-8")
    except httpx.HTTPError as exc:
        raise ServiceError(f"{base}: {type(exc).__name__}: {exc}") from None
    if args.output is None:
        sys.stdout.write(bodies[formats[0]])
    else:
        for fmt in formats:
            target = args.output if len(formats) == 1 else f"{args.output}.{EXTENSIONS[fmt]}"
            try:
                write_atomic(target, bodies[fmt])
            except OSError as exc:
                raise InputError(f"{target}: cannot write ({exc.strerror or exc})") from None
            if len(formats) > 1:
                print(f"wrote {target}", file=sys.stderr)
        if "text" in formats and len(formats) > 1:
            sys.stdout.write(bodies["text"])
    return int(status["exit_code"])
