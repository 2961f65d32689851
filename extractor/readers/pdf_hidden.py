"""Scans under a scanner's hidden text layer: pages whose visible content is a page image and
whose text is all invisible (render mode 3, "searchable image" PDFs).

Scanner software and "make searchable" converters store each page as one image and lay their
own OCR text over it, invisible: the text extracts as if printed, but it is the scanner's
reading, with its misread digits (8 for 3, 7 for 1). Such a page is told from text drawn over a
background image by its text: here none of it is painted. ``extractor.hidden_layer`` checks the
layer against the page image when the OCR extra is installed.

Only pages holding an image are examined; the pdfium reader passes the image objects it met, so
other pages cost nothing.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Iterable

from ..model import Document

MIN_COVER = 0.5  # the images cover at least this share of the page
MAX_VISIBLE = 0.05  # painted text (a page-number stamp) at most this share of the invisible text's area
_INVISIBLE = (3, 7)  # FPDF_TEXTRENDERMODE_INVISIBLE, _CLIP: text that paints nothing
_GRID = 16  # coverage sampled on a 16 x 16 grid of points
_MAX_DEPTH = 4  # form XObjects nested deeper are not looked into


def _matrix(obj) -> tuple[float, ...] | None:
    import pypdfium2.raw as raw
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return None
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _apply(m: tuple[float, ...] | None, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if m is None:
        return box
    a, b, c, d, e, f = m
    x0, y0, x1, y1 = box
    pts = [(a * x + c * y + e, b * x + d * y + f) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    return min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)


def _compose(outer: tuple[float, ...] | None, inner: tuple[float, ...] | None) -> tuple[float, ...] | None:
    """``inner`` then ``outer`` (a point in a nested form's space to the page)."""
    if outer is None or inner is None:
        return inner if outer is None else outer
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _bounds(obj, m: tuple[float, ...] | None) -> tuple[float, float, float, float] | None:
    import pypdfium2.raw as raw
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    return _apply(m, (left.value, bottom.value, right.value, top.value))


def _coverage(boxes: list[tuple[float, float, float, float]], page_box: tuple[float, float, float, float]) -> float:
    """The share of the page (sampled on a grid of points) inside one of ``boxes``."""
    px0, py0, px1, py1 = page_box
    inside = 0
    for i in range(_GRID):
        x = px0 + (i + 0.5) * (px1 - px0) / _GRID
        for j in range(_GRID):
            y = py0 + (j + 0.5) * (py1 - py0) / _GRID
            if any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes):
                inside += 1
    return inside / (_GRID * _GRID)


@dataclass
class _Stats:
    images: list[tuple[float, float, float, float]] = field(default_factory=list)  # boxes, page space
    visible: float = 0.0  # area of painted text
    invisible: float = 0.0  # area of text in render mode 3 (or 7)


def _walk(objects: Iterable, m: tuple[float, ...] | None, depth: int, out: _Stats) -> None:
    """Image boxes and the areas of painted and invisible text, into ``out`` (page space)."""
    import pypdfium2.raw as raw
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            box = _bounds(obj, m)
            if box:
                out.images.append(box)
        elif kind == raw.FPDF_PAGEOBJ_TEXT:
            box = _bounds(obj, m)
            if box:
                area = max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0) or 1e-3
                if raw.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE:
                    out.invisible += area
                else:
                    out.visible += area
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
            n = raw.FPDFFormObj_CountObjects(obj)
            inner = _compose(m, _matrix(obj))
            _walk((raw.FPDFFormObj_GetObject(obj, k) for k in range(max(n, 0))), inner, depth + 1, out)


def _judge(page_raw, n: int, page_box: tuple[float, float, float, float], images: list | None = None) -> bool:
    import pypdfium2.raw as raw
    if images is not None:  # the reader met these images: are they big enough to be a scan?
        first = _Stats()
        _walk([ctypes.cast(o, raw.FPDF_PAGEOBJECT) for o in images], None, 0, first)
        if _coverage(first.images, page_box) < MIN_COVER:
            return False
    stats = _Stats()
    _walk((raw.FPDFPage_GetObject(page_raw, k) for k in range(n)), None, 0, stats)
    return (stats.invisible > 0 and stats.visible <= MAX_VISIBLE * stats.invisible
            and _coverage(stats.images, page_box) >= MIN_COVER)


