"""HTML pages (article pages, Word "save as HTML" exports) into the document model.

Text outside tables becomes paragraphs, split at block elements and ``<br>``; each innermost
``<table>`` becomes a grid with rowspan/colspan expanded. Tables that hold other tables are page
layout and are walked through. Site chrome stays in as paragraphs: the mapper finds the report
by its contents, so a menu or footer cannot be mistaken for a table of the template.

How the page is read (issue 15: at most 8x the time of a bare lxml parse). The page is parsed
once by lxml's HTML parser, exactly as ``BeautifulSoup(text, "lxml")`` parses it (the same
``etree.HTMLParser(recover=True)`` fed the same decoded text, so libxml2 repairs the markup the
same way), and the walk reads that lxml tree directly. It reads it the way it read the
BeautifulSoup tree, which stays the specification: a string is what bs4 calls a plain
``NavigableString`` (comments, processing instructions and the text under ``<rt>``, ``<rp>``
and ``<template>`` are not; a string of ASCII spaces outside
``<pre>`` counts as one space), element names,
nesting depths, the order limits are checked in, and provenance paths
(``/html/body/div[2]/table[1]/tr[3]/td[2]``) are bs4's. ``tests/test_html_lxml_walk.py`` keeps
the BeautifulSoup walker and checks that both give the same document, cell for cell and path
for path, on every HTML fixture and on broken, nested, GBK and Word-export pages.

Why not a BeautifulSoup tree: building it alone costs 17x the bare parse on the benchmark's
pages (a Python object and several calls per element and per string), so a reader that builds
one is over the 8x budget before it reads a cell. Building it over the article region only
would not do either: the report's tables are most of a page's elements, and cutting a region
out would change the document, since the mapper and the metadata read the paragraphs around
the report (the title, the 索引号/发布机构 table, the signature, the chrome that tells a
listing page from a report). Walking lxml's tree keeps every block; with the common cell
(``td > p > span > '9'``) read without the walk, reading (decode, parse and walk) costs about
3.5x the parse.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from ..errors import LimitExceededError
from ..limits import Limits, resolve
from ..model import Cell, Document, Paragraph, Provenance, Table, expand_spans
from ..hints import Hints
from .html_pictures import FoundImage, found, html_pictures, leading_int
from .pictures import NOT_SENT, pictures_not_read
from .textenc import decode_bytes

_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "header", "footer", "nav", "main", "aside", "blockquote", "pre", "dl", "dt", "dd", "form",
    "center", "address", "figure", "figcaption", "hr", "caption", "tr", "tbody", "thead", "tfoot",
}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select",
         "button", "input", "textarea", "xml"}
_CELL_BREAK = _BLOCK | {"br"}  # inside a cell: a line break before and after
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b]+")
_ASCII_SPACES = " \n\t\x0c\r"  # bs4 turns a string of only these into one space (outside <pre>)
# bs4's string containers: the text anywhere under them is a RubyTextString, TemplateString, ...
# and never a plain string (a cell inside <template> reads empty). <script> and <style> are
# containers too, but they hold no elements and the walk never enters them (_SKIP).
_MUTE_TAGS = ("rt", "rp", "template")
MAX_SPAN = 500  # a rowspan/colspan above this is a broken page, not a table
# Where libxml2's own tree builder stops (see _parse): elements 256 deep, a text node of 10 MB.
_TREE_DEPTH = etree.XPath("/*" * 256)
_TEXT_RUN = 9_000_000  # bytes of UTF-8; libxml2's limit is 10,000,000, this leaves a margin


def read_html(data: bytes, *, source: str | None = None, hints: Hints | None = None,
              limits: Limits | None = None) -> Document:
    """Read an HTML page into paragraphs and table grids, within ``limits`` (nesting depth)."""
    limits = resolve(limits)
    if len(data) > limits.max_text_bytes:
        raise LimitExceededError(f"{source or 'input'}: HTML file is {len(data)} bytes, over the "
                                 f"{limits.max_text_bytes}-byte limit for HTML")
    text, enc = decode_bytes(data, declared=hints.encoding if hints else None, sniff_html=True)
    # the page's own bytes are the text's UTF-8 when they were decoded as UTF-8 with nothing
    # replaced (no byte-order mark, no U+FFFD): libxml2 is given them, saving lxml the encoding
    as_is = enc == "utf-8" and not data.startswith(codecs.BOM_UTF8) and "\ufffd" not in text
    doc = _parse(text, data if as_is else None)
    walker = _Walker(limits.max_html_depth, source or "input", limits.max_table_cells, limits.max_blocks, doc)
    if _first(doc, *_MUTE_TAGS) is not None:
        walker.muted = {e for top in doc for m in top.iter(*_MUTE_TAGS) for e in m.iter()}
    title_tag = _first(doc, "title")
    title = _clean(_all_text(title_tag, walker.muted)) if title_tag is not None else None
    body = _first(doc, "body")
    walker.walk(body if body is not None else doc, depth=0)  # no <body> (a frameset): the whole page
    walker.flush()
    result = Document(blocks=walker.blocks, format="html", title=title or None, meta={"encoding": enc})
    if walker.images:  # tables pasted as pictures: left for OCR in their place (extractor.reading)
        elsewhere: list[tuple[int, str]] = []
        pending = html_pictures(walker.images, hints.base_dir if hints else None, limits.max_file_bytes,
                                result.warnings, hints.files if hints else None, elsewhere)
        if elsewhere:  # named by the pipeline if a table of the template is then not found
            result.meta["pictures_elsewhere"] = elsewhere
        if pending:
            result.meta["pictures"] = pending
            result.warnings.append(pictures_not_read(NOT_SENT, [p.path for p in pending]))
    return result


def _first(doc: "_Node", *tags: str):
    """The first element named one of ``tags`` in the page (bs4's ``soup.find``)."""
    for top in doc:
        for el in top.iter(*tags):
            return el
    return None


def _parse(text: str, utf8: bytes | None = None) -> "_Node":
    """The page as bs4's document node: a ``_Node`` whose children are the page's top-level
    elements (one <html>, or more when libxml2 starts a second one after </html>).

    Parsed as ``BeautifulSoup(text, "lxml")`` parses it: one feed of the whole text to an
    ``etree.HTMLParser(recover=True)``, a leading byte-order mark dropped. libxml2 builds the
    tree itself (the elements are lxml's), except where its tree builder would stop short of
    what bs4 is given: nesting 256 elements deep (it drops everything from there on) or a text
    run over 10 MB (it cuts it). Those pages are parsed again with the parser's events built
    into ``_Node``s exactly as bs4 builds its tree from them (slower, and only for such pages).
    ``utf8``, when given, is ``text`` in UTF-8 (the page's own bytes): the same characters,
    which lxml would otherwise encode from the str."""
    if text[:1] == "\ufeff":
        text, utf8 = text[1:], None
    if len(text) > _TEXT_RUN // 4 and len(text.encode("utf-8", "surrogatepass")) > _TEXT_RUN:
        return _parse_events(text)
    if utf8 is not None:
        parser = etree.HTMLParser(recover=True, encoding="utf-8")
        parser.feed(utf8)
    else:
        parser = etree.HTMLParser(recover=True)
        parser.feed(text)
    root = parser.close()
    doc = _Node("[document]", {}, None)
    if root is not None:
        if _TREE_DEPTH(root):
            return _parse_events(text)
        doc.children = [root, *(e for e in root.itersiblings() if _is_text(e.tag))]
    return doc


def _parse_events(text: str) -> "_Node":
    events = _Events()
    parser = etree.HTMLParser(recover=True, target=events)
    parser.feed(text)
    parser.close()
    return events.doc


class _Node:
    """An element built from the parser's events (see ``_parse``), or the document node; it
    offers the part of lxml's element interface the walk uses. A comment, processing
    instruction or doctype is a ``_Node`` whose ``tag`` is not a str, as in lxml."""

    __slots__ = ("tag", "attrib", "text", "tail", "parent", "children")

    def __init__(self, tag, attrib: dict, parent: "_Node | None") -> None:
        self.tag, self.attrib, self.parent = tag, attrib, parent
        self.text: str | None = None
        self.tail: str | None = None
        self.children: list = []

    def __iter__(self):
        return iter(self.children)

    def __len__(self) -> int:
        return len(self.children)

    def __getitem__(self, i: int) -> "_Node":
        return self.children[i]

    def get(self, name: str) -> str | None:
        return self.attrib.get(name)

    def getparent(self) -> "_Node | None":
        return self.parent

    def iter(self, *tags: str):
        stack = [self]
        while stack:
            node = stack.pop()
            if not tags or node.tag in tags:
                yield node
            stack.extend(reversed(node.children))

    def iterdescendants(self, *tags: str):
        it = self.iter(*tags)
        first = next(it, None)
        if first is not None and first is not self:
            yield first
        yield from it


class _Events:
    """An lxml parser target that builds ``_Node``s the way bs4 builds its tree from the same
    events: an end tag closes the most recent open element of its name (none open: nothing)."""

    def __init__(self) -> None:
        self.doc = _Node("[document]", {}, None)
        self.stack: list[_Node] = []
        self.open: dict[str, int] = {}

    def _add(self, node: _Node) -> None:
        parent = self.stack[-1] if self.stack else self.doc
        node.parent = parent if self.stack else None
        parent.children.append(node)

    def start(self, tag, attrib, nsmap=None) -> None:
        node = _Node(tag, dict(attrib), None)
        self._add(node)
        self.stack.append(node)
        self.open[tag] = self.open.get(tag, 0) + 1

    def end(self, tag) -> None:
        if not self.open.get(tag):
            return
        while self.stack:
            node = self.stack.pop()
            self.open[node.tag] -= 1
            if node.tag == tag:
                break

    def data(self, data: str) -> None:
        parent = self.stack[-1] if self.stack else self.doc
        if parent.children:
            last = parent.children[-1]
            last.tail = data if last.tail is None else last.tail + data
        else:
            parent.text = data if parent.text is None else parent.text + data

    def comment(self, text) -> None:
        self._add(_Node(etree.Comment, {}, None))

    def pi(self, target, data=None) -> None:
        self._add(_Node(etree.ProcessingInstruction, {}, None))

    def doctype(self, *args) -> None:
        self._add(_Node(etree.Comment, {}, None))

    def close(self) -> None:
        return None


def _clean(s: str) -> str:
    # a number, a word or a label without a space: nothing to fold or strip (the common cell;
    # every white space character but ' ' is unprintable)
    if s.isalnum() or (s.isprintable() and " " not in s):
        return s
    return _SPACES.sub(" ", s).strip()


def _is_text(tag) -> bool:
    """An element's ``tag`` is a str; a comment's or processing instruction's is a function."""
    return tag.__class__ is str


def _all_text(el, muted: set) -> str:
    """bs4's ``get_text()`` of a small element (the <title>): its plain strings, in order."""
    own = el not in muted
    parts = [el.text or ""] if own else []
    for child in el:
        if _is_text(child.tag):
            parts.append(_all_text(child, muted))
        if own:
            parts.append(child.tail or "")
    return "".join(parts)


class _Walker:
    def __init__(self, max_depth: int, name: str, max_cells: int, max_blocks: int, doc: _Node) -> None:
        self.max_depth, self.name, self.max_cells, self.max_blocks = max_depth, name, max_cells, max_blocks
        self.doc = doc  # the document node: top-level elements are numbered among its children
        self.paths: dict = {}  # element -> its path, computed once (see path())
        self.numbering: dict = {}  # parent element -> {child element: "td[2]"}
        self.muted: set = set()  # elements under <rt>/<rp>: their strings are not text (as in bs4)
        self.units = 0  # paragraphs, tables, table rows and table cells so far (Limits.max_blocks)
        self.blocks: list = []
        self.images: list[FoundImage] = []  # <img>s met, for html_pictures
        self.buf: list[str] = []
        self.buf_tag = None

    def path(self, el) -> str:
        """An XPath-like path to ``el``, e.g. /html/body/div[2]/table[1]/tr[3]/td[2]: a
        position only where the parent has several children of that name.

        Each element's path and each parent's child numbering are computed once per page:
        a page of 200,000 sibling paragraphs or a 60,000-row table stays linear."""
        known = self.paths.get(el)
        if known is not None:
            return known
        chain = []  # el and its ancestors up to the first one whose path is known
        node = el
        prefix = ""
        while node is not None:
            known = self.paths.get(node)
            if known is not None:
                prefix = known
                break
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):
            if node is self.doc:
                self.paths[node] = "/"  # a string at the page's top level (bs4: "/")
                return "/"
            parent = node.getparent()
            prefix = prefix + "/" + self._numbering(self.doc if parent is None else parent)[node]
            self.paths[node] = prefix
        return prefix

    def _numbering(self, parent) -> dict:
        numbering = self.numbering.get(parent)
        if numbering is None:
            kids = [c for c in parent if _is_text(c.tag)]
            counts: dict[str, int] = {}
            for c in kids:
                counts[c.tag] = counts.get(c.tag, 0) + 1
            seen: dict[str, int] = {}
            numbering = {}
            for c in kids:
                name = c.tag
                if counts[name] > 1:
                    seen[name] = seen.get(name, 0) + 1
                    numbering[c] = f"{name}[{seen[name]}]"
                else:
                    numbering[c] = name
            self.numbering[parent] = numbering
        return numbering

    def flush(self) -> None:
        if not self.buf:  # (then no buf_tag either)
            return
        text = _clean("".join(self.buf))
        if text:
            prov = _provenance(self.path(self.buf_tag) if self.buf_tag is not None else None)
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

    def too_deep(self) -> LimitExceededError:
        return LimitExceededError(f"{self.name}: HTML nesting deeper than {self.max_depth} elements "
                                  "(raise it with --max-html-depth)")

    def string(self, s: str, node) -> None:
        """A string whose parent is ``node``."""
        if self.muted and node in self.muted:
            return
        if "\x0c" in s:
            s = _spaces_only(s, node)
        if self.buf_tag is None:
            self.buf_tag = node
        self.buf.append(s)

    def walk(self, node, depth: int) -> None:
        if depth > self.max_depth:
            raise self.too_deep()
        muted = self.muted
        s = node.text
        if s is not None:
            if muted or "\x0c" in s:
                self.string(s, node)
            else:
                if self.buf_tag is None:
                    self.buf_tag = node
                self.buf.append(s)
        for child in node:
            tag = child.tag
            if tag.__class__ is str:  # an element (a comment's or PI's tag is a function)
                name = tag.lower()
                if name in _SKIP or ":" in name and name != "o:p" and name.startswith(("v:", "w:", "m:")):
                    pass
                elif name in _BLOCK or name == "td" or name == "th":
                    self.flush()
                    self.walk(child, depth + 1)
                    self.flush()
                elif name == "br":
                    self.flush()
                elif name == "img":  # a picture may be a table pasted as one (html_pictures); the text
                    # around it stays one paragraph, so its blocks go before the one it sits in
                    self.images.append(found(self.path(child), len(self.blocks), child.attrib))
                elif name == "table":
                    self.flush()
                    if next(child.iterdescendants("table"), None) is not None:  # a layout table: walk through it
                        self.walk(child, depth + 1)
                        self.flush()
                    else:
                        table = _table(child, self, depth)
                        if table is not None:
                            self.blocks.append(table)
                else:
                    self.walk(child, depth + 1)
            s = child.tail
            if s is not None:
                if muted or "\x0c" in s:
                    self.string(s, node)
                else:
                    if self.buf_tag is None:
                        self.buf_tag = node
                    self.buf.append(s)


