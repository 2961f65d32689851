"""Readers: bytes in, ``Document`` out. The file type is decided by content, not extension."""

from __future__ import annotations

import importlib

from ..errors import InputError, UnsupportedFormatError
from ..model import Document
from .detect import detect_format

# format -> (module, function); imported lazily so a missing optional library only matters
# for the format that needs it.
_READERS: dict[str, tuple[str, str]] = {
    "text": ("extractor.readers.text", "read_text"),
    "html": ("extractor.readers.html", "read_html"),
    "pdf": ("extractor.readers.pdf", "read_pdf"),
    "docx": ("extractor.readers.docx", "read_docx"),
    "doc": ("extractor.readers.legacy_office", "read_legacy_office"),
}


def read_document(data: bytes, *, source: str | None = None, encoding: str | None = None) -> Document:
    """Read ``data`` with the reader its content calls for.

    ``encoding`` is a hint (an HTTP Content-Type charset) for text and HTML.
    """
    if not data:
        raise InputError(f"{source or 'input'}: file is empty")
    fmt = detect_format(data)
    if fmt not in _READERS:
        raise UnsupportedFormatError(f"{source or 'input'}: unsupported content ({fmt})")
    module_name, func_name = _READERS[fmt]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # a reader not built into this install
        raise UnsupportedFormatError(f"{source or 'input'}: no reader for {fmt} files ({exc.name})") from None
    reader = getattr(module, func_name)
    if fmt in ("text", "html"):
        return reader(data, source=source, encoding=encoding)
    return reader(data, source=source)
