"""Turn a file on disk into a :class:`~auditor.model.Document`, or one clear :class:`InputError`.

Every refusal is an ``InputError`` (exit code 2) with a message naming the file, because a user
running the CLI over many files needs to know which one failed and why, not a traceback. A file is
opened first and then judged by its descriptor (``fstat``), never by a ``stat`` of the path that
another process could swap for a FIFO in between, and at most the document limit (plus one byte,
to tell "exactly the limit" from "more") is ever read.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from bisect import bisect_right
from collections.abc import Callable, Mapping
from pathlib import Path

from auditor.documents.detect import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_ENV
from auditor.errors import ConfigError, InputError
from auditor.model import Document

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".xml", ".nxml", ".bib", ".ris", ".json", ".nbib")
"""Suffixes the CLI opens; what the file *is* is then decided by its content (detect.sniff)."""

# Control characters that never occur in real prose; a few of them mean the file is binary.
# (\v and \f are line breaks, not binary: Word exports write \v, pdftotext writes \f at page breaks.)
_BINARY_CONTROLS = frozenset(range(0, 9)) | {14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27}


def decode_text(data: bytes, name: str = "<bytes>") -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16, then normalise line ends to ``\\n``.

    CRLF and lone CR both become one ``\\n`` (form feeds and the other breaks: ``_normalise_breaks``),
    so line numbers computed on the result are the ones an editor shows for the original file; the
    BOM is dropped so column 1 is the first visible character.
    """
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16", data
    else:
        if b"\x00" in data:
            raise InputError(f"{name}: looks like a binary file (NUL bytes), expected UTF-8 or UTF-16 text")
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = "; re-save it as UTF-8" if encoding == "utf-8" else ""  # Latin-1/cp1252 exports are the usual cause
        raise InputError(f"{name}: not valid {encoding.upper()} text (byte {exc.start}){hint}") from None
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    sample = text[:4096]
    if sum(1 for ch in sample if ord(ch) in _BINARY_CONTROLS) > max(2, len(sample) // 100):
        raise InputError(f"{name}: looks like a binary file (control characters), expected text")
    return _normalise_breaks(text.replace("\r\n", "\n").replace("\r", "\n"))


# Line breaks other than \n (Python's str.splitlines and Unicode agree they end a line).
_OTHER_BREAKS = "\f\v\x85\u2028\u2029"
_BREAK_NEXT_TO_NEWLINE_RE = re.compile(f"(?<![^\n])[{_OTHER_BREAKS}]+|[{_OTHER_BREAKS}]+(?![^\n])")
_LONE_BREAK_RE = re.compile(f"[{_OTHER_BREAKS}]")


def _normalise_breaks(text: str) -> str:
    """Make every stage see ``\\f``, ``\\v``, U+0085, U+2028 and U+2029 as the line breaks they are.

    One character becomes one character, so offsets are unchanged. A break next to a ``\\n`` or at
    either end of the text (pdftotext's ``\\n\\f`` at each page break) adds no line, so it becomes a space: line and
    column stay what an editor shows, and the entry after a page break still starts a line. A break
    alone in a line becomes ``\\n``, a real break, as in Python's ``str.splitlines``.
    """
    if not any(ch in text for ch in _OTHER_BREAKS):
        return text
    text = _BREAK_NEXT_TO_NEWLINE_RE.sub(lambda m: " " * len(m.group()), text)
    return _LONE_BREAK_RE.sub("\n", text)


def display_path(path: str) -> str:
    """The path as reports can carry it: bytes that are not UTF-8 become U+FFFD.

    POSIX file names are bytes; Python smuggles undecodable ones in as lone surrogates, which no
    UTF-8 report file, JSON parser or browser accepts. The file is still opened by its real name.
    """
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no byte produced (possible in Windows argv)
        return path.encode("utf-8", "replace").decode("utf-8")


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"))


def _refuse_mode(path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory, expected a document file")
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            raise InputError(f"{path}: not a regular file ({kind}); give a document file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file; give a document file")


def refuse_special_file(path: str) -> None:
    """Refuse a FIFO, socket or device before anything opens it (opening some devices has effects).

    Only ``stat`` is called (it follows symlinks, so a link to a FIFO is refused too); a missing
    path is left to the caller's own "no such file" message. This is the cheap first look; the
    decisive check is :func:`read_document_bytes`'s ``fstat`` of the opened descriptor.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISDIR(mode):
        _refuse_mode(path, mode)


def max_document_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The document size limit: ``AUDITOR_MAX_UPLOAD_BYTES`` (the service's upload limit) or 20 MiB."""
    env = os.environ if environ is None else environ
    raw = env.get(MAX_DOCUMENT_BYTES_ENV, "").strip()
    if not raw:
        return MAX_DOCUMENT_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{MAX_DOCUMENT_BYTES_ENV}: {raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{MAX_DOCUMENT_BYTES_ENV}: {raw!r} must be positive")
    return value


def too_large(name: str, limit: int) -> InputError:
    return InputError(f"{name}: larger than the document limit of {limit} bytes "
                      f"({MAX_DOCUMENT_BYTES_ENV}); refused")


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_document_bytes(path: str, limit: int,
                        refuse: Callable[[str, int], InputError] | None = None) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them, or one :class:`InputError`.

    Opened first, non-blocking (a FIFO swapped in after any earlier look opens at once instead of
    waiting for a writer), then judged by ``fstat`` of that descriptor, so what is read is what was
    checked. Reading stops at ``limit + 1`` bytes: a file that grows while being read, or lies in
    its size, is still refused without being loaded whole. ``refuse`` words the too-large error
    for inputs that are not documents (default: the document limit's message).
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        refuse_special_file(path)  # ENXIO for a socket: name what it is
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        _refuse_mode(path, info.st_mode)
        if info.st_size > limit:
            raise (refuse or too_large)(path, limit)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb", buffering=0) as handle:
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= limit:
                chunk = handle.read(min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > limit:
        raise (refuse or too_large)(path, limit)
    return b"".join(chunks)


def load_document(path: str, max_bytes: int | None = None) -> Document:
    """Read and decode *path*; ``Document.path`` is the path as given, made printable.

    ``max_bytes`` defaults to :func:`max_document_bytes` (the service's upload limit, so a file the
    CLI reads is one the service would accept).
    """
    refuse_special_file(path)
    p = Path(path)
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        if p.is_dir():
            raise InputError(f"{path}: is a directory, expected a document file")
        shown = p.suffix or "no extension"
        raise InputError(f"{path}: unsupported file type ({shown}); supported: {', '.join(SUPPORTED_SUFFIXES)}")
    limit = max_document_bytes() if max_bytes is None else max_bytes
    return load_bytes(read_document_bytes(path, limit), path, max_bytes=limit)


def load_bytes(data: bytes, name: str, max_bytes: int | None = None) -> Document:
    """Decode an in-memory document; *name* is only shown in reports, never opened.

    The service receives uploads as bytes and must not turn an uploaded file name into a path, so
    everything after reading the file lives here and the CLI and the service share it. The format is
    the content's (:func:`auditor.documents.detect.sniff`), whatever the name says. ``max_bytes``,
    when given, is checked before any parser sees the bytes (the service has already enforced its
    upload limit while the body streamed, so it passes none).
    """
    from auditor.documents.detect import is_json, load_format, sniff

    if max_bytes is not None and len(data) > max_bytes:
        raise too_large(name, max_bytes)
    kind = sniff(data)
    if kind is None:
        if data.startswith(b"PK\x03\x04"):
            # a ZIP that is no readable DOCX (truncated, or no word/document.xml): the DOCX loader says why
            load_format("docx", data, display_path(name))
            raise InputError(f"{name}: not a readable Word document")
        decode_text(data, name)  # names the reason when the bytes are not text at all
        if is_json(data):
            raise InputError(f"{name}: unsupported content (JSON that is not CSL-JSON, "
                             "e.g. an audit report; export the library as CSL-JSON)")
        raise InputError(f"{name}: unsupported content (not text, DOCX, PDF, JATS XML or a reference library)")
    if kind != "text":
        return load_format(kind, data, display_path(name))
    text = decode_text(data, name)
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    return Document(path=display_path(name), sha256=hashlib.sha256(data).hexdigest(), text=text)


class LineIndex:
    """Map character offsets in a text to 1-based (line, column) in O(log n) per lookup."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1
