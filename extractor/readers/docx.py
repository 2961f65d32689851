"""Word (.docx) reader: paragraphs and tables in body order, merges expanded, nested tables split out,
pictures that may hold a table (a table pasted as a screenshot or scan) left for OCR in their place.

Reads the WordprocessingML directly (through python-docx's parsed XML) so that the body order,
gridSpan / vMerge merges, nested tables and tables inside text boxes are all under our control.

Pictures (``w:drawing`` → ``a:blip r:embed``; legacy ``w:pict`` / ``w:object`` → ``v:imagedata
r:id``) are found in reading order with their displayed size. One big enough to hold a table (at
least ``MIN_PICTURE_CM`` as displayed and ``MIN_PICTURE_PX`` in pixels) is listed in
``Document.meta['pictures']`` (``Picture``: its path, the block index where it sits, its image) with
a warning that it was not read; ``extractor.reading.read_document`` hands such a document to
``extractor.ocr.fill_pictures``, which puts the OCR'd blocks in its place or says why it could not.
A picture linked from outside the file or whose image cannot be identified is named in a warning
here. This module never imports the OCR package (it sits below it).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from ..errors import InputError, LimitExceededError
from ..limits import Limits, resolve
from ..model import Block, Cell, Document, Paragraph, Provenance, Table
from ..hints import Hints
from .package import open_package
from .pictures import MIN_PICTURE_PX, NOT_SENT, Picture, image_size, pictures_not_read

# A .docx is a zip: refuse archives whose declared uncompressed size is absurd (zip bombs).
# Defaults from extractor.limits; a ``Limits`` passed to read_docx overrides them.
MAX_NESTING = 8
MAX_GRID_SPAN = 63  # Word's own column limit: a larger gridSpan/gridBefore is damage or an attack

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_V = "urn:schemas-microsoft-com:vml"
# A picture displayed smaller than this (width, height in cm), or with fewer pixels, holds no table
# anyone could read: a logo, a seal, an icon, an equation.
MIN_PICTURE_CM = (4.5, 1.0)
EMU_PER_CM = 360_000


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _T, _SDT, _SDT_CONTENT = (_q(t) for t in ("p", "tbl", "tr", "tc", "t", "sdt", "sdtContent"))
_TXBX = _q("txbxContent")
_DRAWING, _PICT, _OBJECT = _q("drawing"), _q("pict"), _q("object")
_BLIP, _EXTENT, _IMAGEDATA = f"{{{_A}}}blip", f"{{{_WP}}}extent", f"{{{_V}}}imagedata"
_FALLBACK = f"{{{_MC}}}Fallback"
_BREAKS = {_q("br"), _q("cr")}
_TAB = _q("tab")
# Containers whose children are treated as if they sat directly in the parent.
_TRANSPARENT = {_SDT_CONTENT, _q("customXml"), _q("smartTag"), _q("ins"), _q("moveTo")}
_SKIP = {_q("sdtPr"), _q("sdtEndPr"), _q("del"), _q("moveFrom"), _q("tblPr"), _q("tblGrid"),
         _q("trPr"), _q("tcPr"), _q("pPr"), _q("rPr"), _q("bookmarkStart"), _q("bookmarkEnd")}


def read_docx(data: bytes, *, source: str | None = None, hints: Hints | None = None,
              limits: Limits | None = None) -> Document:
    """Read a .docx into the document model, checking the zip directory against a size limit first.

    python-docx parses the XML with ``resolve_entities=False``: a DTD's entities are never expanded."""
    name = source or "input"
    limits = resolve(limits)
    _check_zip(data, name, limits.max_docx_bytes, limits.max_docx_entries)
    _check_blocks(data, name, limits.max_blocks)
    try:
        import docx  # python-docx
        word = docx.Document(io.BytesIO(data))
        body = word.element.body
    except Exception as exc:  # python-docx raises many kinds on corrupt packages
        raise InputError(f"{name}: not a readable Word document ({type(exc).__name__})") from None
    walker = _Walker(name=name, max_cells=limits.max_table_cells)
    walker.body(body)
    title = None
    try:
        title = (word.core_properties.title or "").strip() or None
    except Exception:  # core properties are optional and sometimes malformed
        title = None
    meta: dict = {}
    pending = _pictures(walker, word.part) if walker.pictures else []
    if pending:
        meta["pictures"] = pending
        walker.warnings.append(pictures_not_read(NOT_SENT, [p.path for p in pending]))
    meta["tables"] = sum(1 for b in walker.blocks if isinstance(b, Table))
    return Document(blocks=walker.blocks, format="docx", title=title, warnings=walker.warnings, meta=meta)


# --- pictures -------------------------------------------------------------------------------------