def page_has_hidden_layer(page, n_objects: int, images: list) -> bool:
    """For the pdfium reader: ``page`` (a pypdfium2 page) with ``images``, the image objects
    among its ``n_objects`` top-level objects. Any failure reads as no."""
    if not images:
        return False
    try:
        return _judge(page.raw, n_objects, _page_box(page), images)
    except Exception:  # noqa: BLE001 - a page pdfium reads oddly is simply not judged a scan
        return False


def _page_box(page) -> tuple[float, float, float, float]:
    mb = page.get_mediabox()
    return (mb[0], mb[1], mb[2], mb[3])


def hidden_pages(data: bytes, pages: Iterable[int]) -> list[int]:
    """For pages the pdfminer path read (form XObjects, as OCRmyPDF writes its text layer): which
    of ``pages`` (1-based) are scans under a hidden layer."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
        doc = pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - the reader already read it another way
        return []
    out = []
    try:
        for no in pages:
            try:
                page = doc[no - 1]
            except Exception:  # noqa: BLE001
                continue
            try:
                if _judge(page.raw, raw.FPDFPage_CountObjects(page.raw), _page_box(page)):
                    out.append(no)
            except Exception:  # noqa: BLE001
                pass
            finally:
                page.close()
    finally:
        doc.close()
    return out


def page_list(pages: list[int]) -> str:
    """1, 3–5 (the reader's way of naming pages)."""
    parts: list[str] = []
    start = None
    for i, p in enumerate(pages):
        start = p if start is None else start
        if i + 1 == len(pages) or pages[i + 1] != p + 1:
            parts.append(str(start) if start == p else f"{start}–{p}")
            start = None
    return ", ".join(parts)


def pages_phrase(pages: list[int]) -> str:
    """'page 2' or 'pages 1–2, 5'."""
    return f"page{'s' if len(pages) > 1 else ''} {page_list(pages)}"


def mark(doc: Document, pages: list[int]) -> None:
    """Record the hidden-layer pages in ``doc.meta['hidden_text_pages']`` with a warning."""
    if not pages:
        return
    pages = sorted(set(pages))
    doc.meta["hidden_text_pages"] = pages
    doc.warnings.append(f"{pages_phrase(pages)}: scanned images under an invisible text layer (a scanner's "
                        "own OCR, render mode 3): their text is that layer's reading, not the printed page")


# --- ruling lines from the page image ----------------------------------------------------------------
# A hidden layer carries no rules: the table's rules are in the image. Without them the table
# builder sees text alone and cannot tell rows and columns apart, so they are found in the
# rendered page (numpy only): long runs of dark pixels, horizontal and vertical; a vertical run
# counts only between two horizontal ones (a cell's side), a horizontal one only where a
# vertical one meets it or when it is long (a three-line table's rule) — glyph strokes and
# dashes are neither.

RULES_DPI = 150
_H_MIN, _V_MIN, _H_LONG = 25.0, 8.0, 120.0  # points
_TOUCH = 2.5  # points: how near a rule's end comes to the rule it meets (ink touching it may run on)
_INK = 40  # grey levels: a pixel this much darker than the page's median is ink
_RUN_OVERLAP = 0.5  # runs on consecutive pixel rows are one rule when overlapping by this share of the shorter
_GLYPH_V_MARGIN = 0.05  # a vertical run inside a char's box, this share of its width clear of its sides ...
_GLYPH_H_MARGIN = 0.2  # (a horizontal run: this share of its height clear of its top and bottom) ...
_GLYPH_OVERLAP = 0.3  # ... over more than this share of its height (width) is a stroke of that glyph


def _runs(mask, min_px: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the runs of True at least ``min_px`` long in each row of ``mask``."""
    import numpy as np
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    starts, ends = np.argwhere(d == 1), np.argwhere(d == -1)  # row-major: paired in order
    keep = (ends[:, 1] - starts[:, 1]) >= min_px
    return [(int(r), int(a), int(b)) for (r, a), (_, b) in zip(starts[keep], ends[keep])]


def _join_runs(runs: list[tuple[int, int, int]]) -> list[tuple[float, int, int]]:
    """Runs on consecutive rows that overlap: one rule (its middle row, its span). Not
    ``geometry.cluster``: runs join by touching rows and overlapping spans, not by position."""
    done: list[list] = []
    open_: list[list] = []  # [first row, last row, start, end]
    for r, a, b in runs:
        for c in open_:
            if c[1] == r - 1 and min(c[3], b) - max(c[2], a) > _RUN_OVERLAP * min(c[3] - c[2], b - a):
                c[1], c[2], c[3] = r, min(c[2], a), max(c[3], b)
                break
        else:
            open_.append([r, r, a, b])
        done += [c for c in open_ if c[1] < r - 1]
        open_ = [c for c in open_ if c[1] >= r - 1]
    return [((c[0] + c[1] + 1) / 2, c[2], c[3]) for c in done + open_]


def _through_text(seg: tuple[float, float, float], vertical: bool, chars: list[dict]) -> bool:
    """Whether a segment runs through the middle of one of the hidden layer's characters (a
    stroke of that glyph, or a dash printed in a cell), where a rule never runs."""
    pos, a, b = seg
    for c in chars:
        w, h = c["x1"] - c["x0"], c["bottom"] - c["top"]
        if vertical:
            if (c["x0"] + _GLYPH_V_MARGIN * w < pos < c["x1"] - _GLYPH_V_MARGIN * w
                    and min(b, c["bottom"]) - max(a, c["top"]) > _GLYPH_OVERLAP * h):
                return True
        elif (c["top"] + _GLYPH_H_MARGIN * h < pos < c["bottom"] - _GLYPH_H_MARGIN * h
              and min(b, c["x1"]) - max(a, c["x0"]) > _GLYPH_OVERLAP * w):
            return True
    return False


def _trim(seg: tuple[float, float, float], chars: list[dict]) -> tuple[float, float, float]:
    """A vertical run cut where it runs on into a glyph set against its rule (the 第 of a
    heading row touching the rule above it)."""
    x, a, b = seg
    for c in chars:
        if c["x0"] < x < c["x1"]:
            if c["top"] < b <= c["bottom"] and c["top"] > a:
                b = c["top"]
            if c["top"] <= a < c["bottom"] and c["bottom"] < b:
                a = c["bottom"]
    return x, a, b


def image_rules(page, chars: list[dict]) -> list[dict]:
    """The table rules drawn in a scanned page's image, as ``line`` records in points (the page
    as displayed, y down); ``chars``: the hidden layer's characters (a stroke through one is part
    of a glyph). Any failure gives none."""
    try:
        import numpy as np
        s = RULES_DPI / 72
        gray = np.asarray(page.render(scale=s, grayscale=True).to_pil().convert("L"))
        ink = gray < float(np.median(gray)) - _INK  # darker than the paper: thin grey rules too
        hs = [(y / s, a / s, b / s) for y, a, b in _join_runs(_runs(ink, int(_H_MIN * s)))]
        vs = [(x / s, a / s, b / s) for x, a, b in _join_runs(_runs(ink.T, int(_V_MIN * s)))]
    except Exception:  # noqa: BLE001 - no rules found is what a failure means here
        return []

    def meets(x: float, y: float, rules: list[tuple[float, float, float]]) -> bool:
        return any(abs(pos - y) <= _TOUCH and a - _TOUCH <= x <= b + _TOUCH for pos, a, b in rules)

    hs = [h for h in hs if not _through_text(h, False, chars)]
    vs = [_trim(v, chars) for v in vs]
    vs = [(x, a, b) for x, a, b in vs if meets(x, a, hs) and meets(x, b, hs) and not _through_text((x, a, b), True, chars)]
    hs = [(y, a, b) for y, a, b in hs
          if b - a >= _H_LONG or any(a - _TOUCH <= x <= b + _TOUCH and top - _TOUCH <= y <= bottom + _TOUCH
                                     for x, top, bottom in vs)]
    lines = [{"x0": a, "x1": b, "top": y, "bottom": y} for y, a, b in hs]
    lines += [{"x0": x, "x1": x, "top": a, "bottom": b} for x, a, b in vs]
    for ln in lines:
        ln.update(stroke=True, fill=False)
    return lines
