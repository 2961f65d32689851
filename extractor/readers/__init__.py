"""Readers: bytes in, ``Document`` out. The file type is decided by content, not extension."""

from __future__ import annotations

import importlib
from typing import Protocol

from ..errors import InputError, LimitExceededError, UnsupportedFormatError
from ..limits import Limits, resolve
from ..model import Document
from .detect import detect_format
from .hints import NO_HINTS, Hints
from .ole import stream_names


class Reader(Protocol):
    """What every reader is: bytes in, ``Document`` out, within ``limits``."""

    def __call__(self, data: bytes, *, source: str | None = None, hints: Hints | None = None,
                 limits: Limits | None = None) -> Document: ...


# format -> (module, function): every reader is one callable
# ``(data, *, source, hints, limits) -> Document``, imported lazily so a missing optional library
# only matters for the format that needs it.
_READERS: dict[str, tuple[str, str]] = {
    "text": ("extractor.readers.text", "read_text"),
    "html": ("extractor.readers.html", "read_html"),
    "pdf": ("extractor.readers.pdf_file", "read_pdf_file"),
    "docx": ("extractor.readers.docx", "read_docx"),
    "doc": ("extractor.readers.legacy_office", "read_legacy_office"),
    "xlsx": ("extractor.readers.sheet", "read_sheet"),
    "xls": ("extractor.readers.sheet", "read_sheet"),
    "ofd": ("extractor.readers.ofd", "read_ofd"),
    "image": ("extractor.ocr", "read_image"),  # a scanned page posted as an image (the ocr extra)
}
# What the content is, in words, for formats no reader handles.
_UNSUPPORTED = {
    "zip": "a zip archive that is not a Word (.docx), Excel (.xlsx) or OFD document",
    "damaged-zip": "a damaged or truncated zip archive, e.g. a .docx, .xlsx or .ofd cut short",
    "encrypted-office": "an encrypted (password-protected) Office document; save an unprotected copy first",
    "binary": "binary data of no known document type",
}


def reader_for(fmt: str) -> Reader:
    """The reader registered for ``fmt`` (a ``detect_format`` result)."""
    module_name, func_name = _READERS[fmt]
    return getattr(importlib.import_module(module_name), func_name)


def read_document(data: bytes, *, source: str | None = None, hints: Hints | None = None,
                  limits: Limits | None = None) -> Document:
    """Read ``data`` with the reader its content calls for, within ``limits``.

    ``hints`` carry what the caller knows besides the bytes (a server's charset, ...)."""
    name = source or "input"
    limits = resolve(limits)
    hints = hints if hints is not None else NO_HINTS
    if not data:
        raise InputError(f"{name}: file is empty")
    fmt = detect_format(data)
    if fmt == "doc" and stream_names(data) is None:  # OLE2 magic, but no directory to be read
        raise InputError(f"{name}: not a readable Office file (a damaged or truncated OLE2 compound file, "
                         "e.g. a .doc or .xls cut short)")
    if fmt not in _READERS:
        raise UnsupportedFormatError(f"{name}: unsupported content ({_UNSUPPORTED.get(fmt, fmt)})")
    try:
        reader = reader_for(fmt)
    except ModuleNotFoundError as exc:  # a reader not built into this install
        raise UnsupportedFormatError(f"{name}: no reader for {fmt} files ({exc.name})") from None
    try:
        doc = reader(data, source=source, hints=hints, limits=limits)
    except RecursionError:
        raise LimitExceededError(f"{name}: structure nested too deeply to read") from None
    cap_cells(doc, limits.max_cell_chars)
    return doc


def cap_cells(doc: Document, max_chars: int) -> None:
    """Cut table cells longer than ``max_chars`` (no real report cell is that long), with a warning."""
    seen: set[int] = set()
    for table in doc.tables():
        for row in table.grid:
            for cell in row:
                if cell is None or id(cell) in seen:
                    continue
                seen.add(id(cell))
                if len(cell.text) > max_chars:
                    where = cell.provenance.path or (f"page {cell.provenance.page}" if cell.provenance.page else "?")
                    doc.warnings.append(f"cell {where}: text of {len(cell.text)} characters cut to {max_chars}")
                    cell.text = cell.text[:max_chars]
