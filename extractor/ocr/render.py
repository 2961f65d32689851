"""Page images: PDF pages rendered by pdfium, image files decoded by Pillow (grayscale numpy)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

DPI = 200
# An image is read with its shorter side at most this (a page past ~500 dpi gains nothing); a
# 长图 of ten pages stacked keeps its width, so its text stays as large as on one page.
MAX_IMAGE_SIDE = 6000
MAX_OCR_PIXELS = 60_000_000  # and at most this many pixels in all (~27 A4 pages at 150 dpi)


def fit(img):
    """``img`` (a PIL image) at the size it is read at: scaled down so that its shorter side is
    at most ``MAX_IMAGE_SIDE`` and its area at most ``MAX_OCR_PIXELS``; unchanged when it fits.
    The OCR reader, a picture in a document and the review page's source view all use it, so
    the cells' pixel boxes fall where they were read."""
    from PIL import Image

    w, h = img.size
    scale = min(1.0, MAX_IMAGE_SIDE / max(1, min(w, h)), (MAX_OCR_PIXELS / max(1, w * h)) ** 0.5)
    if scale >= 1.0:
        return img
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BICUBIC,
                      reducing_gap=2.0)


@dataclass
class PageImage:
    no: int  # 1-based page number
    image: Any  # numpy uint8 grayscale; None for a page read from its text layer
    scale: float | None  # pixels per PDF point; None for image files (bboxes stay in pixels)
    # (text, bbox pt) for pages read from their text layer
    text_lines: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)


def pdf_pages(data: bytes, name: str, *, dpi: int = DPI, ocr_pages: set[int] | None = None) -> list[PageImage]:
    """Render the pages in ``ocr_pages`` (all when None); the others keep their text layer lines."""
    import numpy as np
    import pypdfium2 as pdfium
    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from None
    out = []
    try:
        for i, page in enumerate(doc, 1):
            if ocr_pages is not None and i not in ocr_pages:
                out.append(PageImage(i, None, None, _text_lines(page)))
                continue
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            arr = np.array(bitmap.to_pil().convert("L"))
            out.append(PageImage(i, arr, dpi / 72))
    finally:
        doc.close()
    return out


def _text_lines(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """A usable page's text, line by line, from pdfium (prose pages of a partly scanned PDF):
    pdfium's text rectangles joined left to right when they share a line."""
    height = page.get_size()[1]
    tp = page.get_textpage()
    rects = []
    for i in range(tp.count_rects()):
        left, bottom, right, top = tp.get_rect(i)
        text = tp.get_text_bounded(left, bottom, right, top).strip()
        if text:
            rects.append((height - top, height - bottom, left, right, text))
    lines: list[list[tuple]] = []
    for r in sorted(rects):
        for line in lines:
            t0, b0 = line[0][0], line[0][1]
            if min(b0, r[1]) - max(t0, r[0]) > 0.5 * min(b0 - t0, r[1] - r[0]):
                line.append(r)
                break
        else:
            lines.append([r])
    out = []
    for line in lines:
        line.sort(key=lambda r: r[2])
        box = (min(r[2] for r in line), min(r[0] for r in line), max(r[3] for r in line), max(r[1] for r in line))
        out.append(("".join(r[4] for r in line), box))
    out.sort(key=lambda t: (t[1][1], t[1][0]))
    return out


PAGE_RATIO = 1.414  # an A4 page's height over its width


def page_spans(gray) -> list[tuple[int, int]]:
    """The rows ``(top, bottom)`` of each page of an image: one span for a page-shaped image; a
    长图 (pages stacked into one tall image) cut into page-high spans so that each page is levelled
    and read on its own, as a PDF's pages are (one angle for the whole would push the far ends
    off the image). A cut is made within a quarter page of each page's height, on a blank row
    (nearest first), else through a rule (kept on both sides: a table goes on over the cut as
    over a page break), else on the row with the least ink. ``gray``: a numpy grayscale image."""
    import numpy as np

    h, w = gray.shape[:2]
    page = max(1, int(PAGE_RATIO * w))
    if h <= 1.5 * page:
        return [(0, h)]
    ink = np.count_nonzero(gray < 128, axis=1)  # dark pixels in each row
    spans: list[tuple[int, int]] = []
    top = 0
    while h - top > 1.5 * page:
        lo, hi = top + int(0.75 * page), min(h, top + int(1.25 * page))
        cut, rule = _cut(ink[lo:hi], w, top + page - lo)
        spans.append((top, lo + cut + (2 if rule else 0)))
        top = lo + cut - (1 if rule else 0)
    spans.append((top, h))
    return spans


def _cut(ink, width: int, target: int) -> tuple[int, bool]:
    """Where to cut within a window of rows (their ink counts): (row, whether it is a rule)."""
    import numpy as np

    order = np.argsort(np.abs(np.arange(len(ink)) - target), kind="stable")  # nearest the target first
    blank = max(2, int(0.002 * width))
    for i in order:
        if ink[i] <= blank:
            return int(i), False
    for i in order:
        if ink[i] >= 0.5 * width:
            return int(i), True
    least = ink[order].min()
    return int(next(i for i in order if ink[i] == least)), False


def image_pages(data: bytes, name: str) -> list[PageImage]:
    """Each frame of an image file as its pages (grayscale, EXIF orientation applied, at the size
    ``fit`` reads it): one page, or a 长图's pages (``page_spans``)."""
    import numpy as np
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
    Image.MAX_IMAGE_PIXELS = 200_000_000
    try:
        img = Image.open(io.BytesIO(data))
        frames = [ImageOps.exif_transpose(f.copy()) for f in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{name}: not a readable image ({type(exc).__name__})") from None
    out: list[PageImage] = []
    for frame in frames:
        gray = np.array(fit(frame.convert("L")))
        for top, bottom in page_spans(gray):
            out.append(PageImage(len(out) + 1, gray[top:bottom], None))
    return out
