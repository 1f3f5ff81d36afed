"""placeholder"""

from __future__ import annotations

from auditor.errors import InputError
from auditor.model import Document


def load_docx(data: bytes, name: str) -> Document:
    raise InputError(f"{name}: docx not yet supported")
