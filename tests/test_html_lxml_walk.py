"""The HTML reader walks lxml's tree, and reads it as it read BeautifulSoup's (issue 15).

``extractor.readers.html`` gave up building a BeautifulSoup tree for speed; bs4's reading stays
the specification. This file keeps the BeautifulSoup walker the reader had (``_bs4_read``) and
checks that both give the same document (every paragraph, every cell, every provenance path,
the title, the same error for a limit crossed) on every HTML page we hold, on pages that take
the reader's other path (nesting 256 deep, where libxml2's tree builder stops), on small pages
made for bs4's corners, and on a few hundred broken variants of the fixtures.
"""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

import extractor.readers.html as html_reader
from extractor.errors import LimitExceededError
from extractor.limits import Limits, resolve
from extractor.model import Cell, Document, Paragraph, Provenance, Table, expand_spans
from extractor.readers.html import read_html
from extractor.readers.textenc import decode_bytes

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p for d in ("fixtures", "examples") for p in (ROOT / d).rglob("*.htm*"))

# --- the BeautifulSoup walker, as the reader had it ------------------------------------------

_BLOCK = html_reader._BLOCK
_SKIP = html_reader._SKIP
_SPACES = re.compile(r"[ \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b]+")


def _bs4_read(data: bytes, *, source: str | None = None, limits: Limits | None = None) -> Document:
    limits = resolve(limits)
    if len(data) > limits.max_text_bytes:
        raise LimitExceededError(f"{source or 'input'}: HTML file is {len(data)} bytes, over the "
                                 f"{limits.max_text_bytes}-byte limit for HTML")
    text, enc = decode_bytes(data, sniff_html=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "lxml")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag else None
    walker = _Walker(limits.max_html_depth, source or "input", limits.max_table_cells, limits.max_blocks)
    walker.walk(soup.body or soup, depth=0)
    walker.flush()
    return Document(blocks=walker.blocks, format="html", title=title or None, meta={"encoding": enc})


