"""Loader: encodings and line ends keep line/column right; bad inputs are one clear InputError."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from auditor.documents.loader import LineIndex, decode_text, load_document
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
