"""Bounded work while pdfminer interprets a PDF: limits enforced *during* extraction, not after it.

Counting characters after a page was extracted is too late: a page of 175,000 characters took 32 s
and 415 MB before the count could refuse it. Here pdfplumber's own layout pass is run by a
budgeted interpreter and device (pdfplumber then reads the page from that layout):

- every character is counted as pdfminer renders it, against a per-page and a per-document limit;
- every decoded stream (content streams, forms, fonts, CMaps, object streams) is measured before
  pdfminer decodes it: Flate and LZW output is produced only up to the document's remaining byte
  budget (run-length output is computed), so a bomb stream is refused after that much, never
  decoded whole;
- every content stream interpreted (a form drawn 1,000 times counts 1,000 times) uses the same
  byte budget, form XObjects nest at most :data:`MAX_PDF_FORM_DEPTH` deep and are drawn at most
  :data:`MAX_PDF_XOBJECT_DRAWS` times, so nested "drawing bombs" end early;
- a per-page time budget is checked cooperatively (every few thousand operands and characters) as
  the last guard against work none of the counts foresaw.

Each limit raises :class:`PdfLimit`, which the loader turns into one error line.
"""

from __future__ import annotations

import contextvars
import io
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_LZW_DECODE,
    LITERALS_RUNLENGTH_DECODE,
    PDFStream,
    resolve1,
)

MAX_PDF_PAGE_CHARS = 40_000
"""Characters on one page; a dense two-column page of small print holds about 10,000."""
MAX_PDF_STREAM_BYTES = 64 * 1024 * 1024
"""Decoded stream bytes per document: inflated streams plus content interpreted (forms per draw)."""
MAX_PDF_FORM_DEPTH = 12
"""Form XObjects inside form XObjects; real producers nest two or three."""
MAX_PDF_XOBJECT_DRAWS = 5_000
"""XObjects (forms and images) drawn per document; pdfminer spends about half a millisecond on each."""
MAX_PDF_PAGE_SECONDS = 20.0
"""Interpretation time of one page, checked cooperatively; a normal page takes well under a second."""
MAX_PDF_SECONDS = 300.0
"""Interpretation time of the whole document (500 ordinary pages take about three minutes here)."""

_CHECK_EVERY = 4096


class PdfLimit(BaseException):
    """A PDF went past one of the extraction limits; ``str()`` is the reason, for the error line.

    A ``BaseException``, like a timeout: pdfminer catches ``Exception`` in places to salvage damaged
    files, and a limit must stop the work, not be salvaged.
    """


@dataclass
class Budget:
    """What one document may still spend; shared by every interpreter and device of its pages."""

    max_chars: int
    chars: int = 0
    page_chars: int = 0
    stream_bytes: int = 0
    draws: int = 0
    depth: int = 0
    ticks: int = 0
    page_started: float = 0.0
    page: int = 0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def start_page(self, number: int) -> None:
        self.page, self.page_chars, self.depth = number, 0, 0
        self.page_started = time.monotonic()

    def char(self) -> None:
        self.chars += 1
        self.page_chars += 1
        if self.page_chars > MAX_PDF_PAGE_CHARS:
            raise PdfLimit(f"page {self.page} holds more than {MAX_PDF_PAGE_CHARS} characters")
        if self.chars > self.max_chars:
            raise PdfLimit(f"more than {self.max_chars} characters of text")
        self.tick()

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % _CHECK_EVERY == 0:
            now = time.monotonic()
            if now - self.page_started > MAX_PDF_PAGE_SECONDS:
                raise PdfLimit(f"page {self.page} takes more than {MAX_PDF_PAGE_SECONDS:.0f} s to read")
            if now - self.started > MAX_PDF_SECONDS:
                raise PdfLimit(f"the document takes more than {MAX_PDF_SECONDS:.0f} s to read")

    def spend_bytes(self, n: int) -> None:
        self.stream_bytes += n
        if self.stream_bytes > MAX_PDF_STREAM_BYTES:
            raise PdfLimit(f"content streams inflate beyond {MAX_PDF_STREAM_BYTES // (1024 * 1024)} MB")

    @property
    def bytes_left(self) -> int:
        return max(0, MAX_PDF_STREAM_BYTES - self.stream_bytes)


_ACTIVE: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("auditor_pdf_budget", default=None)


@contextmanager
def budgeted(budget: Budget) -> Iterator[Budget]:
    """Streams decoded inside this block (this thread or task only) are measured against ``budget``."""
    _install_decode_guard()
    token = _ACTIVE.set(budget)
    try:
        yield budget
    finally:
        _ACTIVE.reset(token)


def _inflate(data: bytes, limit: int) -> bytes | None:
    """Flate output up to ``limit + 1`` bytes (input fed in slices); ``None`` when the data is corrupt
    (pdfminer then salvages what precedes the damage, which is no more than was counted here)."""
    inflater = zlib.decompressobj()
    out: list[bytes] = []
    size = 0
    for i in range(0, len(data), 1 << 16):
        try:
            chunk = inflater.decompress(data[i:i + (1 << 16)], limit + 1 - size)
        except zlib.error:
            return b"".join(out) if size else None
        out.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(out)


