"""The web front end over plain HTTP (no browser): cookies, CSRF, sessions, and the report's CSP.

These are the rules the browser tests rely on, checked at the level where an attacker works: raw
requests with and without the cookie, the CSRF header and the sign-in form's token.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.sessions import create_session, end_session, session_principal
from auditor.store.tables import WebSession
from auditor.store.tokens import create_token, revoke_token

from .conftest import SEED_000, Server


def _hidden_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(server: Server, tenant: str, **headers: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=server.url, headers=headers, timeout=30)
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": server.token(tenant), "csrf_token": _hidden_csrf(form.text)})
    return client, answer


def page_csrf(client: httpx.Client) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', client.get("/").text)
    assert found
    return found.group(1)


def test_sign_in_sets_a_strict_http_only_cookie_secure_behind_tls(server: Server) -> None:
    client, answer = sign_in(server, "kim")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "auditor_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    client.close()
    # Behind a TLS proxy every cookie is Secure (httpx, talking plain http here, would not send them back,
    # so the sign-in form's cookie is returned by hand).
    with httpx.Client(base_url=server.url, headers={"X-Forwarded-Proto": "https"}) as tls:
        form = tls.get("/signin")
        signin_cookie = form.headers["set-cookie"]
        assert "Secure" in signin_cookie and "HttpOnly" in signin_cookie
        value = signin_cookie.split(";")[0]
        answer = tls.post("/signin", data={"token": server.token("kim"), "csrf_token": _hidden_csrf(form.text)},
                          headers={"Cookie": value})
        assert answer.status_code == 303
        cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "auditor_session=" in v)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_sign_in_form_needs_its_own_csrf_token(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        answer = client.post("/signin", data={"token": server.token("kim"), "csrf_token": "guess"})
        assert answer.status_code == 403 and "auditor_session" not in answer.headers.get("set-cookie", "")
        client.get("/signin")
        answer = client.post("/signin", data={"token": server.token("kim"), "csrf_token": "guess"})
        assert answer.status_code == 403 and "auditor_session" not in answer.headers.get("set-cookie", "")


def test_cookie_requests_that_change_state_need_the_csrf_header_bearer_ones_do_not(server: Server) -> None:
    client, _ = sign_in(server, "lena")
    files = {"file": ("seed.txt", SEED_000.read_bytes(), "text/plain")}
    assert client.get("/v1/audits").status_code == 200  # reading needs no CSRF token
    refused = client.post("/v1/audits", files=files)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/csrf") and "X-CSRF-Token" in refused.json()["detail"]
    assert client.post("/v1/audits", files=files, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    token = page_csrf(client)
    accepted = client.post("/v1/audits", files=files, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 202
    job = accepted.json()["id"]
    assert client.delete(f"/v1/audits/{job}").status_code == 403
    assert client.get(f"/v1/audits/{job}").status_code == 200
    with server.api("lena") as bearer:  # a bearer request never needs a CSRF token
        assert bearer.get(f"/v1/audits/{job}").status_code == 200
    client.close()


def test_sign_out_needs_the_page_token_then_ends_the_session(server: Server) -> None:
    client, _ = sign_in(server, "mona")
    assert client.post("/signout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.get("/v1/audits").status_code == 200
    token = page_csrf(client)
    cookie = client.cookies["auditor_session"]
    answer = client.post("/signout", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    with httpx.Client(base_url=server.url, cookies={"auditor_session": cookie}) as replay:
        assert replay.get("/v1/audits").status_code == 401
        assert replay.get("/").headers["location"] == "/signin"
    client.close()


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_html_report_may_be_framed_by_our_pages_only_and_runs_only_its_own_script(server: Server) -> None:
    with server.api("nina") as client:
        job = client.post("/v1/audits", files={"file": ("seed.txt", SEED_000.read_bytes(), "text/plain")}).json()
        for _ in range(600):
            if client.get(f"/v1/audits/{job['id']}").json()["status"] == "succeeded":
                break
        html = client.get(f"/v1/audits/{job['id']}/report?format=html")
        csp = html.headers["content-security-policy"]
        assert "frame-ancestors 'self'" in csp and "sandbox allow-scripts" in csp and "unsafe-inline" not in csp
        assert html.headers["x-frame-options"] == "SAMEORIGIN" and html.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script>(.*?)</script>", html.text, re.S)
        styles = re.findall(r"<style>(.*?)</style>", html.text, re.S)
        assert len(scripts) == 1 and len(styles) == 1
        assert f"script-src {_sha(scripts[0])};" in csp and f"style-src {_sha(styles[0])};" in csp
        as_json = client.get(f"/v1/audits/{job['id']}/report?format=json")
        assert "frame-ancestors 'none'" in as_json.headers["content-security-policy"]


def test_sessions_store_only_a_hash_and_end_at_expiry_sign_out_and_revocation(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    migrate.upgrade(db)
    issued = create_token(db, "olga")
    from auditor.store.tokens import authenticate

    who = authenticate(db, issued.secret)
    assert who is not None
    secret = create_session(db, who)
    assert session_principal(db, secret) == who
    with db.read() as session:
        stored = session.scalars(select(WebSession)).all()
    assert len(stored) == 1 and secret not in repr(vars(stored[0])) and stored[0].secret_sha256 != secret
    assert end_session(db, secret) and not end_session(db, secret)
    assert session_principal(db, secret) is None
    expired = create_session(db, who, lifetime=timedelta(seconds=-1))
    assert session_principal(db, expired) is None
    live = create_session(db, who)
    assert session_principal(db, live) == who
    assert revoke_token(db, issued.id)
    assert session_principal(db, live) is None
    assert session_principal(db, "rs_" + "x" * 43) is None and session_principal(db, issued.secret) is None
    db.dispose()


def test_no_auth_pages_act_for_local_without_sign_in(tmp_path: Path) -> None:
    from auditor.service.app import create_app
    from auditor.service.settings import ServiceSettings
    from tests.service.conftest import run_in_thread

    db = Database(f"sqlite:///{tmp_path / 'n.sqlite3'}")
    migrate.upgrade(db)
    url, stop = run_in_thread(create_app(db, ServiceSettings(auth=False), workers=0))
    try:
        with httpx.Client(base_url=url) as client:
            page = client.get("/")
            assert page.status_code == 200 and "signed in as <strong>local</strong>" in page.text
            assert 'action="/signout"' not in page.text and 'name="csrf-token"' not in page.text
            assert client.get("/signin").headers["location"] == "/"
            assert client.get("/v1/audits").status_code == 200
    finally:
        stop()
        db.dispose()
