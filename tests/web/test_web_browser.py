"""End to end in real Chromium: sign in, upload, live progress, the framed report, downloads, past audits.

Every test drives the pages a person uses against a real ``auditor serve`` (see conftest) and checks
what the page shows against the API or against ``auditor check`` for the same document.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import MAX_UPLOAD, SEED_000, Server, auditor_main

HOSTILE_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
HOSTILE_DOC = SEED_000.read_text(encoding="utf-8").replace(
    "et al. Extended-release naltrexone", f"et al. Extended-release {HOSTILE_TITLE} naltrexone", 1)
"""Seed 000 with markup in reference 3's title; the cassette still answers every request it makes."""
UNRECORDED_DOC = b"Notes\n\nReferences\n\n1. Roe R. A note. J Notes. 2001;1:1-2.\n"
HOSTILE_NAME = "<b>bold</b>-name.txt"


@contextmanager
def signed_in(browser: Any, server: Server, tenant: str, **context_args: Any) -> Iterator[Any]:
    """A fresh browser context signed in as ``tenant`` through the sign-in form; CSP violations fail the test."""
    context = browser.new_context(accept_downloads=True, **context_args)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(f"page error: {e}"))
    page.goto(server.url + "/")
    assert page.url.endswith("/signin")
    page.fill("#token", server.token(tenant))
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    try:
        yield page
    finally:
        context.close()
    assert violations == []


def wait_for_report(page: Any) -> Any:
    page.wait_for_selector("#report", timeout=60_000)
    frame = page.frame_locator("#report")
    frame.locator("article.ref").first.wait_for(timeout=30_000)
    return frame


