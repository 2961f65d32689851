"""The OCR reader: page images -> deskew -> ruled grids + recognised lines -> ``Document``.

Bounding boxes are in PDF points (page space, before deskew) for PDFs and in pixels for image
files; ``Document.meta['bbox_units']`` says which.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import LimitExceededError
from ..model import LOW_CONFIDENCE, Block, Document, Paragraph, Provenance
from .aligned import Carry
from .engine import Box
from .layout import to_paragraphs
from .render import PageImage, image_pages, pdf_pages

DASH_CONFIDENCE = 0.95  # a lone flat stroke in a cell, recognised by its shape


@dataclass(frozen=True)
class CellReader:
    """The layout's second look at a cell: ``reader(box, boxes)`` re-reads it from its ink,
    ``reader.dots(box)`` finds the printed points in it, ``reader.marks(box)`` the marks of ink
    inside a recognised box (where its words lie)."""

    read: Callable[..., tuple[str, float] | None]
    dots: Callable[[Any], list[float]]
    marks: Callable[[Any], list[tuple[float, float, float, float]]] = lambda box: []

    def __call__(self, box: Any, boxes: Any = ()) -> tuple[str, float] | None:
        return self.read(box, boxes)


def _cell_reader(gray, ink, raw_ink, rules, unit: float) -> CellReader:
    """A second look at one cell, from its ink: ``read(box, boxes)`` gives None when there is
    nothing the detector missed, else the text and score of a re-read. With no boxes: a flat
    lone stroke is a dash, other marks are recognised on their own crop (nothing recognised:
    confidence 0). With boxes: marks outside every box (a digit of a widely spaced number) make
    the whole single-line mark run be recognised again."""
    import cv2
    import numpy as np
    from .engine import engine
    min_mark = 3.5 * unit  # a digit or dash is taller or wider than this; speckle is not
    plain = gray.copy()  # the page without its rules: a crop near a cell edge shows no frame
    plain[rules > 0] = 255

    def ink_marks(crop) -> list:
        """Connected ink in a cell's crop big enough for a digit or dash, a rule's ragged edge left out."""
        n, _, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
        h, w = crop.shape
        return [st for st in (stats[i] for i in range(1, n)) if max(st[2], st[3]) >= min_mark
                and not (st[2] >= 0.6 * w and st[3] <= 2 * unit)  # a rule's ragged edge
                and not (st[3] >= 0.6 * h and st[2] <= 2 * unit)]

    def read(box, boxes=()):
        x0, y0, x1, y1 = (int(v) for v in box)
        m = int(2.5 * unit)
        x0, y0, x1, y1 = x0 + m, y0 + m, x1 - m, y1 - m
        if x1 <= x0 or y1 <= y0:
            return None
        marks = ink_marks(ink[y0:y1, x0:x1])
        if not marks and not boxes:
            # a dash one pixel thick (a low-dpi scan) does not survive the speckle filter: a lone
            # flat stroke in the unfiltered ink is still a dash
            raw = ink_marks(raw_ink[y0:y1, x0:x1])
            if len(raw) == 1 and raw[0][3] <= 2.5 * unit and raw[0][2] >= 2.5 * raw[0][3]:
                return "—", DASH_CONFIDENCE
        if not marks:
            return None
        if boxes:
            g = 2 * unit
            loose = [s for s in marks if not any(b.x0 - g <= x0 + s[0] + s[2] / 2 <= b.x1 + g
                                                and b.y0 - g <= y0 + s[1] + s[3] / 2 <= b.y1 + g for b in boxes)]
            if not loose:
                return None
            height = max(b.y1 - b.y0 for b in boxes)
            if max(s[1] + s[3] for s in marks) - min(s[1] for s in marks) > 1.6 * height:
                return None  # several lines: leave the detector's reading
        elif len(marks) == 1 and marks[0][3] <= 2.5 * unit and marks[0][2] >= 2.5 * marks[0][3]:
            return "—", DASH_CONFIDENCE
        mx0 = min(s[0] for s in marks) + x0
        my0 = min(s[1] for s in marks) + y0
        mx1 = max(s[0] + s[2] for s in marks) + x0
        my1 = max(s[1] + s[3] for s in marks) + y0
        pad = int(4 * unit)
        crop = plain[max(my0 - pad, 0):my1 + pad, max(mx0 - pad, 0):mx1 + pad]
        crop = cv2.copyMakeBorder(crop, pad, pad, pad * 2, pad * 2, cv2.BORDER_CONSTANT, value=255)
        result, _ = engine()(np.ascontiguousarray(crop), use_det=False, use_cls=False)
        if result and str(result[0][0]).strip():
            return str(result[0][0]).strip(), round(float(result[0][1]), 4)
        return ("", 0.0) if not boxes else None

    def dots(box) -> list[float]:
        """x of each printed point (a round mark a period's size, low on the line) in a cell;
        dust is smaller, digits taller."""
        x0, y0, x1, y1 = (int(v) for v in box)
        m = int(2.5 * unit)
        x0, y0, x1, y1 = x0 + m, y0 + m, x1 - m, y1 - m
        if x1 <= x0 or y1 <= y0:
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(raw_ink[y0:y1, x0:x1], connectivity=8)
        comps = [stats[i] for i in range(1, n)]
        tall = [s for s in comps if s[3] >= min_mark]
        if not tall:
            return []
        base = max(s[1] + s[3] for s in tall)
        top = min(s[1] for s in tall)
        return [x0 + s[0] + s[2] / 2 for s in comps
                if 1.2 * unit <= s[2] <= 3.2 * unit and 1.2 * unit <= s[3] <= 3.2 * unit
                and s[4] >= (1.1 * unit) ** 2 and s[1] + s[3] / 2 >= top + 0.6 * (base - top)]

    def marks(box) -> list[tuple[float, float, float, float]]:
        """The marks (connected ink, rules and speckle left out) inside a recognised box, each as
        (x0, x1, top, bottom) in pixels, left to right: the gaps between them are the gaps
        between its glyphs, their heights the glyphs' heights."""
        h, w = ink.shape
        x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
        x1, y1 = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
        if x1 <= x0 or y1 <= y0:
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
        return sorted((float(x0 + st[0]), float(x0 + st[0] + st[2]), float(y0 + st[1]), float(y0 + st[1] + st[3]))
                      for st in (stats[i] for i in range(1, n)) if max(st[2], st[3]) >= unit)
    return CellReader(read, dots, marks)


@dataclass
class PreparedPage:
    """A page image levelled and its ruled grids found, before any text is placed: the OCR
    reader places the recogniser's boxes; the hidden-text-layer check places that layer's too."""

    no: int
    gray: Any  # the levelled page (numpy uint8)
    angle: float  # degrees it was turned by (OpenCV's sense)
    grids: list
    reader: CellReader
    scale: float | None
    layout_s: float
    unit: float = 1.0  # pixels per point (image files: as if the page were A4 wide)
    # the rules on the page, in pixels: (y, x0, x1) and (x, y0, y1)
    hrules: list = field(default_factory=list)
    vrules: list = field(default_factory=list)

    def to_pt(self, box):
        """A box in the levelled image's pixels -> PDF points (pixels for image files)."""
        if self.scale is None:
            return tuple(round(v, 1) for v in box)
        return tuple(round(v / self.scale, 2) for v in box)

    def to_px(self, box_pt: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box in page points (y down, as displayed) -> the levelled image's pixels."""
        import cv2
        import numpy as np
        s = self.scale or 1.0
        x0, y0, x1, y1 = (v * s for v in box_pt)
        if abs(self.angle) < 0.02:
            return x0, y0, x1, y1
        h, w = self.gray.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), self.angle, 1.0)
        pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=float) @ m.T
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def prepare_page(page: PageImage) -> PreparedPage:
    """Level a page image, find its ruled grids and build the cell reader (no recognition yet)."""
    import cv2
    import numpy as np
    from .deskew import binarise, estimate_angle, rotate
    from .grid import _segments, find_grids, rule_masks
    t0 = time.perf_counter()
    gray = page.image
    unit = page.scale if page.scale else max(gray.shape[1] / 595.0, 1.0)  # image files: assume A4 width
    angle = estimate_angle(gray)
    gray = rotate(gray, angle)
    grids = find_grids(gray, unit)
    ink = binarise(gray)
    horiz, vert = rule_masks(ink, unit)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(unit) | 1, int(unit) | 1))
    rules: np.ndarray = cv2.dilate(horiz | vert, kernel)  # uint8 like ink (OpenCV's stubs allow float)
    raw_ink = ink & ~rules
    # ink off the rules (and their ragged edges), speckle dropped, strokes broken by a low-dpi
    # scan closed up (a thin dash in pieces)
    ink = cv2.morphologyEx(raw_ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (int(2 * unit) | 1, 3)))
    # every rule on the page, for the table builder (a three-line table's, a partly ruled one's)
    hrules, vrules = _segments(horiz, 0), _segments(vert, 1)
    return PreparedPage(page.no, gray, angle, grids, _cell_reader(gray, ink, raw_ink, rules, unit), page.scale,
                        time.perf_counter() - t0, unit, hrules, vrules)


