"""The one mapper: document model in, schema values out.

It finds the three tables by their contents (markers such as 勾稽关系 or 未经复议直接起诉, and
row labels), never by heading numbers or position; follows a table into its continuation
blocks; matches row labels on normalised text; and reads each row's value cells in printed
order. What cannot be placed or read is reported missing/unreadable with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from ..model import Cell, Document, Provenance, Table
from ..schema import (APPLICANT_COLUMNS, SUBTOTAL_LABEL, TEMPLATES, Column, Row, TableSpec,
                      Template)
from .align import (CLOSE_ENOUGH, LABEL, POSITION, Placed, has_values, is_header, join_fragments, own_label,
                    place_by_position, read_all_by_position, similarity)
from .labels import normalise, normalise_pieces, normalised, row_keys, table_text
from .numbers import looks_like_value, parse_value
from .rows import RowView, split_row, transpose

_APPLICANT_KEYS = {normalise(c.label): c.key for c in APPLICANT_COLUMNS}
_APPLICANT_KEYS[normalise(SUBTOTAL_LABEL)] = "_subtotal"
# Applicant labels that name nothing else in the template ("其他" and "总计" also label rows).
_DISTINCT_APPLICANTS = {k for k, v in _APPLICANT_KEYS.items() if v not in ("other_org", "total", "_subtotal")}
_UNIT_IN_HEADER = re.compile(r"(万元|元)")


@dataclass
class MappedCell:
    table: str
    row: str
    column: str
    value: int | float | None
    raw: str | None
    state: str
    unit: str | None = None
    provenance: Provenance | None = None
    how: str = "text"  # "text", "ocr", or "position" (its row placed by the template's row order)
    from_empty_piece: bool = False  # from a row that printed no number at all (a fragment's blanks)


@dataclass
class MapResult:
    template: str
    cells: list[MappedCell]
    warnings: list[str] = field(default_factory=list)
    tables_found: list[str] = field(default_factory=list)
    # Tables whose every row was placed by position: accepted only when their checks pass.
    position_tables: list[str] = field(default_factory=list)


# --- template ---------------------------------------------------------------------------------

def detect_template(doc: Document, year: int | None) -> tuple[str | None, list[str]]:
    """'2021' or '2019' from the tables' own labels; the year only breaks a tie.

    Returns (None, warnings) when no table of either template is present.
    """
    # by pieces: each table's and paragraph's NFKC is computed once per document (the mapper
    # reads each table's text again; the title and sections read the paragraphs)
    tables_text = normalise_pieces([table_text(t) for t in doc.tables()])
    para_text = normalise_pieces([p.text for p in doc.paragraphs()])
    text = tables_text + para_text
    scores = {k: sum(1 for m in normalised(t.markers) if m in text) for k, t in TEMPLATES.items()}
    warnings: list[str] = []
    found_any = any(m in text for t in TEMPLATES.values() for spec in t.tables for m in normalised(spec.markers))
    if not found_any and not any(scores.values()):
        return None, warnings
    if scores["2021"] > scores["2019"]:
        key = "2021"
    elif scores["2019"] > scores["2021"]:
        key = "2019"
    else:
        key = "2021" if (year is None or year >= 2021) else "2019"
        warnings.append("template: the tables' labels do not decide between 2019 and 2021; "
                        f"chose {key} by the report year")
    expected = "2021" if (year or 2021) >= 2021 else "2019"
    if year is not None and key != expected:
        warnings.append(f"template: a {year} report printed with the {key} template's tables")
    return key, warnings


# --- row matching -----------------------------------------------------------------------------

def match_row(spec: TableSpec, label_keys: Sequence[str]) -> Row | None:
    """The schema row a printed label names, most specific label cell first."""
    return match_row_how(spec, label_keys)[0]


def match_row_how(spec: TableSpec, label_keys: Sequence[str]) -> tuple[Row | None, bool]:
    """The schema row a printed label names, and whether the label names it in full (True) or
    only by a prefix (a label cut by a page break, or with extra words)."""
    if not label_keys:
        return None, False
    return _match(spec, label_keys if type(label_keys) is tuple else tuple(label_keys))


@lru_cache(maxsize=16384)
def _match(spec: TableSpec, label_keys: tuple[str, ...]) -> tuple[Row | None, bool]:
    """``match_row_how`` for one label sequence (the same labels recur in every report)."""
    # the last cell, all cells joined, then each earlier cell (text after the label: 见附件)
    candidates = [label_keys[-1], "".join(label_keys), *reversed(label_keys[:-1])]
    for text in candidates:
        exact = [r for r in spec.rows if text in row_keys(r)]
        if exact:
            return exact[0], True
    for text in candidates:
        best: tuple[int, Row] | None = None
        for r in spec.rows:
            for k in row_keys(r):
                if len(k) >= 4 and (text.startswith(k) or (len(text) >= 4 and k.startswith(text))
                                    or (text == candidates[1] and text.endswith(k))):
                    if best is None or len(k) > best[0]:
                        best = (len(k), r)
        if best:
            return best[1], False
    return None, False


def _marker_kind(template: Template, text: str) -> str | None:
    """Which table a header row announces, by its strongest markers."""
    hits = {spec.key: sum(1 for m in normalised(spec.markers) if m in text) for spec in template.tables}
    kind, n = max(hits.items(), key=lambda kv: kv[1])
    return kind if n else None


# --- the mapper -------------------------------------------------------------------------------

def map_document(doc: Document, template_key: str) -> MapResult:
    template = TEMPLATES[template_key]
    warnings: list[str] = []
    tables = [_maybe_transpose(t) for t in doc.tables()]
    buckets: dict[str, list[RowView]] = {spec.key: [] for spec in template.tables}
    current: str | None = None
    for ti, table in enumerate(tables):
        rows = [split_row(table, ti, r) for r in range(table.n_rows)]
        kind = _table_kind(template, table, rows)
        if kind is not None:
            current = kind
        for rv in rows:
            keys = rv.label_keys
            matched_kind = None
            if current and match_row(template.table(current), keys):
                matched_kind = current
            else:
                for spec in template.tables:
                    if match_row(spec, keys):
                        matched_kind = spec.key
                        break
            if not rv.is_data or (not keys and not any(c.text.strip() for c in rv.values)
                                  and len(rv.values) < 15):
                header_kind = _marker_kind(template, normalise("".join(c.text for c in rv.labels)))
                if header_kind:
                    current = header_kind
                if current:
                    buckets[current].append(rv)
                continue
            if matched_kind:
                current = matched_kind
            if current:
                buckets[current].append(rv)

    cells: dict[tuple[str, str, str], MappedCell] = {}
    position_tables: list[str] = []
    for spec in template.tables:
        rows = buckets[spec.key]
        if spec.key == "active_disclosure":
            _map_active(spec, rows, cells, warnings)
        elif spec.key == "requests":
            if _map_requests(spec, rows, cells, warnings, template_key):
                position_tables.append(spec.key)
        else:
            _map_review(spec, rows, cells, warnings)

    out: list[MappedCell] = []
    addresses, known = _addresses(template)
    for key in addresses:
        mc = cells.get(key)
        if mc is None:
            mc = MappedCell(*key, None, None, "missing")
        out.append(mc)
    out.extend(mc for k, mc in cells.items() if k not in known)  # a 2019-style （六） row in a 2021 table
    found = [spec.key for spec in template.tables if any(k[0] == spec.key for k in cells)]
    for spec in template.tables:
        if spec.key not in found:
            warnings.append(f"{spec.key}: table not found")
        else:
            n = sum(1 for k in addresses if k[0] == spec.key and k not in cells)
            if n:
                warnings.append(f"{spec.key}: {n} cells not found in the document")
    return MapResult(template_key, out, list(dict.fromkeys(warnings)), found, position_tables)


@lru_cache(maxsize=None)
def _addresses(template: Template) -> tuple[tuple[tuple[str, str, str], ...], frozenset[tuple[str, str, str]]]:
    """The template's cell addresses in printed order, and as a set (the same for every report)."""
    addresses = tuple(template.addresses())
    return addresses, frozenset(addresses)


