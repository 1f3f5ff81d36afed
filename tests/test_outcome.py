"""``--fail-on``: one rule over verdicts, flags, finding codes and severities; the README's tables are tested."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import ConfigError
from auditor.model import AuditReport, CitationFinding, Finding, ReferenceAudit
from auditor.outcome import DEFAULT_FAIL_ON, exit_code, parse_fail_on
from tests.builders import make_report, ref

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _audit(verdict: str = "verified", flags: tuple[str, ...] = (), findings: tuple[Finding, ...] = (),
           number: int = 1) -> ReferenceAudit:
    return ReferenceAudit(reference=ref("Smith AB", title="T", number=number), verdict=verdict,  # type: ignore[arg-type]
                          flags=flags, findings=findings)


def _report(*audits: ReferenceAudit, cited: tuple[str, ...] = ()) -> AuditReport:
    findings = [CitationFinding(code=c, message=c, line=3, column=1) for c in cited]
    return make_report(list(audits) or [_audit()], citation_findings=findings)


RETRACTED = Finding(code="REF301", severity="error", message="retracted")
SITUATIONS: dict[str, Callable[[], AuditReport]] = {
    "every reference verified, no citation findings": lambda: _report(_audit()),
    "a `minor` reference": lambda: _report(_audit("minor")),
    "a `major` reference": lambda: _report(_audit("major")),
    "a `not_found` reference": lambda: _report(_audit("not_found")),
    "a `verified` reference to a retracted work": lambda: _report(_audit(flags=("retracted",),
                                                                          findings=(RETRACTED,))),
    "a `verified` reference to a work with an expression of concern":
        lambda: _report(_audit(flags=("expression_of_concern",))),
    "a `verified` reference to a corrected work": lambda: _report(_audit(flags=("corrected",))),
    "a cited number with no bibliography entry (`CIT001`)": lambda: _report(cited=("CIT001",)),
    "a malformed citation range (`CIT004`)": lambda: _report(cited=("CIT004",)),
    "citations but no bibliography (`CIT005`)": lambda: _report(cited=("CIT005",)),
    "a bibliography entry never cited (`CIT002`)": lambda: _report(cited=("CIT002",)),
    "first citations out of order (`CIT003`)": lambda: _report(cited=("CIT003",)),
    "an `unchecked` reference": lambda: _report(_audit("unchecked")),
    "an `unchecked` reference and a `not_found` one": lambda: _report(_audit("unchecked"),
                                                                       _audit("not_found", number=2)),
}


def _readme_situations() -> dict[str, int]:
    section = README[README.index("| situation (nothing else in the run) | exit |"):]
    section = section[: section.index("\n\n")]
    rows = re.findall(r"^\| (.+?) \| (\d) \|$", section, flags=re.MULTILINE)
    return {situation: int(code) for situation, code in rows}


def test_the_readme_situation_table_is_the_tested_one() -> None:
    assert set(_readme_situations()) == set(SITUATIONS)


@pytest.mark.parametrize("situation, expected", sorted(_readme_situations().items()))
def test_every_row_of_the_default_table(situation: str, expected: int) -> None:
    assert exit_code([SITUATIONS[situation]()], parse_fail_on(DEFAULT_FAIL_ON)) == expected


def test_the_readme_states_the_default() -> None:
    assert f"The default is `{DEFAULT_FAIL_ON}`" in README


MAJOR_TITLE = Finding(code="REF102", severity="major", message="title")
MINOR_ISSUE = Finding(code="REF107", severity="minor", message="issue")


@pytest.mark.parametrize(
    "fail_on, report, expected",
    [
        # a verdict
        ("minor", _report(_audit("minor")), 1),
        ("major", _report(_audit("minor")), 0),
        ("unchecked", _report(_audit("unchecked")), 1),
        # a flag, whatever the verdict
        ("corrected", _report(_audit(flags=("corrected",))), 1),
        ("retracted", _report(_audit(flags=("corrected",))), 0),
        # a finding code, on a reference or among citation findings, any case
        ("REF107", _report(_audit("minor", findings=(MINOR_ISSUE,))), 1),
        ("ref107", _report(_audit("minor", findings=(MINOR_ISSUE,))), 1),
        ("REF102", _report(_audit("minor", findings=(MINOR_ISSUE,))), 0),
        ("cit002", _report(cited=("CIT002",)), 1),
        ("CIT002", _report(cited=("CIT003",)), 0),
        # a severity threshold: that severity or worse, reference or citation findings
        ("severity:minor", _report(_audit("minor", findings=(MINOR_ISSUE,))), 1),
        ("severity:major", _report(_audit("minor", findings=(MINOR_ISSUE,))), 0),
        ("severity:minor", _report(_audit("major", findings=(MAJOR_TITLE,))), 1),
        ("severity:major", _report(cited=("CIT002",)), 0),
        ("severity:major", _report(cited=("CIT005",)), 1),
        ("severity:info", _report(cited=("CIT003",)), 1),
        ("severity:error", _report(_audit(flags=("retracted",), findings=(RETRACTED,))), 1),
        # none never fails, and an unchecked reference then is 3
        ("none", _report(_audit("not_found"), cited=("CIT005",)), 0),
        ("none", _report(_audit("unchecked")), 3),
    ],
)
def test_every_kind_of_term(fail_on: str, report: AuditReport, expected: int) -> None:
    assert exit_code([report], parse_fail_on(fail_on)) == expected


@pytest.mark.parametrize("value", ["bogus", "REF999", "severity:fatal", "none,major", "", " , "])
def test_unknown_terms_are_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="--fail-on"):
        parse_fail_on(value)


def test_seed_002_citations_without_bibliography_fail_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    seed = str(next((ROOT / "seeds").glob("002_*.txt")))
    cassette = str(ROOT / "cassettes" / "seeds" / "002.yaml")
    assert main(["check", seed, "--replay", cassette, "--no-progress"]) == 1
    assert "CIT005" in capsys.readouterr().out
    assert main(["check", seed, "--replay", cassette, "--no-progress", "--fail-on", "major,not_found"]) == 0
