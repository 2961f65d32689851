"""OFD (GB/T 33190-2016, 版式文档) -> the document model, through the PDF reader's table builder.

An OFD is a zip of XML parts: ``OFD.xml`` names the document (``DocBody/DocRoot``), whose
``Document.xml`` lists the pages (``Pages/Page/@BaseLoc``) and the template pages; each page's
``Content.xml`` holds layers of ``TextObject`` (a ``Boundary`` box, a font ``Size``, an optional
``CTM``, and ``TextCode`` runs placed by ``X``/``Y`` — the baseline — and ``DeltaX``/``DeltaY``
advances, with the ``g N d`` shorthand), ``PathObject`` (``AbbreviatedData``: ``S``/``M``/``L``/
``Q``/``B``/``A``/``C``), ``ImageObject`` and ``PageBlock`` groups. Units are millimetres, y down.

Text becomes char records and paths become ruling records exactly like the PDF reader's (points,
y down: x0, x1, top, bottom, size, text; ``line``/``rect``/``curve``), sorted by the same code
(``pdf_pdfium._classify``: thin filled glyph strokes are not rules), and the pages are laid out
by the same region finder and table builder as a PDF's (``pdf_tables``), so a ruled, three-line or
partly ruled table reads the same in either format.

Safety as for .docx: the zip's parts and declared size are checked before anything is inflated,
XML is parsed without DTDs, entities or network access (lxml, ``huge_tree`` off), the page count is
held to ``max_pdf_pages``, and ``PageBlock`` nesting is bounded.
"""

from __future__ import annotations

import math
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import replace

from ..errors import InputError, LimitExceededError, NoTextLayerError
from ..limits import Limits, resolve
from ..model import Block, Document, Table
from ..hints import Hints
from .pdf import _page_ranges, _usable, layout_pages, page_entry
from .pdf_pdfium import _classify
from .package import open_package

PT_PER_MM = 72 / 25.4
MAX_BLOCK_NESTING = 32
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class _Bad(Exception):
    """A structural problem, said in a few words (becomes the InputError's parenthesis)."""


def read_ofd(data: bytes, *, source: str | None = None, hints: Hints | None = None,
             limits: Limits | None = None) -> Document:
    """Read an OFD's text and ruling lines into paragraphs and tables, page by page."""
    name = source or "input"
    limits = resolve(limits)
    zf = open_package(data, name, "OFD document", "OFD", max_bytes=limits.max_docx_bytes,
                      max_entries=limits.max_docx_entries)
    with zf:
        try:
            package = _Package(zf)
            title, doc_path = package.doc_root()
            page_paths, templates, default_box = package.pages(doc_path)
            if len(page_paths) > limits.max_pdf_pages:
                raise LimitExceededError(f"{name}: OFD has {len(page_paths)} pages (limit {limits.max_pdf_pages}; "
                                         "raise it with --max-pages)")
            pages = [package.page(no, path, templates, default_box) for no, path in enumerate(page_paths, start=1)]
        except _Bad as exc:
            raise InputError(f"{name}: not a readable OFD document ({exc})") from None
    doc = _layout(pages, name)
    doc.title = title
    return doc


# --- the package --------------------------------------------------------------------------------

def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    return next((c for c in el if _local(c.tag) == name), None)


def _floats(text: str | None, n: int | None = None) -> list[float]:
    vals = [float(v) for v in _NUM.findall(text or "")]
    if any(not math.isfinite(v) for v in vals) or (n is not None and len(vals) < n):
        raise _Bad(f"bad numbers {str(text)[:40]!r}")
    return vals[:n] if n is not None else vals


