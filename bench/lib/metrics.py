"""Arithmetic of the benchmark: precision/recall/F1, matching and detection tallies, tables.

The definitions live here, once, so the printed table, the JSON results and the unit tests agree:

* matching: *predicted* = the match's PMID/DOI when the verdict is verified/minor/major;
  *correct* = a predicted identifier equals the gold one (DOIs compared lower-cased);
  precision = correct / predicted, recall = correct / total, F1 their harmonic mean.

Parsing (field-level) counts and their pooling are :mod:`bench.parse_bench`'s (``score``, ``pool``);
:class:`PRF` here only turns those counts into P/R/F1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

PREDICTING_VERDICTS = frozenset({"verified", "minor", "major"})


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchOutcome:
    """One gold reference and what the auditor said about it."""

    gold_pmid: str | None
    gold_doi: str | None
    verdict: str | None
    """None when the reference was lost before judging (e.g. the parser merged two entries)."""
    pred_pmid: str | None = None
    pred_doi: str | None = None

    @property
    def predicted(self) -> bool:
        return self.verdict in PREDICTING_VERDICTS and bool(self.pred_pmid or self.pred_doi)

    @property
    def correct(self) -> bool:
        if not self.predicted:
            return False
        if self.gold_pmid and self.pred_pmid and self.pred_pmid == self.gold_pmid:
            return True
        return bool(self.gold_doi and self.pred_doi and self.pred_doi.lower() == self.gold_doi.lower())


@dataclass(frozen=True)
class MatchScore:
    total: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"total": self.total, "predicted": self.predicted, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def score_matching(outcomes: Iterable[MatchOutcome]) -> MatchScore:
    items = list(outcomes)
    return MatchScore(
        total=len(items),
        predicted=sum(o.predicted for o in items),
        correct=sum(o.correct for o in items),
    )


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------


@dataclass
class DetectionTally:
    """Verdict counts per corruption kind, and how many met the expectation."""

    expected: Mapping[str, frozenset[str]]
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, verdict: str | None) -> None:
        self.counts.setdefault(kind, Counter())[verdict or "lost"] += 1

    def total(self, kind: str) -> int:
        return sum(self.counts.get(kind, Counter()).values())

    def hits(self, kind: str) -> int:
        return sum(n for v, n in self.counts.get(kind, Counter()).items() if v in self.expected[kind])

    def rate(self, kind: str) -> float:
        total = self.total(kind)
        return self.hits(kind) / total if total else 0.0

    def flagged(self, kind: str) -> int:
        """References reported as a problem at all (minor, major or not_found), whatever the grade."""
        return sum(n for v, n in self.counts.get(kind, Counter()).items() if v in ("minor", "major", "not_found"))

    def false_alarm_rate(self, kind: str = "untouched") -> float:
        """Share of untouched references reported worse than ``verified`` (unchecked excluded)."""
        c = self.counts.get(kind, Counter())
        alarms = sum(n for v, n in c.items() if v not in ("verified", "unchecked"))
        total = sum(c.values())
        return alarms / total if total else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            kind: {"n": self.total(kind), "as_expected": self.hits(kind), "rate": round(self.rate(kind), 4),
                   "flagged": self.flagged(kind),
                   "expected": sorted(self.expected[kind]), "verdicts": dict(sorted(c.items()))}
            for kind, c in self.counts.items()
        }


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned so columns read as figures."""
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|")

    numeric = [all(_is_number(r[i]) for r in rows) if rows else False for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if numeric[i] else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _is_number(value: object) -> bool:
    if isinstance(value, int | float):
        return True
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+%?|—|-|", str(value)))
