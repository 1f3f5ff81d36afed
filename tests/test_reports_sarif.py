"""SARIF 2.1.0 output: required structure, rules from the code table, levels and locations."""

from __future__ import annotations

import json

import jsonschema

from auditor.judging.codes import CODES
from auditor.reports.sarif import render_sarif
from tests.builders import sample_report

# The parts of the SARIF 2.1.0 schema that viewers rely on; tests/test_sarif_uri.py checks the full official schema.
MINIMAL_SARIF = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "version", "informationUri", "rules"],
                    "properties": {"rules": {"type": "array", "items": {
                        "type": "object", "required": ["id", "shortDescription"]}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "level", "message", "locations"],
                    "properties": {
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                    "region": {"type": "object", "required": ["startLine"], "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1}}}}}}}}}}}}}},
    },
}


def test_sarif_structure_and_invariants() -> None:
    log = json.loads(render_sarif([sample_report(), sample_report("other/doc.md")]))
    jsonschema.Draft202012Validator(MINIMAL_SARIF).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["REF301"]["level"] == "error"
    assert by_rule["REF111"]["level"] == "warning"
    assert by_rule["REF403"]["level"] == "note"
    region = by_rule["REF111"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 21, "startColumn": 1}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"docs/paper.md", "other/doc.md"}


def test_file_level_citation_finding_has_no_region() -> None:
    log = json.loads(render_sarif([sample_report()]))
    cit5 = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "CIT005")
    assert "region" not in cit5["locations"][0]["physicalLocation"]
