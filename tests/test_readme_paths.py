"""Every file the READMEs name is in the repository (issue 9 item 16).

A newcomer has a clone, nothing else: a path to a file that lives beside the checkout (the sandbox,
its seed records, the design notes) reads like a missing file. Such things are described, not named.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = ["README.md", "reports/README.md"]
_TOP = ("auditor", "bench", "cassettes", "reports", "scripts", "seeds", "tests")
# ``auditor/judging/codes.py``, ``bench/results/``, ``seeds/${n}_*.txt``, ``python scripts/x.py``
_REPO_PATH_RE = re.compile(rf"(?<![\w./-])(?:{'|'.join(_TOP)})/[\w.${{}}*/-]*")
_BARE_FILE_RE = re.compile(r"`([\w.-]+\.(?:md|py|toml|yaml|json|txt))`")
# ``--output STEM`` (or PATH) writes ``STEM.json``; ``NNN.txt`` stands for a seed's number: names the reader fills in.
_PLACEHOLDERS = {"STEM.json", "PATH.json", "PATH.html", "NNN.json", "NNN.txt"}
# ``text/html`` and ``application/sarif+json`` are media types the API speaks, not paths.
_MEDIA_TYPE_RE = re.compile(r"(?:application|text|image|multipart)/[\w.+-]+")
_BACKTICKED_PATH_RE = re.compile(r"`([\w.-]+/[\w.${}*/-]*)`")  # any relative path in backticks


def _exists(token: str) -> bool:
    token = token.rstrip(".,;:")
    pattern = re.sub(r"\$\{?\w+\}?", "*", token).rstrip("/")
    return any(ROOT.glob(pattern)) if any(ch in pattern for ch in "*?[") else (ROOT / pattern).exists()


@pytest.mark.parametrize("readme", READMES)
def test_every_repo_path_in_the_readme_exists(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    found = set(_REPO_PATH_RE.findall(text)) | set(_BACKTICKED_PATH_RE.findall(text))
    missing = sorted(m for m in found if not _exists(m) and not _MEDIA_TYPE_RE.fullmatch(m))
    assert not missing, f"{readme} names paths that are not in the repository: {missing}"


@pytest.mark.parametrize("readme", READMES)
def test_every_bare_file_name_in_the_readme_exists_somewhere(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    names = set(_BARE_FILE_RE.findall(text)) - _PLACEHOLDERS
    missing = sorted(n for n in names if not any(ROOT.rglob(n)))
    assert not missing, f"{readme} names files that are not in the repository: {missing}"


@pytest.mark.parametrize("readme", READMES)
def test_no_path_leaves_the_repository(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert "../" not in text
    assert "records/seed-records.json" not in text and "DESIGN.md" not in text
