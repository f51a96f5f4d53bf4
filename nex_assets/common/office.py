"""Telling apart the ways an Office file (.xlsx, .docx, .pptx) can fail to be the zip package it
should be, so the user reads "password-protected" or "old binary format" instead of "not a zip file"."""

from __future__ import annotations

import zipfile
from pathlib import Path

# Encrypted and pre-2007 Office files are OLE compound documents.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def package_problem(path: Path) -> str | None:
    """``"encrypted"``, ``"legacy"`` (an old binary file), ``"corrupt"``, or None when it is a package."""
    with path.open("rb") as f:
        head = f.read(8)
    if head == _OLE_MAGIC:
        import msoffcrypto

        try:
            with path.open("rb") as f:
                encrypted = msoffcrypto.OfficeFile(f).is_encrypted()
        except Exception:  # an OLE file msoffcrypto cannot read is at least not an encrypted package
            encrypted = False
        return "encrypted" if encrypted else "legacy"
    if not zipfile.is_zipfile(path):
        return "corrupt"
    return None
