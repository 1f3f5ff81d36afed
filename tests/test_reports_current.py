"""The committed ``reports/`` are exactly what the README's first command writes today.

A change that alters any report (a new finding code in SARIF's rule table, a renderer tweak) must
regenerate them, or a newcomer's first command would silently disagree with what the repository shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("txt", "json", "html", "sarif")


@pytest.mark.parametrize("number", ["000", "001", "002"])
def test_committed_reports_are_what_the_first_command_writes(number: str, tmp_path: Path, monkeypatch,
                                                             capsys) -> None:
    monkeypatch.chdir(ROOT)  # the reports name the seed by the relative path the command gives
    seed = next(Path("seeds").glob(f"{number}_*.txt"))
    out = tmp_path / number
    code = main(["check", str(seed), "--replay", f"cassettes/seeds/{number}.yaml",
                 "--format", "text,json,html,sarif", "--output", str(out)])
    capsys.readouterr()
    assert code in (0, 1)
    for ext in FORMATS:
        written = (tmp_path / f"{number}.{ext}").read_bytes()
        assert written == (ROOT / "reports" / f"{number}.{ext}").read_bytes(), f"reports/{number}.{ext} is stale"