@dataclass
class _Found:
    """A picture in the body as the walker meets it."""

    path: str  # e.g. body/p[12]/drawing[1]
    at: int  # index into the blocks where its blocks go
    rid: str | None  # relationship id of its image (None: linked from outside the file)
    extent_cm: tuple[float, float] | None  # as displayed, when the markup says


def _pictures(walker: "_Walker", part) -> list[Picture]:
    """The pictures big enough to hold a table; those that cannot be read at all are named in a
    warning (the walker's), small ones (logos, seals, icons) are passed over."""
    out: list[Picture] = []
    unread: dict[str, list[str]] = {}  # reason -> pictures
    for pic in walker.pictures:
        if pic.extent_cm is not None and (pic.extent_cm[0] < MIN_PICTURE_CM[0] or pic.extent_cm[1] < MIN_PICTURE_CM[1]):
            continue
        target = _image_part(part, pic.rid)
        if target is None:
            unread.setdefault("linked from outside the file, not in it", []).append(pic.path)
            continue
        data, partname = target
        try:
            size = image_size(data, pic.path)
        except InputError as exc:
            unread.setdefault(str(exc).removeprefix(pic.path + ": "), []).append(f"{pic.path} ({partname})")
            continue
        if size is not None and (size[0] < MIN_PICTURE_PX[0] or size[1] < MIN_PICTURE_PX[1]):
            continue
        out.append(Picture(pic.path, pic.at, partname, size[:2] if size else None, data))
    walker.warnings.extend(pictures_not_read(why, paths) for why, paths in unread.items())
    return out


def _image_part(part, rid: str | None) -> tuple[bytes, str] | None:
    """The bytes and part name an embedded picture's relationship points at (None: none there)."""
    if not rid:
        return None
    try:
        rel = part.rels.get(rid)
        if rel is None or rel.is_external:
            return None
        target = rel.target_part
        return target.blob, str(target.partname).lstrip("/")
    except Exception:  # noqa: BLE001 - a broken relationship is a picture not in the file
        return None


def _check_zip(data: bytes, name: str, max_bytes: int, max_entries: int) -> None:
    open_package(data, name, "Word document", "Word", max_bytes=max_bytes, max_entries=max_entries).close()


# Block elements (paragraphs, tables, rows, cells, whatever their namespace prefix) and elements of
# any kind, counted in the raw XML as it is inflated: nothing is parsed before the counts are known.
_BLOCK_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:p|tbl|tr|tc)[\s/>]")
_ANY_TAG = re.compile(rb"<[A-Za-z_]")
ELEMENTS_PER_BLOCK = 20  # a paragraph of a real report has ~5-40 elements (runs, their properties)


def _check_blocks(data: bytes, name: str, max_blocks: int) -> None:
    """Refuse a document whose body has more paragraphs, tables, table rows and cells than ``max_blocks``,
    or more than ``ELEMENTS_PER_BLOCK`` times as many XML elements: 97 KB of empty paragraphs (or runs)
    would otherwise take hundreds of MB to parse, and gigabytes at the unpacked-size limit."""
    blocks = elements = 0
    tail = b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("word/document.xml") as fh:
            while True:
                chunk = fh.read(1 << 20)
                window = tail + chunk
                # every tag counted starts with "<" and holds no other: the text before the last "<" holds
                # only whole tags; the rest waits for the next chunk (or is counted at the end)
                last = window.rfind(b"<") if chunk else len(window)
                if last < 0:
                    last = len(window)
                done = window[:last]
                blocks += len(_BLOCK_TAG.findall(done))
                elements += len(_ANY_TAG.findall(done))
                tail = window[last:] if len(window) - last <= 64 else b""  # a longer tag is none of ours
                if blocks > max_blocks:
                    raise LimitExceededError(f"{name}: Word document has over {max_blocks} paragraphs, tables, "
                                             "table rows and cells")
                if elements > max_blocks * ELEMENTS_PER_BLOCK:
                    raise LimitExceededError(f"{name}: Word document has over {max_blocks * ELEMENTS_PER_BLOCK} "
                                             f"XML elements ({ELEMENTS_PER_BLOCK} per block of the {max_blocks}-block "
                                             "limit)")
                if not chunk:
                    break
    except LimitExceededError:
        raise
    except Exception:  # noqa: BLE001 - no document.xml, a damaged stream: python-docx gives the message
        return


def _int_attr(el, tag: str, default: int) -> int:
    if el is None:
        return default
    child = el.find(_q(tag))
    if child is None:
        return default
    try:
        return int(child.get(_q("val")))
    except (TypeError, ValueError):
        return default


def _text_of(el) -> str:
    """Visible text under ``el``: runs joined as printed, text boxes and deleted text left out."""
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if tag in (_TXBX, _FALLBACK, _TBL) or tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in _BREAKS:
                parts.append("\n")
            elif tag == _q("noBreakHyphen"):
                parts.append("-")
            else:
                walk(child)

    walk(el)
    return "".join(parts)


