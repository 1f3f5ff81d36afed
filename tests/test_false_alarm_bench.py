"""The false-alarm benchmark's registry-drift transformations (pure functions, no sandbox needed)."""

from __future__ import annotations

import random

from bench.lib.drift import TRANSFORMS

RECORD = {
    "pmid": "23253921", "doi": "10.1136/annrheumdis-2012-202253",
    "title": "Cytokine-producing B cells as regulators of pathogenic and protective immune responses",
    "journal": "Ann Rheum Dis", "year": 2013, "volume": "72", "issue": "Suppl 2", "first_page": "1205",
    "last_page": "1213", "article_number": None,
    "authors": [{"family": "Fillatreau", "given": "Simon", "initials": "S"},
                {"family": "Müller", "given": "Jean-Pierre", "initials": "JP"}],
}


def test_each_transformation_changes_only_its_aspect_and_is_seeded() -> None:
    for name, transform in TRANSFORMS.items():
        a = transform(RECORD, random.Random(1))
        b = transform(RECORD, random.Random(1))
        assert a == b, name
        if a is None:
            continue
        assert a != RECORD, name
        assert a["pmid"] == RECORD["pmid"] and a["doi"] == RECORD["doi"], name
    assert TRANSFORMS["short_page_range"](RECORD, random.Random(1))["last_page"] == "13"
    assert TRANSFORMS["issue_missing"](RECORD, random.Random(1))["issue"] is None
    online = TRANSFORMS["online_first_year"](RECORD, random.Random(1))
    assert (online["year"], online["epub_date"][0]) == (2014, 2013)
    stripped = TRANSFORMS["diacritics"](RECORD, random.Random(1))
    assert stripped["authors"][1]["family"] == "Muller"
    marked = TRANSFORMS["title_markup"](RECORD, random.Random(1))["title"]
    assert "<i>" in marked and "<scp>" in marked and "<mml:math>" in marked


def test_greek_transformation_spells_symbols() -> None:
    rec = {**RECORD, "title": "The α/β hydrolase fold"}
    assert TRANSFORMS["greek_letters"](rec, random.Random(1))["title"] == "The alpha/beta hydrolase fold"


def _pass(n: int, major: int, reviewed: int) -> dict[str, object]:
    return {"n": n, "verdicts": {"major": major, "verified": n - major}, "false_major": major, "false_not_found": 0,
            "false_major_rate": major / n, "by_set": {}, "classes": {"7_style:major": major},
            "reviewed": {"print error:major": reviewed}, "examples": [],
            "correctly_cited_n": n - reviewed, "false_major_correctly_cited": major - reviewed,
            "false_major_rate_correctly_cited": (major - reviewed) / (n - reviewed),
            "reviewed_cases": [{"set": "glutton-pdf", "verdict": "major", "category": "print error",
                                "reason": "the print says 437", "raw": "Murashige T | Skoog FA (1962) A revised",
                                "findings": ["REF108 '437' vs '473'"]}] * reviewed}


def test_report_gives_both_rates_and_lists_the_reviewed_cases() -> None:
    from bench.false_alarm_bench import render

    res = {"date": "2026-12-01 12:00 UTC", "commit": "abc1234", "command": "c", "seed": 1, "wall_s": 1.0,
           "sets": {"glutton-pdf": 1000}, "untouched": _pass(1000, 6, 2),
           "drift": {**_pass(100, 0, 0), "applied": {}}}
    before = {"untouched": _pass(1000, 40, 0), "drift": _pass(100, 1, 0)}
    text = render(res, [("029a45a", before)])
    assert "**6 / 1000 (0.60%)**" in text and "**4 / 998 (0.40%)**" in text
    assert "| untouched (029a45a) | 1000 | 40 |" in text and "| untouched (now, abc1234) | 1000 | 6 |" in text
    assert "the print says 437" in text and "Murashige T \\| Skoog" in text  # a pipe in print cannot break the table
    assert "| major 029a45a | not_found 029a45a |" in text


def test_baseline_labels() -> None:
    from pathlib import Path

    from bench.false_alarm_bench import baseline_label

    assert baseline_label(Path("false-alarms-before-029a45a.json"), {"commit": "unknown"}) == "029a45a"
    assert baseline_label(Path("x.json"), {"commit": "2046743"}) == "2046743"
