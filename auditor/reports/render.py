"""One renderer switch for every shell: the CLI, the service and watches write the same bytes."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model import AuditReport

FORMATS = ("text", "json", "html", "sarif")
EXTENSIONS = {"text": "txt", "json": "json", "html": "html", "sarif": "sarif"}
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json",
}


def render(reports: Sequence[AuditReport], fmt: str, color: bool) -> str:
    if fmt == "json":
        from auditor.reports.json_report import render_json

        return render_json(reports)
    if fmt == "html":
        from auditor.reports.html import render_html

        return render_html(reports)
    if fmt == "sarif":
        from auditor.reports.sarif import render_sarif

        return render_sarif(reports)
    from auditor.reports.text import render_text

    return render_text(reports, color=color)