@dataclass
class _Walker:
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    name: str = "input"
    max_cells: int = 0  # Limits.max_table_cells, set by read_docx
    pictures: list[_Found] = field(default_factory=list)  # in reading order

    # --- containers ----------------------------------------------------------------------
    def body(self, body) -> None:
        self._container(body, "body", depth=0)

    def _container(self, el, path: str, depth: int) -> None:
        """Emit the paragraphs and tables directly inside ``el`` (body, text box), in order."""
        counts = {"p": 0, "tbl": 0}
        for child in self._children(el):
            if child.tag == _P:
                counts["p"] += 1
                ppath = f"{path}/p[{counts['p']}]"
                text = _text_of(child)
                if text.strip():
                    self.blocks.append(Paragraph(text, Provenance(path=ppath, source="docx")))
                self._pictures(child, ppath)
                self._text_boxes(child, ppath, depth)
            elif child.tag == _TBL:
                counts["tbl"] += 1
                self._table(child, f"{path}/tbl[{counts['tbl']}]", depth)

    def _children(self, el):
        for child in el:
            if not isinstance(child.tag, str) or child.tag in _SKIP:
                continue
            if child.tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    yield from self._children(content)
            elif child.tag in _TRANSPARENT:
                yield from self._children(child)
            else:
                yield child

    def _text_boxes(self, el, path: str, depth: int) -> None:
        """Text boxes anchored in ``el`` (skipping the VML fallback copy of each)."""
        if depth >= MAX_NESTING:
            return
        n = 0
        for box in _iter_not_under(el, _TXBX, stop={_FALLBACK, _TXBX}):
            n += 1
            self._container(box, f"{path}/txbx[{n}]", depth + 1)

    def _pictures(self, para, path: str) -> None:
        """The pictures in paragraph ``para`` (not those in its text boxes, nor the VML fallback
        copy of a drawing), in order, noted at the current end of the blocks."""
        counts = {"drawing": 0, "pict": 0, "object": 0}
        for el in _picture_elements(para):
            kind = el.tag.rsplit("}", 1)[1]
            counts[kind] += 1
            base = f"{path}/{kind}[{counts[kind]}]"
            if kind == "drawing":
                rids = [b.get(f"{{{_R}}}embed") or None for b in _iter_tags_not_under(el, {_BLIP}, stop={_TXBX})]
                extent = _drawing_extent(el) if len(rids) == 1 else None
            else:
                rids = [v.get(f"{{{_R}}}id") or None for v in _iter_tags_not_under(el, {_IMAGEDATA}, stop={_TXBX})]
                extent = _vml_extent(el) if len(rids) == 1 else None
            for k, rid in enumerate(rids, 1):
                self.pictures.append(_Found(base if len(rids) == 1 else f"{base}/pic[{k}]", len(self.blocks),
                                              rid, extent))

    # --- tables ----------------------------------------------------------------------------
    def _table(self, tbl, path: str, depth: int) -> None:
        if depth >= MAX_NESTING:
            self.warnings.append(f"{path}: tables nested deeper than {MAX_NESTING} levels skipped")
            return
        grid: list[list[Cell | None]] = []
        later: list[tuple[object, str, str]] = []  # (element, kind, path) emitted after this table
        r = 0
        positions = 0
        for tr in self._children(tbl):
            if tr.tag != _TR:
                continue
            r += 1
            trpr = tr.find(_q("trPr"))
            line: list[Cell | None] = [None] * min(max(_int_attr(trpr, "gridBefore", 0), 0), MAX_GRID_SPAN)
            above = grid[-1] if grid else []
            c = 0
            for tc in self._children(tr):
                if tc.tag != _TC:
                    continue
                c += 1
                cpath = f"{path}/tr[{r}]/tc[{c}]"
                tcpr = tc.find(_q("tcPr"))
                span = min(max(_int_attr(tcpr, "gridSpan", 1), 1), MAX_GRID_SPAN)
                vmerge = tcpr.find(_q("vMerge")) if tcpr is not None else None
                col = len(line)
                cell = None
                if vmerge is not None and vmerge.get(_q("val"), "continue") == "continue":
                    cand = above[col] if col < len(above) else None
                    if cand is not None:
                        cell = cand
                        cell.rowspan += 1
                        extra = _cell_text(tc)
                        if extra.strip():
                            cell.text = f"{cell.text}\n{extra}" if cell.text else extra
                if cell is None:
                    cell = Cell(_cell_text(tc), Provenance(path=cpath, source="docx"), colspan=span)
                line.extend([cell] * span)
                for sub in tc.iter(_TBL):
                    if sub is not tc and _owner_cell(sub) is tc:
                        later.append((sub, "tbl", cpath))
                for para_idx, para in enumerate(tc.iter(_P)):
                    if _owner_cell(para) is tc and (_has_text_box(para) or _has_picture(para)):
                        later.append((para, "p", f"{cpath}/p[{para_idx + 1}]"))
            grid.append(line)
            positions += len(line)
            if positions > self.max_cells:
                raise LimitExceededError(f"{self.name}: Word table {path} has over {self.max_cells} cells")
        width = max((len(row) for row in grid), default=0)
        if width * len(grid) > self.max_cells:
            raise LimitExceededError(f"{self.name}: Word table {path} would have {len(grid)} x {width} cells "
                                     f"(limit {self.max_cells})")
        for row in grid:
            row.extend([None] * (width - len(row)))
        if width:
            self.blocks.append(Table(grid, Provenance(path=path, source="docx"), aligned=True))
        n_sub: dict[str, int] = {}
        for el, kind, cpath in later:
            if kind == "tbl":
                n_sub[cpath] = n_sub.get(cpath, 0) + 1
                self._table(el, f"{cpath}/tbl[{n_sub[cpath]}]", depth + 1)
            else:
                self._pictures(el, cpath)
                self._text_boxes(el, cpath, depth)


