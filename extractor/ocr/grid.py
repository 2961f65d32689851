"""Table grids from ruling lines: OpenCV morphology finds the rules, the gaps in them the merges.

A table is a connected frame of horizontal and vertical rules. Its row boundaries are the rules'
y positions, its column boundaries the x positions; two neighbouring elementary cells belong to
one (merged) cell when the rule between them is missing there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..readers.geometry import DisjointSet, means


@dataclass
class GridCell:
    """One printed cell: its elementary rows/columns and pixel box."""

    r0: int
    c0: int
    r1: int  # exclusive
    c1: int
    box: tuple[float, float, float, float]
    boxes: list = field(default_factory=list)  # OCR boxes placed here


@dataclass
class Grid:
    ys: list[float]  # row boundaries (pixels)
    xs: list[float]  # column boundaries
    cells: list[GridCell]
    at: list[list[int]]  # elementary (r, c) -> index into cells

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def locate(self, x: float, y: float) -> GridCell | None:
        """The cell holding point (x, y), or None outside the grid."""
        import bisect
        if not (self.xs[0] <= x < self.xs[-1] and self.ys[0] <= y < self.ys[-1]):
            return None
        r = bisect.bisect_right(self.ys, y) - 1
        c = bisect.bisect_right(self.xs, x) - 1
        return self.cells[self.at[r][c]]


def rule_masks(ink, unit: float):
    """Horizontal and vertical rule masks (255 = rule). ``unit``: pixels per point."""
    import cv2
    h, w = ink.shape
    hk = max(int(w / 35), 20)
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vk = max(int(14 * unit), 12)  # a rule crossing one short row (~14 pt) still shows
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    # close pinholes (noise, faint scans) along the rules
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (int(4 * unit) + 1, 1)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(4 * unit) + 1)))
    return horiz, vert


def _segments(mask, axis: int) -> list[tuple[float, float, float]]:
    """Connected components of a rule mask as (position, start, end): axis 0 = horizontal."""
    import cv2
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if axis == 0:
            out.append((y + h / 2, float(x), float(x + w)))
        else:
            out.append((x + w / 2, float(y), float(y + h)))
    return out


def _coverage(mask, axis: int, pos: float, a: float, b: float, tol: int) -> float:
    """Share of the stretch [a, b] along a rule at ``pos`` that is inked in ``mask``."""
    import numpy as np
    a, b = int(a), int(b)
    if b <= a:
        return 1.0
    p = int(round(pos))
    if axis == 0:
        band = mask[max(p - tol, 0):p + tol + 1, a:b]
        return float(np.count_nonzero(band.max(axis=0))) / (b - a) if band.size else 0.0
    band = mask[a:b, max(p - tol, 0):p + tol + 1]
    return float(np.count_nonzero(band.max(axis=1))) / (b - a) if band.size else 0.0


def find_grids(gray, unit: float) -> list[Grid]:
    """Every ruled table on a (deskewed) page, top to bottom."""
    import cv2
    import numpy as np
    from .deskew import binarise
    ink = binarise(gray)
    horiz, vert = rule_masks(ink, unit)
    frame = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(frame, connectivity=8)
    h, w = gray.shape
    grids = []
    tol = max(int(1.5 * unit), 2)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < 0.25 * w or bh < 20 * unit:
            continue
        region = labels[y:y + bh, x:x + bw] == i
        hm = np.where(region, horiz[y:y + bh, x:x + bw], 0).astype(np.uint8)
        vm = np.where(region, vert[y:y + bh, x:x + bw], 0).astype(np.uint8)
        grid = _grid(hm, vm, unit, tol)
        if grid is None:
            continue
        grid.ys = [v + y for v in grid.ys]
        grid.xs = [v + x for v in grid.xs]
        for c in grid.cells:
            c.box = (c.box[0] + x, c.box[1] + y, c.box[2] + x, c.box[3] + y)
        grids.append(grid)
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _grid(hm, vm, unit: float, tol: int) -> Grid | None:
    hsegs = [s for s in _segments(hm, 0) if s[2] - s[1] >= 12 * unit]
    vsegs_all = _segments(vm, 1)
    if len(hsegs) < 2:
        return None
    ys = means([s[0] for s in hsegs], 3 * unit)
    # a vertical rule runs from one horizontal rule to another; a long text stroke does not
    near = lambda v: min(abs(v - yy) for yy in ys) <= 4 * unit  # noqa: E731
    vsegs = [s for s in vsegs_all if near(s[1]) and near(s[2])]
    if len(vsegs) < 2:
        return None
    xs = means([s[0] for s in vsegs], 3 * unit)
    if len(xs) < 2 or len(ys) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    merged = DisjointSet(nr * nc)  # slot r * nc + c; joined where the rule between is missing
    for r in range(nr):
        ya, yb = ys[r], ys[r + 1]
        inner_a, inner_b = ya + 0.25 * (yb - ya), yb - 0.25 * (yb - ya)
        for c in range(nc - 1):
            if _coverage(vm, 1, xs[c + 1], inner_a, inner_b, tol) < 0.6:
                merged.union(r * nc + c, r * nc + c + 1)
    for c in range(nc):
        xa, xb = xs[c], xs[c + 1]
        inner_a, inner_b = xa + 0.2 * (xb - xa), xb - 0.2 * (xb - xa)
        for r in range(nr - 1):
            if _coverage(hm, 0, ys[r + 1], inner_a, inner_b, tol) < 0.6:
                merged.union(r * nc + c, (r + 1) * nc + c)
    comps = [[divmod(i, nc) for i in group] for group in merged.groups()]
    cells: list[GridCell] = []
    at = [[0] * nc for _ in range(nr)]
    for members in sorted(comps, key=lambda m: min(m)):
        r0 = min(r for r, _ in members)
        r1 = max(r for r, _ in members) + 1
        c0 = min(c for _, c in members)
        c1 = max(c for _, c in members) + 1
        for r, c in members:
            at[r][c] = len(cells)
        cells.append(GridCell(r0, c0, r1, c1, (xs[c0], ys[r0], xs[c1], ys[r1])))
    return Grid(ys, xs, cells, at)
