"""Terminal report: a verdict summary table, then one linter-style line per finding.

Lines follow ``path:line:col: CODE message`` (ruff/flake8), so editors and CI log parsers can jump
to the reference. Colour is used only when writing to a terminal; output captured to a file or a
string is plain text. Nothing from a document or a record is interpreted (no markup, no emoji
codes) and control characters in it are shown escaped (:mod:`auditor.reports.terminal`).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from auditor.judging.codes import severity_of
from auditor.model import VERDICT_ORDER, AuditReport
from auditor.reports.terminal import paint, plain_console, visible

_STYLE = {"verified": "green", "minor": "yellow", "major": "red", "not_found": "magenta", "unchecked": "cyan"}
_SEVERITY_STYLE = {"error": "bold red", "major": "red", "minor": "yellow", "info": "dim"}


def _location(path: str, line: int | None, column: int | None) -> str:
    if line is None:
        return f"{path}:"
    return f"{path}:{line}:{column if column is not None else 1}:"


def summary_table(reports: Sequence[AuditReport]) -> Table:
    table = Table(title="Reference audit", show_lines=False)
    table.add_column("document")
    for verdict in VERDICT_ORDER:
        table.add_column(verdict, justify="right", style=_STYLE[verdict])
    table.add_column("flagged", justify="right")
    for report in reports:
        counts = report.summary
        flagged = sum(1 for a in report.audits if a.flags)
        table.add_row(Text(visible(report.parsed.document.path)), *(str(counts[v]) for v in VERDICT_ORDER),
                      str(flagged))
    return table


def _rows(report: AuditReport) -> list[tuple[tuple[int, int], str, str, str, str]]:
    """One row per finding, in document order: (position, location, code, severity, rest of line).

    A reference's findings carry its number and verdict (``[14 major]``), so the verdict behind an
    exit code is readable without colour.
    """
    path = report.parsed.document.path
    rows = []
    for audit in report.audits:
        tag = f"[{audit.reference.number} {audit.verdict}]"
        for f in audit.findings:
            line, column = f.line or audit.reference.line, f.column or audit.reference.column
            rows.append(((line, column), _location(path, line, column), f.code, f.severity, f"{tag} {f.message}"))
    for cf in report.parsed.citation_findings:
        rows.append(((cf.line or 0, cf.column or 0), _location(path, cf.line, cf.column), cf.code,
                     severity_of(cf.code), cf.message))
    return sorted(rows, key=lambda row: row[0])


def finding_lines(report: AuditReport) -> list[str]:
    """Plain ``path:line:col: CODE message`` lines (no markup, controls escaped), in document order."""
    return [visible(f"{loc} {code} {rest}") for _, loc, code, _, rest in _rows(report)]


def render_text(reports: Sequence[AuditReport], color: bool | None = None) -> str:
    """``color=None`` means "only if stdout is a terminal"; the result is returned, not printed."""
    if color is None:
        color = sys.stdout.isatty()
    buffer = io.StringIO()
    plain_console(buffer, color, width=120).print(summary_table(reports))
    lines = [buffer.getvalue()]
    for report in reports:
        for _, loc, code, severity, rest in _rows(report):
            lines.append(f"{visible(loc)} {paint(code, _SEVERITY_STYLE.get(severity, ''), color)} {visible(rest)}\n")
    return "".join(lines)
