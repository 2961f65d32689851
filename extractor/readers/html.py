"""HTML pages (article pages, Word "save as HTML" exports) into the document model.

Text outside tables becomes paragraphs, split at block elements and ``<br>``; each innermost
``<table>`` becomes a grid with rowspan/colspan expanded. Tables that hold other tables are page
layout and are walked through. Site chrome stays in as paragraphs: the mapper finds the report
by its contents, so a menu or footer cannot be mistaken for a table of the template.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..errors import LimitExceededError
from ..limits import Limits, resolve
from ..model import Cell, Document, Paragraph, Provenance, Table, expand_spans
from ..hints import Hints
from .textenc import decode_bytes

_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "header", "footer", "nav", "main", "aside", "blockquote", "pre", "dl", "dt", "dd", "form",
    "center", "address", "figure", "figcaption", "hr", "caption", "tr", "tbody", "thead", "tfoot",
}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select",
         "button", "input", "textarea", "xml"}
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b]+")
MAX_SPAN = 500  # a rowspan/colspan above this is a broken page, not a table


def read_html(data: bytes, *, source: str | None = None, hints: Hints | None = None,
              limits: Limits | None = None) -> Document:
    """Read an HTML page into paragraphs and table grids, within ``limits`` (nesting depth)."""
    limits = resolve(limits)
    if len(data) > limits.max_text_bytes:
        raise LimitExceededError(f"{source or 'input'}: HTML file is {len(data)} bytes, over the "
                                 f"{limits.max_text_bytes}-byte limit for HTML")
    text, enc = decode_bytes(data, declared=hints.encoding if hints else None, sniff_html=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "lxml")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag else None
    walker = _Walker(limits.max_html_depth, source or "input", limits.max_table_cells, limits.max_blocks)
    root = soup.body or soup
    walker.walk(root, depth=0)
    walker.flush()
    return Document(blocks=walker.blocks, format="html", title=title or None, meta={"encoding": enc})


def _clean(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


def _path(tag: Tag, cache: dict | None = None) -> str:
    """An XPath-like path to ``tag``, e.g. /html/body/div[2]/table[1]/tr[3]/td[2].

    ``cache`` (one per page) holds each parent's child numbering, computed once: without it a
    page of 200,000 sibling paragraphs took quadratic time."""
    cache = {} if cache is None else cache
    parts = []
    node: Tag | None = tag
    while node is not None and isinstance(node, Tag) and node.name != "[document]":
        parent = node.parent
        if parent is not None:
            numbering = cache.get(id(parent))
            if numbering is None:
                numbering = {}
                counts: dict[str, int] = {}
                for c in parent.children:
                    if isinstance(c, Tag):
                        counts[c.name] = counts.get(c.name, 0) + 1
                        numbering[id(c)] = (c.name, counts[c.name])
                numbering = {k: (idx, counts[name]) for k, (name, idx) in numbering.items()}
                cache[id(parent)] = numbering
            idx, same = numbering.get(id(node), (1, 1))
            parts.append(f"{node.name}[{idx}]" if same > 1 else node.name)
        else:
            parts.append(node.name)
        node = parent
    return "/" + "/".join(reversed(parts))


class _Walker:
    def __init__(self, max_depth: int, name: str, max_cells: int, max_blocks: int) -> None:
        self.max_depth, self.name, self.max_cells, self.max_blocks = max_depth, name, max_cells, max_blocks
        self.paths: dict = {}  # _path's numbering cache for this page
        self.units = 0  # paragraphs, tables, table rows and table cells so far (Limits.max_blocks)
        self.blocks: list = []
        self.buf: list[str] = []
        self.buf_tag: Tag | None = None

    def flush(self) -> None:
        text = _clean("".join(self.buf))
        if text:
            prov = Provenance(path=_path(self.buf_tag, self.paths) if self.buf_tag is not None else None,
                              source="html")
            self.count(1)
            self.blocks.append(Paragraph(text, prov))
        self.buf = []
        self.buf_tag = None

    def count(self, n: int) -> None:
        """Count ``n`` more blocks (a paragraph, a table, a row, a cell); refuse past ``max_blocks``."""
        self.units += n
        if self.units > self.max_blocks:
            raise LimitExceededError(f"{self.name}: over {self.max_blocks} paragraphs, tables, table rows and "
                                     "cells")

    def walk(self, node: Tag, depth: int) -> None:
        if depth > self.max_depth:
            raise LimitExceededError(f"{self.name}: HTML nesting deeper than {self.max_depth} elements "
                                     "(raise it with --max-html-depth)")
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # skip CData, doctype, processing instructions
                    if self.buf_tag is None:
                        self.buf_tag = node
                    self.buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            if name in _SKIP or ":" in name and name != "o:p" and name.startswith(("v:", "w:", "m:")):
                continue
            if name == "br":
                self.flush()
                continue
            if name == "table":
                self.flush()
                if child.find("table") is not None:  # a layout table: walk through it
                    self.walk(child, depth + 1)
                    self.flush()
                else:
                    table = _table(child, self, depth)
                    if table is not None:
                        self.blocks.append(table)
                continue
            if name in _BLOCK or name in ("td", "th"):
                self.flush()
                self.walk(child, depth + 1)
                self.flush()
            else:
                self.walk(child, depth + 1)


def _span(tag: Tag, attr: str) -> int:
    m = re.match(r"\s*(\d+)", str(tag.get(attr) or ""))
    return min(max(int(m.group(1)), 1), MAX_SPAN) if m else 1


def _cell_text(td: Tag, limits: "_Walker", depth: int) -> str:
    """Cell text with block breaks as newlines; inline runs (a number split over spans) joined."""
    lines: list[str] = []
    buf: list[str] = []

    def walk(node: Tag, depth: int) -> None:
        if depth > limits.max_depth:
            raise LimitExceededError(f"{limits.name}: HTML nesting deeper than {limits.max_depth} elements "
                                     "(raise it with --max-html-depth)")
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    buf.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            if child.name == "br" or child.name in _BLOCK:
                lines.append("".join(buf))
                buf.clear()
                walk(child, depth + 1)
                lines.append("".join(buf))
                buf.clear()
            else:
                walk(child, depth + 1)

    walk(td, depth)
    lines.append("".join(buf))
    return "\n".join(t for t in (_clean(x) for x in lines) if t)


def _table(tag: Tag, limits: "_Walker", depth: int) -> Table | None:
    rows: list[list[Cell]] = []
    limits.count(1)
    for tr in tag.find_all("tr"):
        cells = []
        tds = tr.find_all(["td", "th"], recursive=False)
        limits.count(1 + len(tds))  # before any cell is built: a page of a million cells is refused early
        for td in tds:
            cells.append(Cell(_cell_text(td, limits, depth + 3), Provenance(path=_path(td, limits.paths), source="html"),
                              rowspan=_span(td, "rowspan"), colspan=_span(td, "colspan")))
        rows.append(cells)
    rows = [r for r in rows if r] or []
    if not rows:
        return None
    # An upper bound of the expanded grid (own colspans + colspans reaching down from above rows),
    # checked before expanding: a few hundred cells with colspan/rowspan 500 would ask for ~10^8.
    width = max(sum(c.colspan for c in r) for r in rows) + sum(c.colspan for r in rows for c in r if c.rowspan > 1)
    if width * len(rows) > limits.max_cells:
        raise LimitExceededError(f"{limits.name}: HTML table {_path(tag, limits.paths)} could span up to {len(rows)} x {width} "
                                 f"cells (limit {limits.max_cells})")
    return Table(grid=expand_spans(rows), provenance=Provenance(path=_path(tag, limits.paths), source="html"), aligned=True)
