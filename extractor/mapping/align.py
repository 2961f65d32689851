"""Rows to template rows when labels are not enough: pieces of a row broken over a page are
joined, and a row whose label has a slip (or is blank) is placed by the template's fixed row
order between two confidently matched neighbours. Every row placed this way is said so.

The mapper gives each table's rows (header rows and data rows, in printed order); this module
returns the data rows, each with the schema row it stands for and how that was decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Callable, Sequence

from ..model import Cell
from ..schema import APPLICANT_COLUMNS, APPLICANT_GROUP_LABELS, CONTENT_HEADER, Row, TableSpec
from .labels import normalise, normalised, row_keys
from .rows import RowView

# How a row was matched: by its label ("label"), by its label once the pieces of a row broken
# over a page were joined ("joined"), or by the template's row order ("position").
LABEL, JOINED, POSITION = "label", "joined", "position"
# A slip in a label (撑握 for 掌握, 止公开 for 法规禁止公开) keeps most of the label.
CLOSE_ENOUGH = 0.6


@dataclass
class Placed:
    """A data row and the template row it stands for (None: not placed)."""

    rv: RowView
    row: Row | None
    how: str = LABEL
    exact: bool = False


@lru_cache(maxsize=None)
def _words(spec: TableSpec) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """(every exact row key, group and marker labels, column and header labels) of a table."""
    exact = frozenset(k for r in spec.rows for k in row_keys(r))
    groups = tuple(sorted({normalise(r.group) for r in spec.rows if r.group}
                          | {normalise(m) for m in spec.markers}))
    columns = {normalise(c.label) for r in spec.rows for c in spec.columns_of(r)}
    columns |= {normalise(a) for r in spec.rows for c in spec.columns_of(r) for a in c.aliases}
    columns |= {normalise(c.label) for c in APPLICANT_COLUMNS}
    columns |= {normalise(h) for h in (CONTENT_HEADER, *APPLICANT_GROUP_LABELS)}
    return exact, groups, frozenset(k for k in columns if k)


def is_group_fragment(spec: TableSpec, key: str) -> bool:
    """A piece of a merged group label (三、本年度办理结果 cut by a page: '理结果'), not a row label."""
    exact, groups, _ = _words(spec)
    return bool(key) and key not in exact and any(key in g for g in groups)


@lru_cache(maxsize=None)
def _group_keys(spec: TableSpec) -> frozenset[str]:
    return frozenset(normalise(r.group) for r in spec.rows if r.group)


def own_cell(spec: TableSpec, rv: RowView) -> Cell | None:
    """The cell of the row's own label: its last label cell that is not a group label (to its left)."""
    groups = _group_keys(spec)
    for cell in reversed(rv.labels):
        key = normalise(cell.text)
        if key and not is_group_fragment(spec, key) and key not in groups:
            return cell
    return None


def own_label(spec: TableSpec, rv: RowView) -> str:
    """The row's own label, normalised ('' when it has none)."""
    cell = own_cell(spec, rv)
    return normalise(cell.text) if cell is not None else ""


def is_header(spec: TableSpec, rv: RowView, exact: bool) -> bool:
    """A header or spacer row: nothing printed where values go, no row named in full, and
    column labels or table markers among its cells (or no text at all)."""
    if any(c.text.strip() for c in rv.values):
        return False
    _, _, columns = _words(spec)
    if exact:  # '其他' and '总计' name rows too: a row of several column labels is still a header
        markers = normalised(spec.markers)
        keys = [k for k in rv.label_keys if not is_group_fragment(spec, k) and not any(m in k for m in markers)]
        return len(keys) >= 2 and all(k in columns for k in keys)
    own = own_label(spec, rv)
    return not own or own in columns or any(m in own for m in normalised(spec.markers))


def has_values(rv: RowView) -> bool:
    return rv.has_values


