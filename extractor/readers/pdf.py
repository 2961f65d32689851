"""PDF reader: a PDF's text layer -> the shared document model (paragraphs and table grids).

Every page is read once, by pdfium (chars and ruling paths, in C; ``pdf_pdfium``); only a page
pdfium cannot serve (text not upright, form XObjects, an offset media box) is laid out by
pdfminer through pdfplumber. Tables are analysed only on the pages that hold parts 二–四 (found
by the schema's table markers) and the pages after them that go on with rows of numbers; other
pages give paragraphs. Pages whose text layer is missing or garbled are detected, and a report
whose table pages are all unusable raises ``NoTextLayerError`` rather than yield numbers from
garbage.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings

from ..errors import InputError, LimitExceededError, NoTextLayerError
from ..limits import Limits, resolve
from ..model import Block, Document, Paragraph, Provenance
from ..schema import TABLE_MARKERS
from . import pdf_hidden, pdf_pdfium
from ..hints import Hints
from .pdf_tables import build_table, find_regions, make_lines, rulings
from .pdf_text import bbox, fix_radicals, group_lines, is_bad_char, line_text, mark_stacked_words

_QUIET = ("pdfminer", "pdfplumber", "PIL")
# What a Chinese report's text layer plausibly holds; Latin-1 junk and controls mean a font
# decoded without a Unicode map.
_PLAUSIBLE_SET = (r"\u0020-\u007e\u00b7\u00d7\u2010-\u206f\u2160-\u216f\u2460-\u24ff\u2e80-\u2fdf"
                  r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u25a0-\u25ff")
_PLAUSIBLE = re.compile(f"[{_PLAUSIBLE_SET}]")
_IMPLAUSIBLE = re.compile(f"[^{_PLAUSIBLE_SET}]")


class PdfOpenError(InputError):
    """The PDF cannot be opened: encrypted, corrupt or truncated."""


def read_pdf(data: bytes, *, source: str | None = None, hints: Hints | None = None,
             limits: Limits | None = None) -> Document:
    """Read a PDF's text layer into paragraphs and tables in reading order, with page/box provenance.

    Raises ``NoTextLayerError`` for a scan (``extractor.reading.read_pdf_file`` sends those to OCR)."""
    name = source or "input"
    limits = resolve(limits)
    saved = {n: logging.getLogger(n).level for n in _QUIET}
    for n in _QUIET:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(data, name, limits.max_pdf_pages)
    finally:
        for n, lvl in saved.items():
            logging.getLogger(n).setLevel(lvl)


def _open(data: bytes, name: str):
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pdf.pages  # noqa: B018  (parses the page tree: corrupt files fail here)
        return pdf
    except Exception as exc:  # pdfminer raises many unrelated types on damaged files
        # pdfplumber wraps pdfminer's errors: look at the one inside
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(inner, PDFPasswordIncorrect) or "encrypt" in str(inner).lower() \
                or "password" in str(inner).lower():
            raise PdfOpenError(f"{name}: PDF is encrypted (a password is required)") from None
        raise PdfOpenError(f"{name}: not a readable PDF ({type(inner).__name__})") from None


def _page_ranges(pages: list[int]) -> str:
    parts, start = [], None
    for i, p in enumerate(pages):
        if start is None:
            start = p
        if i + 1 == len(pages) or pages[i + 1] != p + 1:
            parts.append(str(start) if start == p else f"{start}–{p}")
            start = None
    return ", ".join(parts)


def _number_rows(chars: list[dict]) -> bool:
    """Whether a page's text holds a line of two or more numbers set apart (a table row)."""
    return any(ln.n_numeric >= 2 for ln in make_lines(chars))


def _usable(chars: list[dict], img_area_ratio: float) -> bool:
    texts = [c["text"] for c in chars]
    joined = "".join(texts)
    if len(joined) == len(texts) and "" not in texts:
        # one character each (pdfium's chars): an unmappable one (is_bad_char) is never plausible
        bad = len(_IMPLAUSIBLE.findall(joined))
    else:
        bad = sum(1 for t in texts if is_bad_char(t) or not _PLAUSIBLE.match(t[:1]))
    good = len(chars) - bad
    return not (bad > 0.15 * max(len(chars), 1) or (good < 40 and img_area_ratio > 0.3))


