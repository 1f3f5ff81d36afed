"""Untrusted text made safe for a terminal; colour without rich's per-line cost; a Console that interprets nothing.

Document text, file names and record titles are hostile input. rich would turn ``:100:`` (the line
number of ``path:100:5``) or ``:thumbs_up:`` into emoji and ``[bold]`` or ``[link=...]`` into
markup, and a raw ESC in a title would reach the user's terminal as a control sequence (clearing the
screen, retitling the window, faking output). So untrusted strings pass through :func:`visible`, which
shows control characters as escapes instead of sending them, and are never handed to rich as markup.

Report lines are plain strings coloured by :func:`paint`, one SGR pair per styled span: a
``Console.print`` per line costs ~0.2 ms, which made ``auditor parse`` of 327,680 citations take a
minute. rich draws only the summary table, once, on a :func:`plain_console`.
"""

from __future__ import annotations

import re
from typing import IO

from rich.console import Console

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (ESC, BEL, CR, tab, newline...), DEL, line/paragraph separators and bidi
overrides: anything that would move the cursor, start a control sequence or reorder what is shown."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """*text* with every control character shown as ``\\xNN`` / ``\\uNNNN``; everything else unchanged."""
    return _UNSAFE.sub(_escape, text)


def plain_console(file: IO[str], color: bool, width: int) -> Console:
    """A Console that interprets nothing: no markup, no emoji codes, no highlighting; colour only if asked."""
    return Console(file=file, force_terminal=color, no_color=not color, color_system="standard" if color else None,
                   width=width, soft_wrap=True, markup=False, emoji=False, highlight=False)


_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33", "magenta": "35",
        "cyan": "36"}


def paint(text: str, style: str, color: bool) -> str:
    """*text* wrapped in the SGR codes for *style* (``"bold red"``) when *color*; else *text* as is.

    The codes are those rich's "standard" colour system writes, so painted lines and rich's table
    look alike. *text* must already be :func:`visible` when it is untrusted.
    """
    if not color or not style:
        return text
    return f"\x1b[{';'.join(_SGR[word] for word in style.split())}m{text}\x1b[0m"
