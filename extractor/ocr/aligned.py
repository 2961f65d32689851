"""Tables without a full grid on an OCR'd page, built by the PDF reader's table builder.

Three-line tables (三线表: a rule above, one under the header rows, one below, none between rows
or columns), tables with some rules missing and the rule-less pages of a table that goes on have
no grid for ``grid.find_grids`` (or one whose cells hold several columns' numbers). Their text
lies on the page as a text-layer PDF's does, so the recogniser's boxes are turned into what the
PDF reader's table builder (``readers.pdf_tables``) reads, and that builder decides the table:
``find_regions`` its area, ``build_table`` its columns (from the numbers' positions and the
header cells), rows (from the number lines and the text blocks) and merged cells, as for a
text-layer PDF or an OFD.

- A box becomes *words*: the recogniser runs neighbouring cells' text into one box (three column
  headers read as 本年制本年废现行有), so each box is cut where its ink leaves a gap a column would
  (``WORD_GAP`` x the text size) and the text has no punctuation there (whose glyph carries such
  a blank), its characters shared out among the pieces by their widths. Dust (``SPECK``) and
  marks at a box's ends too small for its first or last character do not count as ink.
- A word becomes characters in points (the builder's unit; image files as if the page were A4
  wide), each the text size tall and spread evenly over the word's ink (a bracket at either end
  also over the blank beside it, as in a text layer), so the builder's gaps (chunks, columns,
  stacked lines) mean what they mean in a PDF. A word that reads as a dash or a number
  look-alike is cleaned first (一 -> —, O -> 0), so the builder sees the number it is.
- The page's rules (outside the grids filled as ruled grids) are the builder's ruling segments.

The builder's grid (points; sliver columns a point of OCR jitter makes dropped) is then filled
from the words like a ruled grid (``layout.to_table``): the same cleaning, the same second looks
at blank and numeric cells, and the recogniser's confidence on every cell. A value the layout
could not place surely — its box reaching well over a column boundary no rule draws, or set off
the line its column's other values keep — has its cell's confidence capped
(``layout.UNPLACED_CONFIDENCE``), so the report flags it instead of trusting a guessed column.
As the PDF reader does, tables are looked for on the pages of parts 二–四 only (a page naming a
table, and the pages after it that go on with rows of numbers).
"""

from __future__ import annotations

import bisect
import re
import statistics
import unicodedata
from dataclasses import dataclass, field, replace

from ..model import Table
from ..readers.pdf import widen_region
from ..readers.pdf_settings import DEFAULT_SETTINGS
from ..readers.pdf_tables import Segs, build_table, find_regions, make_lines
from ..readers.pdf_text import fix_radicals, mark_stacked_words
from ..schema import TABLE_MARKERS
from .engine import Box
from .grid import Grid, GridCell
from .layout import clean_cell_text, to_table

WORD_GAP = 0.5  # x text size: a gap in a box's ink this wide may part two cells' text
PUNCT_GAP = 1.1  # x text size: ... but not when it is narrower than this next to punctuation's own blank
BOX_PER_SIZE = 1.21  # a recogniser box is this many times as tall as its text size
HEADING = 1.4  # a box whose glyphs are this many times the page's text size is a heading: its own size
CJK_INK = 0.92  # a Chinese glyph's ink is this many times its size tall
SPECK = 0.25  # x text size: a mark smaller than this both ways is left out when measuring gaps
OFF_COLUMN = 0.25  # x column width: a value this far off its column's line of values is placed unsurely
TRAIL_BLANK = set("、，。．：；！？）」』”’》〉】.,:;!?)")  # punctuation whose glyph leaves its right part blank
LEAD_BLANK = set("（「『“‘《〈【(")  # ... its left part blank
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SHORT = 12  # a word this short that reads as a number or dash once cleaned is cleaned


@dataclass
class Carry:
    """What one page of a document leaves to the next: whether it held a table of parts 二–四,
    and the value-column bounds and span of its last rule-less table part (builder units)."""

    table_page: bool = False
    bounds: list[float] | None = None
    span: tuple[float, float, float, float] | None = None

    def reset(self) -> None:
        self.table_page, self.bounds, self.span = False, None, None