def upload_api(server: Server, tenant: str, data: bytes, name: str) -> dict[str, Any]:
    with server.api(tenant) as client:
        answer = client.post("/v1/audits", files={"file": (name, data, "text/plain")})
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        for _ in range(600):
            body = client.get(f"/v1/audits/{job_id}").json()
            if body["status"] not in ("queued", "running"):
                return body  # type: ignore[no-any-return]
            time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_sign_in_upload_progress_report_filters_downloads(browser: Any, server: Server, cli_json: dict[str, Any],
                                                         tmp_path: Path, screenshots: Path) -> None:
    with signed_in(browser, server, "alice", viewport={"width": 1000, "height": 760}) as page:
        cookie = next(c for c in page.context.cookies() if c["name"] == "auditor_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain http here
        limits = page.locator("#limits").inner_text()
        assert "195.3 kB" in limits and f"{MAX_UPLOAD:,} bytes" in limits
        page.screenshot(path=str(screenshots / "web-upload.png"))
        assert (screenshots / "web-upload.png").stat().st_size > 10_000

        seen: list[str] = []
        page.set_input_files("#file", str(SEED_000))
        page.wait_for_url("**/audits/*")
        page.locator("#progress-text").wait_for()
        deadline = time.monotonic() + 60
        while "(100%)" not in (text := page.locator("#progress-text").inner_text()):
            seen.append(text)
            assert time.monotonic() < deadline, seen
            time.sleep(0.02)
        assert text.startswith("30 of 30 references checked (100%)") and "succeeded" in text
        assert page.eval_on_selector("#progress", "p => [p.value, p.max]") == [30, 30]

        frame = wait_for_report(page)
        articles = frame.locator("article.ref")
        assert articles.count() == 30
        shown = articles.evaluate_all("els => els.map(e => [e.id.replace(/.*-ref/, ''), e.dataset.verdict])")
        expected = [[str(r["number"]), r["verdict"]] for r in cli_json["references"]]
        assert shown == expected

        # The report's own filters work under the report's CSP (inline script allowed by hash only).
        verified = sum(1 for r in cli_json["references"] if r["verdict"] == "verified")
        assert verified > 0
        frame.locator("input[data-verdict=verified]").uncheck()
        assert frame.locator("article.ref:not(.hidden)").count() == 30 - verified
        assert frame.locator("article.ref.verified.hidden").count() == verified
        frame.locator("#flagged-only").check()
        assert frame.locator("article.ref:not(.hidden)").count() == sum(
            1 for r in cli_json["references"] if r["flags"] and r["verdict"] != "verified")
        frame.locator("#flagged-only").uncheck()
        frame.locator("input[data-verdict=verified]").check()
        assert frame.locator("article.ref:not(.hidden)").count() == 30
        # The framed report is sandboxed: an opaque origin, no way into the page or the cookie.
        peek = "() => { try { return parent.document.title } catch (e) { return 'blocked' } }"
        assert page.frames[1].evaluate(peek) == "blocked"

        # Per-source state beside the count: both services asked and done; Retraction Watch is off when replaying.
        states = page.eval_on_selector_all("#sources tbody tr", "rows => rows.map(r => [r.dataset.source, "
                                           "r.dataset.state, r.querySelector('.requests').textContent])")
        job_id = page.url.rsplit("/", 1)[1]
        with server.api("alice") as client:
            sources = client.get(f"/v1/audits/{job_id}").json()["progress"]["sources"]
        assert states == [[name, sources[name]["state"], str(sources[name]["requests"])]
                          for name in ("pubmed", "crossref", "retraction_watch")]
        assert [s[1] for s in states] == ["done", "done", "skipped"]
        assert page.locator("#sources tr[data-source=retraction_watch] .state").inner_text() == "not needed"

        page.locator("#report").scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshots / "web-report.png"))
        assert (screenshots / "web-report.png").stat().st_size > 10_000

        with page.expect_download() as info:
            page.click("#dl-json")
        download = info.value
        assert download.suggested_filename == "000_594f0db58d351876.json"
        saved = tmp_path / "report.json"
        download.save_as(str(saved))
        assert json.loads(saved.read_text(encoding="utf-8")) == cli_json
        with page.context.expect_page() as opened:
            page.click("#open-report")
        tab = opened.value
        tab.wait_for_load_state()
        assert tab.locator("article.ref").count() == 30
        tab.locator("input[data-verdict=not_found]").uncheck()  # the filters work there too (same CSP)
        assert tab.locator("article.ref:not(.hidden)").count() == 30 - sum(
            1 for r in cli_json["references"] if r["verdict"] == "not_found")
        tab.close()
        for fmt, ext in (("sarif", "sarif"), ("text", "txt"), ("html", "html")):
            link = page.locator(f"#dl-{fmt}")
            assert link.get_attribute("href").endswith(f"/report?format={fmt}")
            assert link.get_attribute("download") == f"000_594f0db58d351876.{ext}"


def test_sign_out_ends_the_session_and_revoking_the_token_ends_it_too(browser: Any, server: Server) -> None:
    with signed_in(browser, server, "dora") as page:
        secret = next(c["value"] for c in page.context.cookies() if c["name"] == "auditor_session")
        with httpx.Client(base_url=server.url, cookies={"auditor_session": secret}) as raw:
            assert raw.get("/v1/audits").status_code == 200
            page.click("text=Sign out")
            page.wait_for_url("**/signin")
            assert not [c for c in page.context.cookies() if c["name"] == "auditor_session"]
            assert raw.get("/v1/audits").status_code == 401  # the old cookie is dead server-side
        page.goto(server.url + "/audits")
        assert page.url.endswith("/signin")

    with signed_in(browser, server, "dora") as page:
        code, _, err = auditor_main("token", "revoke", str(server.token_ids["dora"]), "--database", server.database)
        assert code == 0, err
        page.goto(server.url + "/audits")
        assert page.url.endswith("/signin")


def test_wrong_token_is_refused_with_a_message(browser: Any, server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/signin")
    page.fill("#token", "ra_not-a-real-token")
    page.click("button[type=submit]")
    assert "unknown or revoked" in page.locator("[role=alert]").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "auditor_session"]
    context.close()


