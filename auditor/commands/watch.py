"""``auditor watch add|list|show|edit|delete|pause|resume|run-due``: scheduled re-audits.

``add``, ``list``, ``show``, ``edit``, ``delete``, ``pause`` and ``resume`` are clients of a running
``auditor serve`` with ``--server`` (token from ``--token`` or ``AUDITOR_TOKEN``); without it they
work on the store directly (``--database``, the ``local`` tenant for new watches, every tenant's
watches listed: whoever can open the database is its operator). ``run-due`` works on the store
directly, for deployments that prefer system cron or a Kubernetes CronJob to a long-running
service: it creates the runs that are due (exactly once per scheduled time, whoever else is
scheduling), executes their audits in this process, then stores the diffs and sends the webhooks
(each a delivery job of its own, also those a previous process left waiting). Exit codes: 0 done,
2 error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from auditor.errors import InputError
from auditor.outcome import DEFAULT_FAIL_ON


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("watch", help="scheduled re-audits: add, list, show, edit, delete, pause, resume, run-due",
                       description="Watch documents: re-audit them on a schedule and report what changed.")
    actions = p.add_subparsers(dest="watch_command", required=True)

    def client_options(q: argparse.ArgumentParser) -> None:
        q.add_argument("--server", metavar="URL", help="the service, e.g. http://127.0.0.1:8000 (default: the "
                       "store given by --database)")
        q.add_argument("--token", metavar="T", help="bearer token (default: AUDITOR_TOKEN)")
        q.add_argument("--database", metavar="URL", help="without --server: SQLAlchemy URL (default: "
                       "AUDITOR_DATABASE_URL, then the default SQLite file)")

    add = actions.add_parser("add", help="register FILE for scheduled re-audits")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--cron", required=True, metavar="EXPR", help='5-field cron, e.g. "0 6 * * 1"')
    add.add_argument("--timezone", default="UTC", metavar="ZONE", help="IANA zone of the cron fields (default UTC)")
    add.add_argument("--webhook", metavar="URL", help="POST a signed JSON notification here")
    add.add_argument("--notify", choices=("changes", "always", "retractions"), default="changes")
    add.add_argument("--fail-on", default=DEFAULT_FAIL_ON, metavar="VERDICTS")
    client_options(add)
    listing = actions.add_parser("list", help="list your watches")
    client_options(listing)
    show = actions.add_parser("show", help="one watch and its recent runs")
    show.add_argument("id", metavar="ID")
    client_options(show)
    edit = actions.add_parser("edit", help="change a watch's schedule, webhook or notification policy")
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--cron", metavar="EXPR", help="new 5-field cron expression")
    edit.add_argument("--timezone", metavar="ZONE", help="new IANA zone of the cron fields")
    edit.add_argument("--webhook", metavar="URL", help='new webhook URL ("" removes the webhook)')
    edit.add_argument("--notify", choices=("changes", "always", "retractions"))
    edit.add_argument("--fail-on", metavar="VERDICTS")
    client_options(edit)
    delete = actions.add_parser("delete", help="stop watching (runs and deliveries go; their audits stay)")
    delete.add_argument("id", metavar="ID")
    client_options(delete)
    for name, what in (("pause", "stop scheduling a watch (run-now still runs it)"),
                       ("resume", "schedule it again from its next tick (missed runs are not fired)")):
        toggle = actions.add_parser(name, help=what)
        toggle.add_argument("id", metavar="ID")
        client_options(toggle)
    due = actions.add_parser("run-due", help="run every due watch now, in this process (for system cron)")
    due.add_argument("--database", metavar="URL",
                     help="SQLAlchemy URL (default: AUDITOR_DATABASE_URL, then the default SQLite file)")
    due.add_argument("--config", metavar="TOML", help="audit settings file, as for `auditor check --config`")
    p.set_defaults(run=run)


def _client(args: argparse.Namespace) -> Any:
    import httpx

    token = args.token or os.environ.get("AUDITOR_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=args.server.rstrip("/"), headers=headers, timeout=httpx.Timeout(60.0, connect=10.0))


def _checked(resp: Any, *ok: int) -> Any:
    from .submit import _problem

    if resp.status_code not in ok:
        raise _problem(resp)
    return resp.json()


def _line(w: dict[str, Any]) -> str:
    from auditor.watch.diff_render import plain

    hook = "webhook" if w.get("webhook_url") else "no webhook"
    state = "paused" if w.get("paused") else "active"
    return (f"{w['id']}  {w['cron']}  {w['timezone']}  next {w.get('next_run_at') or '-'}  {state}  {w['notify']}  "
            f"{hook}  {plain(w['filename'])}")


def _remote(args: argparse.Namespace) -> int:
    import httpx

    from .submit import ServiceError, _problem

    try:
        with _client(args) as client:
            if args.watch_command == "add":
                data = _read(args.file)
                form = {"cron": args.cron, "timezone": args.timezone, "notify": args.notify, "fail_on": args.fail_on}
                if args.webhook:
                    form["webhook_url"] = args.webhook
                watch = _checked(client.post("/v1/watches", files={"file": (args.file, data)}, data=form), 201)
                print(watch["id"])
                _print_secret(watch.get("webhook_secret"))
                print(f"next run {watch.get('next_run_at')}", file=sys.stderr)
            elif args.watch_command == "list":
                for w in _checked(client.get("/v1/watches"), 200)["items"]:
                    print(_line(w))
            elif args.watch_command == "edit":
                watch = _checked(client.patch(f"/v1/watches/{args.id}", json=_edits(args)), 200)
                print(_line(watch))
                _print_secret(watch.get("webhook_secret"))
            elif args.watch_command == "delete":
                resp = client.delete(f"/v1/watches/{args.id}")
                if resp.status_code != 204:
                    raise _problem(resp)
                print(f"deleted watch {args.id}", file=sys.stderr)
            elif args.watch_command in ("pause", "resume"):
                paused = args.watch_command == "pause"
                print(_line(_checked(client.patch(f"/v1/watches/{args.id}", json={"paused": paused}), 200)))
            else:
                watch = _checked(client.get(f"/v1/watches/{args.id}"), 200)
                runs = _checked(client.get(f"/v1/watches/{args.id}/runs", params={"limit": 10}), 200)["items"]
                print(json.dumps({"watch": watch, "runs": runs}, ensure_ascii=False, indent=2))
    except httpx.HTTPError as exc:
        raise ServiceError(f"{args.server}: {type(exc).__name__}: {exc}") from None
    return 0


def _edits(args: argparse.Namespace) -> dict[str, str]:
    """The PATCH body: only the options given (``--webhook ""`` removes the webhook)."""
    edits = {key: value for key, value in (("cron", args.cron), ("timezone", args.timezone),
                                           ("webhook_url", args.webhook), ("notify", args.notify),
                                           ("fail_on", args.fail_on)) if value is not None}
    if not edits:
        raise InputError("watch edit: nothing to change; give --cron, --timezone, --webhook, --notify or --fail-on")
    return edits


def _print_secret(secret: str | None) -> None:
    if secret:
        print(f"webhook secret (shown once; verify X-Auditor-Signature with it): {secret}", file=sys.stderr)


async def run_due(db: Any, settings: Any, job_settings: Any, owner: str) -> tuple[int, int, int]:
    """Due runs -> their jobs, executed here -> finalised -> their webhooks sent.

    Returns (runs created, runs finalised, webhooks delivered)."""
    from auditor.jobs.execute import execute_job, replay_context
    from auditor.store import jobs as store_jobs
    from auditor.store import watches as store_watches
    from auditor.watch.delivery import send_waiting
    from auditor.watch.runs import finalize_ready_runs

    created = await asyncio.to_thread(store_watches.create_due_runs, db)
    await asyncio.to_thread(store_watches.ensure_jobs, db)
    pending = await asyncio.to_thread(store_watches.queued_run_jobs, db)
    with replay_context(job_settings):
        for job_id in pending:
            job = await asyncio.to_thread(store_jobs.claim, db, owner, job_settings.lease_s,
                                          job_settings.max_attempts, job_id)
            if job is not None:  # another worker may have taken it: it will finish it
                await execute_job(db, job, owner, settings, job_settings)
    finalized = await finalize_ready_runs(db, job_settings.public_url)
    delivered = await send_waiting(db)  # every waiting delivery, also those an earlier process left
    return len(created), finalized, delivered


def _read(path_text: str) -> bytes:
    """As ``auditor check`` reads: a regular file only (never a FIFO hang), capped at the upload limit."""
    from auditor.documents.loader import max_document_bytes, read_document_bytes

    return read_document_bytes(path_text, max_document_bytes())


def _local(args: argparse.Namespace) -> int:
    """``add``/``list``/``show``/``edit``/``delete`` on the store itself, with the API's validation rules."""
    import hashlib

    from auditor.errors import ConfigError
    from auditor.outcome import parse_fail_on
    from auditor.store import watches as store_watches
    from auditor.store.tokens import LOCAL_TENANT, ensure_tenant
    from auditor.watch.schedule import Schedule, ScheduleError
    from auditor.watch.webhooks import AddressPolicy, WebhookRefused, check_target

    from ._store import open_store

    db = open_store(args.database)
    try:
        if args.watch_command == "add":
            try:
                schedule = Schedule.parse(args.cron, args.timezone)
            except ScheduleError as exc:
                raise ConfigError(str(exc)) from None
            policy = ",".join(sorted(parse_fail_on(args.fail_on))) or "none"
            if args.webhook:
                try:
                    asyncio.run(check_target(args.webhook, AddressPolicy.from_env()))
                except WebhookRefused as exc:
                    raise ConfigError(f"--webhook: {exc}") from None
            data = _read(args.file)
            from auditor.documents.loader import load_bytes
            from auditor.parsing import parse_document

            parse_document(load_bytes(data, args.file))  # unreadable documents fail here, not at 6 am
            tenant = ensure_tenant(db, LOCAL_TENANT)
            created = store_watches.create_watch(
                db, tenant_id=tenant.tenant_id, filename=args.file, data=data, cron=schedule.cron,
                timezone=schedule.timezone, notify=args.notify, fail_on=policy, webhook_url=args.webhook,
                sha256=hashlib.sha256(data).hexdigest())
            print(created.watch.id)
            _print_secret(created.secret)
            print(f"next run {created.watch.next_run_at.isoformat() if created.watch.next_run_at else '-'}",
                  file=sys.stderr)
        elif args.watch_command == "list":
            for w in store_watches.list_watches(db, None, limit=10_000):
                print(_line(_as_dict(w)))
        elif args.watch_command in ("edit", "delete"):
            edits = _edits(args) if args.watch_command == "edit" else {}
            watch = store_watches.get_watch(db, args.id)
            if watch is None:
                raise InputError(f"no watch {args.id}")
            if args.watch_command == "delete":
                store_watches.delete_watch(db, watch.id, watch.tenant_id)
                print(f"deleted watch {args.id}", file=sys.stderr)
                return 0
            changes: dict[str, Any] = {}
            if "cron" in edits or "timezone" in edits:
                try:
                    schedule = Schedule.parse(edits.get("cron", watch.cron), edits.get("timezone", watch.timezone))
                except ScheduleError as exc:
                    raise ConfigError(str(exc)) from None
                changes.update(cron=schedule.cron, timezone=schedule.timezone)
            if "webhook_url" in edits:
                url = edits["webhook_url"].strip() or None
                if url:
                    try:
                        asyncio.run(check_target(url, AddressPolicy.from_env()))
                    except WebhookRefused as exc:
                        raise ConfigError(f"--webhook: {exc}") from None
                changes["webhook_url"] = url
            if "notify" in edits:
                changes["notify"] = edits["notify"]
            if "fail_on" in edits:
                changes["fail_on"] = ",".join(sorted(parse_fail_on(edits["fail_on"]))) or "none"
            updated, secret = store_watches.update_watch(db, watch.id, watch.tenant_id, changes)
            if updated is None:
                raise InputError(f"no watch {args.id}")
            print(_line(_as_dict(updated)))
            _print_secret(secret)
        elif args.watch_command in ("pause", "resume"):
            toggled = store_watches.set_paused(db, args.id, args.watch_command == "pause")
            if toggled is None:
                raise InputError(f"no watch {args.id}")
            print(_line(_as_dict(toggled)))
        else:
            watch = store_watches.get_watch(db, args.id)
            if watch is None:
                raise InputError(f"no watch {args.id}")
            runs = [{"id": r.id, "scheduled_for": r.scheduled_for.isoformat(), "trigger": r.trigger,
                     "status": r.status, "job_id": r.job_id, "summary": r.summary, "notified": r.notified}
                    for r, _ in store_watches.list_runs(db, watch.id, 10)]
            print(json.dumps({"watch": _as_dict(watch), "runs": runs}, ensure_ascii=False, indent=2))
    finally:
        db.dispose()
    return 0


def _as_dict(w: Any) -> dict[str, Any]:
    return {"id": w.id, "filename": w.filename, "cron": w.cron, "timezone": w.timezone, "notify": w.notify,
            "webhook_url": w.webhook_url, "fail_on": w.fail_on, "paused": bool(w.paused),
            "next_run_at": w.next_run_at.isoformat() if w.next_run_at else None,
            "last_scheduled_for": w.last_scheduled_for.isoformat() if w.last_scheduled_for else None}


def run(args: argparse.Namespace) -> int:
    if args.watch_command != "run-due":
        return _remote(args) if args.server else _local(args)
    import socket

    from auditor.config import Settings
    from auditor.jobs.settings import JobSettings

    from ._store import open_store

    settings = Settings.load(args.config)
    job_settings = JobSettings.from_env()
    db = open_store(args.database)
    try:
        owner = f"run-due:{socket.gethostname()}:{os.getpid()}"
        created, finalized, delivered = asyncio.run(run_due(db, settings, job_settings, owner))
    finally:
        db.dispose()
    print(f"{created} watch run(s) were due; {finalized} run(s) finalised; {delivered} webhook(s) delivered",
          file=sys.stderr)
    return 0