def _maybe_transpose(table: Table) -> Table:
    """Table 三 printed with applicant types as rows: turn it the standard way round."""
    if not table.aligned or table.n_rows < 3:
        return table
    # Each cell's normalised text is part of the table's (see labels.normalise_pieces: the
    # leading numbering stripped from the table's text cannot reach into an applicant's name),
    # so a table whose text names fewer than three applicant types has no three such rows.
    text = normalise(table_text(table))
    if sum(1 for k in _DISTINCT_APPLICANTS if k in text) < 3:
        return table
    hits: set[str] = set()
    for r in range(table.n_rows):
        row = table.distinct_row(r)
        named = [k for c in row[:3] if (k := normalise(c.text)) in _DISTINCT_APPLICANTS]
        # a header row (自然人 | 法人或其他组织 | 总计) names them too, but prints no number
        if named and any(looks_like_value(c.text) for c in row):
            hits.update(named)
    return transpose(table) if len(hits) >= 3 else table


def _table_kind(template: Template, table: Table, rows: list[RowView]) -> str | None:
    text = normalise(table_text(table))
    scores: dict[str, int] = {}
    for spec in template.tables:
        s = 3 * sum(1 for m in normalised(spec.markers) if m in text)
        s += sum(1 for rv in rows if rv.is_data and match_row(spec, rv.label_keys))
        scores[spec.key] = s
    kind, n = max(scores.items(), key=lambda kv: kv[1])
    return kind if n else None


