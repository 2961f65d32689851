"""Tables on a PDF page from ruling lines and text geometry.

Rules give cell boundaries and merges where they exist; where they are missing (three-line
tables, missing vertical rules, a page of a table without any rule) column boundaries come
from the x positions of the numbers and row boundaries from the text lines. A blank cell is an
empty ``Cell`` in the column its position calls for, never dropped.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field

from ..model import Cell, Provenance, Table
from ..schema import SECTIONS
from .geometry import DisjointSet, firsts
from .pdf_grid import Box, boxes_of, infer_columns, infer_rows, text_blocks
from .pdf_settings import DEFAULT_SETTINGS, PdfTableSettings
from .pdf_text import bbox, chunks, fix_radicals, group_lines, is_numeric_chunk, text_of

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_SPACE = re.compile(r"\s+")


@dataclass
class Segs:
    h: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    v: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom)


def rulings(page_objs: dict, width: float, height: float, settings: PdfTableSettings = DEFAULT_SETTINGS) -> Segs:
    """Horizontal and vertical rule segments from lines and thin/stroked rectangles, merged."""
    s = settings
    thin, bar, bar_len = s.rule_thickness, s.bar_thickness, s.bar_min_length
    h, v = [], []
    for ln in page_objs.get("line", []):
        if abs(ln["bottom"] - ln["top"]) < thin:
            h.append(((ln["top"] + ln["bottom"]) / 2, ln["x0"], ln["x1"]))
        elif abs(ln["x1"] - ln["x0"]) < thin:
            v.append(((ln["x0"] + ln["x1"]) / 2, ln["top"], ln["bottom"]))
    for r in page_objs.get("rect", []) + page_objs.get("curve", []):
        w, ht = r["x1"] - r["x0"], r["bottom"] - r["top"]
        if w > s.frame_share * width and ht > s.frame_share * height:
            continue
        if ht <= bar and w > bar_len:
            h.append(((r["top"] + r["bottom"]) / 2, r["x0"], r["x1"]))
        elif w <= bar and ht > bar_len:
            v.append(((r["x0"] + r["x1"]) / 2, r["top"], r["bottom"]))
        elif r.get("stroke"):
            h += [(r["top"], r["x0"], r["x1"]), (r["bottom"], r["x0"], r["x1"])]
            v += [(r["x0"], r["top"], r["bottom"]), (r["x1"], r["top"], r["bottom"])]
    return Segs(_merge(h, s.h_rule_min_length, s), _merge(v, s.v_rule_min_length, s))


def _merge(segs: list[tuple[float, float, float]], min_len: float,
           settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[tuple[float, float, float]]:
    """Collinear segments (``collinear_tol``) joined where they touch, overlap or nearly meet
    (``rule_join_gap``); joined rules shorter than ``min_len`` dropped."""
    collinear, gap = settings.collinear_tol, settings.rule_join_gap
    by_pos: list[list] = []  # [pos, [(a, b), ...]]
    for pos, a, b in sorted(segs):
        if by_pos and pos - by_pos[-1][0] <= collinear:
            by_pos[-1][1].append((a, b))
        else:
            by_pos.append([pos, [(a, b)]])
    out: list[tuple[float, float, float]] = []
    for pos, spans in by_pos:
        cur: list[float] | None = None
        for a, b in sorted(spans):
            if cur and a <= cur[1] + gap:
                cur[1] = max(cur[1], b)
            else:
                if cur and cur[1] - cur[0] >= min_len:
                    out.append((pos, cur[0], cur[1]))
                cur = [a, b]
        if cur and cur[1] - cur[0] >= min_len:
            out.append((pos, cur[0], cur[1]))
    return out


# --- regions ------------------------------------------------------------------------------------

@dataclass
class Line:
    chars: list[dict]
    chunks: list[list[dict]]
    top: float
    bottom: float
    x0: float
    x1: float
    n_numeric: int
    numeric: list[bool] = field(default_factory=list)  # per chunk: reads as a number (is_numeric_chunk)

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)


def _numeric(ln: Line) -> list[bool]:
    """Per chunk of the line: whether it reads as a number (kept by ``make_lines``)."""
    return ln.numeric if len(ln.numeric) == len(ln.chunks) else [is_numeric_chunk(ck) for ck in ln.chunks]


def make_lines(chars: list[dict], settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[Line]:
    """Chars into visual lines, each split into chunks (cells' text) with their number flags."""
    out = []
    gap = settings.chunk_gap
    for ln in group_lines(chars):
        ch = chunks(ln, gap)
        x0, top, x1, bottom = bbox(ln)
        numeric = [is_numeric_chunk(c) for c in ch]
        out.append(Line(ln, ch, top, bottom, x0, x1, sum(numeric), numeric))
    return out


def _is_separator(line: Line, width: float, settings: PdfTableSettings = DEFAULT_SETTINGS) -> bool:
    """A heading of the report or a prose line: it ends a table region."""
    text = _SPACE.sub("", fix_radicals(line.text))
    if _HEADING.match(text) and any(all(p in text for p in alt) for s in SECTIONS for alt in s.patterns):
        return True
    return (len(line.chunks) == 1 and line.x1 - line.x0 > settings.prose_width_share * width
            and len(text) >= settings.prose_min_chars)


def _row_like(ln: Line) -> bool:
    """A line that reads as a table row: two or more numbers, or a label and a number after it."""
    return ln.n_numeric >= 2 or (ln.n_numeric >= 1 and len(ln.chunks) >= 2 and is_numeric_chunk(ln.chunks[-1]))


def _numeric_runs(lines: list[Line], width: float, settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[list[float]]:
    """Areas of rule-less table text: runs of row-like lines (at least two, or one with two or
    more numbers), bridged by the label lines between them (wrapped labels), with the header
    lines set just above the first and the wrapped lines just below the last."""
    runs: list[list[float]] = []
    cur: list[Line] = []
    pending: list[Line] = []
    last_end = -1  # index of the last line of the previous run
    s = settings

    def near(a: Line, b: Line) -> bool:
        return b.top - a.bottom < s.run_line_gap * (b.bottom - b.top)

    def close() -> None:
        if not cur or (sum(1 for ln in cur if _row_like(ln)) < 2 and max(ln.n_numeric for ln in cur) < 2):
            return
        tail, last = [], cur[-1]
        for ln in pending:  # the rest of the last row's wrapped label, set at line spacing
            if ln.top - last.bottom > s.wrap_line_gap * (ln.bottom - ln.top):
                break
            tail.append(ln)
            last = ln
        body = cur + tail
        runs.append([min(ln.x0 for ln in body), body[0].top, max(ln.x1 for ln in body), body[-1].bottom])

    for i, ln in enumerate(lines):
        last: Line | None = (pending or cur)[-1] if (pending or cur) else None
        sep = _is_separator(ln, width, s)
        if sep or (cur and last is not None and not near(last, ln)):
            close()
            cur, pending = [], []
            last_end = i - 1
            if sep:
                continue
        if _row_like(ln):
            if not cur:  # header lines right above the first row (a table going on after a page break)
                j = i
                while j - 1 > last_end and i - j < s.max_header_lines and not _is_separator(lines[j - 1], width, s) \
                        and near(lines[j - 1], lines[j]):
                    j -= 1
                cur = lines[j:i]
            cur += pending + [ln]
            pending = []
        elif cur:
            pending.append(ln)
    close()
    return runs


def find_regions(lines: list[Line], segs: Segs, width: float,
                 settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[tuple[float, float, float, float]]:
    """Table areas (x0, top, x1, bottom): clusters of horizontal rules, extended over adjacent
    runs of lines holding two or more numbers (rule-less parts of a table)."""
    s = settings
    regions: list[list[float]] = []
    hs = sorted(segs.h)
    for y, a, b in hs:
        cur = regions[-1] if regions else None
        if cur and a < cur[2] and b > cur[0] and not any(
                cur[3] < (ln.top + ln.bottom) / 2 < y and _is_separator(ln, width, s) for ln in lines):
            cur[0], cur[2], cur[3] = min(cur[0], a), max(cur[2], b), max(cur[3], y)
        else:
            regions.append([a, y, b, y])
    regions = [r for r in regions if r[3] - r[1] > s.min_region_height]
    runs = _numeric_runs(lines, width, s)
    reach = s.run_attach_distance
    for run in runs:
        for r in regions:
            if run[1] <= r[3] + reach and run[3] >= r[1] - reach and run[0] < r[2] and run[2] > r[0] and not any(
                    (r[3] < (ln.top + ln.bottom) / 2 < run[1] or run[3] < (ln.top + ln.bottom) / 2 < r[1])
                    and _is_separator(ln, width, s) for ln in lines):
                r[1], r[3] = min(r[1], run[1]), max(r[3], run[3])
                r[0], r[2] = min(r[0], run[0]), max(r[2], run[2])
                break
        else:
            regions.append(run)
    regions.sort(key=lambda r: r[1])
    merged: list[list[float]] = []
    for r in regions:
        if merged and r[1] <= merged[-1][3] and r[0] < merged[-1][2]:
            m = merged[-1]
            m[0], m[1], m[2], m[3] = min(m[0], r[0]), min(m[1], r[1]), max(m[2], r[2]), max(m[3], r[3])
        else:
            merged.append(list(r))
    return [tuple(r) for r in merged]  # type: ignore[misc]


# --- grid ----------------------------------------------------------------------------------------

def _column_bounds(region, boxes: list[Box], segs: Segs, prev_bounds: list[float] | None,
                   settings: PdfTableSettings = DEFAULT_SETTINGS):
    """Column boundaries: the vertical rules, plus boundaries inferred from text positions in
    every interval between rules that holds several numbers on a line (rules missing there)."""
    s = settings
    x0, top, x1, bottom = region
    slack, margin, gap = s.region_rule_slack, s.edge_margin, s.inferred_bound_min_gap
    ruled = firsts([x for x, a, b in segs.v if x0 - slack <= x <= x1 + slack and b > top and a < bottom],
                   s.rule_cluster_tol)
    bounds = firsts(ruled + [x0 - margin, x1 + margin], s.column_bound_merge)
    new: list[float] = []
    value_bounds: list[float] = []
    for a, b in zip(bounds, bounds[1:]):
        inside = [x for x in boxes if x.x0 >= a - s.box_slack and x.x1 <= b + s.box_slack]
        per_line: dict[int, list[Box]] = {}
        for x in inside:
            per_line.setdefault(x.line, []).append(x)
        multi = sum(1 for xs in per_line.values() if sum(1 for x in xs if x.numeric) >= 2)
        labelled = sum(1 for xs in per_line.values()
                       if any(x.numeric for x in xs) and any(not x.numeric for x in xs))
        if not multi and labelled < 2:
            continue
        labels, values = infer_columns(a, b, boxes, prev_bounds, s)
        new += labels + [v for v in values if a + gap < v < b - gap]
        value_bounds += values
    return sorted(set(bounds + new)), set(new), value_bounds


def _row_bounds(region, lines: list[Line], boxes: list[Box], segs: Segs, first_value_x: float,
                header_rows: bool = False, settings: PdfTableSettings = DEFAULT_SETTINGS):
    """Row boundaries: the horizontal rules, plus boundaries inferred from text blocks in every
    band between rules that holds two or more lines of numbers, and, in a table drawn without
    column rules (``header_rows``), in every band holding header lines."""
    s = settings
    x0, top, x1, bottom = region
    slack, margin, gap = s.region_rule_slack, s.edge_margin, s.row_bound_min_gap
    ruled = firsts([y for y, a, b in segs.h if a < x1 and b > x0 and top - slack <= y <= bottom + slack],
                   s.rule_cluster_tol)
    t0 = min([top] + [ln.top - margin for ln in lines])
    b0 = max([bottom] + [ln.bottom + margin for ln in lines])
    bounds = firsts(ruled + [t0, b0], s.row_bound_merge)
    inferred: list[float] = []
    # the value boxes by the middle of their height: a band's are found by bisection
    value_x = first_value_x - s.box_slack
    mids = sorted(((x.top + x.bottom) / 2, x.line) for x in boxes if x.numeric and x.x0 >= value_x)
    if not all(math.isfinite(m) for m, _ in mids):
        mids = [((x.top + x.bottom) / 2, x.line) for x in boxes if x.numeric and x.x0 >= value_x]
    keys = [m for m, _ in mids] if mids and math.isfinite(mids[-1][0]) else None
    # header text: text centred over the value columns (a row label lies left of them)
    heads = [((x.top + x.bottom) / 2, x.line) for x in boxes if not x.numeric and x.cx >= first_value_x]
    for a, b in zip(bounds, bounds[1:]):
        near = mids[bisect.bisect_left(keys, a):bisect.bisect_right(keys, b)] if keys is not None else mids
        anchors = {line for m, line in near if a <= m <= b}
        # a band of two or more number lines; in a table drawn without column rules, also a
        # band of header lines (a three-line table's header has no rules between its rows), and
        # a band where header lines follow a row of numbers (a three-line table is ruled under
        # each header only: 行政许可's row, then the title and header of 第二十条第（六）项)
        if len(anchors) >= 2 or (header_rows and (not anchors or any(
                a <= m <= b and line not in anchors for m, line in heads))):
            inferred += [y for y in infer_rows(a, b, boxes, first_value_x, s) if a + gap < y < b - gap]
    return sorted(bounds + inferred), set(inferred)


def _near(segs: list[tuple[float, float, float]], pos: float,
          settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[tuple[float, float]]:
    """The extents of the rule segments lying within ``rule_reach`` of ``pos``."""
    reach = settings.rule_reach
    return [(s0, s1) for sp, s0, s1 in segs if abs(sp - pos) <= reach]


def _covered(spans: list[tuple[float, float]], a: float, b: float,
             settings: PdfTableSettings = DEFAULT_SETTINGS) -> bool:
    """Whether rule segments (``_near``) cover at least ``rule_cover_share`` of a..b."""
    need = (b - a) * settings.rule_cover_share
    return sum(max(0.0, min(b, s1) - max(a, s0)) for s0, s1 in spans) >= need


class _Slots:
    """A table's elementary grid, the slots between neighbouring boundaries, and the slots
    joined into merged cells so far (slot (r, c) is number r * nc + c)."""

    def __init__(self, xs: list[float], ys: list[float], x_inf: set[float], y_inf: set[float]) -> None:
        self.xs, self.ys = xs, ys
        self.x_inf, self.y_inf = x_inf, y_inf  # the boundaries inferred from text (no rule drawn)
        self.nr, self.nc = len(ys) - 1, len(xs) - 1
        self.joined = DisjointSet(self.nr * self.nc)

    def join_right(self, r: int, c: int) -> None:
        """Slot (r, c) and the one to its right are one cell."""
        n = r * self.nc + c
        self.joined.union(n, n + 1)

    def join_down(self, r: int, c: int, up: bool = False) -> None:
        """Slot (r, c) and the one below it (above it, ``up``) are one cell."""
        n = r * self.nc + c
        self.joined.union(n, n - self.nc if up else n + self.nc)

    def cell_of(self, r: int, c: int) -> int:
        """The merged cell slot (r, c) is part of (its representative)."""
        return self.joined.find(r * self.nc + c)

    def col_of(self, x: float) -> int:
        """The column holding ``x`` (the outer columns take what lies beyond the grid)."""
        return min(max(bisect.bisect_right(self.xs, x) - 1, 0), self.nc - 1)

    def row_of(self, y: float) -> int:
        """The row holding ``y`` (the outer rows take what lies beyond the grid)."""
        return min(max(bisect.bisect_right(self.ys, y) - 1, 0), self.nr - 1)


def build_table(region, chars: list[dict], segs: Segs, page_no: int, prev_bounds: list[float] | None,
                raw_log: list[dict], settings: PdfTableSettings = DEFAULT_SETTINGS) -> tuple[Table, list[float]]:
    """One region -> a Table grid with merged cells, blank cells and provenance.

    Boundaries first (rules, else inferred from the text), then the chars into the slots between
    them, then slots joined into merged cells (header spans, missing rule segments, wrapped
    blocks), then one ``Cell`` per merged cell. Returns the table and its value-column bounds
    (for the table's part on the next page).
    """
    s = settings
    lines = make_lines(chars, s)
    boxes = boxes_of(lines, s)
    xs, x_inf, value_bounds = _column_bounds(region, boxes, segs, prev_bounds, s)
    num_x0 = [x.x0 for x in boxes if x.numeric]
    first_value_x = min(num_x0) if num_x0 else region[2]
    ys, y_inf = _row_bounds(region, lines, boxes, segs, first_value_x, bool(x_inf), s)
    grid = _Slots(xs, ys, x_inf, y_inf)
    slot_chars = _slot_chars(chars, xs, ys)
    value_x = value_bounds[0] if value_bounds else first_value_x - s.value_column_lead
    value_start = next((c for c in range(grid.nc) if xs[c] >= value_x - s.value_start_slack), grid.nc)
    blocks = text_blocks(boxes, s)  # the boxes do not change from here on
    kinds = _join_across_columns(grid, slot_chars, boxes, blocks, segs, value_start, s)
    _join_across_rows(grid, segs, s)
    if x_inf:
        _join_header_rowspans(grid, slot_chars, kinds)
    _join_blocks(grid, blocks)
    rows = _cells(grid, slot_chars, page_no, raw_log)
    table = Table(grid=rows, provenance=Provenance(page=page_no, bbox=tuple(round(v, 2) for v in region),
                                                   source="pdf"), aligned=True)
    return table, value_bounds


def _slot_chars(chars: list[dict], xs: list[float], ys: list[float]) -> dict[tuple[int, int], list[dict]]:
    """Each char into the slot holding its centre (the outer slots take what lies beyond them):
    the grid is fixed before any char is read, so a char never moves a boundary."""
    nr, nc = len(ys) - 1, len(xs) - 1
    slot_chars: dict[tuple[int, int], list[dict]] = {}
    bisect_right = bisect.bisect_right
    for ch in chars:
        # the slot holding the char's centre: min(max(i, 0), n - 1) for column and row
        c = bisect_right(xs, (ch["x0"] + ch["x1"]) / 2) - 1
        if c < 0:
            c = 0
        if c > nc - 1:
            c = nc - 1
        r = bisect_right(ys, (ch["top"] + ch["bottom"]) / 2) - 1
        if r < 0:
            r = 0
        if r > nr - 1:
            r = nr - 1
        slot = slot_chars.get((r, c))
        if slot is None:
            slot_chars[(r, c)] = [ch]
        else:
            slot.append(ch)
    return slot_chars


class _Headers:
    """The header rows met so far above the current data rows: which inferred columns their
    chunks group together (``groups``, for the values under them) and the column ranges of their
    spanning cells (for the header row below, which stays inside them)."""

    def __init__(self, grid: _Slots, boxes: list[Box], blocks: list[list[Box]], segs: Segs,
                 value_start: int, settings: PdfTableSettings) -> None:
        self.grid, self.boxes, self.blocks, self.segs = grid, boxes, blocks, segs
        self.value_start, self.settings = value_start, settings
        self.groups: dict[int, int] = {}  # column -> header group (``_claims``)
        self.spans: list[tuple[int, int]] = []  # spanning cells of the header rows so far
        self.lines: list[Line] = []  # the lines of the header rows above the current data rows
        self.open = False  # the last row read was a header row
        self.block_of: dict[int, int] | None = None  # _block_ids, when a header row needs it

    def head_row(self, row_lines: list[Line]) -> list[tuple[int, int]]:
        """A header row read: the column ranges (first, last) its spanning cells cover."""
        g = self.grid
        self.lines = (self.lines if self.open else []) + row_lines
        self.open = True
        self.groups = _claims(sorted(self.lines, key=lambda ln: ln.top), g.xs, g.x_inf, self.value_start,
                              self.settings)
        if self.block_of is None:
            self.block_of = _block_ids(self.boxes, self.blocks)
        spans = _header_spans(row_lines, self.boxes, self.segs, g.xs, g.x_inf, self.spans, self.blocks,
                              self.block_of, self.settings)
        self.spans += spans
        return spans

    def data_row(self) -> None:
        """A data row read: the next header row starts a new header."""
        self.spans = []
        self.open = False


def _join_across_columns(grid: _Slots, slot_chars: dict[tuple[int, int], list[dict]], boxes: list[Box],
                         blocks: list[list[Box]], segs: Segs, value_start: int,
                         settings: PdfTableSettings) -> list[str]:
    """Row by row, slots joined across column boundaries: a header row's spanning cells, text
    running across a boundary, a data row's values under one header group (inferred columns),
    a rule missing in this row (drawn columns). Returns each row's kind: head, data or empty."""
    xs, nc = grid.xs, grid.nc
    headers = _Headers(grid, boxes, blocks, segs, value_start, settings)
    near_v = {x: _near(segs.v, x, settings) for x in xs}
    kinds: list[str] = []
    for r in range(grid.nr):
        row_chars = [ch for c in range(nc) for ch in slot_chars.get((r, c), [])]
        row_lines = make_lines(row_chars, settings) if row_chars else []
        is_data = any(n for ln in row_lines for n in ln.numeric)
        kinds.append("data" if is_data else "head" if row_lines else "empty")
        if row_lines and not is_data:
            for i, j in headers.head_row(row_lines):
                for c in range(i, j):
                    grid.join_right(r, c)
        elif is_data:
            headers.data_row()
        # the text chunks of the row (their centres' span) that a boundary can cut across
        spans_x = [(_mid(ck[0]), _mid(ck[-1])) for ln in row_lines
                   for ck, num in zip(ln.chunks, ln.numeric) if not num]
        _join_row(grid, r, spans_x, headers.groups if is_data else None, value_start,
                  near_v, settings)
    return kinds


def _join_row(grid: _Slots, r: int, spans_x: list[tuple[float, float]], groups: dict[int, int] | None,
              value_start: int, near_v: dict[float, list[tuple[float, float]]],
              settings: PdfTableSettings) -> None:
    """Row r's slots joined across each inner column boundary the row does not respect: an
    inferred one that text crosses or whose two value columns one header groups (``groups``,
    data rows only); a drawn one whose rule is missing here, in a fully ruled table (else only
    where text crosses it: rules are missing by style in a table with inferred columns)."""
    xs, x_inf = grid.xs, grid.x_inf
    fully_ruled = not x_inf
    top, bottom = grid.ys[r], grid.ys[r + 1]
    for c in range(grid.nc - 1):
        x = xs[c + 1]
        crossing = any(a < x < b for a, b in spans_x) if spans_x else False
        if x in x_inf:
            same = (groups is not None and c >= value_start and groups.get(c) is not None
                    and groups.get(c) == groups.get(c + 1))
            if crossing or same:
                grid.join_right(r, c)
        elif (crossing or fully_ruled) and not _covered(near_v[x], top, bottom, settings):
            grid.join_right(r, c)


def _join_across_rows(grid: _Slots, segs: Segs, settings: PdfTableSettings) -> None:
    """Slots joined down across a drawn row boundary where its rule is missing between two
    ruled column sides (a rowspan); rule-less sides never imply a merge."""
    xs, nc = grid.xs, grid.nc
    reach = settings.ruled_side_reach
    ruled_x = {x for x in xs if x not in grid.x_inf and any(abs(sx - x) <= reach for sx, _, _ in segs.v)}
    for r in range(grid.nr - 1):
        y = grid.ys[r + 1]
        if y in grid.y_inf:
            continue
        near_h = _near(segs.h, y, settings)
        for c in range(nc):
            if xs[c] in ruled_x and xs[c + 1] in ruled_x and not _covered(near_h, xs[c], xs[c + 1], settings):
                grid.join_down(r, c)


def _join_header_rowspans(grid: _Slots, slot_chars: dict[tuple[int, int], list[dict]], kinds: list[str]) -> None:
    """In a header drawn without column rules, an empty slot under a header cell is that cell
    (a rowspan): 自然人 and 总计 over the two header rows beside 法人或其他组织's subdivisions."""
    filled = {grid.cell_of(r, c) for (r, c), chs in slot_chars.items() if chs}
    for r in range(1, grid.nr):
        if kinds[r] == "head" and kinds[r - 1] == "head":
            for c in range(grid.nc):
                if grid.cell_of(r, c) not in filled and grid.cell_of(r - 1, c) in filled:
                    grid.join_down(r, c, up=True)
                    filled.add(grid.cell_of(r, c))


def _join_blocks(grid: _Slots, blocks: list[list[Box]]) -> None:
    """A text block (a wrapped or group label) across inferred row boundaries is one cell."""
    for blk in blocks:
        rows = sorted({grid.row_of((x.top + x.bottom) / 2) for x in blk})
        c = grid.col_of(blk[0].x0 + 0.5)
        for r in range(rows[0], rows[-1]):
            if grid.ys[r + 1] in grid.y_inf:
                grid.join_down(r, c)


def _cells(grid: _Slots, slot_chars: dict[tuple[int, int], list[dict]], page_no: int,
           raw_log: list[dict]) -> list[list[Cell | None]]:
    """One ``Cell`` per merged cell, in every slot it covers: its text (radical forms fixed; the
    raw text logged where that changed it), its box and spans as provenance. Rows left without
    any text (the band between a rule and the first text) are dropped."""
    xs, ys, nc = grid.xs, grid.ys, grid.nc
    rows: list[list[Cell | None]] = [[None] * nc for _ in range(grid.nr)]
    for members in grid.joined.groups():
        if len(members) == 1:
            r, c = divmod(members[0], nc)
            slots = [(r, c)]
            cchars = slot_chars.get((r, c), [])
            r0, r1, c0, c1 = r, r, c, c
        else:
            slots = [divmod(n, nc) for n in members]
            cchars = [ch for sl in slots for ch in slot_chars.get(sl, [])]
            rs = [r for r, _ in slots]
            cs = [c for _, c in slots]
            r0, r1, c0, c1 = min(rs), max(rs), min(cs), max(cs)
        raw = text_of(cchars)
        text = fix_radicals(raw)
        box = (round(xs[c0], 2), round(ys[r0], 2), round(xs[c1 + 1], 2), round(ys[r1 + 1], 2))
        cell = Cell(text, Provenance(page=page_no, bbox=box, source="pdf"), rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1)
        if raw != text:
            raw_log.append({"page": page_no, "bbox": cell.provenance.bbox, "raw": raw, "text": text})
        for r, c in slots:
            rows[r][c] = cell
    return [row for row in rows if any(c is not None and c.text for c in row)]


def _header_spans(row_lines: list[Line], boxes: list[Box], segs: Segs, xs: list[float],
                  x_inf: set[float], parents: list[tuple[int, int]],
                  blocks: list[list[Box]] | None = None, block_of: dict[int, int] | None = None,
                  settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[tuple[int, int]]:
    """Column ranges of spanning header cells over inferred columns.

    A header chunk with the text of another cell below it heads several columns; being centred
    over them, it spans the widest run of columns, free of other text in its row, not cut by a
    rule and within the span of the header above it, whose centre is its centre (and within the
    rule under it, where one is drawn).
    """
    st = settings
    nc = len(xs) - 1
    block = _block_ids(boxes, blocks, st) if block_of is None else block_of
    chunks_ = [ck for ln in row_lines for ck, num in zip(ln.chunks, _numeric(ln)) if not num]
    cols_of = [{min(max(bisect.bisect_right(xs, _mid(ch)) - 1, 0), nc - 1) for ch in ck} for ck in chunks_]
    out = []
    # number tops and text boxes by top, for bisection (all finite: else every box is tried)
    num_tops = sorted(b.top for b in boxes if b.numeric)
    texts = sorted((b for b in boxes if not b.numeric), key=lambda b: b.top)
    text_tops = [b.top for b in texts]
    sortable = all(map(math.isfinite, num_tops)) and all(map(math.isfinite, text_tops))
    for k, ck in enumerate(chunks_):
        x0, x1 = ck[0]["x0"], ck[-1]["x1"]
        bottom = max(ch["bottom"] for ch in ck)
        if sortable:  # the least number top below the chunk
            i = bisect.bisect_right(num_tops, bottom)
            limit = num_tops[i] if i < len(num_tops) else float("inf")
            cands = texts[bisect.bisect_left(text_tops, bottom - st.below_slack):bisect.bisect_left(text_tops, limit)]
        else:
            nums_below = [b.top for b in boxes if b.numeric and b.top > bottom]
            limit = min(nums_below) if nums_below else float("inf")
            cands = texts
        own = next((block[id(b)] for b in boxes
                    if abs(b.x0 - x0) < st.same_x and abs(b.top - ck[0]["top"]) < st.same_top), -1)
        # only their least top is used below, so their order does not matter
        under = [b.top for b in cands
                 if bottom - st.below_slack <= b.top < limit and x0 <= b.cx <= x1 and block[id(b)] != own]
        if not under:
            continue  # nothing of another cell below it: it heads one column
        cx = (x0 + x1) / 2
        # a rule right under the cell (before the next text) is its bottom border: its extent
        rule = next(((a, b) for y, a, b in sorted(segs.h)
                     if bottom < y < min(under) and a - st.box_slack <= cx <= b + st.box_slack),
                    (xs[0], xs[-1]))
        lo, hi = min(cols_of[k]), max(cols_of[k])
        inside = [(i, j) for i, j in parents if i <= lo and hi <= j]
        first, last = min(inside, key=lambda s: s[1] - s[0]) if inside else (0, nc - 1)
        taken = set().union(*(cols_of[m] for m in range(len(chunks_)) if m != k)) if len(chunks_) > 1 else set()
        best = None
        for i in range(lo, first - 1, -1):
            if i in taken or (i < lo and xs[i + 1] not in x_inf):
                break
            for j in range(hi, last + 1):
                if j in taken or (j > hi and xs[j] not in x_inf):
                    break
                if xs[i] < rule[0] - st.header_rule_slack or xs[j + 1] > rule[1] + st.header_rule_slack:
                    continue
                narrowest = min(xs[c + 1] - xs[c] for c in range(i, j + 1))
                if abs((xs[i] + xs[j + 1]) / 2 - cx) <= max(st.header_centre_tol, st.header_centre_share * narrowest):
                    if best is None or j - i > best[1] - best[0]:
                        best = (i, j)
        if best and best[1] > best[0]:
            out.append(best)
    return out


def _block_ids(boxes: list[Box], blocks: list[list[Box]] | None = None,
               settings: PdfTableSettings = DEFAULT_SETTINGS) -> dict[int, int]:
    """Box (by id) -> its text block's index; a number box is a block of its own."""
    block = {id(b): i for i, blk in enumerate(text_blocks(boxes, settings) if blocks is None else blocks)
             for b in blk}
    block.update({id(b): -2 - i for i, b in enumerate(boxes) if b.numeric})
    return block


def _mid(ch: dict) -> float:
    """A char's horizontal centre."""
    return (ch["x0"] + ch["x1"]) / 2


def _claims(lines: list[Line], xs: list[float], x_inf: set[float], value_start: int,
            settings: PdfTableSettings = DEFAULT_SETTINGS) -> dict[int, int]:
    """Which inferred columns a header block groups together (column -> group id)."""
    nc = len(xs) - 1
    overlap = settings.claim_overlap
    groups: dict[int, int] = {}
    gid = 0
    for ln in reversed(lines):  # the lowest header line first, then the lines above it
        for ck in ln.chunks:
            a, b = ck[0]["x0"], ck[-1]["x1"]
            cols = [c for c in range(nc) if min(b, xs[c + 1]) - max(a, xs[c]) > overlap]
            if cols and not any(c in groups for c in cols):
                gid += 1
                for c in cols:
                    groups[c] = gid
    # columns no header claims join the claimed neighbour on their left (else right), but only
    # across inferred boundaries
    for c in range(value_start + 1, nc):
        if c not in groups and c - 1 in groups and xs[c] in x_inf:
            groups[c] = groups[c - 1]
    for c in range(nc - 2, value_start - 1, -1):
        if c not in groups and c + 1 in groups and xs[c + 1] in x_inf:
            groups[c] = groups[c + 1]
    return groups
