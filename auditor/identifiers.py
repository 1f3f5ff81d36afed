"""One spelling for identifiers, shared by the sources, the resolver and the judge.

A DOI asked for under one spelling and looked up under another would read as "not answered" or,
worse, as "not found"; keeping a single normaliser makes the keys agree everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def norm_doi(doi: str | None) -> str:
    """Lower-cased DOI without resolver URL or ``doi:`` prefix and without a trailing period."""
    if not doi:
        return ""
    doi = doi.strip().lower()
    for prefix in _DOI_PREFIXES:
        if doi.startswith(prefix):
            doi = doi[len(prefix):].strip()
    return doi.rstrip(".")


PMID_MAX_DIGITS = 9
"""PubMed's identifiers have 8 digits today; the text parser reads ``PMID: n`` with up to 9, and so
does every other reader (libraries, JATS, field data): one rule, so no source asks PubMed for a
number that cannot be a PMID."""


def norm_pmid(value: object) -> str | None:
    """The PMID as PubMed writes it (no leading zeros), or ``None`` when ``value`` is not one.

    A PMID is a positive integer of at most :data:`PMID_MAX_DIGITS` ASCII digits; anything else
    (``abc``, ``12a``, ``0``, a 20-digit number, ``²``) is refused rather than truncated.
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        return None
    text = text.lstrip("0")
    return text if text and len(text) <= PMID_MAX_DIGITS else None


def text_hash(raw: str) -> str:
    """Whitespace-normalised SHA-256 (16 hex digits) of a reference's text: with its number, the
    identity of a bibliography entry from one run to the next (diffs, cheap re-audits)."""
    return hashlib.sha256(" ".join(raw.split()).encode("utf-8")).hexdigest()[:16]


_ISSN_RE = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")


def norm_issns(values: Iterable[object]) -> tuple[str, ...]:
    """``0962-8452`` / ``09628452`` / ``1471-295x`` -> ``NNNN-NNNX``, deduplicated, order kept; junk dropped."""
    out: list[str] = []
    for value in values:
        m = _ISSN_RE.match(value.strip().upper()) if isinstance(value, str) else None
        if m and f"{m[1]}-{m[2]}" not in out:
            out.append(f"{m[1]}-{m[2]}")
    return tuple(out)