@dataclass
class AlignedPage:
    """One levelled page as the table builder needs it: pixels per point, width in pixels, the
    rules outside its grids in pixels ((y, x0, x1) and (x, y0, y1)), and the document's carry
    (None: a lone page or picture, always looked at)."""

    unit: float
    width_px: float
    hrules: list = field(default_factory=list)
    vrules: list = field(default_factory=list)
    carry: Carry | None = None
    tables: int = 0  # tables the builder made on the page
    filled: list = field(default_factory=list)  # boxes of the grids filled as ruled grids: their rules are theirs

    def overfull(self, grid: Grid, boxes: list[Box]) -> bool:
        """``overfull``: whether a ruled grid is left to the builder (the layout asks)."""
        return overfull(grid, boxes)

    def tables_among(self, boxes: list[Box], page_no: int, to_pt, reader) -> tuple[list, list[Box]]:
        """``aligned_tables`` on this page (the layout asks)."""
        return aligned_tables(self, boxes, page_no, to_pt, reader)


# --- boxes into words ---------------------------------------------------------------------------

def _advance(ch: str) -> float:
    """A character's width in text sizes, as a Chinese report sets it."""
    if _CJK.match(ch) or ord(ch) >= 0x3000:
        return 1.0
    if ch in ".,:;'`|!":
        return 0.3
    if ch in "()[]":
        return 0.35
    return 0.55


def _share(text: str, segs: list[tuple[float, float]], size: float) -> list[str]:
    """``text`` shared out among the ink segments (left to right) in order, each segment's share
    as wide as its ink: least total misfit, by dynamic programming. A segment may get nothing
    (ink of a neighbouring box, or a mark the recogniser dropped), at the cost of its width."""
    n, k = len(text), len(segs)
    widths = [(b - a) / size for a, b in segs]
    upto = [0.0]  # advances of the first i characters
    for ch in text:
        upto.append(upto[-1] + _advance(ch))

    def ink(h: int, i: int) -> float:  # _ink_width(text[h:i]) from the running sums
        w = upto[i] - upto[h]
        if text[i - 1] in TRAIL_BLANK:
            w -= 0.6 * _advance(text[i - 1])
        if text[h] in LEAD_BLANK:
            w -= 0.6 * _advance(text[h])
        return max(w, 0.2)
    inf = float("inf")
    # best[j][i]: least cost of giving the first i characters to the first j segments
    best = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for j in range(1, k + 1):
        for i in range(n + 1):
            for h in range(i + 1):
                prev = best[j - 1][h]
                if prev == inf:
                    continue
                cost = prev + (1.5 * widths[j - 1] + 0.5 if h == i else abs(widths[j - 1] - ink(h, i)))
                if cost < best[j][i]:
                    best[j][i], back[j][i] = cost, h
    out: list[str] = []
    i = n
    for j in range(k, 0, -1):
        h = back[j][i]
        out.append(text[h:i])
        i = h
    return out[::-1]


def _punctuation_gap(text: str, at: float) -> bool:
    """Whether a gap in a box's ink at ``at`` (a fraction of its ink's width) is where ``text``
    has punctuation, whose glyph carries blank beside it: a character on either side of the
    boundary nearest that point is punctuation."""
    adv = [_advance(ch) for ch in text]
    total = sum(adv) or 1.0
    edges, x = [], 0.0
    for a in adv[:-1]:
        x += a
        edges.append(x / total)
    if not edges:
        return False
    k = min(range(len(edges)), key=lambda i: abs(edges[i] - at)) + 1  # boundary between text[k-1] and text[k]
    return any(ch in TRAIL_BLANK or ch in LEAD_BLANK or ch == "·" for ch in text[max(k - 2, 0):k + 2])


def _glyph_like(run: tuple[float, float, float, float], ch: str, size: float) -> bool:
    """Whether a mark could be (part of) character ``ch``: a Chinese character's ink is at least
    half the text size tall or wide, a digit's or letter's at least 0.4 of it tall; punctuation
    may be any size."""
    w, h = run[1] - run[0], run[3] - run[2]
    if _CJK.match(ch):
        return max(w, h) >= 0.5 * size
    if ch.isalnum():
        return h >= 0.4 * size
    return True