def _spaces_only(s: str, node) -> str:
    """bs4's reading of a string with a form feed: one of only ASCII spaces is ' ' (or '\\n')
    unless it lies in <pre> or <textarea>."""
    if s.strip(_ASCII_SPACES):
        return s
    el = node
    while el is not None:
        if el.tag in ("pre", "textarea"):
            return s
        el = el.getparent()
    return "\n" if "\n" in s else " "


def _span(value: str | None) -> int:
    n = leading_int(value)
    return 1 if n is None else min(max(n, 1), MAX_SPAN)


def _cell_text(td, w: _Walker, depth: int) -> str:
    """Cell text with block breaks as newlines; inline runs (a number split over spans) joined."""
    if not w.muted:
        # The common cell: one element in the other down to one text (td > p > span > '9'),
        # nothing else but white space, read without the walk; anything else takes the walk.
        node, d, text = td, depth, None
        while d <= w.max_depth:
            s = node.text
            if s is not None and not s.isspace():
                if text is not None:
                    break
                text = s
            if len(node) == 0:
                if text is None:
                    return ""
                if "\x0c" not in text:
                    return _clean(text)
                break
            if len(node) > 1:
                break
            child = node[0]
            tag = child.tag
            s = child.tail
            if tag.__class__ is not str or tag in _SKIP or (s is not None and not s.isspace()):
                break
            node, d = child, d + 1
    lines: list[str] = []
    buf: list[str] = []
    try:
        _cell_walk(td, depth, w.max_depth, w.muted, lines, buf)
    except _TooDeep:
        raise w.too_deep() from None
    if buf:
        lines.append("".join(buf))
    kept = [t for x in lines if (t := _clean(x))]
    return kept[0] if len(kept) == 1 else "\n".join(kept)


