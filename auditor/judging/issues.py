"""Volume and issue comparison that understands supplements.

Registries and prints write one supplement many ways: PubMed ``Volume 15, Issue Suppl 2``, Crossref
``issue S2`` or ``Suppl_2``, prints ``15 Suppl 2``, ``15(Suppl 1)``, ``15 Suppl``, ``Spec No``. The
volume is the number; the supplement is compared as part of the issue, number against number.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from auditor.judging.normalize import fold, norm_token

_SUPPL = re.compile(r"(?<![a-z])(?:suppl(?:ement)?|sup|spec\.?\s*no|special\s+issue|pt|part)\b\.?[\s_]*(?P<n>[\w-]*)|"
                    r"^s(?P<s>\d+)$", re.IGNORECASE)


class IssueParts(NamedTuple):
    number: str
    """The plain issue number (``3`` of ``3 Suppl 1``), empty when there is none."""
    supplement: str | None
    """None: no supplement; ``""``: an unnumbered supplement; else its number."""


@lru_cache(maxsize=16384)
def issue_parts(value: str | None) -> IssueParts:
    text = fold(value or "").replace("_", " ").strip(" ()")
    m = _SUPPL.search(text)
    if not m:
        return IssueParts(norm_token(text), None)
    number = norm_token(text[: m.start()] + " " + text[m.end():] if m.group("s") is None else "")
    supplement = norm_token(m.group("n") or m.group("s") or "")
    return IssueParts(number, supplement)


def issues_agree(ref_issue: str | None, rec_issue: str | None) -> bool | None:
    """None when either side has no issue; a missing supplement number never counts against."""
    a, b = issue_parts(ref_issue), issue_parts(rec_issue)
    if not (a.number or a.supplement is not None) or not (b.number or b.supplement is not None):
        return None
    if (a.supplement is None) != (b.supplement is None):
        # ``Suppl 2`` against ``2``: registries file a supplement's number as the issue, or the reverse.
        plain, supp = (a, b) if a.supplement is None else (b, a)
        return bool(plain.number) and plain.number in (supp.supplement, supp.number)
    if a.number and b.number and a.number != b.number:
        return False
    return not (a.supplement and b.supplement and a.supplement != b.supplement)


@lru_cache(maxsize=16384)
def volume_key(value: str | None) -> str:
    """``15 Suppl 2`` -> ``15``: a supplement written into the volume is not part of its number."""
    text = fold(value or "").split("(")[0]  # ``8(4)``: an issue filed inside the volume
    m = _SUPPL.search(text)
    if m and m.start() > 0:
        text = text[: m.start()]
    return norm_token(text)


def volumes_agree(ref_volume: str | None, rec_volume: str | None) -> bool | None:
    a, b = volume_key(ref_volume), volume_key(rec_volume)
    if not a or not b:
        return None
    return a == b
