"""``auditor diff OLD.json NEW.json [--format text|json|html] [--since DATE] [--output PATH]``.

Exit codes: 0 no flag gained, 1 a cited work gained a flag (retracted, corrected, expression of
concern) since OLD, 2 the inputs cannot be compared (unreadable, not reports, different documents).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from auditor.atomic import write_atomic
from auditor.errors import EXIT_FINDINGS, EXIT_OK, ConfigError, InputError

MAX_REPORT_BYTES = 200 * 1024 * 1024


def add_arguments(sub: Any) -> None:
    from auditor.watch.diff_render import DIFF_FORMATS

    p = sub.add_parser(
        "diff",
        help="what changed between two JSON reports of the same document",
        description="Compare two JSON reports of one document: verdicts, flags, findings, matched records. "
        "Exit 1 when a cited work gained a flag (retracted, corrected, expression of concern).",
    )
    p.add_argument("old", metavar="OLD.json")
    p.add_argument("new", metavar="NEW.json")
    p.add_argument("--format", choices=DIFF_FORMATS, default="text")
    p.add_argument("--output", "-o", metavar="PATH", help="write here (atomically) instead of stdout")
    p.add_argument("--since", metavar="DATE", help="date of the OLD run (YYYY-MM-DD) for the summary line")
    p.set_defaults(run=run)


def _load(path: str) -> Any:
    """A JSON report read like a document (regular files only, never past the limit: a FIFO cannot hang it)."""
    from auditor.documents.loader import read_document_bytes

    def too_large(name: str, limit: int) -> InputError:
        return InputError(f"{name}: larger than {limit // (1024 * 1024)} MB")

    data = read_document_bytes(path, MAX_REPORT_BYTES, too_large)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputError(f"{path}: not a JSON report") from None


def run(args: argparse.Namespace) -> int:
    from auditor.watch.diff import diff_reports
    from auditor.watch.diff_render import render_diff

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(f"--since: {args.since!r} is not a date (YYYY-MM-DD)") from None
    diff = diff_reports(_load(args.old), _load(args.new), since=since, old_label=args.old, new_label=args.new)
    body = render_diff(diff, args.format)
    if args.output:
        try:
            write_atomic(args.output, body)
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    else:
        sys.stdout.write(body)
    return EXIT_FINDINGS if diff.gained_a_flag else EXIT_OK