def _put(cells: dict, warnings: list[str], table: str, row: str, col: Column, cell: Cell | None,
         unit_hint: str | None = None, *, how: str = "text", empty_piece: bool = False) -> None:
    key = (table, row, col.key)
    if key in cells:
        old = cells[key]
        if old.from_empty_piece and cell is not None and not empty_piece:
            # a piece of the row that printed no number must never shadow the row's numbers
            warnings.append(f"{table}.{row}: printed twice, once without any number; kept the numbers")
            del cells[key]
        else:
            if cell is not None and old.raw != cell.text.strip():
                warnings.append(f"{table}.{row}.{col.key}: printed again with {cell.text.strip()!r}; "
                                f"kept the first, {old.raw!r}")
            return
    if cell is None:
        return
    p = parse_value(cell.text, kind=col.kind)
    unit = p.unit or (unit_hint if col.kind == "money" else None) or col.unit
    if p.state == "unreadable":
        warnings.append(f"{table}.{row}.{col.key}: cannot read {p.raw!r} as a number")
    read = how if how == POSITION else ("ocr" if cell.provenance.source == "ocr" else "text")
    cells[key] = MappedCell(table, row, col.key, p.value, p.raw, p.state, unit, cell.provenance, read, empty_piece)


def _values(spec: TableSpec, row: Row, rv: RowView, expected: int) -> list[Cell]:
    """The row's value cells. When a text cell stands where a number should ('见附件'), the
    label ends at the first cell that already names the row, and the text after it is a value."""
    values = rv.values
    if len(values) == expected or len(rv.labels) < 2:
        return values
    for k in range(len(rv.labels)):
        keys = [normalise(c.text) for c in rv.labels[: k + 1]]
        if match_row(spec, [x for x in keys if x]) is row:
            extra = rv.labels[k + 1:]
            if len(extra) + len(values) == expected:
                return extra + values
            break
    return values


def _unplaceable(cells: dict, warnings: list[str], table: str, row: Row, columns, rv: RowView) -> None:
    """Values that cannot be placed in columns: every cell of the row is flagged, none guessed."""
    got = [c.text.strip() for c in rv.values]
    warnings.append(f"{table}.{row.key}: {len(got)} values printed for {len(columns)} columns "
                    f"({' | '.join(got)}); cannot place them, left unreadable")
    for col in columns:
        key = (table, row.key, col.key)
        if key not in cells:
            cells[key] = MappedCell(table, row.key, col.key, None, " | ".join(got), "unreadable",
                                    None, rv.values[0].provenance if rv.values else None)


