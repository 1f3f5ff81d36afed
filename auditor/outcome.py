"""What a finished audit means for its caller: the exit code CI gets, and the policy behind it.

The CLI's exit code, the service's ``outcome`` field and a watch's alerting all come from here, so a
run judged failing in one shell is failing in every shell.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKED, ConfigError
from auditor.model import VERDICT_ORDER, AuditReport

FLAGS = ("retracted", "corrected", "expression_of_concern")
DEFAULT_FAIL_ON = "major,not_found"


def parse_fail_on(value: str) -> frozenset[str]:
    items = {v.strip() for v in value.split(",") if v.strip()}
    if items == {"none"}:
        return frozenset()
    unknown = items - set(VERDICT_ORDER) - set(FLAGS)
    if unknown or not items:
        allowed = ", ".join((*VERDICT_ORDER, *FLAGS))
        raise ConfigError(f"--fail-on: unknown value(s) {', '.join(sorted(unknown)) or '(empty)'}; use {allowed}")
    return frozenset(items)


def exit_code(reports: Sequence[AuditReport], fail_on: frozenset[str]) -> int:
    """1 when anything reaches ``--fail-on``; else 3 when something could not be checked; else 0."""
    failing = unchecked = False
    for report in reports:
        for audit in report.audits:
            if audit.verdict in fail_on or fail_on.intersection(audit.flags):
                failing = True
            if audit.verdict == "unchecked":
                unchecked = True
    if failing:
        return EXIT_FINDINGS
    return EXIT_UNCHECKED if unchecked else EXIT_OK
