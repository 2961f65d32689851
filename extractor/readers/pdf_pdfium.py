"""Page objects from pdfium (C, no Python content-stream parsing): the fast path of the PDF reader.

For every upright page this gives what the table and paragraph code needs, in the same form as
pdfplumber's objects: chars (x0, x1, top, bottom, size, text; boxes from the baseline and the
font size, as pdfminer draws them) and ruling paths as ``line``/``rect`` dicts, in the
coordinates of the page as displayed (/Rotate applied). A page whose text is not upright once
displayed, or that holds form XObjects or an offset media box, gets ``None`` and goes through
pdfminer instead.

Speed: a report makes tens of thousands of calls into pdfium (several per char and per path
segment). pypdfium2's bindings check every argument against its declared type, which costs
about as much as the call; the loops here call the same C functions through prototypes without
declared arguments (handles passed as pointers, out-parameters by reference) that keep the GIL,
less than half the cost.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

from . import pdf_hidden

_C: Any = None  # the pdfium functions of the loops below, without argument checks (``_api``)


def _api() -> Any:
    global _C
    if _C is None:
        import types

        import pypdfium2.raw as raw

        def bare(fn, restype):
            # PYFUNCTYPE: the GIL is kept over these microsecond calls (none calls back into
            # Python), which saves releasing and taking it again each time
            return ctypes.PYFUNCTYPE(restype)(ctypes.cast(fn, ctypes.c_void_p).value)

        _C = types.SimpleNamespace(
            unicode=bare(raw.FPDFText_GetUnicode, ctypes.c_uint),
            map_error=bare(raw.FPDFText_HasUnicodeMapError, ctypes.c_int),
            generated=bare(raw.FPDFText_IsGenerated, ctypes.c_int),
            matrix=bare(raw.FPDFText_GetMatrix, ctypes.c_int),
            font_size=bare(raw.FPDFText_GetFontSize, ctypes.c_double),
            origin=bare(raw.FPDFText_GetCharOrigin, ctypes.c_int),
            loose_box=bare(raw.FPDFText_GetLooseCharBox, ctypes.c_int),
            count_chars=bare(raw.FPDFText_CountChars, ctypes.c_int),
            count_objects=bare(raw.FPDFPage_CountObjects, ctypes.c_int),
            # handles keep pypdfium2's pointer types: its typed functions take them too
            get_object=bare(raw.FPDFPage_GetObject, raw.FPDFPage_GetObject.restype),
            obj_type=bare(raw.FPDFPageObj_GetType, ctypes.c_int),
            obj_matrix=bare(raw.FPDFPageObj_GetMatrix, ctypes.c_int),
            draw_mode=bare(raw.FPDFPath_GetDrawMode, ctypes.c_int),
            count_segments=bare(raw.FPDFPath_CountSegments, ctypes.c_int),
            segment=bare(raw.FPDFPath_GetPathSegment, raw.FPDFPath_GetPathSegment.restype),
            point=bare(raw.FPDFPathSegment_GetPoint, ctypes.c_int),
            segment_type=bare(raw.FPDFPathSegment_GetType, ctypes.c_int),
        )
    return _C


def _ptr(handle) -> ctypes.c_void_p:
    return ctypes.c_void_p(ctypes.cast(handle, ctypes.c_void_p).value)


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
    c = _api()
    handle = _ptr(page.raw)
    n = c.count_objects(handle)
    if n < 0:
        raise RuntimeError("cannot count the page objects")
    get_object, obj_type = c.get_object, c.obj_type
    image, form, path = raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_PATH
    images: list = []
    paths = []
    for k in range(n):
        obj = get_object(handle, k)
        if not obj:
            raise RuntimeError("cannot get a page object")
        t = obj_type(obj)
        if t == path:
            paths.append(obj)
        elif t == image:
            images.append(obj)
        elif t == form:
            return None
    chars = _chars(page, view)
    if chars is None:
        return None
    objs: dict[str, list[dict]] = {"char": chars, "line": [], "rect": [], "curve": [], "glyph": []}
    _classify(_paths(paths, view), objs)
    width, height = view.size
    hidden = pdf_hidden.page_has_hidden_layer(page, n, images)  # a scan under invisible text
    if hidden:
        objs["line"] += pdf_hidden.image_rules(page, chars)  # its table's rules are in the image
    return {"chars": chars, "images": len(images), "objs": objs, "width": width, "height": height, "hidden": hidden}


def _chars(page, view: _View) -> list[dict] | None:
    c = _api()
    tp = page.get_textpage()
    try:
        t = _ptr(tp.raw)
        unicode, map_error, generated = c.unicode, c.map_error, c.generated
        matrix, font_size, origin, loose_box = c.matrix, c.font_size, c.origin, c.loose_box
        m = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
        org = (ctypes.c_double * 2)()
        box = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom
        mp, ox, oy, bp = ctypes.byref(m), ctypes.byref(org), ctypes.byref(org, 8), ctypes.byref(box)
        rot0, h = view.rot == 0, view.h
        chars: list[dict] = []
        append = chars.append
        for i in range(c.count_chars(t)):
            code = unicode(t, i)
            # a glyph its font cannot map to Unicode reads as U+FFFD (judged unusable later)
            ch = "\ufffd" if code >= 0x110000 or map_error(t, i) == 1 else chr(code)
            if ch.isspace() or generated(t, i):
                continue
            matrix(t, i, mp)
            if rot0:  # view.vector and view.point written out for an unrotated page
                ma, mb, mc, md = m[0], m[1], m[2], m[3]
                if ma <= 0 or -md >= 0 or abs(mb) > 1e-3 * ma or abs(mc) > 1e-3 * md:
                    return None  # text not upright on the displayed page: pdfminer's geometry
                size = font_size(t, i) * md
                origin(t, i, ox, oy)
                loose_box(t, i, bp)
                x0, bottom = org[0], h - org[1]
                left, right = box[0], box[2]
                if not right > left:  # max(left, right), NaN and -0.0 included
                    right = left
            else:
                (dx, dy), (ux, uy) = view.vector(m[0], m[1]), view.vector(m[2], m[3])
                if dx <= 0 or uy >= 0 or abs(dy) > 1e-3 * dx or abs(ux) > 1e-3 * -uy:
                    return None
                size = font_size(t, i) * -uy
                origin(t, i, ox, oy)
                loose_box(t, i, bp)
                x0, bottom = view.point(org[0], org[1])
                right = max(view.point(box[0], box[1])[0], view.point(box[2], box[3])[0])
            x1 = right if right > x0 else x0 + size * 0.5
            append({"text": ch, "x0": x0, "x1": x1, "top": bottom - size, "bottom": bottom, "size": size})
        return chars
    finally:
        tp.close()


def _paths(handles: list, view: _View) -> list[list[dict]]:
    """Path objects' subpaths as pdfplumber-like dicts (box, stroke, fill, and ``bez``: has
    curve segments; ``n``: its number of points), one list per path object."""
    import pypdfium2.raw as raw
    c = _api()
    draw_mode, obj_matrix, count_segments = c.draw_mode, c.obj_matrix, c.count_segments
    segment, point, segment_type = c.segment, c.point, c.segment_type
    moveto, bezierto = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    fp, sp = ctypes.byref(fill), ctypes.byref(stroke)
    m = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
    mp = ctypes.byref(m)
    x, y = ctypes.c_float(), ctypes.c_float()
    xp, yp = ctypes.byref(x), ctypes.byref(y)
    rot0, h = view.rot == 0, view.h
    isfinite = math.isfinite
    shapes = []
    for handle in handles:
        # what a call that fails leaves behind: zeros, as in fresh buffers
        fill.value = stroke.value = 0
        m[0] = m[1] = m[2] = m[3] = m[4] = m[5] = 0.0
        x.value = y.value = 0.0
        draw_mode(handle, fp, sp)
        obj_matrix(handle, mp)
        ma, mb, mc, md, me, mf = m
        subpaths: list[list] = []  # [xs, ys, curved]
        xs: list[float] = []
        ys: list[float] = []
        for k in range(count_segments(handle)):
            seg = segment(handle, k)
            point(seg, xp, yp)
            sx, sy = x.value, y.value
            px, py = ma * sx + mc * sy + me, mb * sx + md * sy + mf
            kind = segment_type(seg)
            if kind == moveto or not subpaths:
                xs, ys = [], []
                subpaths.append([xs, ys, False])
            if rot0:
                xs.append(px)
                ys.append(h - py)
            else:
                vx, vy = view.point(px, py)
                xs.append(vx)
                ys.append(vy)
            if kind == bezierto:
                subpaths[-1][2] = True
        out = []
        is_stroke, is_fill = bool(stroke.value), bool(fill.value)
        for xs, ys, bez in subpaths:
            if len(xs) < 2 or not (all(map(isfinite, xs)) and all(map(isfinite, ys))):
                continue
            out.append({"x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                        "stroke": is_stroke, "fill": is_fill, "bez": bez, "n": len(xs)})
        shapes.append(out)
    return shapes


def _path(handle, view: _View) -> list[dict]:
    """One path object's subpaths (``_paths``)."""
    return _paths([handle], view)[0]


# Text drawn as curves ("转曲": WPS and print drivers export label text as glyph outlines, one
# filled path per glyph). A glyph's strokes are thin bars (一, the bars of 三, a dash) that would
# read as table rules and cut cells apart; such paths are set aside as ``glyph`` boxes.
_THIN = 2.5  # a rule is at most this thick
_GLYPH_MAX = 40.0  # a glyph is at most this big


def _bounds(sp: list[dict]) -> tuple[float, float, float, float]:
    if len(sp) == 1:
        d = sp[0]
        return (d["x0"], d["top"], d["x1"], d["bottom"])
    return (min([d["x0"] for d in sp]), min([d["top"] for d in sp]), max([d["x1"] for d in sp]),
            max([d["bottom"] for d in sp]))


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
    if not sp or (len(sp) == 1 and not sp[0]["bez"]):
        return False  # one contour without curves: never a glyph (below: len(sp) >= 2)
    if not all(d["fill"] and not d["stroke"] for d in sp):
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
            e = d.copy()
            del e["bez"], e["n"]
            objs[kind].append(e)