def test_past_audits_newest_first_filters_pagination_delete(browser: Any, server: Server) -> None:
    seed = SEED_000.read_bytes()
    first = upload_api(server, "erin", seed, "seed.txt")
    broken = upload_api(server, "erin", UNRECORDED_DOC, "broken.txt")  # the cassette cannot answer it
    copies = [upload_api(server, "erin", seed, f"copy-{i}.txt") for i in range(2)]
    assert first["outcome"] == "findings" and broken["status"] == "failed"
    with signed_in(browser, server, "erin") as page:
        page.click("text=Past audits")
        page.wait_for_url("**/audits")
        rows = page.locator("#audits-body tr")
        rows.first.wait_for()
        names = rows.locator("td:first-child").all_inner_texts()
        assert names == ["copy-1.txt", "copy-0.txt", "broken.txt", "seed.txt"]  # newest first
        assert page.locator("#older").is_disabled() and page.locator("#newer").is_disabled()

        page.goto(server.url + "/audits?limit=3")
        page.wait_for_function("() => document.querySelectorAll('#audits-body tr').length === 3")
        assert page.locator("#newer").is_disabled()
        page.click("#older")
        page.wait_for_function("() => document.querySelector('#list-status').textContent.startsWith('Page 2')")
        assert rows.locator("td:first-child").all_inner_texts() == ["seed.txt"]
        assert page.locator("#older").is_disabled()
        page.click("#newer")
        page.wait_for_function("() => document.querySelector('#list-status').textContent.startsWith('Page 1')")
        assert rows.locator("td:first-child").all_inner_texts() == ["copy-1.txt", "copy-0.txt", "broken.txt"]

        page.goto(server.url + "/audits")
        rows.first.wait_for()
        page.select_option("#f-status", "failed")
        page.click("#filters button[type=submit]")
        page.wait_for_function("() => document.querySelectorAll('#audits-body tr').length === 1")
        assert rows.locator("td:first-child").all_inner_texts() == ["broken.txt"]
        page.select_option("#f-status", "")
        page.select_option("#f-flagged", "true")
        page.click("#filters button[type=submit]")
        page.wait_for_function("() => !document.querySelector('#audits-body').textContent.includes('broken.txt')")
        assert rows.locator("td:first-child").all_inner_texts() == ["copy-1.txt", "copy-0.txt", "seed.txt"]
        page.select_option("#f-flagged", "false")
        page.click("#filters button[type=submit]")
        page.wait_for_function("() => document.querySelector('#audits-body').textContent.includes('No audits match')")

        page.select_option("#f-flagged", "")
        page.click("#filters button[type=submit]")
        page.wait_for_function("() => document.querySelectorAll('#audits-body tr').length === 4")
        page.once("dialog", lambda d: d.accept())
        page.click("button[aria-label='Delete copy-1.txt']")
        page.wait_for_function("() => !document.querySelector('#audits-body').textContent.includes('copy-1.txt')")
        with server.api("erin") as client:
            assert client.get(f"/v1/audits/{copies[-1]['id']}").status_code == 404
        assert rows.first.locator("td:first-child").inner_text() == "copy-0.txt"

        page.click("text=broken.txt")
        page.wait_for_url(f"**/audits/{broken['id']}")
        alert = page.locator("#audit-error")
        alert.wait_for()
        assert alert.inner_text().startswith("The audit failed: ")


def test_a_second_tenant_sees_none_of_the_first_tenants_audits(browser: Any, server: Server) -> None:
    job = upload_api(server, "frank", SEED_000.read_bytes(), "frank-secret.txt")
    with signed_in(browser, server, "grace") as page:
        page.goto(server.url + "/audits")
        page.wait_for_function("() => document.querySelector('#audits-body').textContent.includes('No audits match')")
        page.goto(server.url + f"/audits/{job['id']}")
        alert = page.locator("#audit-error")
        alert.wait_for()
        assert f"no audit {job['id']}" in alert.inner_text()
        answer = page.request.get(server.url + f"/v1/audits/{job['id']}/report?format=html")
        assert answer.status == 404
        assert "frank-secret" not in page.content()