class _Package:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {n.lstrip("/"): n for n in zf.namelist()}

    def xml(self, path: str):
        from lxml import etree

        real = self.names.get(path) or next((v for k, v in self.names.items() if k.lower() == path.lower()), None)
        if real is None:
            raise _Bad(f"missing part {path}")
        try:
            data = self.zf.read(real)
        except Exception as exc:  # noqa: BLE001 - BadZipFile (CRC), zlib.error, ...
            raise _Bad(f"damaged part {path}: {type(exc).__name__}") from None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        try:
            return etree.fromstring(data, parser)
        except Exception as exc:  # noqa: BLE001 - XMLSyntaxError and friends
            raise _Bad(f"{type(exc).__name__} in {path}") from None

    @staticmethod
    def resolve(base_dir: str, loc: str | None) -> str:
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            raise _Bad("a part without a location")
        path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc))
        if path.startswith(".."):
            raise _Bad(f"part outside the package {loc[:60]!r}")
        return path

    def doc_root(self) -> tuple[str | None, str]:
        root = self.xml("OFD.xml")
        body = _child(root, "DocBody")
        loc = _child(body, "DocRoot") if body is not None else None
        if loc is None or not (loc.text or "").strip():
            raise _Bad("no DocBody/DocRoot in OFD.xml")
        info = _child(body, "DocInfo")
        title_el = _child(info, "Title") if info is not None else None
        title = (title_el.text or "").strip() or None if title_el is not None else None
        return title, self.resolve("", loc.text)

    def pages(self, doc_path: str) -> tuple[list[str], dict[str, str], list[float] | None]:
        """Each page's Content.xml path, the template pages (id -> path), the default page box."""
        doc = self.xml(doc_path)
        base = posixpath.dirname(doc_path)
        common = _child(doc, "CommonData")
        box = None
        templates: dict[str, str] = {}
        if common is not None:
            area = _child(common, "PageArea")
            phys = _child(area, "PhysicalBox") if area is not None else None
            box = _floats(phys.text, 4) if phys is not None else None
            for tpl in _children(common, "TemplatePage"):
                if tpl.get("ID") and tpl.get("BaseLoc"):
                    templates[tpl.get("ID")] = self.resolve(base, tpl.get("BaseLoc"))
        pages_el = _child(doc, "Pages")
        if pages_el is None:
            raise _Bad(f"no Pages in {doc_path}")
        return [self.resolve(base, page.get("BaseLoc")) for page in _children(pages_el, "Page")], templates, box

    def page(self, no: int, path: str, templates: dict[str, str], default_box: list[float] | None) -> dict:
        """One page as ``pdf``'s page records: chars and classified paths in points, its size."""
        root = self.xml(path)
        area = _child(root, "Area")
        phys = _child(area, "PhysicalBox") if area is not None else None
        box = _floats(phys.text, 4) if phys is not None else default_box or [0.0, 0.0, 210.0, 297.0]
        width, height = box[2] * PT_PER_MM, box[3] * PT_PER_MM
        sink = _Sink()
        for tpl in _children(root, "Template"):  # template pages the page draws under its content
            tpath = templates.get(tpl.get("TemplateID") or "")
            if tpath:
                content = _child(self.xml(tpath), "Content")
                if content is not None:
                    sink.walk(content, 0)
        content = _child(root, "Content")
        if content is not None:
            sink.walk(content, 0)
        objs: dict[str, list[dict]] = {"char": sink.chars, "line": [], "rect": [], "curve": [], "glyph": []}
        _classify(sink.shapes, objs)
        usable = _usable(sink.chars, 1.0 if sink.images and len(sink.chars) < 40 else 0.0)
        return page_entry(no, sink.chars, objs, width, height, usable)


# --- page content -------------------------------------------------------------------------------

