"""Upload limits and content sniffing: every refusal is a problem response with the right status."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from auditor.service.uploads import display_name, sniff

from .conftest import SEED_000, upload

PROBLEM = "application/problem+json"


def _raw(url: str, head: bytes, body_chunks: list[bytes]) -> bytes:
    """Send a request by hand (chunked body, never finished) and return what the server answers."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: exactly what a limit should do
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_a_document_over_the_size_limit_is_413(serve) -> None:
    server = serve(workers=0, max_upload_bytes=1000)
    with server.client() as client:
        resp = upload(client, data=b"a" * 1001)
        assert resp.status_code == 413 and resp.headers["content-type"] == PROBLEM
        assert "1000" in resp.json()["detail"]
        assert upload(client, data=b"References\n1. x\n" + b"a" * 900).status_code == 202


def test_a_declared_oversized_body_is_refused_before_it_is_read(serve) -> None:
    server = serve(workers=0, max_upload_bytes=1000)
    head = (b"POST /v1/audits HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 999999999\r\n\r\n")
    answer = _raw(server.url, head, [])
    assert answer.startswith(b"HTTP/1.1 413") and PROBLEM.encode() in answer


def test_a_streamed_body_is_cut_off_at_the_limit_not_read_to_the_end(serve) -> None:
    server = serve(workers=0, max_upload_bytes=1000)
    token = server.client().headers["Authorization"].encode()
    head = (b"POST /v1/audits HTTP/1.1\r\nHost: x\r\nAuthorization: " + token +
            b"\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
    preamble = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
    # 64 KiB framing allowance + 1000 bytes, then far more that the server must never wait for.
    answer = _raw(server.url, head, [preamble] + [b"a" * 16384] * 8)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_type_is_decided_by_content_not_by_name(serve) -> None:
    server = serve(workers=0, max_active_jobs=100)
    with server.client() as client:
        pdf = upload(client, data=b"%PDF-1.7\n" + b"\x00" * 100, name="paper.txt")  # a PDF, but a broken one
        assert pdf.status_code == 422 and pdf.headers["content-type"] == PROBLEM
        png = upload(client, data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="paper.txt")
        assert png.status_code == 415 and png.json()["detected"] == "image/png"
        assert png.headers["content-type"] == PROBLEM
        docx = upload(client, data=b"PK\x03\x04" + b"\x00" * 100, name="paper.md")
        assert docx.status_code == 415
        binary = upload(client, data=bytes(range(256)) * 4, name="paper.txt")
        assert binary.status_code == 415
        text_named_pdf = upload(client, data=SEED_000.read_bytes(), name="paper.pdf")
        assert text_named_pdf.status_code == 202
        # What the loaders read is accepted by content, exactly as `auditor check` reads it (issue 13).
        for fixture in ("fields.docx", "chromium_two_column.pdf", "library.bib"):
            data = (Path(__file__).parents[1] / "fixtures" / "formats" / fixture).read_bytes()
            accepted = upload(client, data=data, name="upload.bin")
            assert accepted.status_code == 202, (fixture, accepted.text)
        utf16 = upload(client, data=SEED_000.read_text(encoding="utf-8").encode("utf-16"), name="u16.txt")
        assert utf16.status_code == 202 and utf16.json()["progress"]["total"] == 30


def test_sniff_keeps_text_whose_sample_ends_inside_a_character() -> None:
    text = ("é" * 40000).encode("utf-8")  # 80,000 bytes: the 64 KiB sample cuts a character
    assert sniff(text) == "text/plain"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert display_name("a\x07b\n.txt") == "ab.txt" and display_name(None) == "upload.txt"
    assert len(display_name("x" * 1000)) == 255


def test_empty_unreadable_and_reference_heavy_documents_are_422(serve) -> None:
    server = serve(workers=0, max_references=29)
    with server.client() as client:
        empty = upload(client, data=b"   \n")
        assert empty.status_code == 422 and empty.json()["type"].endswith("unreadable-document")
        many = upload(client)
        assert many.status_code == 422 and many.json()["references"] == 30 and many.json()["limit"] == 29
        bad_policy = upload(client, data=b"hello", fail_on="bogus")
        assert bad_policy.status_code == 422 and "fail_on" in bad_policy.json()["detail"]


def test_too_many_active_jobs_per_tenant_is_429_with_retry_after(serve) -> None:
    server = serve(workers=0, max_active_jobs=2)
    with server.client("alice") as alice, server.client("bob") as bob:
        assert upload(alice).status_code == 202
        assert upload(alice).status_code == 202
        third = upload(alice)
        assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
        assert third.headers["content-type"] == PROBLEM
        assert upload(bob).status_code == 202  # the limit is per tenant
        first = alice.get("/v1/audits").json()["items"][0]
        assert alice.delete(f"/v1/audits/{first['id']}").status_code == 200  # cancelled frees a slot
        assert upload(alice).status_code == 202
