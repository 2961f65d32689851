"""Column and row boundaries of a PDF table where its rules are missing.

Three-line tables (horizontal rules only), tables with some vertical rules missing and the
rule-less pages of a continued table: the value columns come from the x positions of the
numbers (centred or right-aligned in their column) and, for columns that happen to be blank
throughout, from the header cells above them; label columns from the left edges of the label
text; rows from horizontal rules where they exist and otherwise from text blocks, so a wrapped
label whose numbers sit on its first or middle line stays one row.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

from .geometry import DisjointSet, connected
from .pdf_settings import DEFAULT_SETTINGS, PdfTableSettings
from .pdf_text import is_numeric_chunk


_SIZE, _TOP, _BOTTOM = (operator.itemgetter(k) for k in ("size", "top", "bottom"))


@dataclass
class Box:
    """A chunk of text on one line: extent, font size, whether it reads as a number."""

    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    numeric: bool
    line: int  # index of its line

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def boxes_of(lines, settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[Box]:
    """Chunks of every line as boxes; digits set apart by wide letter spacing are one box."""
    join = settings.digit_join_gap
    out: list[Box] = []
    for i, ln in enumerate(lines):
        cur: Box | None = None
        flags = getattr(ln, "numeric", None)  # make_lines keeps is_numeric_chunk of each chunk
        if flags is None or len(flags) != len(ln.chunks):
            flags = [is_numeric_chunk(ck) for ck in ln.chunks]
        for ck, numeric in zip(ln.chunks, flags):
            num = numeric or (cur is not None and cur.numeric and "".join(c["text"] for c in ck) in ".,．，")
            size = max(map(_SIZE, ck)) or 1.0
            b = Box(ck[0]["x0"], ck[-1]["x1"], min(map(_TOP, ck)), max(map(_BOTTOM, ck)), size, num, i)
            if cur is not None and num and cur.numeric and b.x0 - cur.x1 < join * size:
                cur.x1, cur.top, cur.bottom = b.x1, min(cur.top, b.top), max(cur.bottom, b.bottom)
                continue
            out.append(b)
            cur = b
    return out


def _same_column(settings: PdfTableSettings = DEFAULT_SETTINGS) -> Callable[[Box, Box], bool]:
    """The relation 'two boxes lie in one column': centres within ``column_centre_tol`` (or
    ``column_centre_share`` x the smaller size), or right edges within ``column_right_tol``."""
    least, share, right = settings.column_centre_tol, settings.column_centre_share, settings.column_right_tol

    def same(a: Box, b: Box) -> bool:
        tol = max(least, share * min(a.size, b.size))
        return abs(a.cx - b.cx) <= tol or abs(a.x1 - b.x1) <= right
    return same


def _leaves(head: list[Box], settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[Box]:
    """Header boxes that head one column: no two differently placed header boxes below them."""
    out = []
    bucket, slack = settings.leaf_bucket, settings.below_slack
    for h in head:
        below = {round(o.cx / bucket) for o in head
                 if o is not h and o.top >= h.bottom - slack and h.x0 <= o.cx <= h.x1}
        if len(below) < 2:
            out.append(h)
    return out


def infer_columns(a: float, b: float, boxes: list[Box], prev: list[float] | None,
                  settings: PdfTableSettings = DEFAULT_SETTINGS) -> tuple[list[float], list[float]]:
    """Boundaries inside the rule-less interval (a, b): (label-column bounds, value-column bounds).

    The value bounds include the left edge of the first value column; ``prev`` (the value
    bounds of the table's part on the previous page) is reused when this part has no header
    and its numbers fit those columns.
    """
    s = settings
    slack, below = s.box_slack, s.below_slack
    inside = [x for x in boxes if x.x0 >= a - slack and x.x1 <= b + slack]
    nums = [x for x in inside if x.numeric]
    if not nums:
        return [], []
    first_body_top = min(x.top for x in nums)
    same_column = _same_column(s)
    cols: list[dict[str, Any]] = [{"boxes": g, "cx": sorted(x.cx for x in g)[len(g) // 2],
                                   "x0": min(x.x0 for x in g), "x1": max(x.x1 for x in g)}
                                  for g in connected(nums, same_column)]
    value_left = min(c["x0"] for c in cols)
    head = [x for x in inside
            if not x.numeric and x.bottom <= first_body_top + below and x.cx > value_left - s.head_left_slack]
    number_centres = [c["cx"] for c in cols]
    for g in connected(_leaves(head, s), same_column):
        cx = sorted(x.cx for x in g)[len(g) // 2]
        x0, x1 = min(x.x0 for x in g), max(x.x1 for x in g)
        if any(x0 <= n <= x1 for n in number_centres):
            continue  # over a column of numbers: its header, or one spanning it and more (a part's title)
        if not any(abs(cx - c["cx"]) <= max(s.column_centre_tol, s.column_centre_share * g[0].size)
                   or c["x0"] - slack <= cx <= c["x1"] + slack for c in cols):
            cols.append({"boxes": g, "cx": cx, "x0": x0, "x1": x1})
    cols.sort(key=lambda c: c["cx"])
    centres = [c["cx"] for c in cols]
    pitch = min((q - p for p, q in zip(centres, centres[1:])), default=2 * (b - centres[0]))
    left = min(centres[0] - pitch / 2, min(x.x0 for x in cols[0]["boxes"]) - s.edge_margin)
    labels = [x for x in inside if not x.numeric and x.top >= first_body_top - below and x.x1 <= value_left + slack]
    for x in labels:  # a label that runs past the first column's mid-gap still belongs left
        if x.x0 < left < x.x1:
            left = x.x1 + s.label_clearance
    value = [left if left > a + s.inferred_bound_min_gap else a] + [(p + q) / 2 for p, q in zip(centres, centres[1:])]
    if prev and not head:
        pv = [p for p in prev if a - s.prev_bound_slack <= p <= b + s.prev_bound_slack]
        spans = list(zip(pv, pv[1:] + [b]))
        if len(pv) >= len(cols) and all(any(p - slack <= c["x0"] and c["x1"] <= q + slack for p, q in spans)
                                        for c in cols):
            value = pv
    # label columns: left edges shared by labels on the rows that hold numbers
    num_lines = {x.line for x in nums}
    anchored = [x for x in labels if x.line in num_lines or any(
        n.top < x.bottom and x.top < n.bottom for n in nums)]
    starts = sorted({round(x.x0, 1) for x in anchored})
    label_bounds: list[float] = []
    lead, gap = s.label_bound_lead, s.label_bound_min_gap
    for start in starts:
        bound = start - lead
        if bound > a + gap and bound < value[0] - gap and (not label_bounds or bound - label_bounds[-1] > gap):
            label_bounds.append(bound)
    return label_bounds, [v for v in value if a - s.value_bound_left_slack < v < b - s.inferred_bound_min_gap]


def _stacked(p: Box, q: Box, share: float = DEFAULT_SETTINGS.stack_gap) -> bool:
    """Two text boxes of one cell: overlapping columns, set at line spacing (a gap under
    ``share`` x the smaller size)."""
    if p.x1 <= q.x0 or q.x1 <= p.x0 or p.line == q.line:
        return False
    gap = max(p.top, q.top) - min(p.bottom, q.bottom)
    return gap < share * min(p.size, q.size)


def text_blocks(boxes: list[Box], settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[list[Box]]:
    """Text boxes grouped into cell-like blocks (a wrapped label is one block)."""
    share = settings.stack_gap
    items = [x for x in boxes if not x.numeric]
    if len(items) < 2 or not all(map(math.isfinite, [v for x in items for v in (x.top, x.bottom, x.size)])):
        return connected(items, lambda p, q: _stacked(p, q, share))
    # connected(items, _stacked) without trying every pair: a box q set below p (q.top >= p.top)
    # at q.top - p.bottom >= ``stack_gap`` x the largest size is no closer than that, so not
    # stacked, and neither is any box further down
    reach = share * max(x.size for x in items)
    order = sorted(range(len(items)), key=lambda i: items[i].top)
    blocks = DisjointSet(len(items))
    for k, i in enumerate(order):
        p = items[i]
        for j in order[k + 1:]:
            q = items[j]
            if q.top - p.bottom >= reach:
                break
            if _stacked(p, q, share):
                blocks.union(i, j)
    return [[items[i] for i in g] for g in blocks.groups()]


def infer_rows(top: float, bottom: float, boxes: list[Box], value_x: float,
               settings: PdfTableSettings = DEFAULT_SETTINGS) -> list[float]:
    """Row boundaries inside the rule-less band (top, bottom).

    Each line holding numbers starts a row; text blocks (lines of one cell, set at line
    spacing) that touch exactly one such line widen its row; blocks touching none are rows of
    their own (header rows, blank rows); blocks touching several (group labels) are ignored.
    """
    band = [x for x in boxes if top <= (x.top + x.bottom) / 2 <= bottom]
    slack = settings.row_overlap_slack
    anchors: dict[int, list[float]] = {}
    for x in band:
        if x.numeric and x.x0 >= value_x - settings.box_slack:
            t, btm = anchors.get(x.line, [x.top, x.bottom])
            anchors[x.line] = [min(t, x.top), max(btm, x.bottom)]
    fixed = sorted(anchors.values())
    seeds = [list(v) for v in fixed]
    extra: list[list[float]] = []
    # the row label of each number line: the rightmost text block touching that line alone
    leaf: dict[int, tuple[float, float, float]] = {}
    for blk in text_blocks(band, settings):
        t, btm = min(x.top for x in blk), max(x.bottom for x in blk)
        hit = [i for i, s in enumerate(fixed) if s[0] < btm and t < s[1]]
        if len(hit) == 1:
            x0 = min(x.x0 for x in blk)
            if hit[0] not in leaf or x0 > leaf[hit[0]][0]:
                leaf[hit[0]] = (x0, t, btm)
        elif not hit:
            extra.append([t, btm])
    # a text block spanning two or more separate header lines (a rowspan header cell) is no row
    def over(p: list[float], q: list[float]) -> bool:
        return p[0] < q[1] - slack and q[0] < p[1] - slack

    spanning = [e for e in extra if sum(1 for o in extra if o is not e and o[1] - o[0] < e[1] - e[0] and over(e, o)) >= 2
                and any(over(e, o) and over(e, o2) and not over(o, o2) for o in extra for o2 in extra
                        if o is not e and o2 is not e)]
    extra = [e for e in extra if not any(e is x for x in spanning)]
    for i, (_, t, btm) in leaf.items():
        seeds[i][0], seeds[i][1] = min(seeds[i][0], t), max(seeds[i][1], btm)
    # extra rows (headers, blank rows) join what they overlap; number lines stay rows of their own
    rows = [(s, f) for s, f in zip(seeds, fixed)] + [(e, None) for e in extra]
    rows.sort(key=lambda r: r[0][0])
    merged: list[list] = []  # [top, bottom, the number line's (top, bottom) or None]
    for (t, btm), line in rows:
        if merged and t < merged[-1][1] - slack and not (line and merged[-1][2]):
            m = merged[-1]
            m[1] = max(m[1], btm)
            m[2] = m[2] or line
        else:
            merged.append([t, btm, line])
    out = []
    for p, q in zip(merged, merged[1:]):
        if p[1] <= q[0] + slack or not (p[2] and q[2]):
            out.append((p[1] + q[0]) / 2)
        else:  # two number lines whose labels overlap: halfway between the lines themselves
            out.append((p[2][1] + q[2][0]) / 2)
    return out
