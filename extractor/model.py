"""The document model every reader produces and the mapper consumes.

A document is an ordered list of blocks: paragraphs and tables. A table is a rectangular grid
of cell references with row/column spans already expanded: a spanned cell appears at every
grid position it covers, as the *same* ``Cell`` object, so consumers can tell a merged cell
from two equal ones (``grid[r][c] is grid[r][c+1]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


# A recogniser confidence under this marks a value (or an agency name) to check against the source:
# the README's promise, used by the OCR reader, its warnings, the review page and the metadata.
LOW_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Provenance:
    """Where a piece of text came from: an element path, a line, a page and box."""

    path: str | None = None  # e.g. "/html/body/div[2]/table[1]/tr[3]/td[2]" or "line 212"
    page: int | None = None  # 1-based page number (PDF)
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points
    source: str | None = None  # "text", "html", "pdf", "docx", "ocr"
    confidence: float | None = None  # recogniser confidence (OCR only)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(eq=False)
class Cell:
    """One printed table cell; ``text`` keeps the text as found (lines joined by '\\n')."""

    text: str
    provenance: Provenance = field(default_factory=Provenance)
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Paragraph:
    text: str
    provenance: Provenance = field(default_factory=Provenance)


@dataclass
class Table:
    """A table as a rectangular grid (spans expanded; short rows padded with ``None``)."""

    grid: list[list[Cell | None]]
    provenance: Provenance = field(default_factory=Provenance)
    # True when the reader knows grid columns line up (HTML, DOCX, ruled PDF). Flattened text
    # drops blank cells, so positions there are only an order, not a column.
    aligned: bool = True

    @property
    def n_rows(self) -> int:
        return len(self.grid)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def span_at(self, r: int, c: int) -> tuple[int, int]:
        """(rows, columns) the cell at its top-left position ``(r, c)`` covers in the grid: what a
        merge really spans after layout (a cell's declared ``rowspan``/``colspan`` may be clipped)."""
        grid, cell = self.grid, self.grid[r][c]
        cols = 1
        while c + cols < len(grid[r]) and grid[r][c + cols] is cell:
            cols += 1
        rows = 1
        while r + rows < len(grid) and c < len(grid[r + rows]) and grid[r + rows][c] is cell:
            rows += 1
        return rows, cols

    def layout(self) -> list[list[tuple[Cell, int, int] | None]]:
        """The grid as an HTML table lays it out: each row's cells as ``(cell, rowspan, colspan)``,
        a merged cell once at its top-left position (``span_at``), ``None`` for a padded
        position; what the fetcher's joined page and the review page's source tables print."""
        placed: set[int] = set()
        width = self.n_cols
        out: list[list[tuple[Cell, int, int] | None]] = []
        for r, row in enumerate(self.grid):
            line: list[tuple[Cell, int, int] | None] = []
            for c in range(width):  # a short row (a ragged grid) padded
                cell = row[c] if c < len(row) else None
                if cell is None:
                    line.append(None)
                elif id(cell) not in placed:
                    placed.add(id(cell))
                    line.append((cell, *self.span_at(r, c)))
            out.append(line)
        return out

    def distinct_row(self, r: int) -> list[Cell]:
        """The cells of row ``r`` in order, each merged cell once."""
        out: list[Cell] = []
        for cell in self.grid[r]:
            if cell is not None and (not out or cell is not out[-1]):
                out.append(cell)
        return out

    def text(self) -> str:
        """Every cell's text once (a merged cell at its first position), in reading order."""
        # a Cell hashes by identity (eq=False): dict.fromkeys keeps each cell once, in order
        cells = dict.fromkeys(cell for row in self.grid for cell in row)
        return "\n".join([cell.text for cell in cells if cell is not None])


Block = Union[Paragraph, Table]


@dataclass
class Document:
    """What a reader returns: blocks in reading order plus what the reader learnt on the way."""

    blocks: list[Block]
    format: str  # "text", "html", "pdf", "docx"
    title: str | None = None  # e.g. HTML <title>; the mapper prefers the report's own title
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # reader extras: encoding, pages, page-level facts

    def paragraphs(self) -> Iterator[Paragraph]:
        return (b for b in self.blocks if isinstance(b, Paragraph))

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))


def expand_spans(rows: list[list[Cell]]) -> list[list[Cell | None]]:
    """Lay out rows of cells (with ``rowspan``/``colspan``) onto a rectangular grid.

    The standard HTML table algorithm: each cell takes the first free column of its row, and
    occupies ``rowspan`` x ``colspan`` positions (a rowspan past the table's end is clipped).
    Used by the HTML and DOCX readers.
    """
    n = len(rows)
    grid: list[list[Cell | None]] = [[] for _ in range(n)]
    for r, row in enumerate(rows):
        line = grid[r]
        c = 0
        for cell in row:
            end = len(line)
            while c < end and line[c] is not None:  # the first column no cell from above holds
                c += 1
            rowspan, colspan = cell.rowspan, cell.colspan
            if rowspan <= 1 and colspan <= 1:  # (the common cell)
                if c == end:
                    line.append(cell)
                else:
                    line[c] = cell
                c += 1
                continue
            colspan = max(colspan, 1)
            for rr in range(r, min(r + max(rowspan, 1), n)):
                below = grid[rr]
                if len(below) < c + colspan:
                    below.extend([None] * (c + colspan - len(below)))
                for cc in range(c, c + colspan):
                    if below[cc] is None:
                        below[cc] = cell
            c += colspan
    width = max((len(line) for line in grid), default=0)
    for line in grid:
        if len(line) < width:
            line.extend([None] * (width - len(line)))
    return grid
