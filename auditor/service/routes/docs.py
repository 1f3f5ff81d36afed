"""``/docs``: the API reference as one self-contained HTML page built from the OpenAPI document.

FastAPI's Swagger UI and ReDoc load JavaScript and CSS from a CDN, which fails offline and lets a
third party run script on the page; this page has no script and no external asset at all.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f5f5;padding:.6rem;overflow:auto}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.4rem 1rem}.m{font-weight:700;margin-right:.5rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left}"""


def _params(op: dict[str, Any]) -> str:
    rows = [f"<tr><td><code>{escape(p.get('name', ''))}</code></td><td>{escape(p.get('in', ''))}</td>"
            f"<td>{escape(p.get('description', ''))}</td></tr>" for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {})
    for media in body:
        rows.append(f"<tr><td colspan=2>body</td><td><code>{escape(media)}</code></td></tr>")
    return f"<table><tr><th>name</th><th>in</th><th>about</th></tr>{''.join(rows)}</table>" if rows else ""


def render_docs(schema: dict[str, Any]) -> str:
    info = schema.get("info", {})
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(info.get('title', 'API'))}</title>"
             f"<style>{_STYLE}</style><h1>{escape(info.get('title', ''))} <small>{escape(info.get('version', ''))}"
             f"</small></h1><p>{escape(info.get('description', ''))}</p>"
             "<p>Machine-readable: <a href=/openapi.json><code>/openapi.json</code></a> (OpenAPI 3.1).</p>"]
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            responses = ", ".join(escape(str(code)) for code in op.get("responses", {}))
            head = f"<span class=m>{escape(method.upper())}</span><code>{escape(path)}</code>"
            parts.append(f"<div class=op><p>{head} &mdash; {escape(op.get('summary', ''))}</p>{_params(op)}"
                         f"<p>responses: {responses}</p></div>")
    components = schema.get("components", {}).get("schemas", {})
    parts.append("<h2>Schemas</h2>")
    for name, body in components.items():
        parts.append(f"<h3 id={escape(name)}>{escape(name)}</h3><pre>{escape(json.dumps(body, indent=2))}</pre>")
    return "".join(parts)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(render_docs(request.app.openapi()),
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
