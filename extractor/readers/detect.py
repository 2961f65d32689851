"""Decide a file's type from its first bytes (magic numbers), never from its name."""

from __future__ import annotations

import re
import zipfile
import io

_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|table|div|p|title)\b", re.I)


def detect_format(data: bytes) -> str:
    """Return one of "pdf", "docx", "doc", "zip", "damaged-zip", "image", "html", "text", "binary"."""
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except Exception:  # noqa: BLE001 - BadZipFile, NotImplementedError (zip version), ...
            return "damaged-zip"
        if "word/document.xml" in names:
            return "docx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .doc, .wps, .xls
        return "doc"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")) or head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if _HTML_HINT.search(stripped[:2048]):
        return "html"
    if _looks_textual(head):
        return "text"
    return "binary"


def _looks_textual(head: bytes) -> bool:
    if b"\x00" in head:
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 with BOM
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control <= len(head) // 100
