"""Page objects from pdfium (C, no Python content-stream parsing): the fast path of the PDF reader.

For every upright page this gives what the table and paragraph code needs, in the same form as
pdfplumber's objects: chars (x0, x1, top, bottom, size, text; boxes from the baseline and the
font size, as pdfminer draws them) and ruling paths as ``line``/``rect`` dicts. A page that is
rotated, holds skewed text, form XObjects or an offset media box gets ``None`` and goes through
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
        for page in doc:
            try:
                out.append(_page(page))
            except Exception:  # a page pdfium reads oddly: pdfminer reads it
                out.append(None)
            finally:
                page.close()
    finally:
        doc.close()
    return out


def _page(page) -> dict | None:
    import pypdfium2.raw as raw
    if page.get_rotation() % 360:
        return None
    mb = page.get_mediabox()
    if abs(mb[0]) > 0.01 or abs(mb[1]) > 0.01:
        return None
    height = page.get_size()[1]
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
    chars = _chars(page, height)
    if chars is None:
        return None
    objs = {"char": chars, "line": [], "rect": [], "curve": []}
    for handle in paths:
        _path(handle, height, objs)
    width, height = page.get_size()
    return {"chars": chars, "images": kinds[raw.FPDF_PAGEOBJ_IMAGE], "objs": objs, "width": width,
            "height": height}


def _chars(page, height: float) -> list[dict] | None:
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
            if not ch.strip():
                continue
            if raw.FPDFText_IsGenerated(tp, i):
                continue
            raw.FPDFText_GetMatrix(tp, i, m)
            if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:
                return None  # rotated or mirrored text: pdfminer's geometry
            size = raw.FPDFText_GetFontSize(tp, i) * m.d
            raw.FPDFText_GetCharOrigin(tp, i, ox, oy)
            raw.FPDFText_GetLooseCharBox(tp, i, box)
            bottom = height - oy.value
            x1 = box.right if box.right > ox.value else ox.value + size * 0.5
            chars.append({"text": ch, "x0": ox.value, "x1": x1, "top": bottom - size, "bottom": bottom,
                          "size": size})
        return chars
    finally:
        tp.close()


def _path(handle, height: float, objs: dict) -> None:
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
        subpaths[-1].append((px, height - py))
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