def _cell_how(p: Placed) -> str:
    return POSITION if p.how == POSITION else "text"


def _map_active(spec: TableSpec, rows: list[RowView], cells: dict, warnings: list[str]) -> None:
    def fits(row: Row, rv: RowView) -> bool:
        n = len(spec.columns_of(row))
        return len(rv.values) == n or (len(rv.values) > n and not any(c.text.strip() for c in rv.values[n:]))

    placed = join_fragments(spec, rows, match_row_how, warnings)
    place_by_position(spec, placed, fits, warnings)
    _warn_cut_short(spec, placed, warnings)
    unit_of: dict[int, str | None] = {}
    header_text = ""
    for rv in rows:  # the unit printed in a header (本年收费金额（单位：万元）) applies below it
        if not has_values(rv) and is_header(spec, rv, False):
            header_text = "".join(c.text for c in rv.labels)
        m = _UNIT_IN_HEADER.search(header_text)
        unit_of[id(rv)] = m.group(1) if m else None
    for pl in placed:
        row, rv = pl.row, pl.rv
        if row is None:
            continue
        columns = spec.columns_of(row)
        values = _values(spec, row, rv, len(columns))
        if len(values) > len(columns) and all(not c.text.strip() for c in values[len(columns):]):
            values = values[:len(columns)]  # trailing empty cells of a wider block
        if len(values) != len(columns):
            _unplaceable(cells, warnings, spec.key, row, columns, rv)
            continue
        unit = unit_of.get(id(rv))
        for col, cell in zip(columns, values):
            _put(cells, warnings, spec.key, row.key, col, cell, unit, how=_cell_how(pl),
                 empty_piece=not has_values(rv))


def _header_columns(rv: RowView, headers: list[RowView]) -> list[str] | None:
    """Column keys of a data row's value cells, read from the header rows above them."""
    if not rv.table.aligned:
        return None
    keys: list[str] = []
    above = [h.table.grid[h.row_index] for h in reversed(headers) if h.table is rv.table]
    for c in rv.value_cols:
        key = None
        for line in above:
            cell = line[c] if c < len(line) else None
            if cell is not None:
                key = _APPLICANT_KEYS.get(normalise(cell.text))
                if key is not None:
                    break
        if key is None:
            return None
        keys.append(key)
    if len(set(keys)) != len(keys):
        return None
    return keys


def _map_requests(spec: TableSpec, rows: list[RowView], cells: dict, warnings: list[str],
                  template_key: str) -> bool:
    """Table 三. Returns True when its rows were all read by position (accepted only if the
    checks pass: the caller decides)."""
    headers = [rv for rv in rows if not has_values(rv) and is_header(spec, rv, False)]
    subtotal = any(normalise(SUBTOTAL_LABEL) in rv.label_keys for rv in headers)
    widths = (7, 8) if subtotal else (7,)

    def fits(row: Row, rv: RowView) -> bool:
        return len(_trim_empty_labels(_values(spec, row, rv, widths[-1]), widths[-1])) in widths

    placed = join_fragments(spec, rows, match_row_how, warnings)
    aggregate = _other_handling_aggregate(spec, placed, template_key)
    if aggregate is not None:
        placed.remove(aggregate)
        if aggregate.how == POSITION:
            printed = " ".join("".join(c.text.split()) for c in aggregate.rv.labels)
            warnings.append(f"{spec.key}.other_handling: matched by position (a 2019-style （六） row between "
                            f"（五） and （七）; label {printed!r})")
    place_by_position(spec, placed, fits, warnings)
    by_position = False
    if not any(p.row is not None for p in placed):
        by_position = read_all_by_position(spec, [p for p in placed if has_values(p.rv)], fits, warnings)
        placed = [p for p in placed if p.row is not None]
    if aggregate is not None:
        placed.append(aggregate)

    last_keys: list[str] | None = None
    read_headers: dict[tuple, list[str] | None] = {}  # rows of one table under the same headers read them alike
    _warn_unplaced(spec, placed, warnings)
    _warn_cut_short(spec, placed, warnings)
    for pl in placed:
        row, rv = pl.row, pl.rv
        if row is None:
            continue
        expected = len(last_keys) if last_keys else widths[-1]
        values = _values(spec, row, rv, expected)
        if not values:
            continue
        keys = None
        if values is rv.values:
            before = [h for h in headers if (h.table_index, h.row_index) < (rv.table_index, rv.row_index)]
            seen = (id(rv.table), tuple(rv.value_cols), len(before))
            if seen not in read_headers:
                read_headers[seen] = _header_columns(rv, before)
            keys = read_headers[seen]
        if keys is None:
            values = _trim_empty_labels(values, widths[-1])
            n = len(values)
            default = [c.key for c in APPLICANT_COLUMNS]
            if last_keys is not None and len(last_keys) == n:
                keys = last_keys
            elif n == 7:
                keys = default
            elif n == 8 and subtotal:
                keys = default[:6] + ["_subtotal"] + default[6:]
            else:
                _unplaceable(cells, warnings, spec.key, row, spec.columns, rv)
                continue
        last_keys = keys
        by_key = {c.key: c for c in spec.columns}
        for key, cell in zip(keys, values):
            if key in by_key:
                _put(cells, warnings, spec.key, row.key, by_key[key], cell, how=_cell_how(pl),
                     empty_piece=not has_values(rv))
    if aggregate is not None:
        _derive_other_rows(spec, cells, warnings)
    return by_position