def _clean(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


def _path(tag: Tag, cache: dict) -> str:
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
        self.paths: dict = {}
        self.units = 0
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
                if type(child) is NavigableString:
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
                if child.find("table") is not None:
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
    return min(max(int(m.group(1)), 1), html_reader.MAX_SPAN) if m else 1


def _cell_text(td: Tag, limits: _Walker, depth: int) -> str:
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


def _table(tag: Tag, limits: _Walker, depth: int) -> Table | None:
    rows: list[list[Cell]] = []
    limits.count(1)
    for tr in tag.find_all("tr"):
        cells = []
        tds = tr.find_all(["td", "th"], recursive=False)
        limits.count(1 + len(tds))
        for td in tds:
            cells.append(Cell(_cell_text(td, limits, depth + 3), Provenance(path=_path(td, limits.paths), source="html"),
                              rowspan=_span(td, "rowspan"), colspan=_span(td, "colspan")))
        rows.append(cells)
    rows = [r for r in rows if r] or []
    if not rows:
        return None
    width = max(sum(c.colspan for c in r) for r in rows) + sum(c.colspan for r in rows for c in r if c.rowspan > 1)
    if width * len(rows) > limits.max_cells:
        raise LimitExceededError(f"{limits.name}: HTML table {_path(tag, limits.paths)} could span up to {len(rows)} x {width} "
                                 f"cells (limit {limits.max_cells})")
    return Table(grid=expand_spans(rows), provenance=Provenance(path=_path(tag, limits.paths), source="html"), aligned=True)


# --- the comparison --------------------------------------------------------------------------

def _outcome(read, data: bytes, limits: Limits | None) -> tuple:
    """Everything a reader gives: the title, encoding and blocks (a table as its grid of cells,
    a merged cell once, by its place), or the error it raised."""
    try:
        doc = read(data, source="t.html", limits=limits)
    except LimitExceededError as exc:
        return ("refused", str(exc))
    blocks: list[tuple] = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            blocks.append(("p", b.text, b.provenance))
            continue
        ids: dict[int, int] = {}
        grid = tuple(tuple(None if c is None else (ids.setdefault(id(c), len(ids)), c.text, c.provenance, c.rowspan,
                                                   c.colspan) for c in row) for row in b.grid)
        blocks.append(("table", b.provenance, grid))
    # pictures left for OCR, or not had, are the reader's addition after the walk (tests/test_html_pictures.py)
    meta = {k: v for k, v in doc.meta.items() if k not in ("pictures", "pictures_elsewhere")}
    warnings = [w for w in doc.warnings if "tables pasted as pictures are missing" not in w]
    return (doc.title, meta, warnings, blocks)


def _same(data: bytes, limits: Limits | None = None) -> None:
    assert _outcome(read_html, data, limits) == _outcome(_bs4_read, data, limits)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_html_page_reads_as_with_beautifulsoup(page: Path) -> None:
    _same(page.read_bytes())


@pytest.mark.parametrize("page", [p for p in PAGES if "fixtures/html" in p.as_posix()][:6],
                         ids=lambda p: p.name)
@pytest.mark.parametrize("limits", [Limits(max_html_depth=9), Limits(max_blocks=120), Limits(max_table_cells=60)],
                         ids=["depth", "blocks", "cells"])
def test_limits_are_crossed_at_the_same_element(page: Path, limits: Limits) -> None:
    _same(page.read_bytes(), limits)


@pytest.mark.parametrize("page", PAGES[:8], ids=lambda p: p.name)
def test_the_event_path_reads_the_same(page: Path, monkeypatch) -> None:
    """Pages that libxml2's own tree builder would cut (over 9 MB of text, nesting 256 deep) are
    built from the parser's events: made to take that path, every page still reads the same."""
    monkeypatch.setattr(html_reader, "_TEXT_RUN", 100)
    _same(page.read_bytes())


CORNERS = {
    "ruby": "<p>字<ruby>汉<rt>hàn<b>x</b></rt><rp>(</rp></ruby>后</p><table><tr><td>1<rt>2</rt>3</td></tr></table>",
    "ruby in capitals": "<p>字<RUBY>汉<RT\n class=a>hàn</RT></RUBY>后</p><table><tr><td>1<Rp>2</rP>3</td></tr></table>",
    "ruby-like names": "<p>字<rtx>不是</rtx><rt-a>也不是</rt-a></p><table><tr><td>1<template-x>2</template-x></td></tr></table>",
    "template cell": "<table><template><tr><td>9</td></tr></template><tr><td>1</td></tr></table>",
    "template title": "<template><title>不是标题</title></template><p>x</p>",
    "form feed": "<p>a<span>\x0c</span>b</p><pre>c<span>\x0c</span>d</pre><table><tr><td>1<i>\x0c</i>2</td></tr></table>",
    "comments and pis": "<p>a<!-- x -->b<?php echo 1 ?>c</p><table><tr><td>1<!--c-->2</td><!-- r --></tr></table>",
    "word export": ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><body><?xml:namespace prefix = o />'
                    "<p>甲<o:p></o:p></p><v:shape><p>不读</p></v:shape><w:sdt>也不读</w:sdt><m:r>x</m:r>"
                    "<table><tr><td><p>1</p><p>2</p><o:p>3</o:p></td></tr></table></body></html>"),
    "second html": "<html><body><p>one</p></body></html><html><p>two</p><title>t2</title></html>",
    "frameset": "<frameset><frame src=a><noframes>x</noframes></frameset>",
    "head only": "<title> 标题 </title>",
    "empty": "",
    "blank": "   \n ",
    "nested layout": ("<table><tr><td><p>左</p><table><tr><th>a</th><td rowspan=2>b</td><th colspan='2x'>c</th></tr>"
                      "<tr><td>d</td></tr></table></td><td>右</td></tr></table>"),
    "spans": "<table><tr><td rowspan=999 colspan=0>1</td><td colspan=' 3'>2</td></tr><tr><td>3</td></tr></table>",
    "breaks in cells": "<table><tr><td>1<br>2<div>3</div>4<script>5</script><style>6</style>7</td></tr></table>",
    "siblings": "<div>" + "<p>x</p><span>y</span>" * 50 + "</div>",
    "deep 300": "<div>" * 300 + "深" + "</div>" * 300 + "<p>after</p>",
    "deep 300 in svg": "<p>a</p><svg>" + "<g>" * 300 + "</g>" * 300 + "</svg><p>after</p>",
    "deep 5000": "<div>" * 5000 + "深" + "</div>" * 5000,
    "deep in a cell": "<table><tr><td>" + "<span>" * 600 + "1" + "</span>" * 600 + "</td></tr></table>",
    "after html": "<html><body><p>a</p></body></html>\n<p>b</p>",
    "body twice": "<body><p>a</p><body class=x><p>b</p></body>",
    "gbk": "<meta charset=gbk><title>报告</title><p>政府信息公开</p>",
    "controls": "<p>a\x00b\x0bc\r\nd\u2028e\ufffd</p><table><tr><td>\x01\x7f\x85\U0001f600</td></tr></table>",
    "bom twice": "\ufeff\ufeff<p>x</p>",
}


