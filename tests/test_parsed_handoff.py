"""The upload's parse handed to its job in the same process (auditor.jobs.handoff)."""

from __future__ import annotations

from auditor.jobs.execute import parse_bytes
from auditor.jobs.handoff import ParsedHandoff

DOC = b"# Title\n\nText [1].\n\n## References\n\n1. Smith J. A title. J Test. 2020;1:1-2.\n"


def test_a_parse_is_taken_once_and_only_for_the_same_bytes_and_name() -> None:
    handoff = ParsedHandoff()
    parsed = parse_bytes(DOC, "doc.md")
    handoff.offer(DOC, "doc.md", parsed)
    assert handoff.take(DOC + b" ", "doc.md") is None  # other bytes
    assert handoff.take(DOC, "other.md") is None  # another name (it is in the report)
    assert handoff.take(DOC, "doc.md") is parsed
    assert handoff.take(DOC, "doc.md") is None and len(handoff) == 0  # taken once


def test_offers_nobody_takes_are_bounded_by_their_bytes() -> None:
    handoff = ParsedHandoff(max_bytes=3 * len(DOC))
    parsed = parse_bytes(DOC, "doc.md")
    for i in range(5):
        handoff.offer(DOC, f"doc{i}.md", parsed)
    assert len(handoff) == 3  # the oldest two went first
    assert handoff.take(DOC, "doc0.md") is None and handoff.take(DOC, "doc4.md") is parsed
    handoff.offer(DOC * 4, "huge.md", parsed)  # larger than the whole budget: not kept at all
    assert handoff.take(DOC * 4, "huge.md") is None and len(handoff) == 2
