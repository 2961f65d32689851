"""Page images: PDF pages rendered by pdfium, image files decoded by Pillow (grayscale numpy)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

DPI = 200
MAX_IMAGE_SIDE = 6000  # larger images are scaled down (a scan past ~500 dpi gains nothing)


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


def image_pages(data: bytes, name: str) -> list[PageImage]:
    """Each frame of an image file as one page (grayscale, EXIF orientation applied)."""
    import numpy as np
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
    Image.MAX_IMAGE_PIXELS = 200_000_000
    try:
        img = Image.open(io.BytesIO(data))
        frames = [ImageOps.exif_transpose(f.copy()) for f in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{name}: not a readable image ({type(exc).__name__})") from None
    out = []
    for i, frame in enumerate(frames, 1):
        g = frame.convert("L")
        if max(g.size) > MAX_IMAGE_SIDE:
            g.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        out.append(PageImage(i, np.array(g), None))
    return out
