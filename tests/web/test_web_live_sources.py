"""In Chromium: the audit page shows each source's state live, beside references checked / total.

The server's sources point at a local fake (tests/held_upstream.py) that holds PubMed's first answer,
so the page is seen while PubMed is being asked and Crossref waits; then PubMed fails and the page
shows the final states the API reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.held_upstream import DOCUMENT, HeldUpstream, held_upstream

from .conftest import Server, start_server, stop_server
from .test_web_browser import signed_in

ROWS = ("rows => rows.map(r => [r.dataset.source, r.dataset.state, r.querySelector('.requests').textContent])")


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, HeldUpstream]]:
    tmp = tmp_path_factory.mktemp("held")
    with held_upstream() as upstream:
        srv = start_server(tmp, {"AUDITOR_ENTREZ_URL": f"{upstream.url}/entrez/",
                                 "AUDITOR_CROSSREF_URL": f"{upstream.url}/crossref/",
                                 "AUDITOR_RETRACTION_WATCH_URL": f"{upstream.url}/rw.csv",
                                 "AUDITOR_CACHE_DIR": str(tmp / "cache"), "AUDITOR_JOB_LEASE": "1.5"},
                           replay=False)
        try:
            yield srv, upstream
        finally:
            stop_server(srv)


def test_the_page_shows_per_source_states_live(browser: Any, held: tuple[Server, HeldUpstream],
                                               tmp_path: Path) -> None:
    server, upstream = held
    document = tmp_path / "notes.txt"
    document.write_bytes(DOCUMENT)
    with signed_in(browser, server, "mia") as page:
        page.set_input_files("#file", str(document))
        page.wait_for_url("**/audits/*")
        assert upstream.pubmed_asked.wait(timeout=60)
        page.wait_for_selector("#sources tr[data-source=pubmed][data-state=running]", timeout=30_000)
        during = page.eval_on_selector_all("#sources tbody tr", ROWS)
        # PubMed is being asked; Crossref waits for its answer; the index was downloaded before the audit.
        assert during == [["pubmed", "running", "0"], ["crossref", "pending", "0"],
                          ["retraction_watch", "pending", "1"]]
        assert page.locator("#sources tr[data-source=pubmed] .state").inner_text() == "asking"
        assert "0 of 2 references checked" in page.locator("#progress-text").inner_text()
        assert upstream.counts["crossref"] == 0

        upstream.release.set()
        page.wait_for_selector("#report", timeout=60_000)
        after = page.eval_on_selector_all("#sources tbody tr", ROWS)
        job_id = page.url.rsplit("/", 1)[1]
        with server.api("mia") as client:
            sources = client.get(f"/v1/audits/{job_id}").json()["progress"]["sources"]
        assert after == [[name, sources[name]["state"], str(sources[name]["requests"])] for name in sources]
        assert [row[1] for row in after] == ["failed", "done", "done"]
        assert after[0][2] == str(upstream.counts["pubmed"]) and after[1][2] == str(upstream.counts["crossref"])
        failed = page.locator("#sources tr[data-source=pubmed] .state").inner_text()
        assert failed.startswith("failed (some references unchecked)") and "unanswered" in failed
