"""Judging: compare a reference with candidate records, pick the work, decide the verdict.

Public API: :func:`score_candidate` and :func:`same_work` (used by the resolver to rank and to decide
identity), :func:`raw_names_work` (identity for entries the parser could not split),
:func:`judge` (one reference -> ReferenceAudit) and :func:`suggest` (NLM string).
"""

from auditor.judging.compare import same_work, score_candidate
from auditor.judging.judge import judge, raw_names_work
from auditor.judging.suggest import suggest

__all__ = ["judge", "raw_names_work", "same_work", "score_candidate", "suggest"]
