"""Settings precedence and validation."""

from __future__ import annotations

import pytest

from auditor.config import DEFAULT_CROSSREF_URL, DEFAULT_ENTREZ_URL, Settings
from auditor.errors import ConfigError


def test_defaults_are_the_live_services():
    s = Settings.load(environ={})
    assert s.entrez_url == DEFAULT_ENTREZ_URL and s.crossref_url == DEFAULT_CROSSREF_URL
    assert s.cache_mode == "use" and s.cache_ttl_s == 30 * 86400 and s.cache_negative_ttl_s == 86400
    assert s.resolved_cache_dir.name  # platformdirs default
    assert not s.crossref_polite


def test_precedence_toml_env_flags(tmp_path):
    path = tmp_path / "auditor.toml"
    path.write_text('email = "toml@example.org"\nretry_attempts = 7\ncache_mode = "refresh"\n')
    env = {"AUDITOR_EMAIL": "env@example.org", "AUDITOR_RETRY_ATTEMPTS": "4", "NCBI_API_KEY": "k"}
    s = Settings.load(path, environ=env, retry_attempts=2, cache_mode=None)
    assert s.email == "env@example.org"  # env beats TOML
    assert s.retry_attempts == 2  # flag beats env
    assert s.cache_mode == "refresh"  # None flag means "not given"
    assert s.ncbi_api_key == "k" and s.crossref_polite


def test_auditor_table_in_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[auditor]\nread_timeout_s = 5\n')
    assert Settings.load(path, environ={}).read_timeout_s == 5.0


@pytest.mark.parametrize(
    ("env", "message"),
    [({"AUDITOR_CACHE_MODE": "sometimes"}, "cache_mode"),
     ({"AUDITOR_RETRY_ATTEMPTS": "three"}, "retry_attempts"),
     ({"AUDITOR_RETRY_ATTEMPTS": "0"}, "retry_attempts"),
     ({"AUDITOR_READ_TIMEOUT": "-1"}, "read_timeout_s"),
     ({"AUDITOR_CACHE_TTL": "nan"}, "cache_ttl_s"),
     ({"AUDITOR_ENTREZ_URL": "ftp://x/"}, "entrez_url"),
     ({"AUDITOR_CROSSREF_URL": "https://api.crossref.org"}, "must end with '/'"),
     ({"AUDITOR_EMAIL": "not an email"}, "email")],
)
def test_invalid_values_raise_config_error(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(environ=env)


def test_bad_files_and_unknown_keys(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        Settings.load(tmp_path / "missing.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("email = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(bad, environ={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="colour"):
        Settings.load(unknown, environ={})
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(environ={}, colour="blue")
    with pytest.raises(ConfigError, match="integer"):
        Settings.load(environ={}, retry_attempts=2.5)


def test_settings_are_frozen():
    s = Settings.load(environ={})
    with pytest.raises(AttributeError):
        s.email = "x@y.z"  # type: ignore[misc]


def test_cache_mode_aliases():
    assert Settings.load(environ={}, cache_mode="off").cache_mode == "no-cache"
    assert Settings.load(environ={"AUDITOR_CACHE_MODE": "Offline"}).cache_mode == "offline"
