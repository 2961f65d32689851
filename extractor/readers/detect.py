"""Decide a file's type from its first bytes (magic numbers), never from its name."""

from __future__ import annotations

import io
import re
import zipfile

from .ole import MAGIC as _OLE_MAGIC, stream_names

_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|table|div|p|title)\b", re.I)


def detect_format(data: bytes) -> str:
    """Return one of "pdf", "docx", "xlsx", "ofd", "doc", "xls", "encrypted-office", "zip", "damaged-zip",
    "image", "html", "text", "binary".

    A zip is a .docx when it holds word/document.xml, an .xlsx when it holds xl/workbook.xml and an
    OFD when it holds OFD.xml at its root. An OLE2 compound file is a workbook (.xls, WPS .et) when
    its directory lists a Workbook or Book stream, an encrypted OOXML package when it lists
    EncryptedPackage, and otherwise a Word/WPS document (.doc, .wps)."""
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
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names or "ofd.xml" in names:
            return "ofd"
        return "zip"
    if head.startswith(_OLE_MAGIC):  # OLE2: .doc, .wps, .xls, .et
        streams = {n.lower() for n in stream_names(data) or ()}
        if "encryptedpackage" in streams:
            return "encrypted-office"
        if "workbook" in streams or "book" in streams:
            return "xls"
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