class _Sink:
    """Char and path records of one page, in points (y down)."""

    def __init__(self) -> None:
        self.chars: list[dict] = []
        self.shapes: list[list[dict]] = []
        self.images = 0

    def walk(self, el, depth: int) -> None:
        if depth > MAX_BLOCK_NESTING:
            raise _Bad(f"page blocks nested deeper than {MAX_BLOCK_NESTING}")
        for child in el:
            tag = _local(child.tag)
            if tag in ("Layer", "PageBlock", "Content"):
                self.walk(child, depth + 1)
            elif tag == "TextObject":
                self.text(child)
            elif tag == "PathObject":
                self.path(child)
            elif tag in ("ImageObject", "CompositeObject"):
                self.images += 1

    @staticmethod
    def _frame(el) -> tuple[float, float, tuple[float, ...]]:
        """The object's boundary origin and its CTM (identity when absent)."""
        x, y = _floats(el.get("Boundary"), 4)[:2]
        ctm = tuple(_floats(el.get("CTM"), 6)) if el.get("CTM") else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        return x, y, ctm

    def text(self, el) -> None:
        if el.get("Visible", "true").lower() == "false":
            return
        ox, oy, (a, b, c, d, e, f) = self._frame(el)
        size = _floats(el.get("Size"), 1)[0]
        sx, sy = math.hypot(a, b) or 1.0, math.hypot(c, d) or 1.0
        em = size * sy * PT_PER_MM  # the font size on the page, in points
        x = y = 0.0
        for code in _children(el, "TextCode"):
            text = code.text or ""
            if code.get("X") is not None:
                x = _floats(code.get("X"), 1)[0]
            if code.get("Y") is not None:
                y = _floats(code.get("Y"), 1)[0]
            dxs = _deltas(code.get("DeltaX"))
            dys = _deltas(code.get("DeltaY"))
            for i, ch in enumerate(text):
                wide = unicodedata.east_asian_width(ch) in ("W", "F")
                glyph = size * (1.0 if wide else 0.5)  # advance when DeltaX says nothing
                px, py = a * x + c * y + e, b * x + d * y + f
                if ch.strip():
                    x0 = (ox + px) * PT_PER_MM
                    base = (oy + py) * PT_PER_MM
                    adv = dxs[i] if i < len(dxs) else glyph
                    width = min(glyph, adv) if adv > 0 else glyph
                    self.chars.append({"text": ch, "x0": x0, "x1": x0 + width * sx * PT_PER_MM, "top": base - em,
                                       "bottom": base, "size": em})
                if dys and not dxs:  # vertical text: one char below the other
                    y += dys[i] if i < len(dys) else size
                else:
                    x += dxs[i] if i < len(dxs) else glyph
                    y += dys[i] if i < len(dys) else 0.0

    def path(self, el) -> None:
        if el.get("Visible", "true").lower() == "false":
            return
        ox, oy, (a, b, c, d, e, f) = self._frame(el)
        stroke = el.get("Stroke", "true").lower() != "false"
        fill = el.get("Fill", "false").lower() == "true"
        data = _child(el, "AbbreviatedData")
        if data is None:
            return
        subpaths: list[list[tuple[float, float]]] = []
        curved: list[bool] = []
        tokens = _PATH_TOKEN.findall(data.text or "")
        i, cur = 0, (0.0, 0.0)

        def point(px: float, py: float) -> tuple[float, float]:
            return ((ox + a * px + c * py + e) * PT_PER_MM, (oy + b * px + d * py + f) * PT_PER_MM)

        def nums(k: int) -> list[float]:
            nonlocal i
            vals = []
            for _ in range(k):
                if i >= len(tokens) or tokens[i].isalpha():
                    raise _Bad("bad path data")
                vals.append(float(tokens[i]))
                i += 1
            if any(not math.isfinite(v) for v in vals):
                raise _Bad("bad path data")
            return vals

        while i < len(tokens):
            op = tokens[i]
            i += 1
            if op in ("S", "M"):
                cur = tuple(nums(2))  # type: ignore[assignment]
                subpaths.append([point(*cur)])
                curved.append(False)
                continue
            if not subpaths:
                subpaths.append([point(*cur)])
                curved.append(False)
            if op == "L":
                cur = tuple(nums(2))  # type: ignore[assignment]
            elif op == "Q":
                cur = tuple(nums(4)[2:])  # type: ignore[assignment]
                curved[-1] = True
            elif op == "B":
                cur = tuple(nums(6)[4:])  # type: ignore[assignment]
                curved[-1] = True
            elif op == "A":
                cur = tuple(nums(7)[5:])  # type: ignore[assignment]
                curved[-1] = True
            elif op == "C":
                subpaths[-1].append(subpaths[-1][0])
                continue
            else:
                raise _Bad(f"unknown path command {op[:10]!r}")
            subpaths[-1].append(point(*cur))
        shape = []
        for pts, bez in zip(subpaths, curved):
            if len(pts) < 2:
                continue
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            shape.append({"x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys), "stroke": stroke,
                          "fill": fill, "bez": bez, "n": len(pts)})
        if shape:
            self.shapes.append(shape)


def _deltas(text: str | None) -> list[float]:
    """A DeltaX/DeltaY list with its ``g N value`` shorthand expanded (N at most 10,000)."""
    if not text:
        return []
    tokens = text.split()
    out: list[float] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "g":
            if i + 2 >= len(tokens):
                raise _Bad("bad DeltaX")
            n, v = _floats(tokens[i + 1], 1)[0], _floats(tokens[i + 2], 1)[0]
            if not 0 <= n <= 10_000:
                raise _Bad("bad DeltaX")
            out += [v] * int(n)
            i += 3
        else:
            out.append(_floats(tokens[i], 1)[0])
            i += 1
    return out


# --- layout: the PDF reader's region finder and table builder ----------------------------------

def _layout(pages: list[dict], name: str) -> Document:
    unusable = [p["no"] for p in pages if not p["usable"]]
    if not any(p["marker"] for p in pages) and unusable:
        raise NoTextLayerError(f"{name}: OFD pages {_page_ranges(unusable)} have no usable text layer "
                               "(scanned images); scanned OFD files are not read")
    doc = layout_pages(pages, "ofd")
    _mark_source(doc.blocks)
    return doc


def _mark_source(blocks: list[Block]) -> None:
    """The shared builders say "pdf"; these blocks came from an OFD."""
    for b in blocks:
        b.provenance = replace(b.provenance, source="ofd")
        if isinstance(b, Table):
            seen: set[int] = set()
            for row in b.grid:
                for cell in row:
                    if cell is not None and id(cell) not in seen:
                        seen.add(id(cell))
                        cell.provenance = replace(cell.provenance, source="ofd")