def _warn_cut_short(spec: TableSpec, placed: list[Placed], warnings: list[str]) -> None:
    """A row named only by the start of its label that prints no number may be the first piece of
    a row broken over a page whose numbers were not found: its blanks are read, and flagged."""
    for p in placed:
        if p.row is not None and not p.exact and p.how == LABEL and not has_values(p.rv):
            warnings.append(f"{spec.key}.{p.row.key}: its label is cut short and it prints no number "
                            "(a row broken over a page?); read as blank")


def _warn_unplaced(spec: TableSpec, placed: list[Placed], warnings: list[str]) -> None:
    """Name every row with values that was not read: one warning per row in a table where other
    rows were read; one per table where none was (an appendix table after the report's own)."""
    read = {p.rv.table_index for p in placed if p.row is not None}
    foreign: dict[int, list[Placed]] = {}
    for p in placed:
        if p.row is not None or not has_values(p.rv):
            continue
        if p.rv.table_index not in read:
            foreign.setdefault(p.rv.table_index, []).append(p)
            continue
        text = " ".join("".join(c.text.split()) for c in p.rv.labels) or "(no label)"
        warnings.append(f"{spec.key}: a row labelled {text!r} with values "
                        f"({' | '.join(c.text.strip() for c in p.rv.values)}) matches no row; not read")
    for rows in foreign.values():
        first = " | ".join(c.text.strip() for c in rows[0].rv.table.distinct_row(rows[0].rv.row_index))
        warnings.append(f"{spec.key}: a table of {len(rows)} rows with values after it matches no row of the "
                        f"template (first: {first}); not read")


def _trim_empty_labels(values: list[Cell], width: int) -> list[Cell]:
    """Empty label cells read as leading blank values (a blank label, a row's second piece)."""
    extra = len(values) - width
    if extra > 0 and not any(c.text.strip() for c in values[:extra]):
        return values[extra:]
    return values


_OTHER_2021 = ("other_overdue_correction", "other_unpaid_fees", "other_other")


