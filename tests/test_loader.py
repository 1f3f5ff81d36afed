"""Loader: encodings and line ends keep line/column right; bad inputs are one clear InputError."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from auditor.documents.loader import LineIndex, decode_text, load_bytes, load_document
from auditor.errors import InputError
from auditor.model import Document
from auditor.parsing import parse_document

BODY = "Intro line.\nAs shown before [2].\n\nReferences\n1. Smith J. A title. J Test. 2020;1(2):3-4.\n"


def _variants() -> dict[str, bytes]:
    return {
        "utf8": BODY.encode("utf-8"),
        "utf8-bom": codecs.BOM_UTF8 + BODY.encode("utf-8"),
        "utf16-le-bom": codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"),
        "utf16-be-bom": codecs.BOM_UTF16_BE + BODY.encode("utf-16-be"),
        "crlf": BODY.replace("\n", "\r\n").encode("utf-8"),
        "cr": BODY.replace("\n", "\r").encode("utf-8"),
        "bom-crlf": codecs.BOM_UTF8 + BODY.replace("\n", "\r\n").encode("utf-8"),
    }


@pytest.mark.parametrize("name", sorted(_variants()))
def test_encodings_and_line_ends_keep_positions(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"doc-{name}.txt"
    path.write_bytes(_variants()[name])
    doc = load_document(str(path))
    assert doc.text == BODY
    parsed = parse_document(doc)
    assert [(c.line, c.column, c.numbers) for c in parsed.citations] == [(2, 17, (2,))]
    (ref,) = parsed.references
    assert (ref.line, ref.column) == (5, 4)
    assert ref.parsed.journal == "J Test"


def test_bom_not_counted_as_a_column() -> None:
    text = decode_text(codecs.BOM_UTF8 + b"[1] here")
    assert text.startswith("[1]")


def test_path_kept_as_given_and_hash_of_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(codecs.BOM_UTF8 + b"hello\r\n")
    doc = load_document(str(path))
    assert isinstance(doc, Document)
    assert doc.path == str(path)
    import hashlib

    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("doc.pdf", b"%PDF-1.4", "not a readable PDF"),
        ("doc.html", b"text", "unsupported file type"),
        ("doc", b"text", "unsupported file type"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "caf\u00e9 na\u00efve".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_bad_inputs_raise_input_error(tmp_path: Path, filename: str, content: bytes, expected: str) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected):
        load_document(str(path))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_document(str(tmp_path / "missing.txt"))
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(InputError, match="directory"):
        load_document(str(folder))


def test_line_index_maps_offsets() -> None:
    text = "ab\ncde\n\nf"
    index = LineIndex(text)
    assert index.line_col(0) == (1, 1)
    assert index.line_col(text.index("d")) == (2, 2)
    assert index.line_col(text.index("f")) == (4, 1)


# Issue 9 item 7: \f (pdftotext's page break), \v, U+0085, U+2028 and U+2029 are line breaks.
_BREAKS = ["\f", "\v", "\x85", "\u2028", "\u2029"]
SEED_000 = next((Path(__file__).resolve().parent.parent / "seeds").glob("000_*.txt"))


def _seed_000_with(break_char: str, *, lone: bool) -> tuple[bytes, int]:
    """Seed 000 with *break_char* before reference 20's line (after its newline, or instead of it)."""
    text = SEED_000.read_text(encoding="utf-8")
    at = text.index("\n- Vicenzi M, Cova E")
    glue = break_char if lone else "\n" + break_char
    return (text[:at] + glue + text[at + 1 :]).encode("utf-8"), text.count("\n", 0, at) + 2


@pytest.mark.parametrize("lone", [False, True], ids=["after-newline", "instead-of-newline"])
@pytest.mark.parametrize("break_char", _BREAKS, ids=["ff", "vt", "nel", "ls", "ps"])
def test_other_line_breaks_start_a_bibliography_entry(break_char: str, lone: bool) -> None:
    expected = parse_document(load_bytes(SEED_000.read_bytes(), "seed.txt"))
    data, line = _seed_000_with(break_char, lone=lone)
    parsed = parse_document(load_bytes(data, "seed.txt"))
    assert [r.raw for r in parsed.references] == [r.raw for r in expected.references]
    ref20 = next(r for r in parsed.references if r.number == 20)
    assert ref20.raw.startswith("Vicenzi M, Cova E")
    # Line numbers are the editor's: a form feed beside a newline adds no line (its column is kept).
    assert (ref20.line, ref20.column) == (line, 3 if lone else 4)
    assert [f.code for f in parsed.citation_findings] == [f.code for f in expected.citation_findings]
    assert "CIT001" not in {f.code for f in parsed.citation_findings}


def test_break_characters_keep_offsets_and_editor_lines() -> None:
    text = decode_text("\fa\n\fb\fc\u2028d\x0b\n".encode())
    assert len(text) == len("\fa\n\fb\fc\u2028d\x0b\n")
    assert text.split("\n") == [" a", " b", "c", "d ", ""]


def test_vertical_tabs_from_word_are_not_binary() -> None:
    text = decode_text(("line\x0b" * 50 + "end").encode())
    assert text.count("\n") == 50