@pytest.mark.parametrize("name", list(CORNERS))
def test_corners_read_as_with_beautifulsoup(name: str) -> None:
    text = CORNERS[name]
    data = text.encode("gbk") if name == "gbk" else text.encode("utf-8-sig" if name == "bom twice" else "utf-8")
    for limits in (None, Limits(max_html_depth=350), Limits(max_html_depth=5)):
        _same(data, limits)


def test_the_deep_page_takes_the_event_path() -> None:
    """libxml2 keeps 256 levels; the page is read whole, as bs4 read it (default limit 400)."""
    doc = read_html(CORNERS["deep 300"].encode())
    assert [b.text for b in doc.paragraphs()] == ["深", "after"]


TOKENS = ["<rt>", "</rt>", "<pre>", "\x0c", "<!-- c -->", "<?xml:namespace prefix = o ?>", "<o:p>", "<v:shape>",
          "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th rowspan=2>", "<td colspan=3>", "<br>", "<p>",
          "</p>", "<div>", "</div>", "<span>", "</span>", "<body>", "</body>", "<html>", "</html>", "<title>",
          "</title>", "<svg>", "<script>", "</script>", "<template>", "<head>", "<tbody>", "&nbsp;", "\u3000", "<", ">"]


def test_broken_variants_of_the_fixtures_read_the_same() -> None:
    rng = random.Random(15)
    seeds = [p.read_bytes() for p in PAGES if "fixtures/html" in p.as_posix()]
    for _ in range(250):
        data = bytearray(rng.choice(seeds))
        at = rng.randrange(len(data))
        data = data[max(0, at - 2500): at + 2500]
        for _ in range(rng.randint(1, 10)):
            i = rng.randrange(len(data) + 1)
            op = rng.random()
            if op < 0.55:
                data[i:i] = rng.choice(TOKENS).encode()
            elif op < 0.8:
                del data[i:i + rng.randint(1, 200)]
            else:
                k = rng.randrange(len(data) + 1)
                data[k:k] = data[i:i + rng.randint(1, 300)]
        limits = rng.choice([None, Limits(max_html_depth=rng.randint(3, 20)), Limits(max_blocks=rng.randint(5, 200))])
        _same(bytes(data), limits)


_WHITE = [c for c in map(chr, range(0x3001)) if c.isspace() or not c.isprintable()] + ["\u200b", "\u3000", "\ufeff"]


def test_the_reader_cleans_text_as_the_plain_rule() -> None:
    """The reader's _clean skips the regex where nothing can change; on strings of words, digits,
    labels and every kind of white space it gives what the plain rule gives."""
    rnd = random.Random(15)
    pieces = ["0", "12", "予以公开", "（一）", "a", " ", "  ", ",", *_WHITE]
    for _ in range(20000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        assert html_reader._clean(s) == _clean(s), repr(s)
