"""``--config`` is a file from the user like any document: a FIFO is refused without waiting on it,
and bytes that are not UTF-8 are one error line (issue 9 item 3's rule, applied to the settings file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = str(ROOT / "seeds" / "002_1d80fa809f2bd198.txt")
CASSETTE_002 = str(ROOT / "cassettes" / "seeds" / "002.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_config_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "auditor", "check", SEED_002, "--replay", CASSETTE_002,
                           "--config", str(fifo)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr == f"auditor: error: config file {fifo}: not a regular file (a FIFO, socket or device)\n"


def test_a_config_that_is_not_utf8_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "settings.toml"
    bad.write_bytes(b"email = '\xff\xfe'\n")
    assert main(["check", SEED_002, "--replay", CASSETTE_002, "--config", str(bad)]) == 2
    assert capsys.readouterr().err == f"auditor: error: config file {bad} is not valid TOML: not UTF-8 (byte 9)\n"
