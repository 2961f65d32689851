"""Table rows seen by the mapper: label cells, value cells and their grid columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

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

    # computed once (a row's cells do not change while it is mapped):
    label_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)  # the labels' normalised keys
    has_values: bool = field(init=False, repr=False, compare=False)  # something printed where values go

    def __post_init__(self) -> None:
        self.label_keys = tuple(k for k in (normalise(c.text) for c in self.labels) if k)  # (a tuple: a cache key)
        self.has_values = any(c.text.strip() for c in self.values)

    @property
    def is_data(self) -> bool:
        return bool(self.values)

    def text(self) -> str:
        return "".join(c.text for c in self.labels + self.values)


def split_row(table: Table, table_index: int, r: int) -> RowView:
    """Split a grid row into labels and values (see the module docstring of ``mapper``).

    Values start after the last text cell that precedes the first number: blank cells between a
    label and the first number are blank values, never part of the label.
    """
    # each cell once, at its first column: a merged cell once; a rowspan copy met again (ragged
    # grids). A Cell hashes by identity (eq=False), so a dict keeps them in order.
    first: dict[Cell | None, int] = {}
    for c, cell in enumerate(table.grid[r]):
        first.setdefault(cell, c)
    first.pop(None, None)
    cells: list[Cell] = list(first)  # type: ignore[arg-type]  # (None popped)
    cols = list(first.values())
    kinds = [_kind_short(t) if len(t := c.text) <= 40 else _kind(t) for c in cells]
    limit = kinds.index("value") if "value" in kinds else len(cells)  # the first number
    last_text = limit - 1  # the last text cell before it (-1: none)
    while last_text >= 0 and kinds[last_text] != "text":
        last_text -= 1
    labels = [cells[i] for i in range(last_text + 1) if kinds[i] == "text"]
    # After the labels, the values; with no number at all (a header row, or a data row printed
    # entirely blank) the blanks are kept as candidate values and the mapper decides by the label.
    return RowView(table, table_index, r, labels, cells[last_text + 1:], cols[last_text + 1:])


def _kind(text: str) -> str:
    """A cell as ``split_row`` sees it: a value (a number or a zero sign), blank, or text."""
    return "value" if looks_like_value(text) else ("blank" if not text.strip() else "text")


_kind_short = lru_cache(maxsize=16384)(_kind)  # '0', '1', '' and the labels recur in every report


def transpose(table: Table) -> Table:
    grid = [list(col) for col in zip(*table.grid)] if table.grid else []
    return Table(grid=grid, provenance=table.provenance, aligned=table.aligned)
