"""Errors that the CLI turns into one clear line and a documented exit code, never a traceback."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3


class AuditorError(Exception):
    """Base for errors a user can act on; the message is shown as-is."""

    exit_code = EXIT_USAGE


class InputError(AuditorError):
    """The document cannot be read: missing, a directory, empty, binary or an unsupported type."""


class ConfigError(AuditorError):
    """A flag, environment variable or config file value is invalid."""
