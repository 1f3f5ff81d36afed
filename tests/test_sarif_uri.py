"""SARIF ``artifactLocation.uri`` is an RFC 3986 URI reference for any file name, checked against the
official SARIF 2.1.0 schema (tests/fixtures/sarif-schema-2.1.0.json, provenance in its README) with
``uri-reference`` format checking, and by a round trip through ``urllib.parse``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from auditor.reports.sarif import render_sarif
from tests.builders import sample_report

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FORMATS = jsonschema.FormatChecker()  # every format (draft 4's own checker knows no uri-reference)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=FORMATS)

HOSTILE = ["docs/my paper.md", "notes\nline.md", "résumé/études ü.md", "100% sure.md", "a#b?.md",
           "c:colon.md", "tab\there.md", "[brackets] {braces}.md", "docs/paper.md"]


def _uris(log: dict[str, Any]) -> list[str]:
    run = log["runs"][0]
    found = [a["location"]["uri"] for a in run["artifacts"]]
    found += [loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]]
    return found


def test_the_format_check_is_live() -> None:
    assert "uri-reference" in FORMATS.checkers  # rfc3986-validator is installed (test extra)
    log = json.loads(render_sarif([sample_report("docs/paper.md")]))
    log["runs"][0]["artifacts"][0]["location"]["uri"] = "my paper.md"
    assert any("uri-reference" in e.message for e in VALIDATOR.iter_errors(log))


@pytest.mark.parametrize("path", HOSTILE)
def test_relative_names_are_percent_encoded_uri_references(path: str) -> None:
    log = json.loads(render_sarif([sample_report(path)]))
    VALIDATOR.validate(log)
    uris = set(_uris(log))
    assert len(uris) == 1
    uri = uris.pop()
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(parts.path) == path
    assert uri.isascii() and " " not in uri and "\n" not in uri


@pytest.mark.parametrize("path, expected", [("/home/me/my paper.md", "file:///home/me/my%20paper.md"),
                                            ("C:\\Users\\me\\été.md", "file:///C:/Users/me/%C3%A9t%C3%A9.md")])
def test_absolute_paths_become_file_uris(path: str, expected: str) -> None:
    log = json.loads(render_sarif([sample_report(path)]))
    VALIDATOR.validate(log)
    assert set(_uris(log)) == {expected}


def test_ordinary_names_are_unchanged() -> None:
    log = json.loads(render_sarif([sample_report("seeds/000_594f0db58d351876.txt")]))
    assert set(_uris(log)) == {"seeds/000_594f0db58d351876.txt"}
