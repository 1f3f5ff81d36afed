"""Recording helpers: URL rewriting and the truncated-body header fix-up (no sandbox needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from auditor.sources.replay import rewrite_uri

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from cassette_recorder import restore_declared_length, rewrite_hosts  # noqa: E402


def test_rewrite_uri_maps_sandbox_prefixes_to_live():
    assert rewrite_uri("http://127.0.0.1:41235/entrez/eutils/efetch.fcgi?db=pubmed") == (
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed")
    assert rewrite_uri("http://localhost:8080/crossref/works/10.1%2Fx") == "https://api.crossref.org/works/10.1%2Fx"
    assert rewrite_uri("https://api.crossref.org/works") == "https://api.crossref.org/works"
    assert rewrite_uri("http://example.org:80/crossref/works") == "http://example.org:80/crossref/works"


def test_rewrite_hosts_on_a_cassette_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"interactions": [
        {"request": {"uri": "http://127.0.0.1:1/crossref/works"}, "response": {}},
        {"request": {"uri": "https://api.crossref.org/works"}, "response": {}},
    ], "version": 1}))
    assert rewrite_hosts(path) == 1
    uris = [i["request"]["uri"] for i in yaml.safe_load(path.read_text())["interactions"]]
    assert uris == ["https://api.crossref.org/works", "https://api.crossref.org/works"]


def test_restore_declared_length():
    response = {"headers": {"Content-Length": ["5"], "X-Original-Content-Length": ["10"]}, "body": {"string": b"12345"}}
    fixed = restore_declared_length(response)
    assert fixed["headers"]["Content-Length"] == ["10"]
    assert "X-Original-Content-Length" not in fixed["headers"]
