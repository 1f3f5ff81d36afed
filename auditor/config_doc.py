"""The README's table of configuration keys, generated from :class:`auditor.config.Settings`.

The TOML keys are the field names of ``Settings``, so the table is built from the dataclass itself
(names, types, defaults) and from the docstring under each field, and ``tests/test_readme_config.py``
checks that the README carries exactly this table. A renamed, added or re-defaulted setting then
cannot leave the README behind, which is how ``cache_ttl`` came to be documented for ``cache_ttl_s``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import MISSING, fields

from auditor.config import ENV_VARS, Settings

_TYPE_NAMES = {"str": "string", "float": "number", "int": "integer", "bool": "boolean"}


def _field_docs() -> dict[str, str]:
    """The string literal right under each field of ``Settings`` (attribute docstrings)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Settings)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, following in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split()).replace("``", "`")
    return docs


def _type_name(annotation: object) -> str:
    """``"float | None"`` -> ``number, optional``: what to write in TOML, not the Python spelling."""
    parts = [p.strip() for p in str(annotation).split("|")]
    optional = "None" in parts
    names = [_TYPE_NAMES.get(p, p) for p in parts if p != "None"]
    return " or ".join(names) + (", optional" if optional else "")


def _default(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def settings_markdown() -> str:
    """Every ``Settings`` key as a Markdown table: key, type, default, environment variable, meaning."""
    docs = _field_docs()
    env_of = {name: var for var, name in ENV_VARS.items()}
    lines = ["| key | type | default | environment | meaning |", "|---|---|---|---|---|"]
    for f in fields(Settings):
        default = f.default if f.default is not MISSING else None
        env = f"`{env_of[f.name]}`" if f.name in env_of else "–"
        meaning = docs.get(f.name, "").replace("|", "\\|")
        lines.append(f"| `{f.name}` | {_type_name(f.type)} | {_default(default)} | {env} | {meaning} |")
    return "\n".join(lines) + "\n"
