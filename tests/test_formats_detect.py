"""Formats are told by content, and hostile structure (XML and ZIP bombs, XXE) is one clear InputError."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.documents import detect
from auditor.documents.loader import load_bytes
from auditor.errors import InputError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"Plain text [1].\n", "text"),
        (b"# Markdown\n\n<sup>1</sup>\n", "text"),
        (b"% comment\n\n@article{key,\n title={T}}\n", "bibtex"),
        (b"TY  - JOUR\nTI  - T\nER  - \n", "ris"),
        (b"PMID- 123\nTI  - T\n", "medline"),
        (b'[{"type": "article-journal", "title": "T"}]', "csl-json"),
        (b'{"not": "csl"}', None),
        (b'<?xml version="1.0"?>\n<!DOCTYPE article>\n<article><front/></article>', "jats"),
        (b'<?xml version="1.0"?><xml><records><record/></records></xml>', "endnote-xml"),
        (b'<?xml version="1.0"?><svg/>', None),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
        (b"PK\x03\x04garbage", None),
    ],
)
def test_sniff_by_content(data: bytes, expected: str | None) -> None:
    assert detect.sniff(data) == expected


def test_sniff_tells_docx_from_other_zips() -> None:
    assert detect.sniff(_zip({"word/document.xml": b"<w:document/>"})) == "docx"
    assert detect.sniff(_zip({"content.xml": b"<office/>"})) is None


def test_the_name_does_not_decide_the_format() -> None:
    bib = (FIXTURES / "library.bib").read_bytes()
    assert load_bytes(bib, "upload.txt").format == "bibtex"


def test_unsupported_content_is_one_error_line() -> None:
    with pytest.raises(InputError, match="unsupported content"):
        load_bytes(b'<?xml version="1.0"?><svg/>', "x.xml")


_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE article [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<article><body><p>&b;</p></body></article>"""
_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<article><body><p>&x;</p></body></article>"""


@pytest.mark.parametrize("data", [_LAUGHS, _XXE])
def test_entity_tricks_are_refused(data: bytes) -> None:
    with pytest.raises(InputError, match="entity declarations"):
        load_bytes(data, "evil.xml")


def test_entity_tricks_in_a_docx_part_are_refused() -> None:
    with pytest.raises(InputError, match="entity declarations"):
        load_bytes(_zip({"word/document.xml": _XXE}), "evil.docx")


def test_zip_with_too_many_entries_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "MAX_ZIP_ENTRIES", 10)
    members = {"word/document.xml": b"<w:document/>", **{f"junk/{i}": b"" for i in range(20)}}
    with pytest.raises(InputError, match="entries"):
        load_bytes(_zip(members), "many.docx")


def test_zip_bomb_is_refused_while_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "MAX_ZIP_BYTES", 1 << 20)
    bomb = _zip({"word/document.xml": b"<w:document>" + b" " * (4 << 20) + b"</w:document>"})
    assert len(bomb) < 64 * 1024
    with pytest.raises(InputError, match="inflates beyond"):
        load_bytes(bomb, "bomb.docx")


def test_cli_exit_2_on_hostile_xml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.xml"
    path.write_bytes(_LAUGHS)
    assert main(["parse", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "evil.xml" in err
