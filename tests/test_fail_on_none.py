"""``--fail-on none`` stands alone: combined with other terms it is one clear line, not "unknown value none"
beside a list of allowed values that names ``none`` (issue 9 item 13, README: Exit codes)."""

from __future__ import annotations

import pytest

from auditor.errors import ConfigError
from auditor.outcome import parse_fail_on


@pytest.mark.parametrize("value", ["none,major", "major, NONE"])
def test_none_with_other_terms_says_it_must_stand_alone(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_fail_on(value)
    assert str(caught.value) == f"--fail-on: 'none' means never fail and must stand alone (got {value!r})"


@pytest.mark.parametrize("value", ["none", " None ", "none,", "none,none"])
def test_none_alone_never_fails(value: str) -> None:
    assert parse_fail_on(value) == frozenset()
