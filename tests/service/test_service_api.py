"""The HTTP API over a real uvicorn server and store: submit, poll, report, list, cancel, problems."""

from __future__ import annotations

from auditor.store.tokens import list_tokens, revoke_token

from .conftest import SEED_000, upload, wait_for

PROBLEM = "application/problem+json"


def test_seed_000_end_to_end_gives_the_clis_bytes_in_every_format(serve, cli_reports) -> None:
    server = serve()
    with server.client() as client:
        resp = upload(client)
        assert resp.status_code == 202
        job = resp.json()
        assert resp.headers["location"] == f"/v1/audits/{job['id']}"
        assert int(resp.headers["retry-after"]) >= 1
        pending = {"state": "pending", "requests": 0, "errors": 0}
        assert job["status"] == "queued" and job["progress"] == {
            "done": 0, "total": 30,
            "sources": {"pubmed": pending, "crossref": pending, "retraction_watch": pending}}
        done = wait_for(client, job["id"])
        assert done["status"] == "succeeded", done
        sources = done["progress"].pop("sources")
        assert done["progress"] == {"done": 30, "total": 30}
        # Replayed: both services asked and answered (30 requests in all, as the report says); the
        # Retraction Watch index is off while replaying.
        assert {k: v["state"] for k, v in sources.items()} == {
            "pubmed": "done", "crossref": "done", "retraction_watch": "skipped"}
        assert sources["pubmed"]["requests"] + sources["crossref"]["requests"] == 30
        assert sources["pubmed"]["errors"] == sources["crossref"]["errors"] == 0
        assert done["flagged_references"] == 26  # 3 minor + 7 major + 16 not_found, no flags
        assert done["summary"] == {"verified": 4, "minor": 3, "major": 7, "not_found": 16, "unchecked": 0}
        assert (done["outcome"], done["exit_code"]) == ("findings", 1)
        assert done["started_at"] and done["finished_at"] and done["error"] is None and done["attempts"] == 1
        expected = cli_reports
        for fmt in expected:
            by_query = client.get(f"/v1/audits/{job['id']}/report", params={"format": fmt})
            assert by_query.status_code == 200
            assert by_query.content == expected[fmt], fmt
        for accept, fmt, media in (("application/json", "json", "application/json"),
                                   ("text/html", "html", "text/html"),
                                   ("application/sarif+json", "sarif", "application/sarif+json"),
                                   ("text/plain;q=0.9, image/png", "text", "text/plain")):
            resp = client.get(f"/v1/audits/{job['id']}/report", headers={"Accept": accept})
            assert resp.status_code == 200 and resp.content == expected[fmt]
            assert resp.headers["content-type"].startswith(media)
        again = client.get(f"/v1/audits/{job['id']}/report", headers={"If-None-Match": resp.headers["etag"],
                                                                       "Accept": "text/plain"})
        assert again.status_code == 304
        refused = client.get(f"/v1/audits/{job['id']}/report", headers={"Accept": "image/png"})
        assert refused.status_code == 406 and refused.headers["content-type"] == PROBLEM


def test_every_route_needs_a_valid_token_and_revocation_is_immediate(serve) -> None:
    server = serve(workers=0)
    with server.client(None) as anonymous:
        resp = anonymous.get("/v1/audits")
        assert resp.status_code == 401 and resp.headers["content-type"] == PROBLEM
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert anonymous.get("/v1/audits", headers={"Authorization": "Bearer ra_guess"}).status_code == 401
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/metrics").status_code == 200
    with server.client() as client:
        assert client.get("/v1/audits").status_code == 200
        job = upload(client).json()
        assert client.get(f"/v1/audits/{job['id']}").status_code == 200
        assert client.get(f"/v1/audits/{job['id']}", headers={"Authorization": "Bearer ra_guess"}).status_code == 401
        (token,) = [t for t in list_tokens(server.db) if t.tenant == "alice"]
        assert revoke_token(server.db, token.id)
        resp = client.get("/v1/audits")
        assert resp.status_code == 401 and "revoked" in resp.json()["detail"]
        resp = client.get(f"/v1/audits/{job['id']}")  # the one-query status read refuses it too
        assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


def test_tenants_cannot_see_each_others_jobs(serve) -> None:
    server = serve(workers=0)
    with server.client("alice") as alice, server.client("bob") as bob:
        job = upload(alice).json()
        for method, path in (("GET", f"/v1/audits/{job['id']}"), ("GET", f"/v1/audits/{job['id']}/report"),
                             ("DELETE", f"/v1/audits/{job['id']}")):
            resp = bob.request(method, path)
            assert resp.status_code == 404 and resp.headers["content-type"] == PROBLEM, (method, path)
        assert bob.get("/v1/audits").json()["items"] == []
        assert alice.get(f"/v1/audits/{job['id']}").json()["status"] == "queued"  # bob's DELETE did nothing