def ocr_page(page: PageImage, carry: Carry | None = None) -> tuple[list[Block], dict]:
    """One page image into blocks, with what was measured (skew, timings). ``carry``: what the
    previous pages of the document leave to this one (a rule-less table going on)."""
    from .aligned import AlignedPage
    from .engine import recognise
    from .layout import page_blocks
    prep = prepare_page(page)
    t1 = time.perf_counter()
    boxes = recognise(prep.gray)
    t2 = time.perf_counter()
    aligned = AlignedPage(prep.unit, prep.gray.shape[1], prep.hrules, prep.vrules, carry)
    blocks = page_blocks(prep.grids, boxes, page.no, prep.to_pt, prep.reader, aligned=aligned)
    info = {"page": page.no, "skew_deg": -prep.angle, "tables": len(prep.grids) + aligned.tables,
            "boxes": len(boxes), "layout_s": round(prep.layout_s + time.perf_counter() - t2, 2),
            "recognise_s": round(t2 - t1, 2)}
    if aligned.tables:
        info["aligned_tables"] = aligned.tables
    return blocks, info


def _document(pages: list[PageImage], name: str, units: str, fmt: str) -> Document:
    blocks: list[Block] = []
    infos = []
    carry = Carry()
    for page in pages:
        if page.image is None:  # a page with a usable text layer: its lines, wrapped ones joined
            lines = [Box(*bb, text, 1.0) for text, bb in page.text_lines]
            blocks += [Paragraph(p.text, Provenance(page=page.no, bbox=p.provenance.bbox, source="pdf"))
                       for _, p in to_paragraphs(lines, page.no, lambda b: tuple(round(v, 2) for v in b))]
            carry.reset()
            continue
        page_blocks, info = ocr_page(page, carry)
        blocks += page_blocks
        infos.append(info)
    doc = Document(blocks=blocks, format=fmt)
    doc.meta.update(ocr=True, ocr_engine="rapidocr-onnxruntime", ocr_pages=[i["page"] for i in infos],
                    ocr_page_info=infos, bbox_units=units, pages=len(pages))
    low = sum(1 for b in blocks if hasattr(b, "grid") for row in b.grid for c in row
              if c is not None and c.provenance.confidence is not None and c.provenance.confidence < LOW_CONFIDENCE)
    doc.warnings.append(f"ocr: {len(infos)} page(s) read by OCR (rapidocr); values carry the recogniser's confidence")
    doc.meta["ocr_low_confidence_cells"] = low
    return doc