def test_a_refused_file_shows_the_reason_and_creates_no_job(browser: Any, server: Server) -> None:
    with signed_in(browser, server, "heidi") as page:
        error = page.locator("#upload-error")
        page.set_input_files("#file", files=[{"name": "figure.png", "mimeType": "image/png",
                                             "buffer": b"\x89PNG\r\n\x1a\n" + bytes(200)}])
        error.wait_for()
        assert error.inner_text().startswith("Refused: Unsupported Media Type: the upload's content is")
        assert page.url == server.url + "/"

        page.set_input_files("#file", files=[{"name": "big.txt", "mimeType": "text/plain",
                                             "buffer": b"a" * (MAX_UPLOAD + 50_000)}])
        page.wait_for_function("() => document.querySelector('#upload-error').textContent.includes('the limit is')")
        assert "big.txt is 244.1 kB; the limit is 195.3 kB" in error.inner_text()

        page.set_input_files("#file", files=[{"name": "empty.txt", "mimeType": "text/plain", "buffer": b"   \n"}])
        page.wait_for_function("() => document.querySelector('#upload-error').textContent.includes('Unreadable')")

        # Drag and drop goes through the same upload: a dropped image is refused with the API's reason.
        dropped = page.evaluate_handle("""() => { const dt = new DataTransfer();
            dt.items.add(new File(['GIF89a not really'], 'dropped.gif', {type: 'image/gif'})); return dt; }""")
        page.dispatch_event("#dropzone", "dragover", {"dataTransfer": dropped})
        assert "over" in page.get_attribute("#dropzone", "class")
        page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
        page.wait_for_function("() => document.querySelector('#upload-error').textContent.includes('image/gif')")
        assert error.inner_text().startswith("Refused: Unsupported Media Type: ")
    with server.api("heidi") as client:
        assert client.get("/v1/audits").json()["items"] == []


def test_script_in_a_reference_title_and_in_a_file_name_stays_text(browser: Any, server: Server) -> None:
    with signed_in(browser, server, "ivan") as page:
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.set_input_files("#file", files=[{"name": HOSTILE_NAME, "mimeType": "text/plain",
                                             "buffer": HOSTILE_DOC.encode()}])
        page.wait_for_url("**/audits/*")
        frame = wait_for_report(page)
        assert SEED_000.read_text(encoding="utf-8") != HOSTILE_DOC
        raw = frame.locator("article.ref p.raw").nth(2).inner_text()
        assert HOSTILE_TITLE in raw
        assert frame.locator("article.ref script, article.ref img").count() == 0
        assert page.locator("#audit-name").inner_text() == HOSTILE_NAME
        assert page.locator("h1 b").count() == 0
        assert page.frames[1].evaluate("() => window.__pwned === undefined")
        assert page.evaluate("() => window.__pwned === undefined")

        page.goto(server.url + "/audits")
        page.locator("#audits-body tr").first.wait_for()
        assert page.locator("#audits-body tr td:first-child").first.inner_text() == HOSTILE_NAME
        assert page.locator("#audits-body b").count() == 0
        assert dialogs == []


