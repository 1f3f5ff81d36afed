"""QA regressions for the issue-13 loaders: hostile inputs that once escaped as a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.documents.detect import sniff
from auditor.documents.loader import load_bytes
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def test_deeply_nested_json_is_one_error_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    run = subprocess.run([sys.executable, "-m", "auditor", "parse", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("payload", ["[" * 100_000 + "]" * 100_000,
                                     '[{"title": "x", "author": ' + "[" * 100_000 + "]" * 100_000 + "}]"])
def test_deeply_nested_json_is_refused_by_load_bytes(payload: str) -> None:
    assert sniff(payload.encode()) is None
    with pytest.raises(InputError):
        load_bytes(payload.encode(), "deep.json")


@pytest.mark.parametrize("fmt", ["lowerRoman", "upperLetter"])
def test_huge_list_start_value_does_not_hang_or_explode(fmt: str) -> None:
    from tests.docx_parts import package, para, run

    numbering = (f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="99999999999999999999"/>'
                 f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    body = para(run("Smith J. A title. J Biol. 2010;1:1-2."), num=(1, 0))
    doc = load_bytes(package(body, numbering=numbering), "big.docx")
    assert "99999999999999999999. Smith J." in doc.text


def test_bibtex_builds_one_latex_converter_and_skips_plain_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """A per-field converter made a 100k-entry .bib hang; one cached converter, used only for TeX markup."""
    import pylatexenc.latex2text as l2t

    from auditor.documents import libraries

    built: list[int] = []
    seen: list[str] = []
    real = l2t.LatexNodes2Text
    real_to_text = real.latex_to_text
    real_init = real.__init__

    def counting(self: object, *args: object, **kwargs: object) -> None:
        built.append(1)
        real_init(self, *args, **kwargs)

    def recording(self: object, latex: str, **kwargs: object) -> str:
        seen.append(latex)
        return real_to_text(self, latex, **kwargs)

    monkeypatch.setattr(real, "__init__", counting)
    monkeypatch.setattr(real, "latex_to_text", recording)
    libraries._latex_converter.cache_clear()
    try:
        entries = "".join(
            f"@article{{k{i}, author = {{Smith, John and M{{\\\"u}}ller, Anna}}, title = {{Plain title {i}}},"
            f" journal = {{Nature}}, year = {{2020}}}}\n" for i in range(30))
        doc = load_bytes(entries.encode(), "many.bib")
    finally:
        libraries._latex_converter.cache_clear()
    assert len(doc.references) == 30
    assert len(built) == 1
    assert all("\\" in s or "{" in s or "}" in s for s in seen)
    assert "Plain title 0" not in seen
    assert "Müller" in doc.text


@pytest.mark.parametrize("payload", [b'{\n  "documents": [{"path": "a.txt", "findings": []}],\n  "version": 1\n}\n',
                                     b"[1,2,3]", b"\xef\xbb\xbf  [1, 2, 3]\n", b'{"a": null}'])
def test_json_that_is_not_csl_json_is_unsupported_not_prose(payload: bytes) -> None:
    assert sniff(payload) is None
    with pytest.raises(InputError, match="unsupported content.*not CSL-JSON"):
        load_bytes(payload, "report.json")


def test_csl_json_and_bracketed_prose_are_still_recognised() -> None:
    assert sniff(b'[{"type": "article-journal", "title": "A title", "id": "x"}]') == "csl-json"
    assert sniff(b'\xef\xbb\xbf{"type": "book", "title": "T"}') == "csl-json"
    assert sniff(b"[1] Smith J. A title. Nature. 2020;1:2-3.\n") == "text"


def _docx_with_field(instr: str) -> bytes:
    from tests.docx_parts import field, package, para, run

    body = (para(run("Opioids act on receptors "), field(instr, "1", sup=True), run("."))
            + para(run("References")) + para(run("1. Smith J. A study. J Biol. 2010;5:1-10.")))
    return package(body)


@pytest.mark.parametrize("instr", [
    'ADDIN ZOTERO_ITEM CSL_CITATION {"citationItems":[{"itemData":{"title":{"a":1},'
    '"author":[{"family":5,"given":[1]}],"issued":{"date-parts":[["x",{}]]},"DOI":7,"page":[1],"volume":{}}}]}',
    "ADDIN ZOTERO_ITEM CSL_CITATION {\"citationItems\":" + "[" * 100_000 + "]" * 100_000 + "}",
])
def test_wrong_typed_or_deep_csl_field_data_is_ignored_not_fatal(instr: str) -> None:
    doc = load_bytes(_docx_with_field(instr), "fields.docx")
    assert "Smith J. A study" in doc.text


def test_csl_values_of_the_wrong_type_are_dropped_field_by_field() -> None:
    from auditor.documents.libraries import fields_from_csl

    authors = [{"family": {"x": 1}}, 7, None, {"family": "Kreek", "given": ["M"]}]
    fields = fields_from_csl({"title": 5, "author": authors,
                              "issued": {"date-parts": [[{"a": 1}]]}, "DOI": ["10.1/x"], "page": 12,
                              "volume": [1], "container-title": {"a": 2}, "issue": True})
    assert fields.authors == ("Kreek",)
    assert fields.title is None and fields.journal is None and fields.doi is None and fields.year is None
    assert fields.volume is None and fields.issue is None
    assert fields.first_page == "12"


def test_csl_json_library_never_prints_python_reprs_as_authors() -> None:
    payload = b'[{"id": 1, "title": "A study", "author": [{"family": {"x": 1}}, {"family": "Kreek", "given": "M J"}]}]'
    doc = load_bytes(payload, "lib.json")
    assert "{'x': 1}" not in doc.text and "Kreek MJ" in doc.text


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return buffer.getvalue()


def test_zip_without_main_part_is_not_a_readable_word_document() -> None:
    data = _zip({"[Content_Types].xml": "<Types/>", "content.xml": "<office/>"})
    assert sniff(data) is None  # the service still answers 415
    with pytest.raises(InputError, match="not a readable Word document") as err:
        load_bytes(data, "nodoc.docx")
    assert "NUL" not in str(err.value)


def test_truncated_docx_is_not_a_readable_word_document() -> None:
    from tests.docx_parts import package, para, run

    data = package(para(run("Some text here.")))
    with pytest.raises(InputError, match="not a readable Word document") as err:
        load_bytes(data[: len(data) // 2], "trunc.docx")
    assert "NUL" not in str(err.value)


def test_deeply_nested_xml_says_so() -> None:
    from tests.docx_parts import package

    depth = 50_000
    docx = package("<w:p>" + "<w:ins>" * depth + "</w:ins>" * depth + "</w:p>")
    jats = ("<article><body>" + "<sec>" * depth + "</sec>" * depth + "</body></article>").encode()
    for data, name in ((docx, "deep.docx"), (jats, "deep.xml")):
        with pytest.raises(InputError, match="XML nested too deeply") as err:
            load_bytes(data, name)
        assert "RecursionError" not in str(err.value)


def test_latin1_bibtex_says_to_resave_as_utf8() -> None:
    data = "@article{k, author = {Müller, Anna}, title = {Café}, year = {2020}}\n".encode("latin-1")
    with pytest.raises(InputError, match=r"not valid UTF-8 text \(byte \d+\); re-save it as UTF-8"):
        load_bytes(data, "lib.bib")
