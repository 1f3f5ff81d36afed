"""Every sources fixture is listed, with its provenance, in tests/fixtures/README.md."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_fixture_has_provenance():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (FIXTURES / "sources").iterdir() if p.is_file())
    assert files
    missing = [name for name in files if f"`sources/{name}`" not in readme]
    assert missing == []
