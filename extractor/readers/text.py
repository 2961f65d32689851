"""Flattened text: a report whose tables were flattened into '|'-separated lines.

Two flattenings are met. The seed's: every cell on its own line(s) between lines holding a
single '|', with an empty pair '|' '|' between rows (a cell's text may span lines, e.g.
商业/企业). And one row per line: '| 规章 | 2 | 0 | 15 |'. Both become ``Table`` blocks
(``aligned=False``: flattening drops blank cells, so positions are an order, not a column).
"""

from __future__ import annotations

import re

from ..errors import LimitExceededError
from ..limits import Limits, resolve
from ..model import Cell, Document, Paragraph, Provenance, Table
from ..hints import Hints
from .textenc import decode_bytes

_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]")
_PART_WORDS = ("情况", "事项", "问题")
_NUMBER_LINE = re.compile(r"^[-+—－/／无]?[\d０-９.,，]*$")


def read_text(data: bytes, *, source: str | None = None, hints: Hints | None = None,
              limits: Limits | None = None) -> Document:
    """Read flattened text into paragraphs and '|' tables (each table's grid within the cell limit)."""
    limits = resolve(limits)
    max_cells = limits.max_table_cells
    if len(data) > limits.max_text_bytes:
        raise LimitExceededError(f"{source or 'input'}: text file is {len(data)} bytes, over the "
                                 f"{limits.max_text_bytes}-byte limit for text")
    text, enc = decode_bytes(data, declared=hints.encoding if hints else None)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if len(blocks) >= limits.max_blocks:
            raise LimitExceededError(f"{source or 'input'}: over {limits.max_blocks} paragraphs and tables")
        if line == "|":
            table, i = _read_vertical_table(lines, i, max_cells, source)
            blocks.append(table)
        elif line.startswith("|") and line.count("|") >= 2:
            table, i = _read_row_table(lines, i, max_cells, source)
            blocks.append(table)
        else:
            blocks.append(Paragraph(line, Provenance(path=f"line {i + 1}", source="text")))
            i += 1
    return Document(blocks=blocks, format="text", meta={"encoding": enc})


def _grid(rows: list[list[Cell]], start: int, max_cells: int, source: str | None) -> list[list[Cell | None]]:
    """Rows padded to a rectangle, refusing a table over ``max_cells`` positions before padding it."""
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > max_cells:
        raise LimitExceededError(f"{source or 'input'}: table at line {start + 1} would have {len(rows)} x {width} "
                                 f"cells (limit {max_cells})")
    return [r + [None] * (width - len(r)) for r in rows]


def _is_part_heading(line: str) -> bool:
    """A line that starts the next part ends a table whose last cell has no closing '|'."""
    return bool(_HEADING.match(line)) and len(line) <= 60 and any(w in line for w in _PART_WORDS)


def _read_vertical_table(lines: list[str], i: int, max_cells: int, source: str | None) -> tuple[Table, int]:
    """Cells between '|' lines; '|' '|' (nothing between) separates rows.

    The last cell of a table has no closing '|': its text run ends at a part heading, a long
    paragraph line, or (for a number) at the first line that is not one.
    """
    rows: list[list[Cell]] = [[]]
    start = i
    n = len(lines)
    last_was_pipe = False
    while i < n:
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if line == "|":
            if last_was_pipe and rows[-1]:
                rows.append([])
            last_was_pipe = True
            i += 1
            continue
        if _is_part_heading(line):
            break  # a part heading flattened between two tables as if it were a cell
        run_start = i
        run: list[str] = []
        while i < n:
            line = lines[i].strip()
            if line == "|":
                break
            if not line:
                i += 1
                continue
            if run and (_is_part_heading(line) or len(line) > 80 or _NUMBER_LINE.match(run[0])):
                break
            if not run and not last_was_pipe:
                break
            run.append(line)
            i += 1
        if run:
            rows[-1].append(Cell("\n".join(run), Provenance(path=f"line {run_start + 1}", source="text")))
        last_was_pipe = False
        if i >= n or lines[i].strip() != "|":
            break  # the run did not end on a '|': the table is over
    rows = [r for r in rows if r]
    grid = _grid(rows, start, max_cells, source)
    return Table(grid=grid, provenance=Provenance(path=f"line {start + 1}", source="text"), aligned=False), i


def _read_row_table(lines: list[str], i: int, max_cells: int, source: str | None) -> tuple[Table, int]:
    rows: list[list[Cell]] = []
    start = i
    count = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if not (line.startswith("|") and line.count("|") >= 2):
            break
        if re.fullmatch(r"[|\s:\-]+", line):  # a markdown separator row
            i += 1
            continue
        count += line.count("|")
        if count > max_cells:
            raise LimitExceededError(f"{source or 'input'}: table at line {start + 1} has over {max_cells} cells")
        parts = [p.strip() for p in line.strip("|").split("|")]
        prov = Provenance(path=f"line {i + 1}", source="text")
        rows.append([Cell(p, prov) for p in parts])
        i += 1
    grid = _grid(rows, start, max_cells, source)
    # An empty '| |' stays a blank cell, so a row's values are complete; but merged cells are
    # printed once, so grid columns still do not line up across rows.
    return Table(grid=grid, provenance=Provenance(path=f"line {start + 1}", source="text"), aligned=False), i