class _TooDeep(Exception):
    """Raised inside a cell, named with the page's name by ``_cell_text``."""


def _cell_walk(node, depth: int, max_depth: int, muted: set, lines: list[str], buf: list[str]) -> None:
    """Strings into ``buf``; at a block or <br> (before and after) ``buf`` becomes a line."""
    if depth > max_depth:
        raise _TooDeep
    s = node.text
    if s is not None and not (muted and node in muted):
        buf.append(_spaces_only(s, node) if "\x0c" in s else s)
    for child in node:
        name = child.tag
        if name.__class__ is str and name not in _SKIP:
            if name in _CELL_BREAK:
                if buf:
                    lines.append("".join(buf))
                    buf.clear()
                _cell_walk(child, depth + 1, max_depth, muted, lines, buf)
                if buf:
                    lines.append("".join(buf))
                    buf.clear()
            else:
                _cell_walk(child, depth + 1, max_depth, muted, lines, buf)
        s = child.tail
        if s is not None and not (muted and node in muted):
            buf.append(_spaces_only(s, node) if "\x0c" in s else s)


_CELL_TAGS = ("td", "th")


def _cell_paths(row: str, tds: list) -> list[str]:
    """Each cell's path: the row's, then td[i] or th[i], numbered among its siblings of that name."""
    names = [td.tag for td in tds]
    n_td = names.count("td")
    if n_td == len(names):  # (the common row)
        return [f"{row}/td[{i}]" for i in range(1, n_td + 1)] if n_td > 1 else [row + "/td"]
    count = {"td": n_td, "th": len(names) - n_td}
    seen = {"td": 0, "th": 0}
    paths = []
    for name in names:
        seen[name] += 1
        paths.append(f"{row}/{name}[{seen[name]}]" if count[name] > 1 else f"{row}/{name}")
    return paths


