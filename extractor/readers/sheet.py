"""Spreadsheets (.xlsx, .xls, WPS .et) -> the document model, read with python-calamine.

Agencies post the three tables as a workbook (often titled ``…年度报告附表``): on one sheet, one
table a sheet, or beside prose on the article page. Each visible worksheet's used range is cut
into blocks:

- an empty row ends a table (tables stacked on one sheet are separated so);
- a row holding one cell that spans the block's width (a merged title or heading row), a row of
  one cell that reads as a part heading (三、收到和处理政府信息公开申请情况), the one-cell rows above
  a block's first row of several cells (a title typed into A1) and blocks without a row of several
  cells (a signature, a note) become ``Paragraph`` blocks, so the title gives agency and year —
  unless the cell names a table (第二十条第（一）项 heads part 二 across its width);
- everything else is a ``Table``, merged cells expanded as the same ``Cell`` object, the columns
  that are empty from top to bottom of the table left out, a blank cell kept as an empty cell.

Numbers stored as numbers are printed as Excel shows them in a General cell (12.0 -> "12",
5949.088667 stays, at most 15 significant digits); numbers stored as text stay text; dates print
as ISO dates. The type comes from the content (detect.py), never the extension: a WPS .et is an
OLE2 workbook like an .xls.

Safety: an .xlsx is a zip, checked like a .docx (parts, declared uncompressed size, every part's
CRC against its declared size) and each sheet's extent is measured from its XML before calamine
builds the sheet (a cell at A1 and one at XFD1048576 would ask for 17 billion cells); an .xls
sheet's extent is measured from its BIFF cell records. Both are held to ``max_table_cells``.
"""

from __future__ import annotations

import io
import math
import re
import struct
import unicodedata
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Sequence

from ..errors import InputError, LimitExceededError, MissingDependencyError
from ..limits import Limits, resolve
from ..model import Block, Cell, Document, Paragraph, Provenance, Table
from ..schema import SECTIONS, TABLE_MARKERS
from ..hints import Hints
from .ole import OleError, OleFile
from .package import open_package

_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_SPACE = re.compile(r"\s+")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_MAX_ROWS, _XLSX_MAX_COLS = 1_048_576, 16_384


def read_sheet(data: bytes, *, source: str | None = None, hints: Hints | None = None,
               limits: Limits | None = None) -> Document:
    """Read a workbook (.xlsx, or an OLE2 .xls/.et) into paragraphs and tables, sheet by sheet."""
    name = source or "input"
    limits = resolve(limits)
    kind = "xlsx" if data.startswith(b"PK") else "xls"
    if kind == "xlsx":
        _check_xlsx(data, name, limits)
    else:
        _check_xls(data, name, limits)
    try:
        import python_calamine as calamine
    except ImportError:  # a core dependency; only a broken install lacks it
        raise MissingDependencyError(f"{name}: reading workbooks needs python-calamine "
                                     "(pip install python-calamine)") from None
    try:
        wb = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise InputError(f"{name}: encrypted workbook: it opens only with a password; "
                         "save an unprotected copy first") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises its own and Rust-side errors
        raise InputError(f"{name}: not a readable {kind} workbook ({_why(exc)})") from None
    blocks: list[Block] = []
    warnings: list[str] = []
    total = 0
    with wb:
        n_sheets = len(wb.sheets_metadata)
        for index, meta in enumerate(wb.sheets_metadata):
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and dialog sheets hold no cells
            if meta.visible != calamine.SheetVisibleEnum.Visible:
                warnings.append(f"sheet {meta.name!r} is hidden: skipped")
                continue
            try:
                sheet = wb.get_sheet_by_index(index)
            except Exception as exc:  # noqa: BLE001
                raise InputError(f"{name}: sheet {meta.name!r} cannot be read ({_why(exc)})") from None
            if sheet.start is None:
                continue
            total += sheet.height * sheet.width
            if sheet.height * sheet.width > limits.max_table_cells or total > limits.max_table_cells:
                raise LimitExceededError(f"{name}: sheet {meta.name!r} spans {sheet.height} x {sheet.width} cells "
                                         f"(limit {limits.max_table_cells} in a workbook)")
            rows = sheet.to_python(skip_empty_area=True)
            blocks += _sheet_blocks(meta.name, rows, sheet.start, sheet.merged_cell_ranges or [], kind)
            if len(blocks) > limits.max_blocks:
                raise LimitExceededError(f"{name}: over {limits.max_blocks} paragraphs and tables")
    meta_out = {"sheets": n_sheets, "tables": sum(1 for b in blocks if isinstance(b, Table))}
    return Document(blocks=blocks, format=kind, warnings=warnings, meta=meta_out)


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__