def test_keyboard_only_and_narrow_screens(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(server.url + "/signin")
    assert page.evaluate("document.activeElement.id") == "token"  # autofocus on the one field
    page.keyboard.type(server.token("judy"))
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/")
    order: list[str] = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.id || e.textContent.trim())(document.activeElement)"))
    assert order[:7] == ["Skip to content", "reference-auditor", "Upload", "Past audits", "Watches", "Sign out",
                         "file"]
    job = upload_api(server, "judy", SEED_000.read_bytes(), SEED_000.name)
    with server.api("judy") as client:
        assert client.post("/v1/watches", files={"file": (SEED_000.name, SEED_000.read_bytes(), "text/plain")},
                           data={"cron": "0 6 * * 1"}).status_code == 201
    for path in ("/", "/audits", "/watches", f"/audits/{job['id']}", "/signin"):
        page.goto(server.url + path)
        if path.startswith("/audits/"):
            page.wait_for_selector("#sources tr[data-source=pubmed][data-state=done]")
        elif path in ("/audits", "/watches"):
            page.wait_for_selector("tbody tr td button")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    labelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
        .every(i => i.labels && i.labels.length > 0)""")
    assert labelled
    context.close()


def test_watches_add_run_now_runs_diff_delete(browser: Any, server: Server) -> None:
    with signed_in(browser, server, "kate") as page:
        page.click("text=Watches")
        page.wait_for_url("**/watches")
        page.wait_for_function("() => document.querySelector('#watches-body').textContent.includes('No watches yet')")
        page.set_input_files("#w-file", str(SEED_000))
        page.fill("#w-cron", "not a cron")
        page.click("#watch-form button[type=submit]")
        error = page.locator("#watch-error")
        error.wait_for()
        assert error.inner_text().startswith("Refused: Invalid request: ")
        page.fill("#w-cron", "0 6 * * 1")
        page.fill("#w-tz", "Europe/Oslo")
        page.click("#watch-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#watches-body').textContent.includes('0 6 * * 1')")
        assert "Europe/Oslo" in page.locator("#watches-body tr").first.inner_text()
        with server.api("kate") as client:
            watches = client.get("/v1/watches").json()["items"]
        assert [w["filename"] for w in watches] == [SEED_000.name]

        page.click(f"button[aria-label='Run {SEED_000.name} now']")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#runs-body tr')].some(r => r.dataset.status === 'done')",
            timeout=60_000)
        assert "30 reference(s) added" in page.locator("#runs-body tr").first.inner_text()
        page.click("button[aria-label='Show the diff of this run']")
        page.locator("#diff").wait_for()
        with server.api("kate") as client:
            run = client.get(f"/v1/watches/{watches[0]['id']}/runs").json()["items"][0]
            expected = client.get(f"/v1/watches/{watches[0]['id']}/runs/{run['id']}/diff?format=text").text
        assert page.locator("#diff").text_content() == expected and expected.strip()
        assert page.locator("#runs-body a").first.get_attribute("href") == f"/audits/{run['job_id']}"

        page.once("dialog", lambda d: d.accept())
        page.click(f"button[aria-label='Delete the watch of {SEED_000.name}']")
        page.wait_for_function("() => document.querySelector('#watches-body').textContent.includes('No watches yet')")
        with server.api("kate") as client:
            assert client.get("/v1/watches").json()["items"] == []


def test_pause_and_resume_a_watch_from_the_page(browser: Any, server: Server) -> None:
    with server.api("lena") as client:
        created = client.post("/v1/watches", files={"file": (SEED_000.name, SEED_000.read_bytes(), "text/plain")},
                              data={"cron": "0 6 * * 1"})
        assert created.status_code == 201, created.text
        watch = created.json()
    with signed_in(browser, server, "lena") as page:
        page.click("text=Watches")
        page.wait_for_url("**/watches")
        row = page.locator("#watches-body tr").first
        row.wait_for()
        assert row.locator(".watch-state").inner_text() == "active"
        page.click(f"button[aria-label='Pause the watch of {SEED_000.name}']")
        page.wait_for_function("() => document.querySelector('#watches-body .watch-state').textContent === 'paused'")
        assert row.get_attribute("data-paused") == "true"
        assert row.locator("td").nth(3).inner_text() == "—"  # no next run while paused
        assert page.locator("#watch-status").inner_text() == f"Paused the watch of {SEED_000.name}."
        with server.api("lena") as client:
            shown = client.get(f"/v1/watches/{watch['id']}").json()
        assert shown["paused"] is True and shown["next_run_at"] is None
        page.click(f"button[aria-label='Resume the watch of {SEED_000.name}']")
        page.wait_for_function("() => document.querySelector('#watches-body .watch-state').textContent === 'active'")
        with server.api("lena") as client:
            shown = client.get(f"/v1/watches/{watch['id']}").json()
            assert shown["paused"] is False and shown["next_run_at"]
            assert client.delete(f"/v1/watches/{watch['id']}").status_code == 204


@pytest.mark.parametrize("path", ["/", "/signin", "/audits", "/watches", "/audits/x", "/static/app.js"])
def test_security_headers_on_every_page(server: Server, path: str) -> None:
    answer = httpx.get(server.url + path)
    csp = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
