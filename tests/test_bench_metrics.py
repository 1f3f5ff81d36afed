"""Unit tests for the benchmark's pure parts: corruptions, records, metrics and tables.

These decide what the published figures mean, so they are pinned here without a server.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from auditor.model import Record, RecordAuthor
from bench.lib.corrupt import (
    CORRUPTIONS,
    EXPECTED,
    KIND_GROUP,
    KINDS,
    CannotCorrupt,
    changed_groups,
    corrupt,
    fabricate_invented,
    fabricate_recombined,
)
from bench.lib.documents import build_document
from bench.lib.metrics import (
    PRF,
    DetectionTally,
    MatchOutcome,
    md_table,
    score_matching,
)
from bench.lib.records import author_from_string, record_from_pubmed_json, usable_for_detection
from bench.lib.samples import gold_from_jats, seeded_sample


def _record(pmid: str, title: str, journal: str, family: str, year: int = 2015, volume: str = "12",
            first: str = "100", last: str = "112") -> Record:
    return Record(
        source="pubmed", pmid=pmid, title=title, journal=journal + " journal", journal_abbrevs=(journal,),
        year=year, volume=volume, issue="3", pages=f"{first}-{last[-2:]}", first_page=first, last_page=last,
        authors=(RecordAuthor(family=family, initials="AB"), RecordAuthor(family="Other", initials="C")),
        publication_types=("Journal Article",),
    )


DONORS = [
    _record("1", "Insulin resistance in obese adolescents", "Diabetes Care", "Johansson"),
    _record("2", "Malaria transmission in highland villages", "Malar J", "Okonkwo", year=2010, volume="9"),
    _record("3", "Cortical thickness after traumatic brain injury", "Neuroimage", "Stevenson", year=2019),
    _record("4", "Antibiotic stewardship in paediatric wards", "J Hosp Infect", "Martinez", volume="101"),
]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_each_corruption_changes_exactly_its_own_field_group(kind: str) -> None:
    for seed in range(20):
        rng = random.Random(seed)
        before = DONORS[0]
        after = corrupt(before, kind, rng, DONORS)
        assert changed_groups(before, after) == {KIND_GROUP[kind]}, (kind, seed, after)


def test_corruptions_are_reproducible_from_the_seed() -> None:
    for kind in CORRUPTIONS:
        a = corrupt(DONORS[1], kind, random.Random(7), DONORS)
        b = corrupt(DONORS[1], kind, random.Random(7), DONORS)
        assert a == b


def test_year_volume_and_page_corruptions_really_differ_and_stay_plausible() -> None:
    rng = random.Random(1)
    for _ in range(30):
        y = corrupt(DONORS[0], "year", rng, DONORS)
        assert y.year != DONORS[0].year and abs((y.year or 0) - 2015) <= 3
        v = corrupt(DONORS[0], "volume", rng, DONORS)
        assert v.volume != "12" and int(v.volume or 0) > 0
        p = corrupt(DONORS[0], "first_page", rng, DONORS)
        assert p.first_page != "100"
        # the range keeps its length, so only the start is "wrong" and the pages still look real
        assert int(p.last_page or 0) - int(p.first_page or 0) == 12


def test_article_number_corruption_changes_the_e_locator() -> None:
    rec = replace(DONORS[0], first_page=None, last_page=None, pages="e0212460", article_number="e0212460")
    out = corrupt(rec, "first_page", random.Random(3), DONORS)
    assert out.article_number != "e0212460" and out.article_number and out.article_number.startswith("e")
    assert changed_groups(rec, out) == {"locator"}


def test_zero_padded_locators_keep_their_width() -> None:
    rec = replace(DONORS[0], first_page=None, last_page=None, pages=None, article_number="fnae046")
    for seed in range(10):
        out = corrupt(rec, "first_page", random.Random(seed), DONORS)
        assert out.article_number and out.article_number.startswith("fnae") and len(out.article_number) == 7


def test_author_misspelling_swaps_two_letters_of_the_first_surname_only() -> None:
    out = corrupt(DONORS[0], "author_misspelling", random.Random(2), DONORS)
    family = out.authors[0].family or ""
    assert family != "Johansson" and sorted(family) == sorted("Johansson")
    assert family[0] == "J" and out.authors[1:] == DONORS[0].authors[1:]
    assert out.authors[0].initials == "AB"


def test_short_surname_cannot_be_misspelt() -> None:
    rec = replace(DONORS[0], authors=(RecordAuthor(family="Li", initials="X"),))
    with pytest.raises(CannotCorrupt):
        corrupt(rec, "author_misspelling", random.Random(0), DONORS)


def test_journal_and_author_corruptions_take_a_different_value_from_another_record() -> None:
    rng = random.Random(5)
    j = corrupt(DONORS[0], "journal", rng, DONORS)
    assert j.journal_abbrevs != DONORS[0].journal_abbrevs
    assert j.journal_abbrevs in [d.journal_abbrevs for d in DONORS[1:]]
    a = corrupt(DONORS[0], "first_author", rng, DONORS)
    assert a.authors[0].family != "Johansson"


def test_title_word_corruption_replaces_one_word() -> None:
    out = corrupt(DONORS[0], "title_word", random.Random(4), DONORS)
    before, after = (DONORS[0].title or "").split(), (out.title or "").split()
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert after[0] == before[0]


def test_fabrications_mix_unrelated_records_or_invent_one() -> None:
    fab = fabricate_recombined(DONORS[0], DONORS[1], DONORS[2])
    assert fab.authors == DONORS[0].authors and fab.title == DONORS[1].title
    assert (fab.journal_abbrevs, fab.year, fab.volume, fab.first_page) == (
        DONORS[2].journal_abbrevs, DONORS[2].year, DONORS[2].volume, DONORS[2].first_page)
    assert fab.pmid is None and fab.doi is None
    inv = fabricate_invented(random.Random(9), DONORS * 3)
    assert inv.title not in {d.title for d in DONORS} and inv.pmid is None
    assert inv.journal_abbrevs in [d.journal_abbrevs for d in DONORS]


def test_every_kind_has_an_expectation() -> None:
    assert set(EXPECTED) == set(KINDS)
    assert EXPECTED["untouched"] == {"verified"}
    assert EXPECTED["fabricated_recombined"] == {"not_found"}


# -- records and rendering ---------------------------------------------------------------------


def test_pubmed_json_becomes_a_usable_record() -> None:
    row = {"pmid": "17942999", "journal": "Restorative neurology and neuroscience",
           "journal_iso": "Restor. Neurol. Neurosci.", "medline_ta": "Restor Neurol Neurosci", "volume": "25",
           "issue": "3-4", "year": "2007", "title": "Neuroplasticity in the processing of pitch dimensions.",
           "pages": "195-210", "elocation": None, "authors": ["Chandrasekaran B", "Gandour JT", "Krishnan A"],
           "pub_types": ["Journal Article"], "doi": None}
    rec = record_from_pubmed_json(row)
    assert (rec.first_page, rec.last_page, rec.year) == ("195", "210", 2007)
    assert rec.journal_abbrevs[0] == "Restor Neurol Neurosci"
    assert usable_for_detection(rec)


def test_e_locator_pages_become_an_article_number() -> None:
    row = {"pmid": "1", "title": "T", "medline_ta": "PLoS One", "year": "2019", "volume": "14",
           "pages": "e0212460", "authors": ["Doe J"]}
    rec = record_from_pubmed_json(row)
    assert rec.article_number == "e0212460" and rec.first_page is None


def test_collective_authors_are_kept_whole() -> None:
    assert author_from_string("WHO Study Group on Malaria").collective == "WHO Study Group on Malaria"
    assert author_from_string("van der Berg AB").family == "van der Berg"


def test_synthetic_document_numbers_and_cites_every_entry() -> None:
    text = build_document(["A B. One. J. 2001;1:1.", "C D. Two. J. 2002;2:2."])
    assert "## References" in text and "\n1. A B. One." in text and "\n2. C D. Two." in text
    assert "[1]" in text.split("## References")[0] and "[2]" in text.split("## References")[0]


# -- metrics -------------------------------------------------------------------------------------


def test_prf_arithmetic() -> None:
    m = PRF(tp=8, fp=2, fn=4)
    assert m.precision == pytest.approx(0.8)
    assert m.recall == pytest.approx(8 / 12)
    assert m.f1 == pytest.approx(2 * 0.8 * (8 / 12) / (0.8 + 8 / 12))
    assert PRF(0, 0, 0).f1 == 0.0



def test_parsing_micro_leaves_out_fields_a_set_never_labels() -> None:
    from bench.parse_bench import FIELDS, pool
    from bench.run import micro

    zero = dict.fromkeys(FIELDS, (0, 0, 0))
    jats = zero | {"title": (8, 1, 1), "pmcid": (0, 5, 0)}  # pmcids read but never tagged in this gold
    grobid = zero | {"title": (4, 0, 0), "pmcid": (2, 1, 1)}
    pooled = pool([jats, grobid])
    assert pooled["title"] == (12, 1, 1)
    assert pooled["pmcid"] == (2, 1, 1)  # only the set that labels pmcid counts
    as_dicts = {f: PRF(*c).as_dict() for f, c in jats.items()}
    assert micro(as_dicts) == PRF(8, 1, 1)  # run.py's micro applies the same rule per set

def test_matching_definitions() -> None:
    outcomes = [
        MatchOutcome("1", None, "verified", "1", None),  # correct by PMID
        MatchOutcome(None, "10.1/ABC", "minor", None, "10.1/abc"),  # correct by DOI, case-insensitive
        MatchOutcome("3", None, "major", "4", None),  # predicted, wrong
        MatchOutcome("5", None, "not_found", None, None),  # not predicted
        MatchOutcome("6", None, "unchecked", "6", None),  # unchecked never counts as a prediction
        MatchOutcome("7", None, None),  # lost by the parser
    ]
    score = score_matching(outcomes)
    assert (score.total, score.predicted, score.correct) == (6, 3, 2)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 6)
    assert score.f1 == pytest.approx(2 * (2 / 3) * (1 / 3) / (2 / 3 + 1 / 3))


def test_detection_tally_rates_and_false_alarms() -> None:
    tally = DetectionTally(EXPECTED)
    for verdict in ("verified", "verified", "minor", "unchecked"):
        tally.add("untouched", verdict)
    for verdict in ("major", "minor", None):
        tally.add("year", verdict)
    assert tally.rate("untouched") == pytest.approx(0.5)
    assert tally.false_alarm_rate() == pytest.approx(0.25)
    assert tally.rate("year") == pytest.approx(1 / 3)
    assert tally.as_dict()["year"]["verdicts"] == {"lost": 1, "major": 1, "minor": 1}
    assert tally.flagged("year") == 2 and tally.flagged("untouched") == 1


def test_markdown_table_right_aligns_numeric_columns() -> None:
    text = md_table(["field", "P", "R"], [["title", "90.0", "88.5"], ["year", "99.1", "100.0"]])
    lines = text.splitlines()
    assert lines[1] == "|---|---:|---:|"
    assert lines[2] == "| title | 90.0 | 88.5 |"


def test_jats_gold_and_seeded_sampling() -> None:
    row = {"raw": "Doe J.  A title. J Biol. 2001;3:4-5.", "source": "x", "ref_id": "r1",
           "fields": {"pmid": "123", "doi": "10.1/X", "fpage": "4", "authors": ["Doe J"], "year": "2001"}}
    gold = gold_from_jats(row)
    assert gold.raw == "Doe J. A title. J Biol. 2001;3:4-5." and gold.gold_doi == "10.1/x" and gold.vancouver_like
    rows = [{"i": i} for i in range(50)]
    assert seeded_sample(rows, 10, 1) == seeded_sample(rows, 10, 1)
    assert seeded_sample(rows, 10, 1) != seeded_sample(rows, 10, 2)
    assert seeded_sample(rows, 100, 1) == rows


def test_results_render_as_markdown_with_a_summary_table() -> None:
    from bench.run import render_markdown

    results = {
        "date": "2026-11-23 12:00 UTC", "quick": True, "seed": 1, "command": "python bench/run.py --quick",
        "data": "samples", "machine": {"cpu_count": 2, "python": "3.11", "platform": "Linux", "memory": "1 GiB",
                                       "commit": "abc", "dirty_tree": False},
        "matching": {"n": 2, "all": score_matching([MatchOutcome("1", None, "verified", "1")]).as_dict(),
                     "vancouver_like": score_matching([]).as_dict(), "no_printed_id": score_matching([]).as_dict(),
                     "verdicts": {"verified": 1}},
        "detection": {"n": 1, "by_kind": DetectionTally(EXPECTED).as_dict() | {
            "untouched": {"n": 1, "as_expected": 1, "rate": 1.0, "flagged": 0, "expected": ["verified"],
                          "verdicts": {"verified": 1}}}, "false_alarm_rate": 0.0},
        "cost": {"latency_ms": 250.0, "limits": "real", "runs": [
            {"size": 30, "cache": "cold", "references": 30, "requests": 9, "client": {"pubmed": {"requests": 6}},
             "server_requests": 9, "rate_limited_429": 0, "audit_s": 2.5, "peak_rss_mb": 50.0,
             "summary": {"verified": 30}},
            {"size": 3000, "skipped": "not enough references"}]},
    }
    text = render_markdown(results)
    assert "## Summary" in text and "## Matching" in text and "## Cost" in text
    assert "| Cost: 30 references, cold cache | 0.30 req/ref, 2.5 s |" in text
    assert "other set" in text  # the anchors are labelled as measured on different gold sets


def test_anystyle_spans_split_into_parse_bench_fields() -> None:
    from bench.lib.samples import anystyle_row

    raw = "17.Creed PA, Hicks RE. Behavioural plasticity. J Occup Org Psychol. Dec 1998;71(2): 171–91."
    spans = [{"label": "author", "text": "17.Creed PA, Hicks RE."},
             {"label": "title", "text": "Behavioural plasticity."},
             {"label": "journal", "text": "J Occup Org Psychol. Dec"}, {"label": "volume", "text": "1998;71(2):"},
             {"label": "pages", "text": "171–91."}]
    row = anystyle_row({"raw": raw, "spans": spans, "source": "s", "commit": "c", "index": 3})
    assert row is not None and row["set"] == "anystyle" and row["raw"] == raw
    assert row["fields"] == {"authors_text": "Creed PA, Hicks RE", "title": "Behavioural plasticity",
                             "journal": "J Occup Org Psychol", "date": "1998", "volume": "71", "issue": "2",
                             "pages": "171–91"}
    assert anystyle_row({"raw": raw, "spans": spans[:2]}) is None  # no journal/volume: left out, not guessed


def test_crossref_styles_keep_complete_works_and_drop_list_labels() -> None:
    from bench.lib.samples import CROSSREF_STYLES, gold_from_crossref_style, select_crossref_styles

    rows = [{"style": s, "gt_doi": "10.1/A", "ref_string": f"[1] text {s}"} for s in CROSSREF_STYLES]
    rows += [{"style": "apa", "gt_doi": "10.1/b", "ref_string": "only one style"}]
    picked = select_crossref_styles(rows, {"10.1/a", "10.1/b"}, n_works=5)
    assert [r["style"] for r in picked] == list(CROSSREF_STYLES)
    gold = gold_from_crossref_style(picked[0])
    assert gold.raw.startswith("text ") and gold.gold_doi == "10.1/a" and gold.source.startswith("crossref-styles/")
