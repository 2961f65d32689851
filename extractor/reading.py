"""Reading any input: the registry of readers, each one callable
``(data, *, source, hints, limits) -> Document``, chosen by content (never by extension).

Format readers live in ``readers/`` (text layers), OCR in ``ocr/`` (which builds on the readers'
page geometry); this module sits above both and decides: a PDF is read through its text layer,
and sent to OCR when that layer is missing or garbled.
"""


from __future__ import annotations

import importlib
from typing import Protocol

from .errors import ExtractorError, InputError, LimitExceededError, NoTextLayerError, UnsupportedFormatError
from .hints import NO_HINTS, Hints
from .limits import Limits, resolve
from .model import Document
from .readers.detect import detect_format
from .readers.ole import stream_names


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
    "pdf": ("extractor.reading", "read_pdf_file"),
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
    if doc.meta.get("pictures"):  # tables pasted into Word as pictures: OCR'd in place, or named as not read
        from .ocr import fill_pictures
        fill_pictures(doc, limits=limits)
    cap_cells(doc, limits.max_cell_chars)
    return doc


def cap_cells(doc: Document, max_chars: int) -> None:
    """Cut table cells longer than ``max_chars`` (no real report cell is that long), with a warning."""
    for table in doc.tables():
        for row in table.grid:
            for cell in row:  # a merged cell, once cut, is not cut (or named) again where it recurs
                if cell is not None and len(cell.text) > max_chars:
                    where = cell.provenance.path or (f"page {cell.provenance.page}" if cell.provenance.page else "?")
                    doc.warnings.append(f"cell {where}: text of {len(cell.text)} characters cut to {max_chars}")
                    cell.text = cell.text[:max_chars]


# --- PDF: its text layer, or OCR for a scan -----------------------------------------------------


def read_pdf_file(data: bytes, *, source: str | None = None, hints: Hints | None = None,
                  limits: Limits | None = None) -> Document:
    """Read a PDF within ``limits``: its text layer, or OCR for a scan (``limits.max_ocr_pages``)."""
    from .readers.pdf import read_pdf

    name = source or "input"
    limits = resolve(limits)
    _check_pdf(data, name, limits)
    try:
        return read_pdf(data, source=source, hints=hints, limits=limits)
    except NoTextLayerError as exc:  # scanned: OCR it, or name the extra that would
        _check_ocr_pages(data, name, limits, exc)
        from .ocr import read_scanned_pdf
        return read_scanned_pdf(data, source=source, reason=str(exc), limits=limits)
    except InputError as exc:
        raise _clearer_pdf_error(exc, data, name) from None
    except (ExtractorError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer/pdfium raise any type on damaged files
        raise InputError(f"{name}: damaged PDF (the PDF library failed: {type(exc).__name__})") from None


def _page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _check_pdf(data: bytes, name: str, limits: Limits) -> None:
    """Refuse an encrypted PDF, or one with more pages than ``limits.max_pdf_pages``, before any
    page is analysed (pdfium opens it in C, in milliseconds)."""
    try:
        n = _page_count(data)
    except Exception as exc:  # noqa: BLE001 - damaged: the PDF reader gives the message
        if getattr(exc, "err_code", None) == 4 or "password" in str(exc).lower():  # FPDF_ERR_PASSWORD
            raise InputError(f"{name}: encrypted PDF: it opens only with a password; decrypt it first "
                             "(e.g. qpdf --password=PW --decrypt in.pdf out.pdf)") from None
        return
    if n > limits.max_pdf_pages:
        raise LimitExceededError(f"{name}: PDF has {n} pages (limit {limits.max_pdf_pages}; "
                                 "raise it with --max-pages)")


def _check_ocr_pages(data: bytes, name: str, limits: Limits, exc: NoTextLayerError) -> None:
    """OCR costs seconds a page: refuse a scan longer than ``limits.max_ocr_pages`` (0: OCR off)."""
    if limits.max_ocr_pages == 0:
        raise NoTextLayerError(f"{exc}; OCR is off (--max-ocr-pages 0)") from None
    n = _page_count(data)
    if n > limits.max_ocr_pages:
        raise LimitExceededError(f"{name}: a scan of {n} pages to OCR (limit {limits.max_ocr_pages}; "
                                 "raise it with --max-ocr-pages)") from None


def _clearer_pdf_error(exc: InputError, data: bytes, name: str) -> InputError:
    """The PDF reader's open error, said plainly for a file cut short or damaged."""
    text = str(exc)
    if "not a readable PDF" not in text:
        return exc
    if b"%%EOF" not in data[-2048:]:
        return InputError(f"{name}: truncated PDF (it ends before its %%EOF marker; download it again)")
    return InputError(f"{name}: damaged PDF (its objects or cross-reference table cannot be parsed)")