def ink_runs(marks: list[tuple[float, float, float, float]], size: float) -> list[tuple[float, float, float, float]]:
    """Marks (x0, x1, top, bottom), specks left out (``SPECK``), joined where they overlap in x:
    the stretches of a line the glyphs cover, each with the height of its ink."""
    speck = SPECK * size
    out: list[tuple[float, float, float, float]] = []
    for a, b, t, d in sorted(m for m in marks if m[1] - m[0] >= speck or m[3] - m[2] >= speck):
        if out and a <= out[-1][1]:
            pa, pb, pt, pd = out[-1]
            out[-1] = (pa, max(pb, b), min(pt, t), max(pd, d))
        else:
            out.append((a, b, t, d))
    return out


def split_words(box: Box, runs: list[tuple[float, float, float, float]], size: float) -> list[Box]:
    """One recognised box as the words a text layer would hold: cut at the gaps in its ink at
    least ``WORD_GAP`` x ``size`` wide (pixels) where the text has no punctuation (whose glyph
    leaves such a gap; a gap over ``PUNCT_GAP`` x ``size`` is cut all the same), the characters
    shared out among the pieces by their widths; each word spans its own ink."""
    text = box.text.strip()
    # a mark at either end too small for the character the text has there is dust the box took in
    while len(runs) > 1 and text and not _glyph_like(runs[0], text[0], size):
        runs = runs[1:]
    while len(runs) > 1 and text and not _glyph_like(runs[-1], text[-1], size):
        runs = runs[:-1]
    if not runs or not text:
        return [Box(box.x0, box.y0, box.x1, box.y1, text, box.score)] if text else []
    parts = text.split()
    flat = "".join(parts)
    left, right = runs[0][0], runs[-1][1]
    segs: list[list[float]] = [list(runs[0][:2])]
    for a, b, _, _ in runs[1:]:
        gap = a - segs[-1][1]
        cut = gap >= WORD_GAP * size and (
            gap >= PUNCT_GAP * size or len(parts) > 1
            or not _punctuation_gap(flat, ((a + segs[-1][1]) / 2 - left) / max(right - left, 1.0)))
        if cut:
            segs.append([a, b])
        else:
            segs[-1][1] = b
    if len(segs) == 1:
        return [Box(segs[0][0], box.y0, segs[0][1], box.y1, text, box.score)]
    if len(parts) == len(segs):  # the recogniser saw the gaps too
        shares = parts
    else:
        shares = _share(flat, [(a, b) for a, b in segs], size)
    return [Box(a, box.y0, b, box.y1, t, box.score) for (a, b), t in zip(segs, shares) if t]


def _cleaned(text: str) -> str:
    """A short word that reads as a number or a dash once cleaned (一 for —, O for 0, '16.'), as
    cleaned; any other word as read."""
    if len(text) > _SHORT:
        return text
    t = clean_cell_text(text)
    return t if t == "—" or (t and all(ch.isdigit() or ch in ".,-" for ch in t)) else text


def _size(boxes: list[Box]) -> float:
    """The page's text size in pixels, from the height of its boxes of Chinese text."""
    hs = [b.y1 - b.y0 for b in boxes if len(_CJK.findall(b.text)) >= 2] or [b.y1 - b.y0 for b in boxes]
    return statistics.median(hs) / BOX_PER_SIZE


def page_words(boxes: list[Box], marks) -> list[tuple[list[Box], float]]:
    """Each box's words and their text size (pixels); ``marks(box)``: the marks of ink in a box.
    A box of Chinese text whose glyphs stand ``HEADING`` times as tall as the page's text is set
    in a size of its own (a title); any other takes the page's (a box can be tall only because
    it reaches over two lines of a header)."""
    size = _size(boxes)
    out = []
    for b in boxes:
        found = marks((b.x0, b.y0, b.x1, b.y1))
        s = size
        ink = ink_runs(found, s)
        if ink and _CJK.search(b.text):
            glyph = statistics.median(d - t for _, _, t, d in ink) / CJK_INK
            if glyph > HEADING * size:
                s = glyph
                ink = ink_runs(found, s)
        out.append((split_words(b, ink, s), s))
    return out


