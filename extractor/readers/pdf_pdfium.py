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
    objs: dict[str, list[dict]] = {"char": chars, "line": [], "rect": [], "curve": [], "glyph": []}
    _classify([_path(handle, view) for handle in paths], objs)
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


def _path(handle, view: _View) -> list[dict]:
    """A path object's subpaths as pdfplumber-like dicts (box, stroke, fill, and ``bez``: has
    curve segments; ``n``: its number of points)."""
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
    out = []
    for pts, bez in zip(subpaths, curved):
        if len(pts) < 2 or not all(math.isfinite(v) for p in pts for v in p):
            continue
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out.append({"x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                    "stroke": bool(stroke.value), "fill": bool(fill.value), "bez": bez, "n": len(pts)})
    return out


# Text drawn as curves ("转曲": WPS and print drivers export label text as glyph outlines, one
# filled path per glyph). A glyph's strokes are thin bars (一, the bars of 三, a dash) that would
# read as table rules and cut cells apart; such paths are set aside as ``glyph`` boxes.
_THIN = 2.5  # a rule is at most this thick
_GLYPH_MAX = 40.0  # a glyph is at most this big


def _bounds(sp: list[dict]) -> tuple[float, float, float, float]:
    return (min(d["x0"] for d in sp), min(d["top"] for d in sp), max(d["x1"] for d in sp),
            max(d["bottom"] for d in sp))


def _border_set(sp: list[dict], b: tuple[float, float, float, float]) -> bool:
    """Subpaths that are all thin bars along the sides of their common box: a cell's borders
    drawn as one path, not a glyph."""
    x0, top, x1, bottom = b
    for d in sp:
        w, h = d["x1"] - d["x0"], d["bottom"] - d["top"]
        if h <= _THIN and w >= 0.9 * (x1 - x0) and (d["top"] - top <= 1.5 or bottom - d["bottom"] <= 1.5):
            continue
        if w <= _THIN and h >= 0.9 * (bottom - top) and (d["x0"] - x0 <= 1.5 or x1 - d["x1"] <= 1.5):
            continue
        return False
    return True


def _glyph_like(sp: list[dict]) -> bool:
    """A small filled shape with curves (a rule has none), or with several contours and not
    thin as a whole (other than a cell's border set): a glyph outline."""
    if not sp or not all(d["fill"] and not d["stroke"] for d in sp):
        return False
    b = _bounds(sp)
    w, h = b[2] - b[0], b[3] - b[1]
    if max(w, h) > _GLYPH_MAX:
        return False
    if any(d["bez"] for d in sp):
        return True
    return min(w, h) > _THIN and len(sp) >= 2 and not _border_set(sp, b)


def _bar_in_text(d: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    """A lone thin bar set among glyphs of its own size, on their line (一, a dash, the strokes
    of a glyph drawn as separate paths) or in their column (vertical text): a stroke of that
    text, not a rule (a rule is longer than the glyphs of the cell it borders)."""
    w, h = d["x1"] - d["x0"], d["bottom"] - d["top"]
    if min(w, h) > _THIN or d["stroke"]:
        return False
    length = max(w, h)
    for x0, top, x1, bottom in boxes:
        size = max(bottom - top, x1 - x0)
        if not 0.6 * length <= size or length > 1.2 * size:
            continue
        slack = 0.2 * size  # the bar lies within the glyphs' line (or column), as strokes do
        if top - slack <= d["top"] and d["bottom"] <= bottom + slack \
                and max(x0 - d["x1"], d["x0"] - x1) <= 1.5 * size:
            return True  # beside it on a line
        if x0 - slack <= d["x0"] and d["x1"] <= x1 + slack \
                and max(top - d["bottom"], d["top"] - bottom) <= 1.5 * size:
            return True  # above or below it in vertical text
    return False


def _classify(shapes: list[list[dict]], objs: dict) -> None:
    """Subpaths of every path object into ``line``/``rect``/``curve`` (rule candidates), or
    into ``glyph`` (the box of a glyph drawn as curves)."""
    glyph = [_glyph_like(sp) for sp in shapes]
    if any(glyph):
        boxes = [_bounds(sp) for sp, g in zip(shapes, glyph) if g]
        for i, sp in enumerate(shapes):
            if not glyph[i] and len(sp) == 1 and _bar_in_text(sp[0], boxes):
                glyph[i] = True
    for sp, g in zip(shapes, glyph):
        if g:
            b = _bounds(sp)
            objs["glyph"].append({"x0": b[0], "top": b[1], "x1": b[2], "bottom": b[3]})
            continue
        for d in sp:
            kind = "curve" if d["bez"] else "line" if d["n"] == 2 and d["stroke"] else "rect"
            objs[kind].append({k: v for k, v in d.items() if k not in ("bez", "n")})
