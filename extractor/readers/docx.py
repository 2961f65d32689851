"""Word (.docx) reader: paragraphs and tables in body order, merges expanded, nested tables split out.

Reads the WordprocessingML directly (through python-docx's parsed XML) so that the body order,
gridSpan / vMerge merges, nested tables and tables inside text boxes are all under our control.
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

# A .docx is a zip: refuse archives whose declared uncompressed size is absurd (zip bombs).
# Defaults from extractor.limits; a ``Limits`` passed to read_docx overrides them.
MAX_NESTING = 8
MAX_GRID_SPAN = 63  # Word's own column limit: a larger gridSpan/gridBefore is damage or an attack

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _T, _SDT, _SDT_CONTENT = (_q(t) for t in ("p", "tbl", "tr", "tc", "t", "sdt", "sdtContent"))
_TXBX = _q("txbxContent")
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
    meta = {"tables": sum(1 for b in walker.blocks if isinstance(b, Table))}
    return Document(blocks=walker.blocks, format="docx", title=title, warnings=walker.warnings, meta=meta)


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
                    if _owner_cell(para) is tc and _has_text_box(para):
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


def _iter_not_under(el, tag: str, stop: set[str]):
    """Descendants of ``el`` with ``tag``, not descending into ``stop`` tags (other than matches)."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == tag:
            yield child
        elif child.tag not in stop:
            yield from _iter_not_under(child, tag, stop)