def _provenance_maker():
    """``Provenance(path=path, source="html")`` for each cell and paragraph, made from a template's
    fields: the frozen dataclass's own ``__init__`` sets each field through ``object.__setattr__``
    and costs about a microsecond, a fifth of reading a cell. Equal, hashed and shown the same;
    the plain constructor where ``Provenance`` is not a plain dataclass (slots, a
    ``__post_init__``)."""
    template = Provenance(source="html")
    if not hasattr(template, "__dict__") or hasattr(Provenance, "__post_init__"):
        return lambda path: Provenance(path=path, source="html")
    fields = dict(vars(template))
    new = object.__new__

    def provenance(path: str | None) -> Provenance:
        p = new(Provenance)
        d = p.__dict__
        d.update(fields)
        d["path"] = path
        return p

    return provenance


_provenance = _provenance_maker()


def _table(tag, w: _Walker, depth: int) -> Table | None:
    rows: list[list[Cell]] = []
    w.count(1)
    cell_depth = depth + 3
    widest = down = 0  # the widest row's colspans; the colspans of cells that reach down
    for tr in tag.iter("tr"):
        tds = [c for c in tr if c.tag in _CELL_TAGS]
        w.count(1 + len(tds))  # before any cell is built: a page of a million cells is refused early
        if not tds:
            continue
        cells = []
        wide = 0
        for td, path in zip(tds, _cell_paths(w.path(tr), tds)):
            rowspan = td.get("rowspan")
            rowspan = 1 if rowspan is None else _span(rowspan)
            colspan = td.get("colspan")
            colspan = 1 if colspan is None else _span(colspan)
            wide += colspan
            if rowspan > 1:
                down += colspan
            cells.append(Cell(_cell_text(td, w, cell_depth), _provenance(path), rowspan, colspan))
        widest = max(widest, wide)
        rows.append(cells)
    if not rows:
        return None
    # An upper bound of the expanded grid (own colspans + colspans reaching down from above rows),
    # checked before expanding: a few hundred cells with colspan/rowspan 500 would ask for ~10^8.
    width = widest + down
    if width * len(rows) > w.max_cells:
        raise LimitExceededError(f"{w.name}: HTML table {w.path(tag)} could span up to {len(rows)} x {width} "
                                 f"cells (limit {w.max_cells})")
    return Table(grid=expand_spans(rows), provenance=Provenance(path=w.path(tag), source="html"), aligned=True)
