"""placeholder"""

from __future__ import annotations

from auditor.errors import InputError
from auditor.model import Document


def load_pdf(data: bytes, name: str) -> Document:
    raise InputError(f"{name}: pdf not yet supported")
