"""OCR boxes into the document model: boxes inside a grid go to their cells, the rest become
paragraphs (lines joined when wrapped), all in reading order with OCR provenance."""

from __future__ import annotations

import re
import unicodedata

from typing import TYPE_CHECKING

from ..model import Block, Cell, Paragraph, Provenance, Table
from .engine import Box
from .grid import Grid

if TYPE_CHECKING:
    from .aligned import AlignedPage

BLANK_CONFIDENCE = 1.0  # an empty cell with no ink: nothing to misread
UNSURE_GLYPH = 0.6  # a lone non-digit read this unsurely in a cell is looked at again
# a cell holding a box that reaches over a boundary no rule draws by more than UNPLACED_SHARE of
# its width: which column it belongs to is a guess, so its confidence is at most this (flagged)
UNPLACED_CONFIDENCE = 0.5
UNPLACED_SHARE = 0.3
# a recognised decimal point dropped because the cell's ink shows no printed point there: right for
# digits set wide apart, wrong for a point too small to tell at a low resolution, so flagged
POINT_DROPPED_CONFIDENCE = 0.8


def _lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into text lines (vertical overlap), each left to right, top to bottom."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        for line in lines:
            top = min(x.y0 for x in line)
            bottom = max(x.y1 for x in line)
            overlap = min(bottom, b.y1) - max(top, b.y0)
            if overlap > 0.5 * min(bottom - top, b.y1 - b.y0):
                line.append(b)
                break
        else:
            lines.append([b])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda ln: min(b.y0 for b in ln))
    return lines


_DASHES = {"一", "-", "—", "–", "－", "―", "_", "ー", "~"}
_DOUBLE_STROKE = {"二", "="}  # a thick dash scanned at low dpi
_LOOKALIKE = {"。": "0", "i": "1", "l": "1", "I": "1", "|": "1", "丨": "1", "O": "0", "o": "0", "〇": "0"}
_DIGIT_LOOKALIKE = set(_LOOKALIKE) | set("0123456789")
_TRAIL = re.compile(r"^(\d[\d,]*(?:\.\d+)?)[.:：°·'`,，、]$")


def clean_cell_text(text: str) -> str:
    """Recogniser output as printed cell text: a lone stroke is a dash (the recogniser reads
    '—' as 一), a stray mark after a number is dropped ('16.' -> '16'), full-width digits folded."""
    t = text.strip()
    if t in _DASHES or t in _DOUBLE_STROKE or (t and set(t) <= _DASHES and len(t) <= 2):
        return "—"
    folded = unicodedata.normalize("NFKC", t)
    if _numeric(folded.replace(" ", "")):
        t = folded.replace(" ", "")
    elif t and len(t) <= 6 and set(t) <= _DIGIT_LOOKALIKE and any(ch in "0123456789" for ch in t) | (len(t) == 1):
        t = "".join(_LOOKALIKE.get(ch, ch) for ch in t)  # 'i' for 1, 'O' for 0 in a number cell
    m = _TRAIL.match(t)
    return m.group(1) if m else t


def _numeric(text: str) -> bool:
    return bool(text) and all(ch.isdigit() or ch in ".,-" for ch in text.replace(" ", ""))


def _join(line: list[Box]) -> str:
    return "".join(b.text for b in line)


def _printed_points(text: str, line: list[Box], dots: list[float]) -> str:
    """Keep only the decimal points the cell's ink shows: widely spaced digits make the
    recogniser put '.' in the gaps (or read dust as one)."""
    n = text.count(".")
    if n <= len(dots):
        return text
    x0, x1 = min(b.x0 for b in line), max(b.x1 for b in line)
    at = [i for i, ch in enumerate(text) if ch == "."]
    keep: set[int] = set()
    for d in dots:  # the '.' whose estimated x is nearest each printed point
        free = [i for i in at if i not in keep]
        if free:
            keep.add(min(free, key=lambda i: abs(x0 + (i + 0.5) / len(text) * (x1 - x0) - d)))
    return "".join(ch for i, ch in enumerate(text) if ch != "." or i in keep)


def split_straddling(boxes: list[Box], grid: Grid) -> list[Box]:
    """A box the recogniser ran across a column rule ("12 16") is split at the rule, by the
    share of its width on each side, at a space when there is one."""
    out: list[Box] = []
    for b in boxes:
        inner = [x for x in grid.xs[1:-1] if b.x0 + 4 < x < b.x1 - 4]
        if not inner or " " not in b.text.strip():
            out.append(b)
            continue
        parts = b.text.split()
        if len(parts) != len(inner) + 1:
            out.append(b)
            continue
        edges = [b.x0, *inner, b.x1]
        for k, part in enumerate(parts):
            out.append(Box(edges[k], b.y0, edges[k + 1], b.y1, part, b.score))
    return out


def _reaches_over(b: Box, gc, soft) -> bool:
    """Whether box ``b`` reaches over its cell's left or right side, where that side is a
    boundary no rule draws (``soft``), by more than ``UNPLACED_SHARE`` of its width."""
    x0, _, x1, _ = gc.box
    over = max(x0 - b.x0 if x0 in soft else 0.0, b.x1 - x1 if x1 in soft else 0.0)
    return over > UNPLACED_SHARE * max(b.x1 - b.x0, 1.0)


