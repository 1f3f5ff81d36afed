"""On POSIX a backslash is part of a file name, not a folder separator (issue 9 item 4).

``a\\b.md`` used to come out as ``a/b.md`` in SARIF: a code-scanning UI then points at a file in a
folder ``a`` that does not exist. The URI must decode back to the name that was audited.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest

from auditor.reports import sarif
from auditor.reports.sarif import render_sarif
from tests.builders import sample_report


@pytest.mark.parametrize("path", ["a\\b.md", "C:\\Users\\me\\x.md", "docs/back\\slash.md"])
def test_a_posix_backslash_is_encoded_and_round_trips(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "_WINDOWS", False)
    log = json.loads(render_sarif([sample_report(path)]))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    (uri,) = uris
    assert "%5C" in uri and "\\" not in uri
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("", "")
    assert unquote(parts.path) == path


def test_on_windows_a_backslash_separates_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "_WINDOWS", True)
    assert sarif._uri("docs\\my paper.md") == "docs/my%20paper.md"