def chars_of(word: Box, size: float, unit: float) -> list[dict]:
    """A word as the builder's characters, in points: ``size`` tall about the box's middle, the
    word's ink shared evenly among its characters (no gap inside a word). A bracket or quote at
    either end takes the blank beside its ink too, as its box does in a text layer (a group
    label's （三） starts where the 不予公开 under it starts)."""
    text = _cleaned(word.text).replace(" ", "")
    if not text:
        return []
    x0, x1 = word.x0 / unit, word.x1 / unit
    if text[0] in LEAD_BLANK:
        x0 -= 0.5 * size / unit
    if text[-1] in TRAIL_BLANK:
        x1 += 0.5 * size / unit
    mid, half, s = (word.y0 + word.y1) / 2 / unit, size / 2 / unit, size / unit
    step = (x1 - x0) / len(text)
    return [{"text": ch, "x0": x0 + i * step, "x1": x0 + (i + 1) * step, "top": mid - half, "bottom": mid + half,
             "size": s, "word": word} for i, ch in enumerate(text)]


# --- the builder's table as a grid to fill ------------------------------------------------------

def _slivers_dropped(rows: list[list], size: float) -> list[list]:
    """The builder's rows without the columns narrower than ``size`` (points) in which no cell
    has text of its own (each empty, or a cell reaching in from a neighbour): a sliver between a
    region's edge and the first inferred column, which a recogniser's box or a rule end a point
    off puts there; and without the columns (rows) that have no edge of their own."""
    nc = max((len(r) for r in rows), default=0)
    cols: dict[int, set[int]] = {}  # cell (by id) -> the columns it covers
    for r in rows:
        for c, cell in enumerate(r):
            if cell is not None:
                cols.setdefault(id(cell), set()).add(c)
    keep = []
    for c in range(nc):
        col = [r[c] for r in rows if c < len(r) and r[c] is not None]
        boxes = [cell.provenance.bbox for cell in col if cell.provenance.bbox is not None]
        narrow = bool(boxes) and min(b[2] - b[0] for b in boxes) < size
        own = any(cell.text and cols[id(cell)] == {c} for cell in col)
        if not (narrow and not own):
            keep.append(c)
    if not keep:
        return rows
    # a column every cell of which reaches over from its left neighbour has no edge of its own:
    # one column with it (likewise a row)
    keep = [c for i, c in enumerate(keep) if not i or any(c >= len(r) or r[c] is not r[keep[i - 1]] for r in rows)]
    rows = [[r[c] if c < len(r) else None for c in keep] for r in rows]
    return [r for i, r in enumerate(rows) if not i or any(a is not b for a, b in zip(r, rows[i - 1]))]


def _grid(table: Table, unit: float, size: float = 0.0) -> Grid | None:
    """The builder's table (cells with boxes in points) as a pixel ``Grid``: its boundaries are
    its cells' edges, each cell covering the grid positions it fills."""
    places: dict[int, list[tuple[int, int]]] = {}
    cells = {}
    rows = _slivers_dropped(table.grid, size)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell is not None and cell.provenance.bbox is not None:
                places.setdefault(id(cell), []).append((r, c))
                cells[id(cell)] = cell
    nr, nc = len(rows), max((len(row) for row in rows), default=0)
    if not nr or not nc or sum(len(v) for v in places.values()) != nr * nc:
        return None
    # each boundary: the least of the cell edges on it (a row the builder dropped, having no
    # text, or a sliver column leaves two: the band between goes to the row or column after it)
    xs: list[list[float]] = [[] for _ in range(nc + 1)]
    ys: list[list[float]] = [[] for _ in range(nr + 1)]
    spans = []
    for key, at in places.items():
        x0, y0, x1, y1 = (v * unit for v in cells[key].provenance.bbox)
        r0, r1 = min(r for r, _ in at), max(r for r, _ in at) + 1
        c0, c1 = min(c for _, c in at), max(c for _, c in at) + 1
        xs[c0].append(x0)
        xs[c1].append(x1)
        ys[r0].append(y0)
        ys[r1].append(y1)
        spans.append((r0, c0, r1, c1, at))
    if not all(xs) or not all(ys):
        return None
    gx = [float(min(v)) for v in xs]
    gy = [float(min(v)) for v in ys]
    if any(b <= a for a, b in zip(gx, gx[1:])) or any(b <= a for a, b in zip(gy, gy[1:])):
        return None
    grid_cells: list[GridCell] = []
    index = [[0] * nc for _ in range(nr)]
    for r0, c0, r1, c1, at in sorted(spans):
        for r, c in at:
            index[r][c] = len(grid_cells)
        grid_cells.append(GridCell(r0, c0, r1, c1, (gx[c0], gy[r0], gx[c1], gy[r1])))
    return Grid(gy, gx, grid_cells, index)