def _unusable_pages(data: bytes) -> set[int] | None:
    """Pages to OCR: those with little text and an image (None: all pages)."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
        doc = pdfium.PdfDocument(data)
    except Exception:
        return None
    try:
        out = set()
        for i, page in enumerate(doc, 1):
            tp = page.get_textpage()
            n = sum(1 for k in range(tp.count_chars()) if chr(raw.FPDFText_GetUnicode(tp, k)).strip())
            text = tp.get_text_range()
            bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t" or 0xE000 <= ord(ch) <= 0xF8FF
                      or ch == "\ufffd")
            if n < 40 or bad > 0.15 * max(n, 1):
                out.add(i)
        return out
    finally:
        doc.close()


def _check_pages(name: str, pages: list[PageImage], max_pages: int) -> None:
    """OCR costs seconds a page: refuse more than ``max_pages`` pages to recognise."""
    n = sum(1 for p in pages if p.image is not None)
    if n > max_pages:
        raise LimitExceededError(f"{name}: a scan of {n} pages to OCR (limit {max_pages}; "
                                 "raise it with --max-ocr-pages)")


def read_pdf_ocr(data: bytes, name: str, *, max_pages: int) -> Document:
    """OCR the pages of a PDF that lack a usable text layer; keep the text of the others."""
    pages = pdf_pages(data, name, ocr_pages=_unusable_pages(data))
    _check_pages(name, pages, max_pages)
    return _document(pages, name, "pt", "pdf")


def read_image_ocr(data: bytes, name: str, *, max_pages: int) -> Document:
    """OCR an image file, each frame one page."""
    pages = image_pages(data, name)
    _check_pages(name, pages, max_pages)
    return _document(pages, name, "px", "image")


def read_images_ocr(images: list[bytes], name: str, *, max_pages: int) -> Document:
    """OCR several image files as the consecutive pages of one report."""
    pages: list[PageImage] = []
    for k, data in enumerate(images, 1):
        for p in image_pages(data, f"{name} (image {k})"):
            p.no = len(pages) + 1
            pages.append(p)
    _check_pages(name, pages, max_pages)
    return _document(pages, name, "px", "image")
