"""SARIF 2.1.0 output, so code-scanning UIs show reference problems at their line in the document.

Rules come from the one code table (:mod:`auditor.judging.codes`); severities map to SARIF levels:
error/major -> ``error``, minor -> ``warning``, info -> ``note``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.judging.codes import CODES, severity_of
from auditor.model import AuditReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/reference-auditor/"
_LEVEL = {"error": "error", "major": "error", "minor": "warning", "info": "note"}
_RULE_INDEX = {code: i for i, code in enumerate(CODES)}


def level(severity: str) -> str:
    return _LEVEL.get(severity, "warning")


_PATH_SAFE = "/!$&'()*+,;=@"
"""Characters left as they are: RFC 3986 unreserved (always kept by ``quote``), "/" and the path
sub-delimiters. Everything else, ``%``, ``#``, ``?``, ``:``, spaces, controls and non-ASCII (as UTF-8
bytes), is percent-encoded; ``:`` so a first segment like ``c:`` never reads as a URI scheme."""
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def _uri(path: str) -> str:
    """The document's path as an RFC 3986 URI reference, as SARIF's ``artifactLocation.uri`` requires.

    Relative paths stay relative references (``docs/my%20paper.md``), which code-scanning UIs resolve
    against the checkout; absolute paths become ``file:`` URIs. Windows backslashes become "/".
    """
    posix = path.replace("\\", "/")
    if _WINDOWS_DRIVE.match(posix):
        drive, rest = posix[:2], PurePosixPath(posix[2:]).as_posix()
        return f"file:///{drive}{quote(rest, safe=_PATH_SAFE, errors='replace')}"
    normalised = PurePosixPath(posix).as_posix()
    encoded = quote(normalised, safe=_PATH_SAFE, errors="replace")
    return f"file://{encoded}" if normalised.startswith("/") else encoded


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": c.code,
            "name": c.code,
            "shortDescription": {"text": c.summary},
            "defaultConfiguration": {"level": level(c.severity)},
            "properties": {"severity": c.severity},
        }
        for c in CODES.values()
    ]


def _result(code: str, severity: str, message: str, uri: str, line: int | None, column: int | None,
            properties: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line is not None and line >= 1:
        location["region"] = {"startLine": line, "startColumn": max(column or 1, 1)}
    result: dict[str, Any] = {
        "ruleId": code,
        "level": level(severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
        "properties": properties,
    }
    if code in _RULE_INDEX:
        result["ruleIndex"] = _RULE_INDEX[code]
    return result


def sarif_dict(reports: Sequence[AuditReport]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for report in reports:
        uri = _uri(report.parsed.document.path)
        for audit in report.audits:
            ref = audit.reference
            for f in audit.findings:
                props = {"reference": ref.number, "verdict": audit.verdict}
                if f.identifier:
                    props["identifier"] = f.identifier
                results.append(_result(f.code, f.severity, f"[{ref.number}] {f.message}", uri,
                                       f.line if f.line is not None else ref.line,
                                       f.column if f.column is not None else ref.column, props))
        for cf in report.parsed.citation_findings:
            results.append(_result(cf.code, severity_of(cf.code), cf.message, uri, cf.line, cf.column,
                                   {"numbers": list(cf.numbers)}))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reference-auditor",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": _rules(),
                    }
                },
                "artifacts": [{"location": {"uri": _uri(r.parsed.document.path)}} for r in reports],
                "results": results,
            }
        ],
    }


def render_sarif(reports: Sequence[AuditReport]) -> str:
    return json.dumps(sarif_dict(reports), ensure_ascii=False, indent=2) + "\n"
