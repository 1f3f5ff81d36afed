"""The README's configuration table is the one generated from ``auditor.config.Settings`` (issue 9 item 19)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.config_doc import settings_markdown
from auditor.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_carries_the_current_settings_table() -> None:
    readme = README.read_text(encoding="utf-8")
    assert settings_markdown().strip() in readme, "regenerate the table with settings_markdown() and paste it"


def test_the_table_has_every_key_once_with_its_default_and_a_meaning() -> None:
    rows = [line for line in settings_markdown().splitlines() if line.startswith("| `")]
    keys = [row.split("|")[1].strip().strip("`") for row in rows]
    assert keys == [f.name for f in fields(Settings)]
    assert all(row.split("|")[5].strip() for row in rows), "every setting needs a docstring under its field"
    assert "| `cache_ttl_s` | number | `2592000` | `AUDITOR_CACHE_TTL` |" in settings_markdown()


def test_every_documented_key_is_accepted_in_toml(tmp_path: Path) -> None:
    rows = [line for line in settings_markdown().splitlines() if line.startswith("| `")]
    samples = {"string": '"x@example.org"', "number": "2", "integer": "2"}
    for row in rows:
        key, kind = row.split("|")[1].strip().strip("`"), row.split("|")[2].strip().split(",")[0]
        value = {"entrez_url": '"http://127.0.0.1:1/"', "crossref_url": '"http://127.0.0.1:1/"',
                 "cache_mode": '"offline"', "retraction_watch_url": '"off"'}.get(key, samples[kind])
        path = tmp_path / f"{key}.toml"
        path.write_text(f"[auditor]\n{key} = {value}\n", encoding="utf-8")
        Settings.load(path, environ={})  # raises ConfigError for a key the README names but Settings lacks


@pytest.mark.parametrize(("key", "hint"), [("cache_ttl", "cache_ttl_s"), ("read_timeout", "read_timeout_s"),
                                           ("retry_attemps", "retry_attempts")])
def test_an_unknown_key_names_the_real_one(tmp_path: Path, key: str, hint: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"{key} = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"unknown setting\(s\) {key} \(did you mean {hint}\?\)"):
        Settings.load(path, environ={})
