"""Numbers from environment variables: the one parser the service, the jobs and the workers share.

Every numeric setting read from the environment follows one rule: blank means "use the default",
anything else must be a finite number of the right kind, and positive (or, where named, zero). A
bad value is one clear :class:`~auditor.errors.ConfigError` line naming the variable.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping

from auditor.errors import ConfigError


def env_number(env: Mapping[str, str], var: str, kind: type[int] | type[float] = float, *,
               allow_zero: bool = False) -> int | float | None:
    """``env[var]`` as ``kind``; None when unset or blank."""
    raw = env.get(var, "").strip()
    if not raw:
        return None
    try:
        number = kind(raw)
    except ValueError:
        raise ConfigError(f"{var}: {raw!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise ConfigError(f"{var}: {raw!r} must be a positive number")
    return number


def env_numbers(env: Mapping[str, str], spec: Iterable[tuple[str, str, type[int] | type[float]]],
                allow_zero: Container[str] = ()) -> dict[str, int | float]:
    """``{field: number}`` for each ``(variable, field, kind)`` of ``spec`` that is set."""
    values: dict[str, int | float] = {}
    for var, name, kind in spec:
        number = env_number(env, var, kind, allow_zero=name in allow_zero)
        if number is not None:
            values[name] = number
    return values
