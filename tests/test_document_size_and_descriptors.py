"""Every document is capped before parsing, and a file is judged by the descriptor that is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.documents import loader
from auditor.documents.detect import MAX_DOCUMENT_BYTES
from auditor.errors import ConfigError, InputError
from auditor.service.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


def test_one_limit_for_cli_and_service() -> None:
    assert ServiceSettings().max_upload_bytes == MAX_DOCUMENT_BYTES == loader.max_document_bytes({})
    assert ServiceSettings.from_env({"AUDITOR_MAX_UPLOAD_BYTES": "1234"}).max_upload_bytes == 1234
    assert loader.max_document_bytes({"AUDITOR_MAX_UPLOAD_BYTES": "1234"}) == 1234
    with pytest.raises(ConfigError, match="AUDITOR_MAX_UPLOAD_BYTES"):
        loader.max_document_bytes({"AUDITOR_MAX_UPLOAD_BYTES": "lots"})
    with pytest.raises(ConfigError, match="positive"):
        loader.max_document_bytes({"AUDITOR_MAX_UPLOAD_BYTES": "0"})


@pytest.mark.parametrize("name", ["big.txt", "big.bib", "big.pdf", "big.docx"])
def test_a_document_over_the_limit_is_refused_with_one_line(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / name
    head = {"big.pdf": b"%PDF-1.4\n", "big.docx": b"PK\x03\x04", "big.bib": b"@article{k,\n"}.get(name, b"")
    path.write_bytes(head + b"x" * 200)
    monkeypatch.setenv("AUDITOR_MAX_UPLOAD_BYTES", "100")
    assert main(["parse", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"auditor: error: {path}: larger than the document limit of 100 bytes "
                   "(AUDITOR_MAX_UPLOAD_BYTES); refused\n")


def test_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.txt"
    path.write_bytes(b"Some text.\n" + b"y" * 89)
    assert len(path.read_bytes()) == 100
    assert loader.load_document(str(path), max_bytes=100).text.startswith("Some text.")
    with pytest.raises(InputError, match="limit of 99 bytes"):
        loader.load_document(str(path), max_bytes=99)


def test_a_size_that_lies_is_still_capped_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that grows after fstat (or reports 0, as /proc files do) is read to limit + 1 bytes, no further."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"z" * (4 << 20))
    real_fstat = os.fstat

    class Lying:
        def __init__(self, fd: int) -> None:
            self.st_mode = real_fstat(fd).st_mode
            self.st_size = 0

    read: list[int] = []
    real_fdopen = os.fdopen

    def counting_fdopen(fd: int, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        handle = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]
        original = handle.read

        def spy(n: int = -1) -> bytes:
            chunk = original(n)
            read.append(len(chunk))
            return chunk

        handle.read = spy
        return handle

    monkeypatch.setattr(loader.os, "fstat", lambda fd: Lying(fd))
    monkeypatch.setattr(loader.os, "fdopen", counting_fdopen)
    with pytest.raises(InputError, match="larger than the document limit of 1000 bytes"):
        loader.read_document_bytes(str(path), 1000)
    assert sum(read) == 1001


def test_load_bytes_checks_a_given_limit_before_parsing() -> None:
    with pytest.raises(InputError, match="limit of 10 bytes"):
        loader.load_bytes(b"%PDF-1.4 not a pdf at all", "x.pdf", max_bytes=10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_swapped_in_after_the_first_look_is_refused_by_its_descriptor(tmp_path: Path) -> None:
    """The path's ``stat`` saw a regular file (simulated: the first look is switched off); the FIFO that
    then stands there opens without blocking and ``fstat`` of that descriptor refuses it."""
    fifo = tmp_path / "swapped.txt"
    os.mkfifo(fifo)
    script = (
        "import sys\n"
        "from auditor.documents import loader\n"
        "from auditor.errors import InputError\n"
        "loader.refuse_special_file = lambda path: None\n"
        "try:\n"
        "    loader.load_document(sys.argv[1])\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    # a subprocess, so that a blocking open shows up as a failure (the timeout) instead of a stuck suite
    done = subprocess.run([sys.executable, "-c", script, str(fifo)], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout == f"{fifo}: not a regular file (a FIFO); give a document file\n", done.stderr


def test_a_directory_is_refused_by_its_descriptor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    monkeypatch.setattr(loader, "refuse_special_file", lambda path: None)
    with pytest.raises(InputError, match="is a directory"):
        loader.load_document(str(folder))
