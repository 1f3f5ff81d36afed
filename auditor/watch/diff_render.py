"""The three forms of a run-to-run diff: plain text for terminals, JSON for machines, one HTML page.

Reference text and record titles are hostile: the text form replaces control characters (ANSI
escapes, bidi overrides) with visible ``\\uXXXX`` escapes and uses no markup library, so nothing a
document says can move a cursor or colour a terminal; the HTML form goes through Jinja2 with
autoescaping.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from auditor import __version__
from auditor.watch.diff import ReferenceChange, ReportDiff

DIFF_FORMATS = ("text", "json", "html")
TEMPLATES = Path(__file__).resolve().parent.parent / "reports" / "templates"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """Text safe to print on a terminal: control characters become visible escapes; newlines become spaces."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _clip(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _change_lines(c: ReferenceChange) -> list[str]:
    head = f"[{c.number}]"
    if c.status == "renumbered":
        head = f"[{c.old_number} -> {c.number}]"
    lines = [f"{head} {plain(_clip(c.raw))}"]
    if c.status == "added":
        lines.append(f"    added: {c.verdict_after}")
    elif c.status == "removed":
        lines.append(f"    removed (was {c.verdict_before})")
    elif c.verdict_changed:
        lines.append(f"    verdict: {c.verdict_before} -> {c.verdict_after}")
    lines += [f"    + flag {f}" for f in c.flags_gained]
    lines += [f"    - flag {f}" for f in c.flags_lost]
    lines += [f"    + {f.code} {plain(_clip(f.message))}" for f in c.findings_added]
    lines += [f"    - {f.code} {plain(_clip(f.message))} (resolved)" for f in c.findings_resolved]
    if c.match_fields_changed:
        before, after = c.match_before or {}, c.match_after or {}
        if not before or not after:
            lines.append(f"    match: {_ident(before) or 'none'} -> {_ident(after) or 'none'}")
        for name in c.match_fields_changed:
            if before and after:
                lines.append(f"    match {name}: {plain(_clip(str(before.get(name)), 60))} -> "
                             f"{plain(_clip(str(after.get(name)), 60))}")
    return lines


def _ident(match: dict[str, object]) -> str:
    if match.get("pmid"):
        return f"PMID:{match['pmid']}"
    if match.get("doi"):
        return f"DOI:{match['doi']}"
    return ""


def render_diff_text(diff: ReportDiff) -> str:
    lines = [f"{plain(diff.document_path)}: {diff.summary_line()}"]
    if diff.document_changed:
        lines.append(f"  the document itself changed (sha256 {diff.old_sha256[:12]}… -> {diff.new_sha256[:12]}…)")
    for change in diff.changes:
        lines += _change_lines(change)
    lines.append(f"{len([c for c in diff.changes if c.is_change])} reference(s) changed, {diff.unchanged} unchanged")
    return "\n".join(lines) + "\n"


def render_diff_json(diff: ReportDiff) -> str:
    return json.dumps(diff.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_diff_html(diff: ReportDiff) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("diff.html.j2").render(diff=diff, summary=diff.summary_line(), version=__version__)


def render_diff(diff: ReportDiff, fmt: str) -> str:
    if fmt == "json":
        return render_diff_json(diff)
    if fmt == "html":
        return render_diff_html(diff)
    return render_diff_text(diff)
