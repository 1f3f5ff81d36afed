"""The "has flagged references" rule: verdicts minor, major and not_found, or any flag; never fail_on."""

from __future__ import annotations

import dataclasses

from auditor.outcome import flagged_references, is_flagged
from tests.builders import make_report, sample_report


def test_the_rule_names_verdicts_and_flags() -> None:
    assert not is_flagged("verified", ())
    assert not is_flagged("unchecked", ())
    for verdict in ("minor", "major", "not_found"):
        assert is_flagged(verdict, ())
    for flag in ("retracted", "corrected", "expression_of_concern"):
        assert is_flagged("verified", (flag,)) and is_flagged("unchecked", (flag,))


def test_the_sample_report_counts_minor_major_not_found_and_not_unchecked() -> None:
    report = sample_report()
    verdicts = [a.verdict for a in report.audits]
    assert verdicts == ["verified", "minor", "major", "not_found", "unchecked", "unchecked"]
    assert flagged_references([report]) == 3
    verified = report.audits[0]
    retracted = dataclasses.replace(verified, flags=("retracted",))
    assert flagged_references([make_report([verified])]) == 0
    assert flagged_references([make_report([retracted]), report]) == 4