def _cell_text(tc) -> str:
    """A cell's own text: its paragraphs joined by newlines, nested tables and text boxes left out."""
    lines = []
    for para in tc.iter(_P):
        if _owner_cell(para) is tc and not _inside(para, {_TXBX}, stop=tc):
            lines.append(_text_of(para))
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _inside(el, tags: set[str], stop) -> bool:
    node = el.getparent()
    while node is not None and node is not stop:
        if node.tag in tags:
            return True
        node = node.getparent()
    return False


def _owner_cell(el):
    """The nearest enclosing w:tc of ``el`` (text boxes count as a boundary: they are not the cell)."""
    node = el.getparent()
    while node is not None:
        if node.tag == _TC:
            return node
        if node.tag == _TXBX:
            return None
        node = node.getparent()
    return None


def _has_text_box(para) -> bool:
    return next(_iter_not_under(para, _TXBX, stop={_FALLBACK, _TXBX}), None) is not None


_PICTURES = (_DRAWING, _PICT, _OBJECT)
_NOT_IN = {_FALLBACK, _TXBX, *_PICTURES}  # a fallback copy, a text box's own, or part of another picture


def _picture_elements(para):
    """The pictures in ``para`` in order (lxml's tag search; the few found are checked upwards)."""
    for el in para.iter(*_PICTURES):
        if el is not para and not _inside(el, _NOT_IN, stop=para):
            yield el


def _has_picture(para) -> bool:
    return next(_picture_elements(para), None) is not None


def _iter_tags_not_under(el, tags: set[str], stop: set[str]):
    """Descendants of ``el`` with one of ``tags`` (not searched further), not descending into ``stop``."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag in tags:
            yield child
        elif child.tag not in stop:
            yield from _iter_tags_not_under(child, tags, stop)


def _drawing_extent(drawing) -> tuple[float, float] | None:
    """A drawing's displayed size in cm (``wp:extent``, in EMU)."""
    ext = next(_iter_tags_not_under(drawing, {_EXTENT}, stop=set()), None)
    try:
        return int(ext.get("cx")) / EMU_PER_CM, int(ext.get("cy")) / EMU_PER_CM  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return None


_VML_LENGTH = re.compile(r"^\s*(-?[\d.]+)\s*(pt|in|cm|mm|px|pc)?\s*$")
_CM_PER = {"pt": 2.54 / 72, "in": 2.54, "cm": 1.0, "mm": 0.1, "px": 2.54 / 96, "pc": 2.54 / 6, None: 2.54 / 96}


def _vml_extent(el) -> tuple[float, float] | None:
    """A VML picture's displayed size in cm, from its shape's ``style`` (``width:415pt;height:300pt``)."""
    for shape in el.iter():
        style = shape.get("style") if isinstance(shape.tag, str) else None
        if not style:
            continue
        props = {k.strip().lower(): v for k, v in (p.split(":", 1) for p in style.split(";") if ":" in p)}
        size = []
        for key in ("width", "height"):
            m = _VML_LENGTH.match(props.get(key, ""))
            if not m:
                break
            try:
                size.append(float(m.group(1)) * _CM_PER[m.group(2)])
            except ValueError:
                break
        if len(size) == 2:
            return size[0], size[1]
    return None


def _iter_not_under(el, tag: str, stop: set[str]):
    """Descendants of ``el`` with ``tag``, not descending into ``stop`` tags (other than matches)."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == tag:
            yield child
        elif child.tag not in stop:
            yield from _iter_not_under(child, tag, stop)
