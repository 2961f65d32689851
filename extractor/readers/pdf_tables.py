"""Tables on a PDF page from ruling lines and text geometry.

Rules give cell boundaries and merges where they exist; where they are missing (three-line
tables, missing vertical rules, a page of a table without any rule) column boundaries come
from the x positions of the numbers and row boundaries from the text lines. A blank cell is an
empty ``Cell`` in the column its position calls for, never dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..model import Cell, Provenance, Table
from ..schema import SECTIONS
from .pdf_text import bbox, chunks, fix_radicals, group_lines, is_numeric_chunk, text_of

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_SPACE = re.compile(r"\s+")


@dataclass
class Segs:
    h: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    v: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom)


def rulings(page_objs: dict, width: float, height: float) -> Segs:
    """Horizontal and vertical rule segments from lines and thin/stroked rectangles, merged."""
    h, v = [], []
    for ln in page_objs.get("line", []):
        if abs(ln["bottom"] - ln["top"]) < 1.5:
            h.append(((ln["top"] + ln["bottom"]) / 2, ln["x0"], ln["x1"]))
        elif abs(ln["x1"] - ln["x0"]) < 1.5:
            v.append(((ln["x0"] + ln["x1"]) / 2, ln["top"], ln["bottom"]))
    for r in page_objs.get("rect", []) + page_objs.get("curve", []):
        w, ht = r["x1"] - r["x0"], r["bottom"] - r["top"]
        if w > 0.8 * width and ht > 0.8 * height:
            continue
        if ht <= 2.5 and w > 2:
            h.append(((r["top"] + r["bottom"]) / 2, r["x0"], r["x1"]))
        elif w <= 2.5 and ht > 2:
            v.append(((r["x0"] + r["x1"]) / 2, r["top"], r["bottom"]))
        elif r.get("stroke"):
            h += [(r["top"], r["x0"], r["x1"]), (r["bottom"], r["x0"], r["x1"])]
            v += [(r["x0"], r["top"], r["bottom"]), (r["x1"], r["top"], r["bottom"])]
    return Segs(_merge(h, 5), _merge(v, 3))


def _merge(segs: list[tuple[float, float, float]], min_len: float) -> list[tuple[float, float, float]]:
    """Collinear segments (position within 1.2pt) joined where they touch or overlap."""
    by_pos: list[list] = []  # [pos, [(a, b), ...]]
    for pos, a, b in sorted(segs):
        if by_pos and pos - by_pos[-1][0] <= 1.2:
            by_pos[-1][1].append((a, b))
        else:
            by_pos.append([pos, [(a, b)]])
    out: list[tuple[float, float, float]] = []
    for pos, spans in by_pos:
        cur: list[float] | None = None
        for a, b in sorted(spans):
            if cur and a <= cur[1] + 2:
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

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)


def make_lines(chars: list[dict]) -> list[Line]:
    out = []
    for ln in group_lines(chars):
        ch = chunks(ln)
        x0, top, x1, bottom = bbox(ln)
        out.append(Line(ln, ch, top, bottom, x0, x1, sum(1 for c in ch if is_numeric_chunk(c))))
    return out


def _is_separator(line: Line, width: float) -> bool:
    """A heading of the report or a prose line: it ends a table region."""
    text = _SPACE.sub("", fix_radicals(line.text))
    if _HEADING.match(text) and any(all(p in text for p in alt) for s in SECTIONS for alt in s.patterns):
        return True
    return len(line.chunks) == 1 and line.x1 - line.x0 > 0.6 * width and len(text) >= 20


def find_regions(lines: list[Line], segs: Segs, width: float) -> list[tuple[float, float, float, float]]:
    """Table areas (x0, top, x1, bottom): clusters of horizontal rules, extended over adjacent
    runs of lines holding two or more numbers (rule-less parts of a table)."""
    regions: list[list[float]] = []
    hs = sorted(segs.h)
    for y, a, b in hs:
        cur = regions[-1] if regions else None
        if cur and a < cur[2] and b > cur[0] and not any(
                cur[3] < (ln.top + ln.bottom) / 2 < y and _is_separator(ln, width) for ln in lines):
            cur[0], cur[2], cur[3] = min(cur[0], a), max(cur[2], b), max(cur[3], y)
        else:
            regions.append([a, y, b, y])
    regions = [r for r in regions if r[3] - r[1] > 3]
    # runs of numeric lines
    runs: list[list[float]] = []
    last_numeric_bottom = None
    for ln in lines:
        if ln.n_numeric >= 2:
            if runs and last_numeric_bottom is not None and ln.top - last_numeric_bottom < 3.5 * (ln.bottom - ln.top) \
                    and not any(last_numeric_bottom < m.top < ln.top and _is_separator(m, width) for m in lines):
                r = runs[-1]
                r[0], r[2], r[3] = min(r[0], ln.x0), max(r[2], ln.x1), ln.bottom
            else:
                runs.append([ln.x0, ln.top, ln.x1, ln.bottom])
            last_numeric_bottom = ln.bottom
    for run in runs:
        for r in regions:
            if run[1] <= r[3] + 40 and run[3] >= r[1] - 40 and run[0] < r[2] and run[2] > r[0]:
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
    # pull in label lines that continue a rule-less region (wrapped labels just above/below)
    return [tuple(r) for r in merged]  # type: ignore[misc]


# --- grid ----------------------------------------------------------------------------------------

def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _tokens(ln: Line) -> list[tuple[float, float]]:
    """Numeric extents of a line, digits set apart by wide letter spacing taken together."""
    out: list[list[float]] = []
    for c in ln.chunks:
        if not is_numeric_chunk(c):
            continue
        s, e, size = c[0]["x0"], c[-1]["x1"], c[0]["size"]
        if out and s - out[-1][1] < 1.3 * size:
            out[-1][1] = e
        else:
            out.append([s, e])
    return [(a, b) for a, b in out]


def _column_bounds(region, lines: list[Line], segs: Segs, prev_bounds: list[float] | None):
    x0, top, x1, bottom = region
    ruled = _cluster([x for x, a, b in segs.v if x0 - 2 <= x <= x1 + 2 and b > top and a < bottom])
    bounds = _cluster(ruled + [x0 - 1, x1 + 1], 3.0)
    inferred: set[float] = set()
    per_line = [_tokens(ln) for ln in lines]
    numeric = [t for pl in per_line for t in pl]
    new: list[float] = []
    for a, b in zip(bounds, bounds[1:]):
        counts = [sum(1 for s, e in pl if s >= a - 1 and e <= b + 1) for pl in per_line]
        if sum(1 for n in counts if n >= 2) < 2:
            continue
        spans = sorted((s, e) for s, e in numeric if s >= a - 1 and e <= b + 1)
        groups: list[list[float]] = []
        for s, e in spans:
            if groups and s <= groups[-1][1] + 1.0:
                groups[-1][1] = max(groups[-1][1], e)
            else:
                groups.append([s, e])
        if prev_bounds and all(any(p <= g[0] and g[1] <= q for p, q in zip(prev_bounds, prev_bounds[1:]))
                               for g in groups):
            cand = [p for p in prev_bounds if a + 2 < p < b - 2]
        else:
            cand = [groups[0][0] - 2] + [(g[1] + h[0]) / 2 for g, h in zip(groups, groups[1:])]
        new += [c for c in cand if a + 2 < c < b - 2]
    inferred = set(new)
    return sorted(bounds + new), inferred


def _row_bounds(region, lines: list[Line], segs: Segs, first_value_x: float):
    x0, top, x1, bottom = region
    ruled = _cluster([y for y, a, b in segs.h if a < x1 and b > x0 and top - 2 <= y <= bottom + 2])
    t0 = min([top] + [ln.top - 1 for ln in lines])
    b0 = max([bottom] + [ln.bottom + 1 for ln in lines])
    bounds = _cluster(ruled + [t0, b0], 2.0)
    inferred: list[float] = []
    for a, b in zip(bounds, bounds[1:]):
        band = [ln for ln in lines if a <= (ln.top + ln.bottom) / 2 <= b]
        anchors = [ln for ln in band if any(is_numeric_chunk(c) and c[0]["x0"] >= first_value_x - 1
                                             for c in ln.chunks)]
        if len(anchors) < 2:
            continue
        groups: dict[int, list[Line]] = {id(x): [x] for x in anchors}
        for ln in band:
            if ln in anchors:
                continue
            mid = (ln.top + ln.bottom) / 2
            best = min(anchors, key=lambda x: (abs((x.top + x.bottom) / 2 - mid), (x.top + x.bottom) / 2 > mid))
            groups[id(best)].append(ln)
        ordered = [groups[id(x)] for x in anchors]
        for g, h in zip(ordered, ordered[1:]):
            inferred.append((max(ln.bottom for ln in g) + min(ln.top for ln in h)) / 2)
    return sorted(bounds + inferred), set(inferred)


def _covered_v(segs: Segs, x: float, a: float, b: float) -> bool:
    need = (b - a) * 0.5
    return sum(max(0.0, min(b, s1) - max(a, s0)) for sx, s0, s1 in segs.v if abs(sx - x) <= 2) >= need


def _covered_h(segs: Segs, y: float, a: float, b: float) -> bool:
    need = (b - a) * 0.5
    return sum(max(0.0, min(b, s1) - max(a, s0)) for sy, s0, s1 in segs.h if abs(sy - y) <= 2) >= need


def build_table(region, chars: list[dict], segs: Segs, page_no: int, prev_bounds: list[float] | None,
                raw_log: list[dict]) -> tuple[Table, list[float]]:
    """One region -> a Table grid with merged cells, blank cells and provenance."""
    lines = make_lines(chars)
    xs, x_inf = _column_bounds(region, lines, segs, prev_bounds)
    num_x0 = [c[0]["x0"] for ln in lines for c in ln.chunks if is_numeric_chunk(c)]
    first_value_x = min(num_x0) if num_x0 else region[2]
    ys, y_inf = _row_bounds(region, lines, segs, first_value_x)
    nr, nc = len(ys) - 1, len(xs) - 1
    value_start = next((c for c in range(nc) if xs[c] >= first_value_x - 3), nc)
    slot_chars: dict[tuple[int, int], list[dict]] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        c = min(max(bisect.bisect_right(xs, cx) - 1, 0), nc - 1)
        r = min(max(bisect.bisect_right(ys, cy) - 1, 0), nr - 1)
        slot_chars.setdefault((r, c), []).append(ch)
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    # header-defined spans for inferred columns: a data row after a header line whose chunk
    # covers several inferred columns takes that span
    header_groups: dict[int, int] = {}
    for r in range(nr):
        row_chars = [ch for c in range(nc) for ch in slot_chars.get((r, c), [])]
        row_lines = make_lines(row_chars) if row_chars else []
        is_data = any(is_numeric_chunk(ck) for ln in row_lines for ck in ln.chunks)
        if row_lines and not is_data:
            header_groups = _claims(row_lines, xs, x_inf, value_start)
        for c in range(nc - 1):
            x = xs[c + 1]
            if x in x_inf:
                crossing = any(ck[0]["x1"] < x - 1 and ck[-1]["x0"] > x + 1 for ln in row_lines for ck in ln.chunks
                               if not is_numeric_chunk(ck))
                same = is_data and header_groups.get(c) is not None and header_groups.get(c) == header_groups.get(c + 1)
                if crossing or same:
                    union(r * nc + c, r * nc + c + 1)
            elif not _covered_v(segs, x, ys[r], ys[r + 1]):
                union(r * nc + c, r * nc + c + 1)
    for r in range(nr - 1):
        y = ys[r + 1]
        if y in y_inf:
            continue
        for c in range(nc):
            if not _covered_h(segs, y, xs[c], xs[c + 1]):
                union(r * nc + c, (r + 1) * nc + c)
    comps: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            comps.setdefault(find(r * nc + c), []).append((r, c))
    grid: list[list[Cell | None]] = [[None] * nc for _ in range(nr)]
    for slots in comps.values():
        cchars = [ch for s in slots for ch in slot_chars.get(s, [])]
        raw = text_of(cchars)
        text = fix_radicals(raw)
        rs = [r for r, _ in slots]
        cs = [c for _, c in slots]
        box = (xs[min(cs)], ys[min(rs)], xs[max(cs) + 1], ys[max(rs) + 1])
        cell = Cell(text, Provenance(page=page_no, bbox=tuple(round(v, 2) for v in box), source="pdf"),
                    rowspan=max(rs) - min(rs) + 1, colspan=max(cs) - min(cs) + 1)
        if raw != text:
            raw_log.append({"page": page_no, "bbox": cell.provenance.bbox, "raw": raw, "text": text})
        for s in slots:
            grid[s[0]][s[1]] = cell
    # drop rows that are entirely empty (e.g. the band between a rule and the first text)
    grid = [row for row in grid if any(c is not None and c.text for c in row)]
    table = Table(grid=grid, provenance=Provenance(page=page_no, bbox=tuple(round(v, 2) for v in region),
                                                   source="pdf"), aligned=True)
    return table, (xs if x_inf else [])


def _claims(lines: list[Line], xs: list[float], x_inf: set[float], value_start: int) -> dict[int, int]:
    """Which inferred columns a header block groups together (column -> group id)."""
    nc = len(xs) - 1
    groups: dict[int, int] = {}
    gid = 0
    for ln in reversed(lines):  # the lowest header line first, then the lines above it
        for ck in ln.chunks:
            a, b = ck[0]["x0"], ck[-1]["x1"]
            cols = [c for c in range(nc) if min(b, xs[c + 1]) - max(a, xs[c]) > 1]
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
