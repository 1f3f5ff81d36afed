"""Command-line entry point.

Exit codes (documented in the README and relied on by CI users):
  0  nothing at or above ``--fail-on``
  1  findings at or above ``--fail-on``
  2  usage or input error (bad flag, unreadable document, bad config)
  3  some references could not be checked (a source failed); takes precedence over 0, not over 1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from auditor import __version__
from auditor.commands import check, db, diff, serve, submit, token, watch
from auditor.errors import EXIT_USAGE, AuditorError


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (``auditor: error: ...``) and exit 2, like every other user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"auditor: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="auditor", description="Audit the reference lists of scientific documents.")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_parse = sub.add_parser("parse", help="find the bibliography and in-text citations; no network")
    p_parse.add_argument("files", nargs="+", metavar="FILE")
    p_parse.add_argument("--format", choices=("text", "json"), default="text")
    p_parse.add_argument("--output", "-o", metavar="PATH", help="write here (atomically) instead of stdout")

    check.add_arguments(sub)
    for shell in (serve, db, token, submit, diff, watch):  # each sets ``run`` as its parser default
        shell.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "parse":
            from auditor.commands import parse

            return parse.run(args)
        if hasattr(args, "run"):
            return int(args.run(args))
        return check.run(args)
    except AuditorError as exc:
        from auditor.reports.terminal import visible

        # A file name from an untrusted archive may hold ESC or a newline: one escaped line, always.
        print(f"auditor: error: {visible(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130