def _read(data: bytes, name: str, max_pages: int) -> Document:
    fast = pdf_pdfium.scan(data)
    # pdfminer (through pdfplumber) only where pdfium cannot serve a page, or cannot open the file
    pdf = _open(data, name) if fast is None or any(f is None for f in fast) else None
    try:
        pages = []
        hidden: list[int] = []  # scans under a scanner's invisible text (pdf_hidden)
        maybe_hidden: list[int] = []
        assert fast is not None or pdf is not None  # _open raises when neither reader can open the file
        n = len(fast) if fast is not None else len(pdf.pages)  # type: ignore[union-attr]
        if pdf is not None and n != len(pdf.pages):
            fast = None
            n = len(pdf.pages)
        if n > max_pages:
            raise LimitExceededError(f"{name}: PDF has {n} pages (limit {max_pages}; raise it with --max-pages)")
        for i in range(1, n + 1):
            f = fast[i - 1] if fast else None
            page = pdf.pages[i - 1] if pdf is not None else None
            if f is not None:
                width, height = float(f["width"]), float(f["height"])
                chars, objs = f["chars"], f["objs"]
                usable = _usable(chars, 1.0 if f["images"] and len(chars) < 40 else 0.0)
                if f.get("hidden"):
                    hidden.append(i)
            else:
                assert page is not None  # pdfium could not serve this page, so pdfminer opened the file
                width, height = float(page.width), float(page.height)
                objs = _layout(page, name, i)
                chars = [c for c in objs.get("char", []) if c["text"].strip()]
                area = width * height or 1.0
                img = sum((im["x1"] - im["x0"]) * (im["bottom"] - im["top"]) for im in objs.get("image", []))
                usable = _usable(chars, img / area)
                if chars and img / area >= pdf_hidden.MIN_COVER:
                    maybe_hidden.append(i)
            pages.append(page_entry(i, chars, objs, width, height, usable))
        unusable = [p["no"] for p in pages if not p["usable"]]
        if not any(p["marker"] for p in pages) and unusable:
            raise NoTextLayerError(f"{name}: pages {_page_ranges(unusable)} have no usable text layer "
                                   "(scanned images or fonts without a Unicode map)")
        doc = layout_pages(pages, "pdf")
        pdf_hidden.mark(doc, hidden + (pdf_hidden.hidden_pages(data, maybe_hidden) if maybe_hidden else []))
        return doc
    finally:
        if pdf is not None:
            pdf.close()


def page_entry(no: int, chars: list[dict], objs: dict, width: float, height: float, usable: bool) -> dict:
    """One page for ``layout_pages``: chars (dicts in points, y down: x0, x1, top, bottom, size,
    text), ruling objects (``line``/``rect``/``curve`` dicts), its size, whether its text is usable.
    The OFD reader makes its pages with this too."""
    mark_stacked_words(chars)
    text = unicodedata.normalize("NFKC", fix_radicals("".join([c["text"] for c in chars])))
    return dict(no=no, objs=objs, chars=chars if usable else [], usable=usable,
                width=width, height=height, marker=usable and any(m in text for m in TABLE_MARKERS))