def similarity(text: str, row: Row) -> float:
    """How close a printed label is to any wording of a schema row (0..1)."""
    return max((SequenceMatcher(None, text, k, autojunk=False).ratio() for k in row_keys(row)), default=0.0)


Matcher = Callable[[TableSpec, Sequence[str]], "tuple[Row | None, bool]"]


def join_fragments(spec: TableSpec, rows: list[RowView], match: Matcher,
                   warnings: list[str]) -> list[Placed]:
    """Data rows with their label matches, the two pieces of a row broken over a page joined.

    Word and WPS let a row break over a page: the label's start on page N and the rest of the
    label with the numbers on page N+1, or the numbers on N and the label's last line on N+1.
    Read apart, the piece without numbers would stand for the row with blanks (zeros); joined,
    the row has its label and its numbers once. Header rows (column labels) are dropped.
    """
    placed = [Placed(rv, row, LABEL, exact) for rv in rows for row, exact in [match(spec, rv.label_keys)]]
    placed = [p for p in placed if not is_header(spec, p.rv, p.exact)]
    out: list[Placed] = []
    i = 0
    while i < len(placed):
        a = placed[i]
        b = placed[i + 1] if i + 1 < len(placed) else None
        joined = _join(spec, a, b, match) if b is not None else None
        if joined is not None:
            if joined.row is not None:
                warnings.append(f"{spec.key}.{joined.row.key}: printed in pieces (a row broken over a "
                                "page); joined")
            placed[i + 1] = joined  # a third piece may follow (a label cut twice)
            i += 1
            continue
        out.append(a)
        i += 1
    return out


def _join(spec: TableSpec, a: Placed, b: Placed, match: Matcher) -> Placed | None:
    """``a`` and ``b`` as one row, when they are the two pieces of one row; else None."""
    a_vals, b_vals = has_values(a.rv), has_values(b.rv)
    if a_vals and b_vals:
        return None
    if not a_vals and not b_vals:
        return _join_label_pieces(spec, a, b)
    if (a.exact and a_vals) or (b.exact and b_vals):
        return None  # the piece with the numbers names its row in full: the other is a row of its own
    # the piece without numbers must be a label piece (or nothing), never a full row of blanks
    empty, full = (b, a) if a_vals else (a, b)
    separate_tables = a.rv.table is not b.rv.table
    # joined as printed, then normalised: '（一）' + '予以公开' is 予以公开, not '一予以公开'
    a_cell, b_cell = own_cell(spec, a.rv), own_cell(spec, b.rv)
    row = _completed_row(spec, normalise((a_cell.text if a_cell else "") + (b_cell.text if b_cell else "")))
    if row is None and not own_label(spec, full.rv) and empty.row is not None and separate_tables:
        row = empty.row  # the numbers carried over a page without their label: the label's row
    if row is None:
        return None
    if (empty.row is not None and empty.row is not row) or (full.row is not None and full.row is not row):
        return None
    return Placed(_joined_view(spec, a, b, full), row, JOINED, True)


def _joined_view(spec: TableSpec, a: Placed, b: Placed, full: Placed) -> RowView:
    """One row from two pieces: the group labels of the first, one label cell holding the two
    pieces of the row's own label as printed, the values of the piece that has them."""
    a_cell, b_cell = own_cell(spec, a.rv), own_cell(spec, b.rv)
    text = (a_cell.text if a_cell else "") + (b_cell.text if b_cell else "")
    first = a_cell or b_cell
    groups = [c for c in a.rv.labels if c is not a_cell]
    label = Cell(text, first.provenance) if first is not None else Cell(text)
    return RowView(full.rv.table, full.rv.table_index, full.rv.row_index, [*groups, label],
                   full.rv.values, full.rv.value_cols)


