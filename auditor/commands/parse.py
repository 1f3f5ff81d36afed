"""``auditor parse FILE... [--format text|json] [--output PATH]``: offline view of what was parsed.

JSON shape: one file gives one object (``schema_version``, ``document``, ``references``,
``citations``, ``citation_findings``); several files give a JSON array of those objects, in the
order the files were named. Every file is loaded before anything is written, so an unreadable file
fails the whole run with exit code 2 and no partial output. Findings do not change the exit code:
``parse`` reports, ``check`` judges.
"""

from __future__ import annotations

import argparse
import json
import sys

from auditor.atomic import write_output
from auditor.documents.loader import load_document
from auditor.parsing import parse_document
from auditor.reports.parsed import parsed_document_to_dict, render_text


def run(args: argparse.Namespace) -> int:
    documents = [load_document(path) for path in args.files]
    parsed = [parse_document(doc) for doc in documents]
    if args.format == "json":
        payload = [parsed_document_to_dict(p) for p in parsed]
        body = json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2) + "\n"
    else:
        color = args.output is None and sys.stdout.isatty()
        body = render_text(parsed, color=color)
    if args.output is not None:
        write_output(args.output, body)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(body)
    return 0
