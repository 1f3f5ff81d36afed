"""BibTeX ``@string`` macros, ``#`` concatenation and the predefined month macros, as a bibtexparser 2 middleware.

bibtexparser 2's own ``ResolveStringReferencesMiddleware`` replaces a field that is exactly one
macro name, but leaves ``"Journal of " # jcm`` as it stands (upstream issue #396) and its
``RemoveEnclosingMiddleware`` then cuts such an expression at the wrong quotes. This middleware
runs first in the parse stack and evaluates every unenclosed value the way BibTeX does: a value is
``token # token # …`` where a token is ``{braced}``, ``"quoted"``, a number or a macro name; macros
are the file's ``@string`` definitions (case-insensitive, themselves expressions) and BibTeX's
``jan`` … ``dec``. The result is stored brace-enclosed, so the library's remaining middlewares
treat it as an ordinary literal.

Expansion is bounded: a definition that refers to itself resolves to nothing more than its own
name, and a value that would grow past :data:`MAX_EXPANDED_CHARS` (``@string{b = a # a}``,
``@string{c = b # b}``… doubles at every step, BibTeX's billion laughs) refuses the file.
"""

from __future__ import annotations

from bibtexparser.library import Library
from bibtexparser.middlewares.middleware import LibraryMiddleware

from auditor.errors import InputError

MAX_EXPANDED_CHARS = 100_000
"""Longest value one field or ``@string`` may expand to; real macros are journal names."""

MONTHS = {m[:3].lower(): m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December")}
"""BibTeX's predefined month macros (``month = jan``)."""

_NAME_STOP = set('#{}"=,() \t\r\n')


class MacroError(ValueError):
    """A value expanded beyond :data:`MAX_EXPANDED_CHARS`."""


def tokens(value: str) -> list[tuple[str, str]] | None:
    """``"a" # b # {c}`` -> ``[("literal", "a"), ("macro", "b"), ("literal", "c")]``, or ``None`` when
    the value is not such an expression (then it is left to bibtexparser as it is)."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while True:
        while i < n and value[i].isspace():
            i += 1
        if i >= n:
            return None
        ch = value[i]
        if ch == "{":
            depth, j = 0, i
            while j < n:
                if value[j] == "{":
                    depth += 1
                elif value[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                return None
            out.append(("literal", value[i + 1:j]))
            i = j + 1
        elif ch == '"':
            depth, j = 0, i + 1
            while j < n and not (value[j] == '"' and depth == 0 and value[j - 1] != "\\"):
                depth += {"{": 1, "}": -1}.get(value[j], 0)
                j += 1
            if j >= n:
                return None
            out.append(("literal", value[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < n and value[j] not in _NAME_STOP:
                j += 1
            if j == i:
                return None
            word = value[i:j]
            out.append(("literal" if word.isdigit() else "macro", word))
            i = j
        while i < n and value[i].isspace():
            i += 1
        if i >= n:
            return out
        if value[i] != "#":
            return None
        i += 1


class ExpandMacrosMiddleware(LibraryMiddleware):
    """Evaluate ``@string`` macros, month macros and ``#`` concatenation in every field."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    @classmethod
    def metadata_key(cls) -> str:
        return "auditor.ExpandMacros"

    def transform(self, library: Library) -> Library:
        raw = {key.lower(): s.value for key, s in library.strings_dict.items()}
        resolved: dict[str, str] = {}

        def macro(name: str, active: frozenset[str]) -> str:
            key = name.lower()
            if key in resolved:
                return resolved[key]
            if key in active:
                return name  # a definition on a cycle: its own name, never an endless expansion
            if key not in raw:
                return MONTHS.get(key, name)  # an undefined macro: BibTeX warns; the name is what it says
            value = expand(str(raw[key]), active | {key})
            resolved[key] = value
            return value

        def expand(value: str, active: frozenset[str]) -> str:
            parts = tokens(value)
            if parts is None:
                return value.strip().strip('{}"') if value.strip()[:1] in '{"' else value
            out: list[str] = []
            size = 0
            for kind, text in parts:
                piece = macro(text, active) if kind == "macro" else text
                size += len(piece)
                if size > MAX_EXPANDED_CHARS:
                    raise MacroError(f"a BibTeX value expands beyond {MAX_EXPANDED_CHARS} characters "
                                     "(@string macros concatenated into themselves)")
                out.append(piece)
            return "".join(out)

        for entry in library.entries:
            for fld in entry.fields:
                value = fld.value
                if not isinstance(value, str):
                    continue
                parts = tokens(value)
                if parts is None or (len(parts) == 1 and parts[0][0] == "literal"):
                    continue  # one literal: bibtexparser's own middlewares handle it
                fld.value = "{" + expand(value, frozenset()) + "}"
        return library


def expanding_parse_stack() -> list[LibraryMiddleware]:
    """bibtexparser 2's default parse stack with macro expansion in front of it."""
    from bibtexparser.middlewares import RemoveEnclosingMiddleware, ResolveStringReferencesMiddleware

    return [ExpandMacrosMiddleware(), ResolveStringReferencesMiddleware(), RemoveEnclosingMiddleware()]


def parse_bibtex(text: str, name: str) -> Library:
    """Parse ``text`` with macros expanded; an expansion bomb is one :class:`InputError`."""
    import bibtexparser

    try:
        return bibtexparser.parse_string(text, parse_stack=expanding_parse_stack())
    except MacroError as exc:
        raise InputError(f"{name}: {exc}; refused") from None