def _flag_off_column(grid: Grid, table: Table, soft, size: float) -> None:
    """Cap the confidence of values set off the line their column's other values keep (centres,
    right edges and left edges all further than ``OFF_COLUMN`` x the column's width, at least half
    the text size, from the column's median): the builder put each in a column, but where a
    value lies between two columns that is a guess. Only columns between boundaries no rule
    draws (``soft``), with three values or more to tell the line by."""
    from .layout import UNPLACED_CONFIDENCE
    by_col: dict[int, list] = {}
    for gc in grid.cells:
        text = clean_cell_text("".join(b.text for b in gc.boxes)) if gc.boxes else ""
        if gc.c1 - gc.c0 == 1 and text and (text == "—" or all(ch.isdigit() or ch in ".," for ch in text)) \
                and (grid.xs[gc.c0] in soft or grid.xs[gc.c1] in soft):
            by_col.setdefault(gc.c0, []).append(gc)
    for c, cells in by_col.items():
        if len(cells) < 3:
            continue
        edges = [(min(b.x0 for b in gc.boxes), max(b.x1 for b in gc.boxes)) for gc in cells]
        lines = [statistics.median(a for a, _ in edges), statistics.median((a + b) / 2 for a, b in edges),
                 statistics.median(b for _, b in edges)]
        tol = max(OFF_COLUMN * (grid.xs[c + 1] - grid.xs[c]), 0.5 * size)
        for gc, (a, b) in zip(cells, edges):
            if min(abs(a - lines[0]), abs((a + b) / 2 - lines[1]), abs(b - lines[2])) > tol:
                cell = table.grid[gc.r0][gc.c0]
                if cell is not None:
                    conf = min(cell.provenance.confidence if cell.provenance.confidence is not None else 1.0,
                               UNPLACED_CONFIDENCE)
                    cell.provenance = replace(cell.provenance, confidence=conf)


def _first_value_column(grid: Grid, words: list[Box]) -> int:
    """The leftmost column holding a number: empty cells from there on are value cells, worth a
    second look for a mark the recogniser missed; one left of it is a label cell, blank as seen."""
    cols = [bisect.bisect_right(grid.xs, w.cx) - 1 for w in words if _is_number(w.text)]
    return max(min(cols), 0) if cols else len(grid.xs)


def overfull(grid: Grid, boxes: list[Box]) -> bool:
    """Whether a ruled grid lacks some of its column rules: a cell of it holds two numbers side
    by side on one line, further apart than the digits of one number set wide (the builder's
    ``digit_join_gap``). Such a grid is left to the table builder, rules and all."""
    if not boxes:
        return False
    size = _size(boxes)
    for gc in grid.cells:
        x0, y0, x1, y1 = gc.box
        nums = sorted((b for b in boxes if x0 <= b.cx < x1 and y0 <= b.cy < y1 and _is_number(b.text)),
                      key=lambda b: b.x0)
        if any(len(b.text.split()) > 1 for b in nums):
            return True
        for i, a in enumerate(nums):
            for b in nums[i + 1:]:
                if min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) \
                        and b.x0 - a.x1 > DEFAULT_SETTINGS.digit_join_gap * size:
                    return True
    return False


