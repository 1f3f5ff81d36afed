"""Damaged DOCX, PDF and XML inputs end as a Document or one InputError, never another exception."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from auditor.documents.loader import load_bytes
from auditor.errors import InputError
from auditor.model import Document
from bench.lib.render_formats import text_to_docx, text_to_pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
TEXT = "# T\n\nShown before [1].\n\n## References\n\n1. Anton RF. A title. *N Engl J Med*. 2008;359(7):715-21.\n"


def _variants(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = [data[: len(data) * k // 8] for k in range(1, 8)]
    for _ in range(6):
        mutated = bytearray(data)
        for _ in range(20):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        out.append(bytes(mutated))
    return out


@pytest.mark.parametrize("kind", ["docx", "pdf", "jats", "endnote"])
def test_damaged_inputs_fail_cleanly(kind: str) -> None:
    data = {
        "docx": lambda: text_to_docx(TEXT),
        "pdf": lambda: text_to_pdf(TEXT, header=None),
        "jats": lambda: (FIXTURES / "article.xml").read_bytes(),
        "endnote": lambda: (FIXTURES / "endnote.xml").read_bytes(),
    }[kind]()
    for i, variant in enumerate(_variants(data, seed=len(kind))):
        try:
            doc = load_bytes(variant, f"damaged-{i}.{kind}")
        except InputError as exc:
            assert "\n" not in str(exc) and f"damaged-{i}" in str(exc)
        else:
            assert isinstance(doc, Document)
