"""Seed 000 rendered to DOCX and to PDF gets the same verdicts as its text, from the same cassette.

The cassette holds exactly the requests the text run makes; a rendering that loses or changes a
reference would make a request it lacks and the run would stop, so passing means the same
requests and the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.cli import main
from auditor.reports.json_report import load_schema
from bench.lib.render_formats import text_to_docx, text_to_pdf

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("000_*.txt"))
CASSETTE = str(ROOT / "cassettes" / "seeds" / "000.yaml")


def _check(path: Path, out: Path) -> dict:  # type: ignore[type-arg]
    code = main(["check", str(path), "--replay", CASSETTE, "--format", "json", "-o", str(out), "--no-progress",
                 "--fail-on", "none"])
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, load_schema())
    return report


def _verdicts(report: dict) -> list[tuple[int, str, tuple[str, ...]]]:  # type: ignore[type-arg]
    return [(r["number"], r["verdict"], tuple(sorted(f["code"] for f in r["findings"]))) for r in report["references"]]


@pytest.fixture(scope="module")
def text_report(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    return _check(SEED, tmp_path_factory.mktemp("t") / "text.json")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_seed_000_same_verdicts_as_text(fmt: str, text_report: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / f"seed000.{fmt}"
    path.write_bytes(text_to_docx(text) if fmt == "docx" else text_to_pdf(text))
    report = _check(path, tmp_path / "r.json")
    assert report["document"]["format"] == fmt
    assert _verdicts(report) == _verdicts(text_report)
    assert report["summary"] == text_report["summary"]
    unit = "paragraph" if fmt == "docx" else "page"
    assert all(r["position"][unit] for r in report["references"])
