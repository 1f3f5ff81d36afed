"""``auditor token``, ``db``, ``serve`` refusals and ``submit`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main

from .conftest import SEED_000


def test_token_create_prints_only_the_token_and_revoke_is_final(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["token", "create", "ci", "--tenant", "acme", "--database", url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ra_") and out.count("\n") == 1 and len(out.strip()) >= 46
    assert "shown once" in err and out.strip() not in err
    assert main(["token", "list", "--database", url]) == 0
    listing = capsys.readouterr().out
    assert "acme" in listing and "active" in listing and out.strip() not in listing
    assert main(["token", "revoke", "1", "--database", url]) == 0
    assert main(["token", "revoke", "1", "--database", url]) == 2
    assert "no active token 1" in capsys.readouterr().err
    assert main(["token", "list", "--database", url]) == 0
    assert "revoked" in capsys.readouterr().out


def test_db_upgrade_reports_the_schema_and_is_idempotent(tmp_path: Path, capsys) -> None:
    from auditor.store.engine import Database
    from auditor.store.migrate import head_revision

    url = f"sqlite:///{tmp_path / 'u.db'}"
    head = head_revision(Database(url))  # 0002 since the watches migration
    assert main(["db", "upgrade", "--database", url]) == 0
    assert f"at {head} (was empty)" in capsys.readouterr().err
    assert main(["db", "upgrade", "--database", url]) == 0
    assert f"already at {head}" in capsys.readouterr().err


def test_serve_refuses_no_auth_off_loopback_and_bad_urls(capsys) -> None:
    assert main(["serve", "--no-auth", "--host", "0.0.0.0"]) == 2
    assert "only allowed on a loopback" in capsys.readouterr().err
    assert main(["serve", "--database", "mysql://x@y/z"]) == 2
    assert "only sqlite and postgresql" in capsys.readouterr().err


def test_submit_wait_writes_what_check_writes_and_exits_like_it(serve, tmp_path: Path, capsys, cli_reports) -> None:
    server = serve()
    token = server.client().headers["Authorization"].split()[1]
    code = main(["submit", str(SEED_000), "--server", server.url, "--token", token, "--wait", "--format", "json,html",
                 "--output", str(tmp_path / "svc")])
    assert code == 1
    assert "wrote" in capsys.readouterr().err
    for ext in ("json", "html"):
        assert (tmp_path / f"svc.{ext}").read_bytes() == cli_reports[ext]
    assert main(["submit", str(SEED_000), "--server", server.url, "--token", token, "--wait", "--fail-on", "none"]) == 0
    assert "REF" in capsys.readouterr().out
    assert main(["submit", str(SEED_000), "--server", server.url, "--token", token]) == 0
    assert capsys.readouterr().out.startswith(f"{server.url}/v1/audits/")


@pytest.mark.parametrize("args, message", [
    (["--token", "ra_wrong"], "401"),
    (["--server", "http://127.0.0.1:9"], "ConnectError"),
])
def test_submit_failures_are_one_line_and_exit_2(serve, capsys, args: list[str], message: str) -> None:
    server = serve(workers=0)
    argv = ["submit", str(SEED_000), "--server", server.url, "--wait", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_submit_reads_files_as_check_does_fifo_refused_and_size_capped(tmp_path: Path, capsys, monkeypatch) -> None:
    """No server is needed: the file is refused before any request (a FIFO would hang a plain read)."""
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert main(["submit", str(fifo), "--server", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "pipe.txt" in err and err.count("\n") == 1 and "Traceback" not in err

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setenv("AUDITOR_MAX_UPLOAD_BYTES", "1024")
    assert main(["submit", str(big), "--server", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "big.txt" in err and "ConnectError" not in err and err.count("\n") == 1
