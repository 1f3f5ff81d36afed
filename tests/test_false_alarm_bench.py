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
