"""The loaders' limits answer as problem responses in the service, exactly as the CLI refuses."""

from __future__ import annotations

import pytest

from auditor.documents import pdf_budget
from bench.lib.hostile_pdf import pdf as _pdf
from bench.lib.hostile_pdf import text_page as _text_page

from .conftest import upload

PROBLEM = "application/problem+json"


def test_a_text_dense_pdf_page_is_a_422_problem(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_PAGE_CHARS", 3_000)
    server = serve(workers=0)
    with server.client() as client:
        resp = upload(client, data=_pdf(_text_page(4_000)), name="dense.pdf")
    assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM
    assert resp.json()["detail"] == ("dense.pdf: page 1 holds more than 3000 characters "
                                     "(limits of the PDF reader); refused")


def test_a_bibtex_macro_bomb_is_a_422_problem(serve) -> None:
    lines = ['@string{m0 = "' + "x" * 100 + '"}']
    lines += [f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(1, 40)]
    lines.append("@article{k, title = m39, journal = {J}, year = 2001}")
    server = serve(workers=0)
    with server.client() as client:
        resp = upload(client, data="\n".join(lines).encode(), name="bomb.bib")
    assert resp.status_code == 422 and "expands beyond 100000 characters" in resp.json()["detail"]
