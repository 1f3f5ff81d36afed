"""Shared test fixtures. Keep this small: each area's helpers live in its own test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sources_vcr():
    """vcrpy configured exactly as the recorder was, in replay-only mode (no network, ever)."""
    from auditor.sources.replay import replay_vcr

    return replay_vcr(REPO_ROOT / "cassettes" / "sources")
