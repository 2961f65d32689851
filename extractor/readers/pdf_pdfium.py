"""Page objects from pdfium (C, no Python content-stream parsing): the fast path of the PDF reader.

For every upright page this gives what the table and paragraph code needs, in the same form as
pdfplumber's objects: chars (x0, x1, top, bottom, size, text; boxes from the baseline and the
font size, as pdfminer draws them) and ruling paths as ``line``/``rect`` dicts, in the
coordinates of the page as displayed (/Rotate applied). A page whose text is not upright once
displayed, or that holds form XObjects or an offset media box, gets ``None`` and goes through
pdfminer instead.
"""

from __future__ import annotations

import ctypes
import math


def scan(pdf_bytes: bytes) -> list[dict | None] | None:
    """Per page: {"chars", "images", "objs"} or None (needs pdfminer); None if pdfium is missing
    or cannot open the file (the pdfminer path then reports why)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    try:
        doc = pdfium.PdfDocument(pdf_bytes)
    except Exception:
        return None
    out: list[dict | None] = []
    try:
        for i in range(len(doc)):
            try:
                page = doc[i]
            except Exception:  # a page pdfium cannot load (a page count beyond the page tree)
                out.append(None)
                continue
            try:
                out.append(_page(page))
            except Exception:  # a page pdfium reads oddly: pdfminer reads it
                out.append(None)
            finally:
                page.close()
    finally:
        doc.close()
    return out


class _View:
    """User space (y up) to the page as displayed (y down, /Rotate applied)."""

    def __init__(self, rotation: int, width: float, height: float) -> None:
        self.rot, self.w, self.h = rotation, width, height
        self.size = (height, width) if rotation in (90, 270) else (width, height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        w, h, r = self.w, self.h, self.rot
        return {0: (x, h - y), 90: (y, x), 180: (w - x, y), 270: (h - y, w - x)}[r]

    def vector(self, vx: float, vy: float) -> tuple[float, float]:
        return {0: (vx, -vy), 90: (vy, vx), 180: (-vx, vy), 270: (-vy, -vx)}[self.rot]


def _page(page) -> dict | None:
    import pypdfium2.raw as raw
    rotation = page.get_rotation() % 360
    mb = page.get_mediabox()
    if rotation not in (0, 90, 180, 270) or abs(mb[0]) > 0.01 or abs(mb[1]) > 0.01:
        return None
    view = _View(rotation, mb[2] - mb[0], mb[3] - mb[1])
    kinds = {raw.FPDF_PAGEOBJ_IMAGE: 0, raw.FPDF_PAGEOBJ_FORM: 0}
    paths = []
    for obj in page.get_objects(max_depth=1):
        t = obj.type
        if t in kinds:
            kinds[t] += 1
        elif t == raw.FPDF_PAGEOBJ_PATH:
            paths.append(obj.raw)
    if kinds[raw.FPDF_PAGEOBJ_FORM]:
        return None
    chars = _chars(page, view)
    if chars is None:
        return None
    objs = {"char": chars, "line": [], "rect": [], "curve": []}
    for handle in paths:
        _path(handle, view, objs)
    width, height = view.size
    return {"chars": chars, "images": kinds[raw.FPDF_PAGEOBJ_IMAGE], "objs": objs, "width": width,
            "height": height}


def _chars(page, view: _View) -> list[dict] | None:
    import pypdfium2.raw as raw
    tp = page.get_textpage()
    try:
        m = raw.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        box = raw.FS_RECTF()
        chars = []
        for i in range(raw.FPDFText_CountChars(tp)):
            code = raw.FPDFText_GetUnicode(tp, i)
            # a glyph its font cannot map to Unicode reads as U+FFFD (judged unusable later)
            ch = "\ufffd" if code >= 0x110000 or raw.FPDFText_HasUnicodeMapError(tp, i) == 1 else chr(code)
            if not ch.strip() or raw.FPDFText_IsGenerated(tp, i):
                continue
            raw.FPDFText_GetMatrix(tp, i, m)
            (dx, dy), (ux, uy) = view.vector(m.a, m.b), view.vector(m.c, m.d)
            if dx <= 0 or uy >= 0 or abs(dy) > 1e-3 * dx or abs(ux) > 1e-3 * -uy:
                return None  # text not upright on the displayed page: pdfminer's geometry
            size = raw.FPDFText_GetFontSize(tp, i) * -uy
            raw.FPDFText_GetCharOrigin(tp, i, ox, oy)
            raw.FPDFText_GetLooseCharBox(tp, i, box)
            x0, bottom = view.point(ox.value, oy.value)
            right = max(view.point(box.left, box.top)[0], view.point(box.right, box.bottom)[0])
            x1 = right if right > x0 else x0 + size * 0.5
            chars.append({"text": ch, "x0": x0, "x1": x1, "top": bottom - size, "bottom": bottom, "size": size})
        return chars
    finally:
        tp.close()


def _path(handle, view: _View, objs: dict) -> None:
    """A path object's subpaths as pdfplumber-like ``line`` (two points) or ``rect`` dicts."""
    import pypdfium2.raw as raw
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    raw.FPDFPath_GetDrawMode(handle, fill, stroke)
    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(handle, m)
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    curved: list[bool] = []
    for k in range(raw.FPDFPath_CountSegments(handle)):
        seg = raw.FPDFPath_GetPathSegment(handle, k)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([])
            curved.append(False)
        subpaths[-1].append(view.point(px, py))
        curved[-1] = curved[-1] or kind == raw.FPDF_SEGMENT_BEZIERTO
    for pts, bez in zip(subpaths, curved):
        if len(pts) < 2 or not all(math.isfinite(v) for p in pts for v in p):
            continue
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        d = {"x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
             "stroke": bool(stroke.value), "fill": bool(fill.value)}
        if bez:
            objs["curve"].append(d)
        elif len(pts) == 2 and stroke.value:
            objs["line"].append(d)
        else:
            objs["rect"].append(d)