def _is_number(text: str) -> bool:
    """A recognised text that is one or more numbers (a dash counts as one)."""
    parts = [_cleaned(p) for p in text.split()]
    return bool(parts) and all(t == "—" or (t[:1].isdigit() and all(ch.isdigit() or ch in ".," for ch in t))
                               for t in parts)


def _table_page(boxes: list[Box], lines, carry: Carry | None) -> bool:
    """Whether to look for tables: a page naming a table of parts 二–四, a page after one that
    goes on with rows of numbers, or a lone page (no carry)."""
    text = unicodedata.normalize("NFKC", fix_radicals("".join(b.text for b in boxes))).replace(" ", "")
    named = any(m in text for m in TABLE_MARKERS)
    if carry is None:
        return True
    going_on = carry.table_page and any(ln.n_numeric >= 2 for ln in lines)
    carry.table_page = named or going_on
    if not carry.table_page:
        carry.bounds = carry.span = None
    return carry.table_page


def aligned_tables(page: AlignedPage, boxes: list[Box], page_no: int, to_pt, reader) -> tuple[list, list[Box]]:
    """The tables the PDF table builder finds among ``boxes`` (pixels; those outside the grids
    filled as ruled grids) as ``(top, Table)`` items, and the boxes left for paragraphs (a box
    whose words went partly into a table leaves its other words)."""
    marks = getattr(reader, "marks", None)
    if not boxes or marks is None:
        return [], boxes
    unit = page.unit
    per_box = page_words(boxes, marks)
    chars = [ch for ws, size in per_box for w in ws for ch in chars_of(w, size, unit)]
    mark_stacked_words(chars)  # a 无 of a group label set one character a line is no zero (as in page_entry)
    lines = make_lines(chars)
    if not _table_page(boxes, lines, page.carry):
        return [], boxes
    m = 2 * unit

    def free(x: float, y: float) -> bool:  # outside every grid filled as a ruled grid
        return not any(x0 - m <= x <= x1 + m and y0 - m <= y <= y1 + m for x0, y0, x1, y1 in page.filled)
    hrules = [r for r in page.hrules if free((r[1] + r[2]) / 2, r[0])]
    vrules = [r for r in page.vrules if free(r[0], (r[1] + r[2]) / 2)]
    segs = Segs([(y / unit, a / unit, b / unit) for y, a, b in hrules], [(x / unit, a / unit, b / unit) for x, a, b in vrules])
    carry = page.carry or Carry()
    by_word: dict[int, list[dict]] = {}
    for ch in chars:
        by_word.setdefault(id(ch["word"]), []).append(ch)
    words = [w for ws, _ in per_box for w in ws if id(w) in by_word]
    ruled = [x for x, _, _ in vrules]
    items = []
    taken: set[int] = set()  # words (by id) placed in a table
    raw_log: list[dict] = []
    for region in find_regions(lines, segs, page.width_px / unit):
        region = widen_region(region, segs, carry.span if carry.bounds else None)
        left, top, right, bottom = region[0] - 2, region[1] - 2, region[2] + 2, region[3] + 2
        inside = [w for w in words if id(w) not in taken
                  and left <= (w.x0 + w.x1) / 2 / unit <= right and top <= (w.y0 + w.y1) / 2 / unit <= bottom]
        if not inside:
            continue
        built, bounds = build_table(region, [ch for w in inside for ch in by_word[id(w)]], segs, page_no,
                                    carry.bounds, raw_log)
        if bounds:
            carry.bounds, carry.span = bounds, region
        grid = _grid(built, unit, _size(boxes) / unit) if built.grid else None
        if grid is None:
            continue
        soft = {x for x in grid.xs[1:-1] if not any(abs(x - rx) <= 3 * unit for rx in ruled)}
        table = to_table(grid, inside, page_no, to_pt, reader, soft=soft, look_from=_first_value_column(grid, inside))
        _flag_off_column(grid, table, soft, _size(boxes))
        items.append((grid.ys[0], table))
        taken |= {id(w) for w in inside}
        page.tables += 1
    rest: list[Box] = []
    for b, (ws, _) in zip(boxes, per_box):  # a box none of whose words went into a table stays whole
        rest += [b] if not any(id(w) in taken for w in ws) else [w for w in ws if id(w) not in taken]
    return items, rest
