"""HTML report: self-contained, escaped, diff-highlighted, one section per document."""

from __future__ import annotations

import dataclasses
import re

import pytest

from auditor.judging import judge
from auditor.reports.html import render_html, word_diff
from tests.builders import ANSWERED, CREE_2010, make_report, ref, sample_report

XSS = "<script>alert(1)</script>"


def test_self_contained_offline_page() -> None:
    html = render_html([sample_report()])
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "<script>" in html
    # Nothing is fetched: no external stylesheets, scripts, fonts or images.
    assert not re.search(r"<(link|img)\b", html)
    assert not re.search(r"<script[^>]+src=", html)
    assert "@import" not in html


def test_summary_badges_links_and_suggestion() -> None:
    html = render_html([sample_report()])
    for verdict in ("verified", "minor", "major", "not_found", "unchecked"):
        assert f'data-verdict="{verdict}"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/20695007/"' in html
    assert 'href="https://doi.org/10.1002/ana.22006"' in html
    assert "Ann Neurol. 2010;68(2):145-50." in html
    assert "retracted" in html


def test_differing_words_are_highlighted() -> None:
    html = render_html([sample_report()])
    assert '<span class="diff">2011</span>' in html  # the wrong year of reference 3
    claimed, found = word_diff("Low-dose naltrexone for fibromyalgia", "Low dose naltrexone for chronic pain")
    assert [s.text for s in claimed if s.changed] == ["fibromyalgia"]
    assert [s.text for s in found if s.changed] == ["chronic", "pain"]
    assert "".join(s.text for s in claimed) == "Low-dose naltrexone for fibromyalgia"


def test_script_in_titles_and_raw_is_escaped() -> None:
    cited = ref("Cree BAC", title=f"Pilot {XSS} trial", journal="Ann Neurol", year=2010, volume="68",
                pages="145-150", raw=f"Cree BAC. {XSS}. Ann Neurol.")
    rec = dataclasses.replace(CREE_2010, title=f"Pilot {XSS} trial")
    hostile = judge(cited, [rec], ANSWERED)
    html = render_html([make_report([hostile], path=f"docs/{XSS}.md")])
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the page's own filter script


def test_one_section_per_document() -> None:
    html = render_html([sample_report("a.md"), sample_report("b.md")])
    assert html.count('<section class="document"') == 2
    assert "<h2>a.md</h2>" in html and "<h2>b.md</h2>" in html
    assert 'id="doc2-ref1"' in html


def test_an_unparsed_entry_labels_its_fields_as_the_parser_read_them() -> None:
    """Garbled fields from an unknown style must not be presented as what the document says."""
    garbled = ref(journal="Mclaughlin, Stephen", year=2010, parse_error="no journal/volume/pages part found",
                  raw="Mclaughlin, Stephen. 2010. “Defining a Process.” Knowl Process Manag 17 (4): 155–167.")
    named = judge(ref("Cree BAC", title=CREE_2010.title, year=2010), [CREE_2010], ANSWERED).match
    audit = dataclasses.replace(judge(garbled, [], ANSWERED), match=named)  # as _unparsed reports a named work
    html = render_html([make_report([audit])])
    assert "parser read (unreliable)" in html and "document says" not in html
    html_ok = render_html([sample_report()])
    assert "document says" in html_ok and "parser read" not in html_ok


def test_record_says_the_authors_and_full_pages() -> None:
    # Issue 9 items 10 and 11: the "record says" authors cell was empty, the record's pages elided.
    wrong_first = ref("Crew BAC", "Kornyeyeva E", "Goodin DS", title=CREE_2010.title, journal="Ann Neurol",
                      year=2010, volume="68", issue="2", pages="145-150")
    audit = judge(wrong_first, [CREE_2010], ANSWERED)
    html = render_html([make_report([audit])])
    row = re.search(r'<tr class="differs"><th>authors</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>', html, re.S)
    assert row, "authors row missing or not marked as differing"
    assert row.group(1) == '<span class="diff">Crew</span> BAC, Kornyeyeva E, Goodin DS'
    assert row.group(2) == '<span class="diff">Cree</span> BAC, Kornyeyeva E, Goodin DS'
    pages = re.search(r"<th>pages</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", html, re.S)
    assert pages and pages.groups() == ("145-150", "145-150")


def test_a_long_record_author_list_is_cut_with_a_count() -> None:
    many = dataclasses.replace(CREE_2010, authors=CREE_2010.authors * 20)  # 60 names
    audit = judge(ref("Cree BAC", title=CREE_2010.title, journal="Ann Neurol", year=2010, volume="68",
                      pages="145-150", et_al=True), [many], ANSWERED)
    html = render_html([make_report([audit])])
    assert "… (30 more)" in html


def test_summary_counts_flagged_and_citation_findings_and_explains_its_terms() -> None:
    # Issue 9 item 12.
    html = render_html([sample_report("a.md"), sample_report("b.md")])
    # "with notices", not "flagged": the API's flagged_references counts more (minor, major, not_found).
    assert 'with notices</th><th>citation findings</th>' in html
    assert '<td class="total-flagged">2</td>' in html  # one retracted reference per document
    assert '<td class="total-citation-findings">4</td>' in html
    assert html.count("with notices 1 &middot; citation findings 2") == 2  # each document's line
    assert html.count("<h3>References</h3>") == 2
    legend = re.search(r'<p class="meta legend">(.*?)</p>', html, re.S)
    assert legend and "not_asked" in legend.group(1) and "match score" in legend.group(1)
    assert html.count('class="meta no-match hidden">No references match this filter.') == 2


def test_a_document_without_references_says_so() -> None:
    html = render_html([make_report([])])
    assert "No references were found in this document." in html


def _chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_a_filter_that_hides_everything_says_so_in_a_browser() -> None:
    """The message is driven by the page's own script, so only a browser can show it works."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on PATH")
    html = render_html([sample_report("a.md"), make_report([], path="empty.md")])
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"], timeout=30_000)
        except sync_api.Error as exc:  # a Chromium that cannot start here is no verdict on the page
            pytest.skip(f"Chromium does not start: {exc}")
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # the page must need nothing from outside
            page.set_content(html)
            messages = page.locator("p.no-match")
            assert [messages.nth(i).is_visible() for i in range(2)] == [False, False]
            page.check("#flagged-only")  # one reference is flagged: still something to show
            assert not messages.nth(0).is_visible()
            for verdict in ("verified", "minor", "major", "not_found", "unchecked"):
                page.uncheck(f'input[data-verdict="{verdict}"]')
            assert messages.nth(0).is_visible() and page.locator("article.ref:visible").count() == 0
            assert not messages.nth(1).is_visible()  # a document with no references says that instead
            page.check('input[data-verdict="major"]')
            assert not messages.nth(0).is_visible() and page.locator("article.ref:visible").count() == 1
        finally:
            browser.close()
