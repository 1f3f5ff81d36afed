"""Judging: compare a reference with candidate records, pick the work, decide the verdict.

Public API: :func:`score_candidate` and :func:`same_work` (used by the resolver to rank and to decide
identity), :func:`judge` (one reference -> ReferenceAudit) and :func:`suggest` (NLM string).
"""

from auditor.judging.compare import same_work, score_candidate
from auditor.judging.judge import judge
from auditor.judging.suggest import suggest

__all__ = ["judge", "same_work", "score_candidate", "suggest"]