def test_unknown_routes_methods_and_bad_parameters_are_problems(serve) -> None:
    server = serve(workers=0)
    with server.client() as client:
        cases = [("GET", "/nowhere", 404), ("PUT", "/v1/audits", 405), ("GET", "/v1/audits?limit=0", 422),
                 ("GET", "/v1/audits?status=done", 422), ("GET", "/v1/audits?cursor=bm9wZQ", 422),
                 ("GET", "/v1/audits/nope", 404), ("POST", "/v1/audits", 422)]
        for method, path, status in cases:
            resp = client.request(method, path)
            assert resp.status_code == status, (method, path, resp.text)
            assert resp.headers["content-type"] == PROBLEM
            body = resp.json()
            assert body["status"] == status and body["title"] and "type" in body
        assert set(client.request("PUT", "/v1/audits").headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_idempotency_key_returns_the_same_job_and_refuses_another_body(serve) -> None:
    server = serve(workers=0)
    with server.client() as client:
        first = upload(client, headers={"Idempotency-Key": "abc-1"})
        second = upload(client, headers={"Idempotency-Key": "abc-1"})
        assert first.status_code == second.status_code == 202
        assert first.json()["id"] == second.json()["id"]
        assert len(client.get("/v1/audits").json()["items"]) == 1
        other = upload(client, data=SEED_000.read_bytes() + b"\n", headers={"Idempotency-Key": "abc-1"})
        assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
        assert upload(client, headers={"Idempotency-Key": "abc-2"}).json()["id"] != first.json()["id"]


def test_listing_is_newest_first_with_cursor_pages_and_a_status_filter(serve) -> None:
    server = serve(workers=0, max_active_jobs=100)
    with server.client() as client:
        ids = [upload(client, data=SEED_000.read_bytes() + b" " * i).json()["id"] for i in range(5)]
        seen, cursor = [], None
        while True:
            page = client.get("/v1/audits", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids[::-1]
        assert client.delete(f"/v1/audits/{ids[0]}").status_code == 200
        cancelled = client.get("/v1/audits", params={"status": "cancelled"}).json()["items"]
        assert [c["id"] for c in cancelled] == [ids[0]]


def test_delete_cancels_a_queued_job_then_deletes_it(serve) -> None:
    server = serve(workers=0)
    with server.client() as client:
        job = upload(client).json()
        report = client.get(f"/v1/audits/{job['id']}/report")
        assert report.status_code == 409 and report.headers["retry-after"]
        resp = client.delete(f"/v1/audits/{job['id']}")
        assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
        assert client.get(f"/v1/audits/{job['id']}/report").status_code == 409
        assert client.delete(f"/v1/audits/{job['id']}").status_code == 204
        assert client.get(f"/v1/audits/{job['id']}").status_code == 404


def test_a_running_job_is_cancelled_by_delete(serve) -> None:
    server = serve(job={"test_delay_s": 30})
    with server.client() as client:
        job = upload(client).json()
        wait_for(client, job["id"], ("running",))
        resp = client.delete(f"/v1/audits/{job['id']}")
        assert resp.status_code == 202 and resp.json()["cancel_requested"] is True
        assert wait_for(client, job["id"], timeout=10)["status"] == "cancelled"


def test_health_readiness_metrics_and_offline_docs(serve) -> None:
    idle = serve(workers=0)
    with idle.client(None) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["migrations"] == "ok" and ready.json()["checks"]["workers"] != "ok"
    busy = serve(workers=1)
    with busy.client() as client:
        assert client.get("/readyz").status_code == 200
        job = upload(client).json()
        wait_for(client, job["id"])
        metrics = client.get("/metrics").text
        for name in ('auditor_jobs{status="succeeded"} 1.0', "auditor_queue_depth 0.0",
                     'auditor_job_duration_seconds_count{status="succeeded"} 1.0',
                     'auditor_upstream_requests_total{service="crossref",status="200"}',
                     "auditor_upstream_rate_limited_total",
                     "auditor_upstream_cache_hit_ratio"):
            assert name in metrics, name
        docs = client.get("/docs")
        assert docs.status_code == 200 and "/v1/audits/{job_id}/report" in docs.text
        assert "<script" not in docs.text and "src=" not in docs.text and "https://cdn" not in docs.text
        assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_a_job_reuses_the_parse_of_its_upload(serve, cli_reports, monkeypatch) -> None:
    """In one process the worker takes the API's parse of the upload instead of parsing again."""
    from auditor.jobs import execute

    calls: list[str] = []
    real = execute.parse_bytes

    def counting(data: bytes, name: str) -> object:
        calls.append(name)
        return real(data, name)

    monkeypatch.setattr(execute, "parse_bytes", counting)  # what both the upload and the job call
    server = serve()
    with server.client() as client:
        job = upload(client).json()
        done = wait_for(client, job["id"])
        assert done["status"] == "succeeded"
        report = client.get(f"/v1/audits/{job['id']}/report", params={"format": "json"})
    assert report.content == cli_reports["json"]  # the same bytes as `auditor check`
    assert len(calls) == 1  # parsed at upload only


def test_an_api_only_process_keeps_no_parse_for_jobs_it_will_not_run(serve) -> None:
    """With no workers here (`serve --workers 0`), another process runs the job: nothing is kept."""
    from auditor.jobs.handoff import HANDOFF

    before = len(HANDOFF)
    server = serve(workers=0)
    with server.client() as client:
        assert upload(client).status_code == 202
    assert len(HANDOFF) == before
