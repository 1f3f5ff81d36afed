"""JSON report: shape, summary and validation against the shipped JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.model import SCHEMA_VERSION
from auditor.reports.json_report import load_schema, render_json, report_to_dict
from tests.builders import sample_report

REPORTS = Path(__file__).resolve().parent.parent / "reports"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_single_report_validates_and_carries_everything(validator: jsonschema.Draft202012Validator) -> None:
    value = json.loads(render_json([sample_report()]))
    validator.validate(value)
    assert value["document"] == {"path": "docs/paper.md", "sha256": "0" * 64, "format": "text"}
    assert value["summary"] == {"verified": 1, "minor": 1, "major": 1, "not_found": 1, "unchecked": 2}
    first = value["references"][0]
    assert first["verdict"] == "verified" and first["match"]["pmid"] == "20695007"
    assert first["parsed"]["authors"] == ["Cree BAC", "Kornyeyeva E", "Goodin DS"]
    assert first["consulted"] == {"pubmed": "answered", "crossref": "answered"}
    third = value["references"][2]
    assert third["flags"] == ["retracted"]
    assert {f["code"] for f in third["findings"]} >= {"REF104", "REF301"}
    assert value["references"][3]["match"] is None
    assert [c["code"] for c in value["citation_findings"]] == ["CIT001", "CIT005"]


def test_several_reports_are_wrapped(validator: jsonschema.Draft202012Validator) -> None:
    value = json.loads(render_json([sample_report("a.md"), sample_report("b.md")]))
    validator.validate(value)
    assert [r["document"]["path"] for r in value["reports"]] == ["a.md", "b.md"]


def test_schema_rejects_a_bad_verdict_and_missing_fields(validator: jsonschema.Draft202012Validator) -> None:
    value = report_to_dict(sample_report())
    value["references"][0]["verdict"] = "fine"
    assert not validator.is_valid(value)
    value = report_to_dict(sample_report())
    del value["references"][0]["findings"]
    assert not validator.is_valid(value)


def test_non_ascii_is_kept_readable() -> None:
    text = render_json([sample_report("résumé/paper.md")])
    assert "résumé/paper.md" in text


def test_match_carries_the_record_authors_and_full_pages(validator: jsonschema.Draft202012Validator) -> None:
    # Issue 9 items 10 and 11: the record's authors were never shown; its pages were NLM-elided.
    value = json.loads(render_json([sample_report()]))
    validator.validate(value)
    assert value["schema_version"] == "1.2"  # 1.1 added match.authors; 1.2 positions (issue 13)
    minor = value["references"][1]
    assert minor["match"]["authors"] == ["Cree BAC", "Kornyeyeva E", "Goodin DS"]
    assert minor["match"]["pages"] == "145-150"  # the record prints 145-50
    assert "2010;68(2):145-50. " in minor["suggested"]  # the NLM suggestion keeps NLM's short form


def test_schema_requires_match_authors(validator: jsonschema.Draft202012Validator) -> None:
    value = report_to_dict(sample_report())
    del value["references"][0]["match"]["authors"]
    assert not validator.is_valid(value)


@pytest.mark.parametrize("path", sorted(REPORTS.glob("*.json")), ids=lambda p: p.name)
def test_committed_example_reports_validate(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    validator.validate(value)
    assert value["schema_version"] == SCHEMA_VERSION


def test_there_are_committed_example_reports() -> None:
    assert len(list(REPORTS.glob("*.json"))) == 3