def to_table(grid: Grid, boxes: list[Box], page: int, to_pt, fallback, *, soft=(), look_from: int = 0) -> Table:
    """The grid as a ``Table`` (merged cells shared), its cells' text from the boxes in them
    (a box by its centre; one outside the grid in the nearest cell). ``soft``: the column
    boundaries no rule draws (inferred from the text): a box reaching well over one is placed
    unsurely and its cell's confidence capped at ``UNPLACED_CONFIDENCE``. ``look_from``: the
    first column whose empty cells get a second look at their ink (the value columns)."""
    for gc in grid.cells:
        gc.boxes = []
    unsure: set[int] = set()
    (gx0, gy0, gx1, gy1), eps = grid.box, 1e-6
    for b in split_straddling(boxes, grid):
        hit = grid.locate(min(max(b.cx, gx0), gx1 - eps), min(max(b.cy, gy0), gy1 - eps))
        if hit is not None:
            hit.boxes.append(b)
            if soft and _reaches_over(b, hit, soft):
                unsure.add(id(hit))
    made: list[Cell] = []
    for gc in grid.cells:
        lines = _lines(gc.boxes)
        text = "\n".join(_join(ln) for ln in lines)
        if len(lines) == 1:  # a value cell's one line: dashes, look-alikes, stray marks
            text = clean_cell_text(text)
        if gc.boxes:
            conf = min(b.score for b in gc.boxes)
            if len(lines) == 1 and _numeric(text):  # digits the detector left out of its box?
                again = fallback(gc.box, gc.boxes)
                if again and _numeric(clean_cell_text(again[0])) and len(clean_cell_text(again[0])) > len(text):
                    text, conf = clean_cell_text(again[0]), min(again[1], conf)
                if "." in text and hasattr(fallback, "dots"):
                    kept = _printed_points(text, lines[0], fallback.dots(gc.box))
                    if kept != text:  # a point the ink does not show (or too small to tell): flagged
                        text, conf = kept, min(conf, POINT_DROPPED_CONFIDENCE)
            elif len(lines) == 1 and len(text) == 1 and conf < UNSURE_GLYPH:  # '国' for a boxed-in 1?
                again = fallback(gc.box)
                if again and again[0] and (_numeric(clean_cell_text(again[0])) or clean_cell_text(again[0]) == "—"):
                    text, conf = clean_cell_text(again[0]), min(again[1], conf)
        elif gc.c0 >= look_from:  # nothing detected: blank, or a mark the detector missed (a lone 1, a dash)
            text, conf = fallback(gc.box) or ("", BLANK_CONFIDENCE)
            text = clean_cell_text(text) if text else text
        else:
            conf = BLANK_CONFIDENCE
        if id(gc) in unsure:
            conf = min(conf, UNPLACED_CONFIDENCE)
        made.append(Cell(text, Provenance(page=page, bbox=to_pt(gc.box), source="ocr", confidence=round(conf, 4)),
                         rowspan=gc.r1 - gc.r0, colspan=gc.c1 - gc.c0))
    rows: list[list[Cell | None]] = [[made[i] for i in row] for row in grid.at]
    return Table(rows, Provenance(page=page, bbox=to_pt(grid.box), source="ocr"))


def to_paragraphs(boxes: list[Box], page: int, to_pt) -> list[tuple[float, Paragraph]]:
    """Text outside tables: lines, a line joining the previous one when that ran to the right
    margin and this one follows closely (wrapped prose)."""
    lines = _lines(boxes)
    if not lines:
        return []
    right = max(b.x1 for ln in lines for b in ln)
    groups: list[list[list[Box]]] = []
    for ln in lines:
        height = max(b.y1 - b.y0 for b in ln)
        if groups:
            prev = groups[-1][-1]
            prev_bottom = max(b.y1 for b in prev)
            prev_right = max(b.x1 for b in prev)
            if min(b.y0 for b in ln) - prev_bottom < 0.9 * height and prev_right >= right - 1.6 * height:
                groups[-1].append(ln)
                continue
        groups.append([ln])
    out = []
    for g in groups:
        bs = [b for ln in g for b in ln]
        box = (min(b.x0 for b in bs), min(b.y0 for b in bs), max(b.x1 for b in bs), max(b.y1 for b in bs))
        text = "".join(_join(ln) for ln in g)
        conf = round(min(b.score for b in bs), 4)
        out.append((box[1], Paragraph(text, Provenance(page=page, bbox=to_pt(box), source="ocr", confidence=conf))))
    return out


def page_blocks(grids: list[Grid], boxes: list[Box], page: int, to_pt, fallback, *,
                aligned: AlignedPage | None = None) -> list[Block]:
    """One page's blocks in reading order: the ruled grids filled, then (``aligned``: the page
    as the PDF table builder needs it) the tables without a full grid among the other boxes
    (``AlignedPage.tables_among``), grids missing column rules (``AlignedPage.overfull``) among
    them, the rest as paragraphs."""
    items: list[tuple[float, Block]] = []
    rest = list(boxes)
    for grid in grids:
        x0, y0, x1, y1 = grid.box
        inside = [b for b in rest if x0 <= b.cx <= x1 and y0 <= b.cy <= y1]
        if aligned is not None:
            if aligned.overfull(grid, inside):  # column rules missing: the builder reads it, rules and all
                continue
            aligned.filled.append(grid.box)
        rest = [b for b in rest if not (x0 <= b.cx <= x1 and y0 <= b.cy <= y1)]
        items.append((y0, to_table(grid, inside, page, to_pt, fallback)))
    if aligned is not None and rest:
        tables, rest = aligned.tables_among(rest, page, to_pt, fallback)
        items += tables
    items += to_paragraphs(rest, page, to_pt)
    items.sort(key=lambda it: it[0])
    return [b for _, b in items]
