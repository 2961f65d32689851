"""Table rows seen by the mapper: label cells, value cells and their grid columns."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Cell, Table
from .labels import normalise
from .numbers import looks_like_value


@dataclass
class RowView:
    table: Table
    table_index: int
    row_index: int
    labels: list[Cell]  # text cells before the values, in order (group labels included)
    values: list[Cell]  # value cells in printed order (blank cells included where the grid has them)
    value_cols: list[int]  # grid column of each value cell (aligned tables)

    @property
    def is_data(self) -> bool:
        return bool(self.values)

    @property
    def label_keys(self) -> list[str]:
        return [k for k in (normalise(c.text) for c in self.labels) if k]

    def text(self) -> str:
        return "".join(c.text for c in self.labels + self.values)


def split_row(table: Table, table_index: int, r: int) -> RowView:
    """Split a grid row into labels and values (see the module docstring of ``mapper``).

    Values start after the last text cell that precedes the first number: blank cells between a
    label and the first number are blank values, never part of the label.
    """
    cells: list[Cell] = []
    cols: list[int] = []
    for c, cell in enumerate(table.grid[r]):
        if cell is None or (cells and cell is cells[-1]):
            continue
        if any(cell is seen for seen in cells):  # a rowspan copy met again (ragged grids)
            continue
        cells.append(cell)
        cols.append(c)
    kinds = ["value" if looks_like_value(c.text) else ("blank" if not c.text.strip() else "text") for c in cells]
    first_value = next((i for i, k in enumerate(kinds) if k == "value"), None)
    limit = first_value if first_value is not None else len(cells)
    last_text = max((i for i in range(limit) if kinds[i] == "text"), default=-1)
    labels = [cells[i] for i in range(last_text + 1) if kinds[i] == "text"]
    values = cells[last_text + 1:]
    vcols = cols[last_text + 1:]
    if first_value is None and all(k == "blank" for k in kinds[last_text + 1:]):
        # No number at all: a header row, or a data row printed entirely blank. The mapper
        # decides by the label; keep the blanks as candidate values.
        pass
    return RowView(table, table_index, r, labels, values, vcols)


def transpose(table: Table) -> Table:
    grid = [list(col) for col in zip(*table.grid)] if table.grid else []
    return Table(grid=grid, provenance=table.provenance, aligned=table.aligned)
