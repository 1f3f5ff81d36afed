"""The README's finding-code table is the one rendered from ``auditor/judging/codes.py``."""

from __future__ import annotations

from pathlib import Path

from auditor.judging.codes import codes_markdown


def test_readme_carries_the_current_code_table() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert codes_markdown().strip() in readme, "regenerate the table with codes_markdown() and paste it"
