"""The template's Chinese labels for the extracted tables, and their layout as printed grids.

Labels come from ``extractor.schema`` (SCHEMA.md as data), the way the dataset labels its wide
columns: the report's own template first, then the other template for a row it does not have (a
2019-style （六）其他处理 row read in a 2021 table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..schema import TEMPLATES, Column, Row, TableSpec

TABLE_ORDER = ("active_disclosure", "requests", "review_litigation")


def _templates(template: str | None) -> list:
    first = [TEMPLATES[template]] if template in TEMPLATES else []
    return first + [t for t in TEMPLATES.values() if t not in first]


def table_spec(template: str | None, table: str) -> TableSpec | None:
    for t in _templates(template):
        spec = next((s for s in t.tables if s.key == table), None)
        if spec is not None:
            return spec
    return None


def _row(template: str | None, table: str, row: str) -> tuple[TableSpec, Row] | None:
    for t in _templates(template):
        spec = next((s for s in t.tables if s.key == table), None)
        r = next((r for r in spec.rows if r.key == row), None) if spec else None
        if spec is not None and r is not None:
            return spec, r
    return None


def table_title(template: str | None, table: str) -> str:
    spec = table_spec(template, table)
    return spec.title if spec else table


def row_label(template: str | None, table: str, row: str) -> str:
    """``（三）不予公开 1.属于国家秘密``: the row's printed label, with its group when it has one."""
    found = _row(template, table, row)
    if found is None:
        return row
    r = found[1]
    return f"{r.group} {r.label}" if r.group else r.label


def column_label(template: str | None, table: str, row: str, column: str) -> str:
    found = _row(template, table, row)
    if found is not None:
        spec, r = found
        c = next((c for c in spec.columns_of(r) if c.key == column), None)
        if c is not None:
            return c.label
    return column


def cell_label(template: str | None, address: tuple[str, str, str]) -> str:
    """``一、本年新收政府信息公开申请数量｜自然人``."""
    table, row, column = address
    return f"{row_label(template, table, row)}｜{column_label(template, table, row, column)}"


@dataclass
class Segment:
    """Consecutive rows that share their columns: printed under one header line."""

    columns: tuple[Column, ...]
    rows: list[Row]


def layout(template: str | None, table: str, present: Iterable[tuple[str, str]]) -> list[Segment]:
    """The grid of one table: the template's rows in printed order (plus any row of the cells that
    the template lacks, at the end), grouped into segments of rows with the same columns."""
    spec = table_spec(template, table)
    rows: list[Row] = list(spec.rows) if spec else []
    known = {r.key for r in rows}
    for row_key in dict.fromkeys(r for r, _ in present):
        if row_key not in known:
            found = _row(template, table, row_key)
            rows.append(found[1] if found else Row(row_key, row_key))
            known.add(row_key)
    cols_present: dict[str, dict[str, None]] = {}
    for row_key, col_key in present:
        cols_present.setdefault(row_key, {})[col_key] = None
    segments: list[Segment] = []
    for r in rows:
        found = _row(template, table, r.key)
        columns = tuple(found[0].columns_of(found[1])) if found else ()
        extra = [Column(c, c) for c in cols_present.get(r.key, {}) if c not in {x.key for x in columns}]
        columns = columns + tuple(extra)
        if segments and segments[-1].columns == columns:
            segments[-1].rows.append(r)
        else:
            segments.append(Segment(columns, [r]))
    return segments