def _other_handling_aggregate(spec: TableSpec, placed: list[Placed], template_key: str) -> Placed | None:
    """A 2021 table that prints （六）其他处理 as one 2019-style row: that row, as ``other_handling``."""
    if template_key != "2021" or any(p.row is not None and p.row.key in _OTHER_2021 and has_values(p.rv)
                                     for p in placed):
        return None
    aggregate_row = TEMPLATES["2019"].table("requests").row("other_handling")
    for p in placed:
        if p.row is None and has_values(p.rv) and any(k in row_keys(aggregate_row) for k in p.rv.label_keys):
            p.row, p.exact = aggregate_row, True
            return p
    # its label has a slip or is blank: the one row with values between （五）'s last row and （七）总计
    for i, p in enumerate(placed):
        if p.row is not None or not has_values(p.rv):
            continue
        before = next((q for q in reversed(placed[:i]) if q.row is not None), None)
        after = next((q for q in placed[i + 1:] if q.row is not None), None)
        between = [q for q in placed if before is not None and after is not None
                   and placed.index(before) < placed.index(q) < placed.index(after) and has_values(q.rv)]
        text = own_label(spec, p.rv)
        if before is not None and after is not None and before.row is not None and after.row is not None \
                and before.row.key == "not_processed_confirmation" and after.row.key == "total_processed" \
                and between == [p] and (not text or similarity(text, aggregate_row) >= CLOSE_ENOUGH):
            p.row, p.how = aggregate_row, POSITION
            return p
    return None


def _derive_other_rows(spec: TableSpec, cells: dict, warnings: list[str]) -> None:
    """（六） printed as one row: all zeros → the three 2021 rows are 0 (``derived``); else they
    stay missing and the aggregate ``other_handling`` carries the numbers."""
    agg = [cells.get((spec.key, "other_handling", c.key)) for c in spec.columns]
    zeros = all(mc is not None and mc.value == 0 for mc in agg)
    if zeros:
        for row in _OTHER_2021:
            for col in spec.columns:
                cells.setdefault((spec.key, row, col.key),
                                 MappedCell(spec.key, row, col.key, 0, None, "derived"))
        warnings.append(f"{spec.key}.other_handling: （六）其他处理 printed as one 2019-style row of zeros; "
                        f"the three 2021 rows ({', '.join(_OTHER_2021)}) derived as 0")
    else:
        warnings.append(f"{spec.key}.other_handling: （六）其他处理 printed as one 2019-style row with numbers; "
                        f"the three 2021 rows ({', '.join(_OTHER_2021)}) are missing, the aggregate is "
                        "reported as requests.other_handling")


def _map_review(spec: TableSpec, rows: list[RowView], cells: dict, warnings: list[str]) -> None:
    stream: list[Cell] = []
    dropped: list[RowView] = []
    n = len(spec.rows) * len(spec.columns)
    for rv in rows:
        row = match_row(spec, rv.label_keys) if rv.labels else None
        values = _values(spec, row, rv, len(spec.columns)) if row is not None else []
        if row is not None and values:
            if len(values) == len(spec.columns):
                for col, cell in zip(spec.columns, values):
                    _put(cells, warnings, spec.key, row.key, col, cell)
            else:
                _unplaceable(cells, warnings, spec.key, row, spec.columns, rv)
            continue
        if rv.values and not rv.labels:
            stream.extend(rv.values)
        elif has_values(rv) and not is_header(spec, rv, False):
            if len(rv.labels) + len(rv.values) == n and row is None:
                stream.extend(rv.labels + rv.values)  # a non-number where the line's first number goes
                continue
            dropped.append(rv)
            text = " ".join(c.text.strip() for c in rv.labels)
            warnings.append(f"{spec.key}: a row labelled {text!r} with values "
                            f"({' | '.join(c.text.strip() for c in rv.values)}) matches no row; not read")
    if not stream:
        return
    if dropped:  # the values placed may be a row of blanks while the numbers stood in the dropped row
        for r in spec.rows:
            warnings.append(f"{spec.key}.{r.key}: read from a line of values while a row with values "
                            "was not read; check it against the source")
    if len(stream) > n and all(not c.text.strip() for c in stream[n:]):
        stream = stream[:n]
    if len(stream) != n:
        warnings.append(f"{spec.key}: {len(stream)} values printed where {n} are expected; "
                        "cannot place them")
        for row in spec.rows:
            for col in spec.columns:
                key = (spec.key, row.key, col.key)
                if key not in cells:
                    cells[key] = MappedCell(spec.key, row.key, col.key, None,
                                            " | ".join(c.text for c in stream), "unreadable")
        return
    it = iter(stream)
    for row in spec.rows:
        for col in spec.columns:
            _put(cells, warnings, spec.key, row.key, col, next(it))