def _lzw(data: bytes, limit: int) -> bytes:
    from pdfminer.lzw import LZWDecoder

    out: list[bytes] = []
    size = 0
    for chunk in LZWDecoder(io.BytesIO(data)).run():
        out.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(out)


def _runlength_size(data: bytes) -> int:
    size = i = 0
    while i < len(data) and data[i] != 128:
        length = data[i]
        if length < 128:
            size += length + 1
            i += length + 2
        else:
            size += 257 - length
            i += 2
    return size


def _check_filters(stream: PDFStream, budget: Budget) -> None:
    """Refuse a stream whose decoded size passes the budget, decoding at most budget + 1 bytes.

    The filter chain is followed as far as it can be without decoding images: ASCII hex and base-85
    (they shrink), Flate and LZW (bounded output), run-length (its size computed, not decoded).
    """
    data = stream.rawdata
    if data is None:
        return
    if stream.decipher:
        assert stream.objid is not None and stream.genno is not None
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    limit = budget.bytes_left
    for f, _params in stream.get_filters():
        if f in LITERALS_FLATE_DECODE:
            inflated = _inflate(data, limit)
            if inflated is None:
                return
            data = inflated
        elif f in LITERALS_LZW_DECODE:
            data = _lzw(data, limit)
        elif f in LITERALS_ASCIIHEX_DECODE:
            data = asciihexdecode(data)
        elif f in LITERALS_ASCII85_DECODE:
            data = ascii85decode(data)
        elif f in LITERALS_RUNLENGTH_DECODE:
            if len(data) * 64 > limit and _runlength_size(data) > limit:  # a run expands 64-fold at most
                raise PdfLimit(f"a stream inflates beyond {MAX_PDF_STREAM_BYTES // (1024 * 1024)} MB")
            return
        else:
            return  # images (DCT, JPX, CCITT, JBIG2) are never decoded for text
        if len(data) > limit:
            raise PdfLimit(f"a stream inflates beyond {MAX_PDF_STREAM_BYTES // (1024 * 1024)} MB")


_GUARD_INSTALLED = False
_GUARD_LOCK = threading.Lock()


def _install_decode_guard() -> None:
    """Wrap ``PDFStream.decode`` once (the service loads PDFs in several threads); without an active
    budget it behaves exactly as pdfminer's."""
    global _GUARD_INSTALLED
    with _GUARD_LOCK:
        if not _GUARD_INSTALLED:
            _wrap_decode()
            _GUARD_INSTALLED = True


def _wrap_decode() -> None:
    original = PDFStream.decode

    def decode(self: PDFStream) -> None:
        budget = _ACTIVE.get()
        if budget is None:
            original(self)
            return
        _check_filters(self, budget)
        original(self)
        budget.spend_bytes(len(self.data or b""))

    PDFStream.decode = decode  # type: ignore[method-assign]


class BudgetedInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter with the draw, depth, byte and time budgets of :class:`Budget`."""

    budget: Budget

    def __init__(self, rsrcmgr: Any, device: Any) -> None:
        super().__init__(rsrcmgr, device)
        self.budget = device.budget

    def execute(self, streams: Sequence[object]) -> None:
        for obj in streams:
            stream = resolve1(obj)
            if isinstance(stream, PDFStream):
                data = stream.get_data()  # decoded under the guard, once; cached on the stream
                if self.budget.depth:  # page contents were counted when decoded; forms count per draw
                    self.budget.spend_bytes(len(data))
        super().execute(streams)

    def push(self, obj: Any) -> None:
        self.budget.tick()
        super().push(obj)

    def do_Do(self, xobjid_arg: Any) -> None:
        budget = self.budget
        budget.draws += 1
        budget.tick()
        if budget.draws > MAX_PDF_XOBJECT_DRAWS:
            raise PdfLimit(f"more than {MAX_PDF_XOBJECT_DRAWS} drawing objects (XObjects) drawn")
        budget.depth += 1
        try:
            if budget.depth > MAX_PDF_FORM_DEPTH:
                raise PdfLimit(f"drawing objects nested more than {MAX_PDF_FORM_DEPTH} deep")
            super().do_Do(xobjid_arg)
        finally:
            budget.depth -= 1


def budgeted_device(rsrcmgr: Any, page_number: int, laparams: Any, budget: Budget) -> Any:
    """pdfplumber's layout device, counting every character it renders."""
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    class _Device(PDFPageAggregatorWithMarkedContent):
        def render_char(self, *args: Any, **kwargs: Any) -> float:
            budget.char()
            return super().render_char(*args, **kwargs)

    device = _Device(rsrcmgr, pageno=page_number, laparams=laparams)
    device.budget = budget  # type: ignore[attr-defined]
    return device


def lay_out(page: Any, budget: Budget) -> None:
    """Run pdfplumber's layout pass for ``page`` under ``budget``; pdfplumber then reads that layout.

    pdfplumber caches a page's layout in ``_layout`` (``Page.layout``); filling it here is the one
    place its extraction can be bounded without copying it.
    """
    budget.start_page(page.page_number)
    device = budgeted_device(page.pdf.rsrcmgr, page.page_number, page.pdf.laparams, budget)
    interpreter = BudgetedInterpreter(page.pdf.rsrcmgr, device)
    with budgeted(budget):
        interpreter.process_page(page.page_obj)
    page._layout = device.get_result()
