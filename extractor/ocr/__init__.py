"""OCR for scanned reports (image-only PDF pages, png/jpg posts): the optional ``ocr`` extra.

Importing this package needs nothing beyond the core install; the recogniser (rapidocr-onnxruntime,
whose wheel ships the Chinese models) and OpenCV are imported only when a page is OCR'd.
"""

from __future__ import annotations

import importlib

from ..errors import ExtractorError, MissingDependencyError, NoTextLayerError, UnsupportedFormatError
from ..limits import Limits, resolve
from ..model import Block, Document
from ..hints import Hints

EXTRA_INSTALL = "pip install 'gov-disclosure-extractor[ocr]'"
_MODULES = ("rapidocr_onnxruntime", "cv2", "numpy")


def ocr_available() -> bool:
    """Whether the ``ocr`` extra's modules can be imported."""
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # ImportError, or a broken native wheel
            return False
    return True


def missing_extra(name: str, *, image: bool = False, reason: str | None = None) -> ExtractorError:
    """The one-line error for scanned input without the extra: ``NoTextLayerError`` for a PDF
    (``reason``: the PDF reader's own words), ``UnsupportedFormatError`` for an image file."""
    if image:
        return UnsupportedFormatError(f"{name}: is an image (a scanned page, no text layer); "
                                      f"install the OCR extra: {EXTRA_INSTALL}")
    return NoTextLayerError(f"{reason or name + ': has no usable text layer'}; install the OCR extra: {EXTRA_INSTALL}")


def read_scanned_pdf(data: bytes, *, source: str | None = None, reason: str | None = None,
                     limits: Limits | None = None) -> Document:
    """OCR a PDF whose (table) pages have no usable text layer into a ``Document``, at most
    ``limits.max_ocr_pages`` pages. ``reason``: the PDF reader's message, repeated when the extra is missing."""
    name = source or "input"
    limits = resolve(limits)
    if limits.max_ocr_pages == 0:
        raise NoTextLayerError(f"{reason or name + ': has no usable text layer'}; OCR is off (--max-ocr-pages 0)")
    if not ocr_available():
        raise missing_extra(name, reason=reason)
    from .reader import read_pdf_ocr
    return read_pdf_ocr(data, name, max_pages=limits.max_ocr_pages)


def read_image(data: bytes, *, source: str | None = None, hints: Hints | None = None,
               limits: Limits | None = None) -> Document:
    """OCR an image file (png, jpg, ...; each frame one page) into a ``Document`` (the reader for
    images: at most ``limits.max_ocr_pages`` frames; 0 turns OCR off)."""
    name = source or "input"
    limits = resolve(limits)
    if limits.max_ocr_pages == 0:
        raise UnsupportedFormatError(f"{name}: is an image (a scanned page) and OCR is off (--max-ocr-pages 0)")
    if not ocr_available():
        raise missing_extra(name, image=True)
    from .reader import read_image_ocr
    return read_image_ocr(data, name, max_pages=limits.max_ocr_pages)


def read_images(images: list[bytes], *, source: str | None = None, limits: Limits | None = None) -> Document:
    """OCR the page images of one report, in order (an article page the fetcher recorded as
    ``images_only``) into one ``Document``; pass it to ``extractor.pipeline.extract_document``."""
    name = source or "input"
    limits = resolve(limits)
    if limits.max_ocr_pages == 0:
        raise UnsupportedFormatError(f"{name}: the report is posted as images and OCR is off (--max-ocr-pages 0)")
    if not ocr_available():
        raise missing_extra(name, image=True)
    from .reader import read_images_ocr
    return read_images_ocr(images, name, max_pages=limits.max_ocr_pages)


def read_picture(data: bytes, *, source: str | None = None, limits: Limits | None = None) -> list[Block]:
    """OCR one picture inside a document (a table pasted into Word as a screenshot or scan) into
    blocks in reading order: tables with their cell grids, and paragraphs, each with
    ``source="ocr"``, the recogniser's confidence, a bbox in the picture's pixels and a path under
    ``source`` (the picture's path, e.g. ``body/p[12]/drawing[1]``). One picture is one page of
    ``limits.max_ocr_pages`` (0: OCR off, ``UnsupportedFormatError``); without the extra
    ``MissingDependencyError``; ``InputError`` for a picture that is not a readable image."""
    name = source or "picture"
    limits = resolve(limits)
    if limits.max_ocr_pages == 0:
        raise UnsupportedFormatError(f"{name}: a picture to read by OCR, and OCR is off (--max-ocr-pages 0)")
    if not ocr_available():
        raise MissingDependencyError(f"{name}: a picture to read by OCR; install the OCR extra: {EXTRA_INSTALL}")
    from .picture import ocr_picture
    return ocr_picture(data, name)[0]


def fill_pictures(doc: Document, *, limits: Limits | None = None) -> None:
    """Read the pictures a reader left in ``doc.meta['pictures']`` (Word: tables pasted as
    screenshots or scans) by OCR, at most ``limits.max_ocr_pages`` (one picture a page; 0: OCR
    off), their blocks put in their places (``read_picture``) and ``doc.meta['ocr']`` set; every
    picture not read — OCR off or not installed, over the limit, not a readable image — is named
    in a warning, never dropped silently."""
    limits = resolve(limits)
    if limits.max_ocr_pages == 0:
        off: str | None = "OCR is off (--max-ocr-pages 0)"
    elif not ocr_available():
        off = f"OCR extra not installed: {EXTRA_INSTALL}"
    else:
        off = None
    from .picture import fill
    fill(doc, max_pictures=limits.max_ocr_pages, off=off)
