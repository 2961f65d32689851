"""A PDF as the registry sees it: refused early when encrypted or too long, read through its text
layer (``pdf.read_pdf``), and sent to OCR when that layer is missing or garbled."""

from __future__ import annotations

from ..errors import ExtractorError, InputError, LimitExceededError, NoTextLayerError
from ..limits import Limits, resolve
from ..model import Document
from .hints import Hints


def read_pdf_file(data: bytes, *, source: str | None = None, hints: Hints | None = None,
                  limits: Limits | None = None) -> Document:
    """Read a PDF within ``limits``: its text layer, or OCR for a scan (``limits.max_ocr_pages``)."""
    from .pdf import read_pdf

    name = source or "input"
    limits = resolve(limits)
    _check_pdf(data, name, limits)
    try:
        return read_pdf(data, source=source, hints=hints, limits=limits)
    except NoTextLayerError as exc:  # scanned: OCR it, or name the extra that would
        _check_ocr_pages(data, name, limits, exc)
        from ..ocr import read_scanned_pdf
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