def layout_pages(pages: list[dict], fmt: str) -> Document:
    """Pages (``page_entry``) -> paragraphs and tables in reading order; tables are analysed on
    the pages of parts 二–四 only. Shared by the PDF and OFD readers."""
    # the pages of parts 二–四: those naming a table, and the pages after them that go on
    # with rows of numbers (a table continued without its header)
    table_pages: set[int] = set()
    page_lines: dict[int, list] = {}  # make_lines of the pages read for rows of numbers, kept
    for p in pages:
        if p["marker"]:
            table_pages.add(p["no"])
        elif p["no"] - 1 in table_pages:
            lines = page_lines[p["no"]] = make_lines(p["chars"])
            if any(ln.n_numeric >= 2 for ln in lines):  # _number_rows
                table_pages.add(p["no"])
    unusable = [p["no"] for p in pages if not p["usable"]]
    blocks: list[Block] = []
    raw_log: list[dict] = []
    prev_bounds: list[float] | None = None
    prev_span: tuple[float, float, float, float] | None = None
    for p in pages:
        items: list[tuple[float, Block]] = []
        chars = p["chars"]
        if p["no"] in table_pages and chars:
            segs = rulings(p["objs"], p["width"], p["height"])
            lines = page_lines[p["no"]] if p["no"] in page_lines else make_lines(chars)
            taken: set[int] = set()
            centres = [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2, c) for c in chars]
            for region in find_regions(lines, segs, p["width"]):
                region = widen_region(region, segs, prev_span if prev_bounds else None)
                left, top, right, bottom = region[0] - 2, region[1] - 2, region[2] + 2, region[3] + 2
                inside = [c for cx, cy, c in centres if left <= cx <= right and top <= cy <= bottom]
                if not inside:
                    continue
                table, bounds = build_table(region, inside, segs, p["no"], prev_bounds, raw_log)
                if bounds:
                    prev_bounds, prev_span = bounds, region
                if table.grid:
                    items.append((region[1], table))
                    taken |= {id(c) for c in inside}
            chars = [c for c in chars if id(c) not in taken]
        items += _paragraphs(chars, p["no"], raw_log)
        items.sort(key=lambda it: it[0])
        blocks += [b for _, b in items]
    doc = Document(blocks=blocks, format=fmt)
    doc.meta.update(pages=len(pages), table_pages=sorted(table_pages & {p["no"] for p in pages}),
                    unusable_pages=unusable, raw_text=raw_log)
    if unusable:
        doc.warnings.append(f"pages {_page_ranges(unusable)} have no usable text layer; their text is skipped")
    return doc


def widen_region(region: tuple, segs, prev: tuple | None) -> tuple:
    """A rule-less table part lying within the previous part's width takes that width: a
    column blank throughout this page still has its place."""
    x0, top, x1, bottom = region
    if prev is None or x0 < prev[0] - 5 or x1 > prev[2] + 5:
        return region
    if any(x0 - 2 <= x <= x1 + 2 and b > top and a < bottom for x, a, b in segs.v):
        return region
    return (min(x0, prev[0]), top, max(x1, prev[2]), bottom)


def _layout(page, name: str, no: int) -> dict:
    try:
        return page.objects  # pdfminer's layout of this page (cached by pdfplumber)
    except Exception as exc:
        raise PdfOpenError(f"{name}: page {no} cannot be read ({type(exc).__name__})") from None


def _paragraphs(chars: list[dict], page_no: int, raw_log: list[dict]) -> list[tuple[float, Paragraph]]:
    """Lines into paragraphs: a line joins the previous one when it is the same size, close
    below it, and the previous line ran to the right margin (wrapped text)."""
    lines = group_lines(chars)
    if not lines:
        return []
    boxes = [bbox(ln) for ln in lines]  # x0, top, x1, bottom
    sizes = [max([c["size"] for c in ln]) for ln in lines]
    right = max(b[2] for b in boxes)
    groups: list[list[int]] = []
    for i, size in enumerate(sizes):
        if groups:
            prev = groups[-1][-1]
            if abs(sizes[prev] - size) < 0.6 and boxes[i][1] - boxes[prev][3] < 1.2 * size \
                    and boxes[prev][2] >= right - 1.6 * size:
                groups[-1].append(i)
                continue
        groups.append([i])
    out = []
    for g in groups:
        gchars = [c for i in g for c in lines[i]]
        raw = "".join(line_text(lines[i]) for i in g)
        text = fix_radicals(raw)
        x0, top, x1, bottom = bbox(gchars)
        box = (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))
        if raw != text:
            raw_log.append({"page": page_no, "bbox": box, "raw": raw, "text": text})
        out.append((boxes[g[0]][1], Paragraph(text, Provenance(page=page_no, bbox=box, source="pdf"))))
    return out