# --- values -------------------------------------------------------------------------------------

def render(value: object) -> str:
    """A cell value as a General-format cell shows it: integers without '.0', at most 15
    significant digits, no exponent; text as stored; dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = format(value, ".15g")
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _col_name(c: int) -> str:
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref(r: int, c: int) -> str:
    return f"{_col_name(c)}{r + 1}"


# --- sheet -> blocks ----------------------------------------------------------------------------

def _sheet_blocks(sheet: str, rows: Sequence[Sequence[object]], start: tuple[int, int],
                  merged: list, kind: str) -> list[Block]:
    r0, c0 = start
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if not height or not width:
        return []
    # each position's cell: merged ranges (clipped to the used range) share one object
    grid: list[list[Cell]] = [[None] * width for _ in range(height)]  # type: ignore[list-item]
    for (mr0, mc0), (mr1, mc1) in merged:
        a, b = max(mr0 - r0, 0), max(mc0 - c0, 0)
        y, x = min(mr1 - r0, height - 1), min(mc1 - c0, width - 1)
        if a > y or b > x or grid[a][b] is not None:
            continue
        anchor_r, anchor_c = mr0 - r0, mc0 - c0
        value = rows[anchor_r][anchor_c] if 0 <= anchor_r < height and 0 <= anchor_c < len(rows[anchor_r]) else ""
        cell = Cell(render(value))
        for rr in range(a, y + 1):
            for cc in range(b, x + 1):
                if grid[rr][cc] is None:
                    grid[rr][cc] = cell
    for r in range(height):
        for c in range(width):
            if grid[r][c] is None:
                grid[r][c] = Cell(render(rows[r][c]) if c < len(rows[r]) else "")
    blocks: list[Block] = []
    for a, b in _runs(grid):
        blocks += _block(sheet, grid, a, b, r0, c0, kind)
    return blocks


def _runs(grid: list[list[Cell]]) -> list[tuple[int, int]]:
    """Row ranges [a, b) between empty rows."""
    runs, start = [], None
    for r, line in enumerate(grid):
        empty = not any(cell.text.strip() for cell in line)
        if empty and start is not None:
            runs.append((start, r))
            start = None
        elif not empty and start is None:
            start = r
    if start is not None:
        runs.append((start, len(grid)))
    return runs


def _distinct_filled(line: list[Cell], c_lo: int, c_hi: int) -> list[Cell]:
    out: list[Cell] = []
    for cell in line[c_lo:c_hi]:
        if cell.text.strip() and not any(cell is o for o in out):
            out.append(cell)
    return out


def _names_table(text: str) -> bool:
    flat = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    return any(m in flat for m in TABLE_MARKERS)


def _part_heading(text: str) -> bool:
    flat = _SPACE.sub("", text)
    return bool(_HEADING.match(flat)) and any(all(p in flat for p in alt) for s in SECTIONS for alt in s.patterns)


def _block(sheet: str, grid: list[list[Cell]], a: int, b: int, r0: int, c0: int, kind: str) -> list[Block]:
    """One run of non-empty rows -> paragraphs and tables (see the module docstring)."""
    cols = [c for c in range(len(grid[0])) if any(grid[r][c].text.strip() for r in range(a, b))]
    c_lo, c_hi = cols[0], cols[-1] + 1
    filled = [_distinct_filled(grid[r], c_lo, c_hi) for r in range(a, b)]
    multi = [i for i, f in enumerate(filled) if len(f) >= 2]
    first_multi = multi[0] if multi else b - a

    def para_row(i: int) -> bool:
        f = filled[i]
        if len(f) != 1 or _names_table(f[0].text):
            return False
        line = grid[a + i]
        full = all(line[c] is f[0] for c in range(c_lo, c_hi))
        return full or i < first_multi or _part_heading(f[0].text)

    out: list[Block] = []
    table_rows: list[int] = []

    def flush() -> None:
        if table_rows:
            out.append(_table(sheet, grid, table_rows, r0, c0, kind))
            table_rows.clear()

    for i in range(b - a):
        if para_row(i):
            flush()
            cell = filled[i][0]
            r = a + i
            c = next(cc for cc in range(c_lo, c_hi) if grid[r][cc] is cell)
            if r > a and grid[r - 1][c] is cell and (r - 1 - a) >= 0 and para_row(i - 1) and filled[i - 1][0] is cell:
                continue  # a title merged over two rows: one paragraph
            out.append(Paragraph(cell.text, Provenance(path=f"{sheet}!{_ref(r0 + r, c0 + c)}", source=kind)))
        else:
            table_rows.append(a + i)
    flush()
    return out


def _table(sheet: str, grid: list[list[Cell]], rows: list[int], r0: int, c0: int, kind: str) -> Table:
    """The rows of one table, without the columns empty throughout them; fresh cells with their
    spans counted in this table (a merged cell cut by a paragraph row spans less)."""
    cols = [c for c in range(len(grid[0])) if any(grid[r][c].text.strip() for r in rows)]
    cols = list(range(cols[0], cols[-1] + 1)) if cols else []
    cols = [c for c in cols if any(grid[r][c].text.strip() for r in rows) or _inside_span(grid, rows, c)]
    copies: dict[int, Cell] = {}
    where: dict[int, list[tuple[int, int]]] = {}
    out: list[list[Cell | None]] = []
    for i, r in enumerate(rows):
        line: list[Cell | None] = []
        for j, c in enumerate(cols):
            src = grid[r][c]
            cell = copies.get(id(src))
            if cell is None:
                cell = copies[id(src)] = Cell(src.text, Provenance(path=f"{sheet}!{_ref(r0 + r, c0 + c)}", source=kind))
            where.setdefault(id(src), []).append((i, j))
            line.append(cell)
        out.append(line)
    for key, spots in where.items():
        copies[key].rowspan = len({i for i, _ in spots})
        copies[key].colspan = len({j for _, j in spots})
    box = f"{_ref(r0 + rows[0], c0 + cols[0])}:{_ref(r0 + rows[-1], c0 + cols[-1])}" if cols else ""
    return Table(out, Provenance(path=f"{sheet}!{box}", source=kind), aligned=True)


def _inside_span(grid: list[list[Cell]], rows: list[int], c: int) -> bool:
    """Whether column ``c`` lies under a merged cell that also covers a neighbouring column
    (an empty column inside a merged header is part of the table)."""
    for r in rows:
        cell = grid[r][c]
        if (c > 0 and grid[r][c - 1] is cell) or (c + 1 < len(grid[r]) and grid[r][c + 1] is cell):
            return True
    return False


# --- safety checks before calamine --------------------------------------------------------------

def _check_xlsx(data: bytes, name: str, limits: Limits) -> None:
    """Zip-bomb checks, then each worksheet's extent from its XML, before anything is built."""
    zf = open_package(data, name, "xlsx workbook", "workbook", max_bytes=limits.max_docx_bytes,
                      max_entries=limits.max_docx_entries)
    infos = zf.infolist()
    with zf:
        for info in infos:  # every part inflates to exactly its declared size, or it is damage
            try:
                with zf.open(info) as fh:
                    while fh.read(1 << 20):
                        pass
            except Exception as exc:  # noqa: BLE001 - BadZipFile (CRC), zlib.error, EOFError, ...
                raise InputError(f"{name}: not a readable xlsx workbook (damaged part {info.filename}: "
                                 f"{type(exc).__name__})") from None
        cells = 0
        for sheet_name, part in _xlsx_sheets(zf, name):
            n_rows, n_cols = _xlsx_extent(zf, part, name)
            cells += n_rows * n_cols
            if n_rows * n_cols > limits.max_table_cells or cells > limits.max_table_cells:
                raise LimitExceededError(f"{name}: sheet {sheet_name!r} spans {n_rows} x {n_cols} cells "
                                         f"(limit {limits.max_table_cells} in a workbook)")


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xlsx_sheets(zf: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    """(sheet name, part path) of every sheet the workbook lists, through its relationships."""
    from lxml import etree

    try:
        wb = etree.fromstring(zf.read("xl/workbook.xml"), _xml_parser())
        rels_xml = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in zf.namelist() else b""
        rels = etree.fromstring(rels_xml, _xml_parser()) if rels_xml else None
    except Exception as exc:  # noqa: BLE001 - XMLSyntaxError, KeyError
        raise InputError(f"{name}: not a readable xlsx workbook ({type(exc).__name__} in its workbook part)") from None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels:
            if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
                target = rel.get("Target").lstrip("/")
                targets[rel.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    out = []
    names = set(zf.namelist())
    for el in wb.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        part = targets.get(rid or "")
        if part is None or part not in names:
            continue
        out.append((el.get("name") or part, _normpath(part)))
    listed = {p for _, p in out}
    out += [(p, p) for p in sorted(names) if p.startswith("xl/worksheets/") and p.endswith(".xml") and p not in listed]
    return out


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


_CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


def _xlsx_extent(zf: zipfile.ZipFile, part: str, name: str) -> tuple[int, int]:
    """Rows x columns from the first to the last cell the sheet's XML holds (streamed)."""
    from lxml import etree

    lo_r = lo_c = None
    hi_r = hi_c = -1
    row = -1
    col = -1
    try:
        with zf.open(part) as fh:
            for event, el in etree.iterparse(fh, events=("start", "end"), resolve_entities=False,
                                             no_network=True, huge_tree=False, load_dtd=False):
                tag = _local(el.tag)
                if event == "end":
                    if tag == "row":  # done with this row: free it (a sheet may be large)
                        el.clear()
                        while el.getprevious() is not None:
                            del el.getparent()[0]
                    continue
                if tag == "row":
                    r = el.get("r")
                    row = int(r) - 1 if r and r.isdigit() else row + 1
                    col = -1
                elif tag == "c":
                    m = _CELL_REF.match(el.get("r") or "")
                    if m:
                        col = _col_index(m.group(1))
                        row = int(m.group(2)) - 1
                    else:
                        col += 1
                    if not (0 <= row < _XLSX_MAX_ROWS and 0 <= col < _XLSX_MAX_COLS):
                        raise InputError(f"{name}: not a readable xlsx workbook (cell outside the sheet in {part})")
                    lo_r = row if lo_r is None else min(lo_r, row)
                    lo_c = col if lo_c is None else min(lo_c, col)
                    hi_r, hi_c = max(hi_r, row), max(hi_c, col)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - XMLSyntaxError and friends
        raise InputError(f"{name}: not a readable xlsx workbook ({type(exc).__name__} in {part})") from None
    if lo_r is None or lo_c is None:
        return 0, 0
    return hi_r - lo_r + 1, hi_c - lo_c + 1


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


# BIFF cell records (row u16, column u16 first); MULRK/MULBLANK end with their last column.
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406}
_BIFF_MULTI = {0x00BD, 0x00BE}
_BIFF_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_BIFF_FILEPASS = 0x002F


def _check_xls(data: bytes, name: str, limits: Limits) -> None:
    """The Workbook stream's sheets: each one's extent from its cell records; encryption."""
    try:
        ole = OleFile(data)
        names = {n.lower() for n in ole.root_names()}
        stream = ole.read("Workbook" if "workbook" in names else "Book")
    except (OleError, struct.error):
        raise InputError(f"{name}: not a readable xls workbook (damaged compound file)") from None
    pos, n = 0, len(stream)
    sheet = -1
    extents: dict[int, list[int]] = {}
    cells = 0
    while pos + 4 <= n:
        rtype, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        if rtype in _BIFF_BOF:
            sheet += 1
        elif rtype == _BIFF_FILEPASS:
            raise InputError(f"{name}: encrypted workbook: it opens only with a password; "
                             "save an unprotected copy first")
        elif (rtype in _BIFF_CELLS and len(body) >= 4) or (rtype in _BIFF_MULTI and len(body) >= 6):
            row, col = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if rtype in _BIFF_MULTI else col
            e = extents.setdefault(sheet, [row, row, col, max(col, last)])
            e[0], e[1], e[2], e[3] = min(e[0], row), max(e[1], row), min(e[2], col), max(e[3], col, last)
    for e in extents.values():
        size = (e[1] - e[0] + 1) * (e[3] - e[2] + 1)
        cells += size
        if size > limits.max_table_cells or cells > limits.max_table_cells:
            raise LimitExceededError(f"{name}: a sheet spans {e[1] - e[0] + 1} x {e[3] - e[2] + 1} cells "
                                     f"(limit {limits.max_table_cells} in a workbook)")
