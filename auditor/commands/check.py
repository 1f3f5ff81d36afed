"""``auditor check``: parse, resolve, judge and report, with exit codes CI can trust."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from auditor.atomic import write_output
from auditor.errors import ConfigError, InputError
from auditor.model import AuditReport
from auditor.outcome import DEFAULT_FAIL_ON, exit_code, parse_fail_on
from auditor.reports.render import EXTENSIONS, FORMATS, render


def add_arguments(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="audit references against PubMed and Crossref",
        description="Audit each FILE's references against PubMed and Crossref and report what disagrees.",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--format",
        default="text",
        metavar="FORMATS",
        help=f"one of {', '.join(FORMATS)}, or several separated by commas (duplicates ignored; "
        "then --output is a path stem)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="write the report to PATH instead of stdout; with several formats, to PATH.EXT for each",
    )
    p.add_argument(
        "--fail-on",
        default=DEFAULT_FAIL_ON,
        metavar="TERMS",
        help="comma-separated verdicts, flags, finding codes and severity:S thresholds that make the "
        f"exit code 1 (default {DEFAULT_FAIL_ON}; 'none' never fails; see README: Exit codes)",
    )
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--offline", action="store_true", help="answer from the cache only; misses are unchecked")
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    cache.add_argument("--refresh", action="store_true", help="ignore cached answers and overwrite them")
    p.add_argument("--cache-dir", metavar="DIR")
    p.add_argument("--config", metavar="TOML", help="settings file (see README: Configuration)")
    p.add_argument("--email", metavar="ADDRESS", help="contact sent to NCBI and Crossref (AUDITOR_EMAIL)")
    p.add_argument(
        "--replay",
        metavar="CASSETTE",
        help="serve HTTP from a recorded vcrpy cassette instead of the network (offline demos, tests)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


@contextlib.contextmanager
def _replay(cassette: str | None) -> Iterator[None]:
    if cassette is None:
        yield
        return
    if not Path(cassette).is_file():
        raise InputError(f"{cassette}: no such cassette")
    import yaml
    from vcr.errors import CannotOverwriteExistingCassetteException

    from auditor.sources.replay import replaying

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(replaying(cassette))
        except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{cassette}: not a vcrpy cassette ({type(exc).__name__})") from None
        try:
            yield
        except CannotOverwriteExistingCassetteException as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else "unrecorded request"
            raise InputError(
                f"{cassette}: the run made a request the cassette does not hold ({first_line}); "
                "re-record it with scripts/record_seed_cassettes.py"
            ) from None


def parse_formats(value: str, output: str | None) -> list[str]:
    formats = list(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ConfigError(f"--format: unknown format(s) {', '.join(unknown) or '(empty)'}; use {', '.join(FORMATS)}")
    if len(formats) > 1 and not output:
        raise ConfigError("--format with several formats needs --output PATH (written as PATH.EXT for each)")
    return formats


def output_paths(formats: Sequence[str], output: str) -> list[tuple[str, str]]:
    """The one naming rule: one format writes PATH itself; several write PATH.EXT for each.

    *formats* has its duplicates removed already (``json,json`` is one format, written to PATH).
    """
    if len(formats) == 1:
        return [(formats[0], output)]
    return [(fmt, f"{output}.{EXTENSIONS[fmt]}") for fmt in formats]


def write_reports(reports: Sequence[AuditReport], formats: list[str], output: str | None) -> None:
    """Render and write every requested format; each file written is announced as "wrote PATH".

    Without ``--output`` the one format goes to stdout. With several formats the text report is
    also shown on stdout, so a terminal user sees the audit while the files are written.
    """
    if output is None:
        text = render(reports, formats[0], color=sys.stdout.isatty())
        sys.stdout.write(text)  # every renderer ends its text with a newline
        return
    for fmt, path in output_paths(formats, output):
        write_output(path, render(reports, fmt, color=False))
        print(f"wrote {path}", file=sys.stderr)
    if "text" in formats and len(formats) > 1:
        sys.stdout.write(render(reports, "text", color=sys.stdout.isatty()))


def run(args: argparse.Namespace) -> int:
    from auditor.audit import audit_documents
    from auditor.config import DEFAULT_CROSSREF_URL, DEFAULT_ENTREZ_URL, Settings
    from auditor.documents.loader import load_document
    from auditor.parsing import parse_document
    from auditor.sources import open_sources
    from auditor.sources.retraction_watch import open_for_audit

    fail_on = parse_fail_on(args.fail_on)
    formats = parse_formats(args.format, args.output)
    cache_mode = "offline" if args.offline else "no-cache" if args.no_cache else "refresh" if args.refresh else None
    overrides: dict[str, Any] = {}
    if cache_mode:
        overrides["cache_mode"] = cache_mode
    if args.cache_dir:
        overrides["cache_dir"] = args.cache_dir
    if args.email:
        overrides["email"] = args.email
    if args.replay:
        # A cassette holds answers under the live URLs, and demo answers must never reach the
        # user's real cache. Pacing is off (open_sources(paced=False)): no server is behind a
        # cassette. Everything else (retry counts, parsing, judging) stays as live.
        # The cassette holds no Retraction Watch copy either: the index is not consulted in a replay.
        overrides.update(cache_mode="no-cache", entrez_url=DEFAULT_ENTREZ_URL, crossref_url=DEFAULT_CROSSREF_URL,
                         retraction_watch_url="off")
    settings = Settings.load(args.config, **overrides)
    documents = [parse_document(load_document(path)) for path in args.files]
    total = sum(len(d.references) for d in documents)

    async def go(progress: Any) -> list[AuditReport]:
        async with open_sources(settings, paced=args.replay is None) as sources:
            retractions = await open_for_audit(settings, sources.http)
            if retractions is not None and retractions.error:
                kept = f"using the copy of {retractions.index.as_of}" if retractions.index else "no copy to use"
                print(f"auditor: warning: {retractions.error} ({kept})", file=sys.stderr)
            try:
                return await audit_documents(documents, sources.entrez, sources.crossref, progress=progress,
                                             retractions=retractions)
            finally:
                if retractions is not None and retractions.index is not None:
                    retractions.index.close()

    show_progress = not args.no_progress and sys.stderr.isatty() and total > 10
    with _replay(args.replay):
        if show_progress:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("checking references", total=total)
                reports = asyncio.run(go(lambda n: bar.advance(task, n)))
        else:
            reports = asyncio.run(go(None))

    write_reports(reports, formats, args.output)
    return exit_code(reports, fail_on)