def _join_label_pieces(spec: TableSpec, a: Placed, b: Placed) -> Placed | None:
    """Two pieces of a label without numbers (a label cut twice by page breaks): one piece, when
    together they are the start of a row's label; the numbers come with a later piece."""
    if a.exact or b.exact:
        return None
    a_cell, b_cell = own_cell(spec, a.rv), own_cell(spec, b.rv)
    if a_cell is None or b_cell is None:
        return None
    row = _completed_row(spec, normalise(a_cell.text + b_cell.text))
    if row is None or (a.row is not None and a.row is not row):
        return None
    return Placed(_joined_view(spec, a, b, b), row, LABEL, False)


def _completed_row(spec: TableSpec, text: str) -> Row | None:
    """The row whose label ``text`` (two pieces joined) is, in full or as its start."""
    if not text:
        return None
    for row in spec.rows:
        if any(k == text or (len(text) >= 4 and k.startswith(text)) for k in row_keys(row)):
            return row
    return None


def place_by_position(spec: TableSpec, placed: list[Placed], n_values: Callable[[Row, RowView], bool],
                      warnings: list[str]) -> None:
    """Give a template row to each unplaced data row that sits between two confidently matched
    neighbours, when the rows between them are exactly the template's rows in between, each has
    the right number of values, and its label is close to the expected one or blank.

    Partial label matches that break the template's order are first taken back.
    """
    order = {r.key: i for i, r in enumerate(spec.rows)}
    _drop_out_of_order(placed, order)
    anchors = [i for i, p in enumerate(placed) if p.row is not None]
    taken = {p.row.key for p in placed if p.row is not None}
    for left, right in zip(anchors, anchors[1:]):
        gap = placed[left + 1:right]
        if not gap:
            continue
        lo, hi = order[placed[left].row.key], order[placed[right].row.key]  # type: ignore[union-attr]
        between = [r for r in spec.rows[lo + 1:hi] if r.key not in taken]
        if len(between) != len(gap):
            continue
        if not all(_fits(spec, p, r, n_values) for p, r in zip(gap, between)):
            continue
        for p, r in zip(gap, between):
            p.row, p.how = r, POSITION
            taken.add(r.key)
            cell = own_cell(spec, p.rv)
            what = f"label {''.join(cell.text.split())!r}" if cell is not None else "no label"
            warnings.append(f"{spec.key}.{r.key}: matched by position (the template's row order; {what})")


def _fits(spec: TableSpec, p: Placed, row: Row, n_values: Callable[[Row, RowView], bool]) -> bool:
    if not n_values(row, p.rv):
        return False
    text = own_label(spec, p.rv)
    return not text or similarity(text, row) >= CLOSE_ENOUGH


def _drop_out_of_order(placed: list[Placed], order: dict[str, int]) -> None:
    """A partial (prefix) label match out of order with the exact matches around it is taken back."""
    exact = [(i, order[p.row.key]) for i, p in enumerate(placed) if p.row is not None and p.exact]
    for i, p in enumerate(placed):
        if p.row is None or p.exact:
            continue
        k = order[p.row.key]
        before = [o for j, o in exact if j < i]
        after = [o for j, o in exact if j > i]
        if (before and max(before) >= k) or (after and min(after) <= k):
            p.row = None


def read_all_by_position(spec: TableSpec, placed: list[Placed], n_values: Callable[[Row, RowView], bool],
                         warnings: list[str]) -> bool:
    """Last resort: no label of the table could be read, but its data rows are exactly the
    template's rows, each with the template's number of values. Placed in order and flagged;
    the caller accepts them only when the table's checks pass."""
    if any(p.row is not None for p in placed) or len(placed) != len(spec.rows):
        return False
    if not all(n_values(r, p.rv) for p, r in zip(placed, spec.rows)):
        return False
    for p, r in zip(placed, spec.rows):
        p.row, p.how = r, POSITION
    warnings.append(f"{spec.key}: no row label could be read; all {len(spec.rows)} rows read by position "
                    "(the template's row order), accepted only if the table's checks pass")
    return True


def values_of(cells: list[Cell]) -> list[str]:
    return [c.text.strip() for c in cells]
