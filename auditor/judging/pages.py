"""Pages and article numbers: splitting, expanding NLM short ranges, comparing, abbreviating.

Page fields come in many shapes (``244-55``, ``244-255``, ``e0212460``, ``82``); comparison must
treat an e-locator and the same number written as a first page as equal, and NLM's short end page
(``1205-13``) as its full value.
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.judging.normalize import norm_token
from auditor.model import Record

_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*[-–—]+\s*([^\s\-–—]+)\s*$")


_PREFIXED = re.compile(r"^([A-Za-z]*)(\d+)$")


def expand_last(first: str, last: str) -> str:
    """Expand an NLM short end page: ``(1205, 13)`` -> ``1213``, ``(R174, 83)`` -> ``R183``.

    A letter prefix (supplement or section pages such as ``R174`` or ``S12``) is carried over, so the
    record's short form and the reference's full form compare equal. Other shapes are kept as is.
    """
    fm, lm = _PREFIXED.match(first), _PREFIXED.match(last)
    if not (fm and lm) or (lm.group(1) and lm.group(1).lower() != fm.group(1).lower()):
        return last
    prefix, digits, tail = fm.group(1), fm.group(2), lm.group(2)
    if len(tail) < len(digits):
        tail = digits[: len(digits) - len(tail)] + tail
    return prefix + tail if prefix else tail


def split_pages(pages: str | None) -> tuple[str | None, str | None]:
    """``"244-55"`` -> ``("244", "255")``; a single page gives ``(page, None)``."""
    if not pages:
        return None, None
    first_range = pages.split(",")[0]
    m = _RANGE.match(first_range)
    if m:
        return m.group(1), expand_last(m.group(1), m.group(2))
    text = first_range.strip()
    return (text or None), None


def expand_ranges(pages: str | None) -> str | None:
    """Every range in a pages string with its end page in full: ``"145-50, 160-5"`` -> ``"145-150, 160-165"``.

    For display beside the document's pages, which the parser expands; other shapes are kept as is.
    """
    if not pages:
        return pages
    parts = []
    for part in pages.split(","):
        m = _RANGE.match(part)
        parts.append(f"{m.group(1)}-{expand_last(m.group(1), m.group(2))}" if m else part.strip())
    return ", ".join(p for p in parts if p) or None


def record_pages(record: Record) -> tuple[str | None, str | None]:
    """First and last page of a record, from its explicit fields or its ``pages`` string."""
    first, last = record.first_page, record.last_page
    if first is None:
        first, last2 = split_pages(record.pages)
        last = last or last2
    if first and last:
        last = expand_last(first, last)
    return first, last


@lru_cache(maxsize=65536)
def locator_forms(value: str | None) -> frozenset[str]:
    """Comparable forms of a page/e-locator: ``e0212460`` also matches ``0212460`` and ``212460``."""
    token = norm_token(value)
    if not token:
        return frozenset()
    forms = {token}
    if token[0] == "e" and token[1:].isdigit():
        forms.add(token[1:].lstrip("0") or "0")
    elsevier = re.match(r"^(\d+)e\d+$", token)
    if elsevier:
        forms.add(elsevier.group(1))  # ``645.e1``: Elsevier's online pages of the article starting at 645
    return frozenset(forms)


def locators_agree(ref_values: tuple[str | None, ...], rec_values: tuple[str | None, ...]) -> bool | None:
    """True when any reference locator equals any record locator; None when either side has none."""
    ref_forms = frozenset().union(*(locator_forms(v) for v in ref_values))
    rec_forms = frozenset().union(*(locator_forms(v) for v in rec_values))
    if not ref_forms or not rec_forms:
        return None
    return bool(ref_forms & rec_forms)


def abbreviate_range(first: str | None, last: str | None) -> str | None:
    """NLM page range: repeated leading digits dropped from the end page (``1205-1213`` -> ``1205-13``)."""
    if not first:
        return None
    if not last or last == first:
        return first
    if first.isdigit() and last.isdigit() and len(first) == len(last):
        i = 0
        while i < len(first) - 1 and first[i] == last[i]:
            i += 1
        return f"{first}-{last[i:]}"
    return f"{first}-{last}"
