"""One parser for numeric environment settings: jobs, service and worker tuning agree on the rule."""

from __future__ import annotations

import pytest

from auditor.env import env_number
from auditor.errors import ConfigError
from auditor.jobs.procrastinate_app import WorkerTuning
from auditor.jobs.settings import JobSettings
from auditor.service.settings import ServiceSettings


@pytest.mark.parametrize("reader, var", [
    (JobSettings.from_env, "AUDITOR_JOB_LEASE"),
    (ServiceSettings.from_env, "AUDITOR_MAX_REFERENCES"),
    (WorkerTuning.from_env, "AUDITOR_WORKER_SWEEP"),
])
@pytest.mark.parametrize("raw, message", [("abc", "is not a number"), ("-1", "must be a positive number"),
                                          ("0", "must be a positive number"), ("inf", "")])
def test_every_reader_refuses_bad_numbers_the_same_way(reader, var, raw, message) -> None:
    if raw == "inf" and var == "AUDITOR_MAX_REFERENCES":
        message = "is not a number"  # int("inf") fails before the finiteness check
    with pytest.raises(ConfigError, match=f"^{var}: {raw!r} {message}"):
        reader({var: raw})


def test_blank_is_the_default_and_zero_only_where_allowed() -> None:
    assert env_number({"X": "  "}, "X") is None
    assert env_number({"X": "0"}, "X", allow_zero=True) == 0
    assert JobSettings.from_env({"AUDITOR_TEST_JOB_DELAY": "0"}).test_delay_s == 0
    assert ServiceSettings.from_env({"AUDITOR_MAX_REFERENCES": "12"}).max_references == 12
    assert WorkerTuning.from_env({"AUDITOR_WORKER_SWEEP": "2.6"}).sweep_s == 3
