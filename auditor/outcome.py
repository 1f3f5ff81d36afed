"""What a finished audit means for its caller: the exit code CI gets, and the policy behind it.

The CLI's exit code, the service's ``outcome`` field and a watch's alerting all come from here, so a
run judged failing in one shell is failing in every shell.

One rule for ``--fail-on``: it is a comma-separated list of terms, and a run fails (exit 1) when it
contains anything a term names. A term is

- a verdict (``verified``, ``minor``, ``major``, ``not_found``, ``unchecked``): a reference judged so;
- a flag (``retracted``, ``corrected``, ``expression_of_concern``): a reference carrying it, whatever
  its verdict (a retracted paper cited correctly is still ``verified``);
- a finding code (``REF101``, ``CIT005``, any case): a finding with that code, on a reference or
  among the citation findings;
- ``severity:S`` (``info`` < ``minor`` < ``major`` < ``error``): a finding, reference or citation,
  of severity S or worse;
- ``none`` alone: never fail.

Otherwise the exit code is 3 when a reference is ``unchecked`` and 0 when everything was checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKED, ConfigError
from auditor.judging.codes import CODES, severity_of
from auditor.model import VERDICT_ORDER, AuditReport

FLAGS = ("retracted", "corrected", "expression_of_concern")
SEVERITIES = ("info", "minor", "major", "error")
"""Least to most severe; ``severity:S`` means S or any later entry."""
SEVERITY_PREFIX = "severity:"
DEFAULT_FAIL_ON = "major,not_found,retracted,expression_of_concern,CIT001,CIT004,CIT005"
"""Wrong or missing references, cited works that were withdrawn or doubted, and the citation
findings of major severity (a cited number with no entry, a malformed range, no bibliography)."""


def _canonical(term: str) -> str | None:
    lowered = term.lower()
    if lowered in VERDICT_ORDER or lowered in FLAGS:
        return lowered
    if term.upper() in CODES:
        return term.upper()
    if lowered.startswith(SEVERITY_PREFIX) and lowered[len(SEVERITY_PREFIX):] in SEVERITIES:
        return lowered
    return None


def parse_fail_on(value: str) -> frozenset[str]:
    """The terms of a ``--fail-on`` value, canonical (verdicts and flags lower case, codes upper case)."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    if {i.lower() for i in items} == {"none"}:  # "none,none" is still none alone
        return frozenset()
    if len(items) > 1 and any(i.lower() == "none" for i in items):
        # "none,major" contradicts itself; "unknown value none" would contradict the list of values.
        raise ConfigError(f"--fail-on: 'none' means never fail and must stand alone (got {value.strip()!r})")
    terms = {item: _canonical(item) for item in items}
    unknown = sorted(item for item, term in terms.items() if term is None)
    if unknown or not items:
        allowed = ", ".join((*VERDICT_ORDER, *FLAGS)) + ", a finding code (REF101, CIT005, ...), " + ", ".join(
            SEVERITY_PREFIX + s for s in SEVERITIES) + " or none"
        raise ConfigError(f"--fail-on: unknown value(s) {', '.join(unknown) or '(empty)'}; use {allowed}")
    return frozenset(t for t in terms.values() if t is not None)


def _threshold(fail_on: frozenset[str]) -> int | None:
    """Index in SEVERITIES of the lowest ``severity:`` term, if any."""
    ranks = [SEVERITIES.index(t[len(SEVERITY_PREFIX):]) for t in fail_on if t.startswith(SEVERITY_PREFIX)]
    return min(ranks) if ranks else None


def _findings_fail(codes_and_severities: Iterable[tuple[str, str]], fail_on: frozenset[str],
                   threshold: int | None) -> bool:
    for code, severity in codes_and_severities:
        if code in fail_on:
            return True
        if threshold is not None and severity in SEVERITIES and SEVERITIES.index(severity) >= threshold:
            return True
    return False


def exit_code(reports: Sequence[AuditReport], fail_on: frozenset[str]) -> int:
    """1 when anything reaches ``--fail-on``; else 3 when something could not be checked; else 0."""
    threshold = _threshold(fail_on)
    failing = unchecked = False
    for report in reports:
        for audit in report.audits:
            if (audit.verdict in fail_on or fail_on.intersection(audit.flags)
                    or _findings_fail(((f.code, f.severity) for f in audit.findings), fail_on, threshold)):
                failing = True
            if audit.verdict == "unchecked":
                unchecked = True
        cited = ((f.code, severity_of(f.code)) for f in report.parsed.citation_findings)
        if _findings_fail(cited, fail_on, threshold):
            failing = True
    if failing:
        return EXIT_FINDINGS
    return EXIT_UNCHECKED if unchecked else EXIT_OK


FLAGGED_VERDICTS = ("minor", "major", "not_found")
"""Verdicts that flag a reference for a reader, whatever ``--fail-on`` says. ``unchecked`` is not
among them: it says a check could not be made (a source failed, or the entry could not be parsed),
not that the reference is wrong, and it already has its own outcome (exit 3)."""


def is_flagged(verdict: str, flags: Iterable[str]) -> bool:
    """A flagged reference: judged ``minor``, ``major`` or ``not_found``, or carrying any flag
    (``retracted``, ``corrected``, ``expression_of_concern``) whatever its verdict."""
    return verdict in FLAGGED_VERDICTS or any(f in FLAGS for f in flags)


def flagged_references(reports: Sequence[AuditReport]) -> int:
    """How many references of ``reports`` are flagged (:func:`is_flagged`): what the service stores
    per audit at finish, so "has flagged references" means the same under every ``fail_on``."""
    return sum(1 for report in reports for audit in report.audits if is_flagged(audit.verdict, audit.flags))
