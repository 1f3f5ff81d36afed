"""``--output PATH``: what happens to whatever stands at PATH, failures as one line, one naming rule.

Rules under test (README, Usage; auditor/atomic.py): regular files and new paths are replaced
atomically; symlinks are written through; devices, FIFOs and descriptor names are written in place
and never unlinked; failures are one error line and exit 2; one format writes PATH, several write
PATH.EXT; every file written is announced as ``wrote PATH`` on stderr.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = str(ROOT / "seeds" / "002_1d80fa809f2bd198.txt")
CASSETTE_002 = str(ROOT / "cassettes" / "seeds" / "002.yaml")
DOC = "Shown before [1].\n\nReferences\n1. Smith J. A title. J Test. 2020;1(2):3-4.\n"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


@pytest.fixture
def doc(tmp_path: Path) -> str:
    path = tmp_path / "doc.txt"
    path.write_text(DOC, encoding="utf-8")
    return str(path)


def _parse_to(doc: str, output: str | Path) -> int:
    return main(["parse", doc, "--format", "json", "--output", str(output)])


# ----------------------------------------------------------------------------- what stands at PATH


@POSIX
def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path, doc: str) -> None:
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    assert _parse_to(doc, link) == 0
    assert link.is_symlink() and os.readlink(link) == target.name
    assert '"schema_version"' in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt", "link.json", "real.json"]


@POSIX
def test_a_dangling_symlink_creates_its_target(tmp_path: Path, doc: str) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "out" / "made.json")
    assert _parse_to(doc, link) == 0
    assert link.is_symlink() and (tmp_path / "out" / "made.json").is_file()


@POSIX
def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, doc: str) -> None:
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert _parse_to(doc, out) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and "old" not in out.read_text(encoding="utf-8")


def test_missing_parent_folders_are_created(tmp_path: Path, doc: str) -> None:
    out = tmp_path / "a" / "b" / "r.json"
    assert _parse_to(doc, out) == 0 and out.is_file()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_dev_full_is_one_no_space_line_and_the_device_survives(doc: str, capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    before = os.stat("/dev/full")
    assert _parse_to(doc, "/dev/full") == 2
    assert capsys.readouterr().err == "auditor: error: /dev/full: cannot write (No space left on device)\n"
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_check_to_dev_full_exits_2_not_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", SEED_002, "--replay", CASSETTE_002, "--format", "sarif", "--output", "/dev/full"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "No space left on device" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="needs /dev/stdout")
@pytest.mark.parametrize("stdout_kind", ["pipe", "file"])
def test_dev_stdout_is_written_in_place(tmp_path: Path, doc: str, stdout_kind: str) -> None:
    argv = [sys.executable, "-m", "auditor", "parse", doc, "--format", "json", "--output", "/dev/stdout"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if stdout_kind == "pipe":
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        out = done.stdout
    else:
        sink = tmp_path / "stdout.txt"
        sink.write_text("kept\n", encoding="utf-8")  # as after `>> stdout.txt`
        with open(sink, "a", encoding="utf-8") as handle:
            done = subprocess.run(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.PIPE, text=True,
                                  timeout=60)
        out = sink.read_text(encoding="utf-8")
        assert out.startswith("kept\n")
    assert done.returncode == 0 and '"schema_version"' in out
    assert done.stderr == "wrote /dev/stdout\n"
    assert Path("/dev/stdout").is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_written_in_place_for_its_reader(tmp_path: Path, doc: str) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the reader exists before the writer opens
        ready.set()
        chunks: list[bytes] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # EOF before the writer opened is not the end
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                chunks.append(chunk)
            elif chunk == b"" and chunks:
                break
            else:
                time.sleep(0.01)
        os.close(fd)
        received.append(b"".join(chunks))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(10)
    assert _parse_to(doc, fifo) == 0
    reader.join(10)
    assert b'"schema_version"' in received[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_nobody_reads_is_refused_not_waited_on(tmp_path: Path, doc: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    assert _parse_to(doc, fifo) == 2
    assert capsys.readouterr().err == f"auditor: error: {fifo}: cannot write (a FIFO with no reader)\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_empty_path_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SEED_002, "--replay", CASSETTE_002, "--output", ""]) == 2
    assert capsys.readouterr().err == "auditor: error: --output: empty path\n"


def test_a_directory_is_refused(tmp_path: Path, doc: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _parse_to(doc, tmp_path) == 2
    assert capsys.readouterr().err == f"auditor: error: {tmp_path}: cannot write (Is a directory)\n"
    assert tmp_path.is_dir()


@pytest.mark.parametrize("where, error", [("replace", errno.EACCES), ("fsync", errno.ENOSPC)])
def test_os_errors_are_one_line_and_leave_no_temporary_file(tmp_path: Path, doc: str, where: str, error: int,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    def fail(*_args: object) -> None:
        raise OSError(error, os.strerror(error))

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setattr(os, where, fail)
    assert _parse_to(doc, out_dir / "r.json") == 2
    err = capsys.readouterr().err
    assert err == f"auditor: error: {out_dir / 'r.json'}: cannot write ({os.strerror(error)})\n"
    assert list(out_dir.iterdir()) == []


# ----------------------------------------------------------------------------- naming and messages


def test_one_format_writes_path_itself_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "jj"
    assert main(["check", SEED_002, "--replay", CASSETTE_002, "--format", "json", "--output", str(out)]) in (0, 1)
    captured = capsys.readouterr()
    assert captured.err == f"wrote {out}\n" and captured.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["jj"]


def test_duplicate_formats_are_one_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "jj"
    main(["check", SEED_002, "--replay", CASSETTE_002, "--format", "json, json,json", "--output", str(out)])
    assert capsys.readouterr().err == f"wrote {out}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["jj"]


def test_several_formats_write_path_dot_ext_each_announced(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    stem = tmp_path / "r"
    main(["check", SEED_002, "--replay", CASSETTE_002, "--format", "sarif,json,sarif", "--output", str(stem)])
    assert capsys.readouterr().err == f"wrote {stem}.sarif\nwrote {stem}.json\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.sarif"]


def test_parse_announces_the_file_it_wrote(tmp_path: Path, doc: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "parsed.txt"
    assert main(["parse", doc, "--output", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"wrote {out}\n" and captured.out == "" and out.read_text(encoding="utf-8")


def test_parse_with_an_empty_output_is_refused_too(doc: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", doc, "--output", ""]) == 2
    captured = capsys.readouterr()
    assert captured.err == "auditor: error: --output: empty path\n" and captured.out == ""
