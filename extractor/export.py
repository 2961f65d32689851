"""Write a dataset's tables to Parquet, CSV, XLSX, Stata .dta and DuckDB, chunk by chunk.

Parquet, CSV, XLSX and DuckDB are written as chunks arrive, so memory stays flat however many
reports there are; .dta is written at the end (Stata files cannot be appended to). Everything goes
to temporary names first and is renamed at the end: a file in OUT is never half-written, and the
temporary files a killed run left behind are removed by the next write. CSV text cells that a
spreadsheet would run as a formula are escaped (``extractor.csvsafe``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from .csvsafe import safe_frame
from .tables import ALL_FORMATS, TABLES, frame
from .errors import InputError, MissingDependencyError

if TYPE_CHECKING:  # the chunks written are Datasets; the dataset module imports this one to write
    from .dataset import Dataset

XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CHARS = 32_767
STATA_LABEL_CHARS = 80
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_STATA_TABLE_ABBR = {"active_disclosure": "ad", "requests": "rq", "review_litigation": "rl"}
_STATA_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
                   "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}


def check_formats(formats: Iterable[str]) -> list[str]:
    """The formats asked for, validated (parquet always first); an InputError names an unknown one."""
    out = ["parquet"]
    for f in formats:
        f = f.strip().lower()
        if not f:
            continue
        if f not in ALL_FORMATS:
            raise InputError(f"unknown format {f!r} (choose from {', '.join(ALL_FORMATS)})")
        if f not in out:
            out.append(f)
    return out


def stata_names(columns: Iterable[str]) -> dict[str, str]:
    """Valid, unique Stata variable names (letters, digits, _; at most 32 characters) for ``columns``."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        parts = col.split(".")
        if len(parts) == 3 and parts[0] in _STATA_TABLE_ABBR:
            parts[0] = _STATA_TABLE_ABBR[parts[0]]
        words = [w for w in re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts)).split("_") if w]
        while len("_".join(words)) > 32:  # shorten the longest word by one letter until it fits
            i = max(range(len(words)), key=lambda j: (len(words[j]), -j))
            if len(words[i]) <= 2:
                break
            words[i] = words[i][:-1]
        name = "_".join(words)[:32] or "v"
        if name[0].isdigit() or name in _STATA_RESERVED:
            name = ("v_" + name)[:32]
        base, n = name, 1
        while name in used:
            n += 1
            name = f"{base[:32 - len(str(n)) - 1]}_{n}"
        used.add(name)
        names[col] = name
    return names


class _Parquet:
    def __init__(self, path: Path, table: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.schema = pa.Schema.from_pandas(frame(table, []), preserve_index=False)
        self.writer = pq.ParquetWriter(path, self.schema)

    def add(self, df: pd.DataFrame) -> None:
        self.writer.write_table(self.pa.Table.from_pandas(df, schema=self.schema, preserve_index=False))

    def close(self) -> None:
        self.writer.close()


class _Csv:
    def __init__(self, path: Path, table: str) -> None:
        self.fh = open(path, "w", encoding="utf-8-sig", newline="")  # BOM: Excel then reads UTF-8
        frame(table, []).to_csv(self.fh, index=False)

    def add(self, df: pd.DataFrame) -> None:
        safe_frame(df).to_csv(self.fh, index=False, header=False)

    def close(self) -> None:
        self.fh.close()


class _Xlsx:
    """One workbook per table; past Excel's row limit the rows go on to sheets "cells (2)", …"""

    def __init__(self, path: Path, table: str) -> None:
        try:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
        except ImportError:  # pragma: no cover - openpyxl is a dependency
            raise MissingDependencyError("the xlsx format needs openpyxl: "
                                         "pip install 'gov-disclosure-extractor[formats]'") from None
        self.cell_type = WriteOnlyCell
        self.path, self.table = path, table
        self.book = Workbook(write_only=True)
        self.header = list(TABLES[table])
        self.sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.book.create_sheet(self.table if self.sheets == 1 else f"{self.table} ({self.sheets})")
        self.sheet.append(self.header)
        self.rows = 1

    def _cell(self, value: Any):
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, str):
            cell = self.cell_type(self.sheet, value=_ILLEGAL_XML.sub("", value)[:XLSX_MAX_CHARS])
            cell.data_type = "s"  # never a formula, even when the text starts with "="
            return cell
        return value

    def add(self, df: pd.DataFrame) -> None:
        for row in df.astype(object).itertuples(index=False, name=None):
            if self.rows >= XLSX_MAX_ROWS:
                self._new_sheet()
            self.sheet.append([self._cell(v) for v in row])
            self.rows += 1

    def close(self) -> None:
        self.book.save(self.path)


class _Stata:
    """Collected in memory and written at the end (version 118: Unicode; Chinese variable labels)."""

    def __init__(self, path: Path, table: str) -> None:
        self.path, self.table = path, table
        self.parts: list[pd.DataFrame] = []

    def add(self, df: pd.DataFrame) -> None:
        self.parts.append(df)

    def close(self) -> None:
        spec = TABLES[self.table]
        df = pd.concat(self.parts, ignore_index=True) if self.parts else frame(self.table, [])
        names = stata_names(df.columns)
        labels = {names[c]: spec[c][1][:STATA_LABEL_CHARS] for c in df.columns}
        df = df.rename(columns=names)
        for col, (dtype, _) in zip(df.columns, spec.values()):
            if dtype == "boolean":  # Stata has no boolean: 1/0, missing stays missing
                df[col] = df[col].astype("Float64")
            elif dtype == "string":  # Stata's missing string is ""
                df[col] = df[col].fillna("").astype(object)
        df.to_stata(self.path, write_index=False, version=118, variable_labels=labels)


class _DuckDB:
    """All tables in one ``dataset.duckdb``; shared connection opened by ``write_chunks``."""

    def __init__(self, con: Any, table: str) -> None:
        self.con, self.table = con, table
        empty = frame(table, [])
        self.con.register("_chunk", empty)
        self.con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _chunk')
        self.con.unregister("_chunk")

    def add(self, df: pd.DataFrame) -> None:
        self.con.register("_chunk", df)
        self.con.execute(f'INSERT INTO "{self.table}" SELECT * FROM _chunk')
        self.con.unregister("_chunk")

    def close(self) -> None:
        pass


_WRITERS = {"parquet": _Parquet, "csv": _Csv, "xlsx": _Xlsx, "dta": _Stata}
_SUFFIX = {"parquet": "parquet", "csv": "csv", "xlsx": "xlsx", "dta": "dta"}
DUCKDB_TMP = ".dataset.duckdb.tmp"


def temp_names() -> list[str]:
    """The temporary names ``write_chunks`` writes under (hidden, ``.tmp``) before renaming."""
    names = [f".{table}.{suffix}.tmp" for suffix in _SUFFIX.values() for table in TABLES]
    return names + [DUCKDB_TMP, DUCKDB_TMP + ".wal"]


def remove_stale_temp(out: str | Path) -> list[Path]:
    """Remove the temporary files a killed write left in ``out`` (only ours, by name); return them."""
    removed = []
    for name in temp_names():
        path = Path(out) / name
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue  # cannot remove it now: the next write replaces it anyway
        removed.append(path)
    return removed


def _close_quietly(writer: Any) -> None:
    """Close a writer after a failure; its own error (the disk is still full) must not surface later as
    an "Exception ignored" traceback from a destructor."""
    try:
        if isinstance(writer, _Parquet):
            writer.writer.close()
        elif isinstance(writer, _Csv):
            writer.fh.close()
    except Exception:  # noqa: BLE001 - the first error is the one reported
        pass


def write_chunks(chunks: Iterable["Dataset"], out: str | Path, formats: Iterable[str] = ("parquet",)) -> list[Path]:
    """Write the tables of ``chunks`` (Datasets, in order) to ``out`` in every format; return the files."""
    formats = check_formats(formats)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp(out)
    pending: list[tuple[Path, Path]] = []
    writers: list[tuple[str, Any]] = []
    con = None
    closed = False
    try:
        for fmt in formats:
            if fmt == "duckdb":
                try:
                    import duckdb
                except ImportError:
                    raise MissingDependencyError("the duckdb format needs duckdb: "
                                                 "pip install 'gov-disclosure-extractor[formats]'") from None
                tmp = out / DUCKDB_TMP
                tmp.unlink(missing_ok=True)
                con = duckdb.connect(str(tmp))
                pending.append((tmp, out / "dataset.duckdb"))
                writers.extend((t, _DuckDB(con, t)) for t in TABLES)
                continue
            for table in TABLES:
                tmp = out / f".{table}.{_SUFFIX[fmt]}.tmp"
                pending.append((tmp, out / f"{table}.{_SUFFIX[fmt]}"))
                writers.append((table, _WRITERS[fmt](tmp, table)))
        for ds in chunks:
            frames = ds.frames()
            for table, writer in writers:
                writer.add(frames[table])
        for _, writer in writers:
            writer.close()
        closed = True
        if con is not None:
            con.close()
            con = None
        for tmp, final in pending:
            tmp.replace(final)
    finally:
        if not closed:
            for _, writer in writers:
                _close_quietly(writer)
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
        for tmp, _ in pending:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
    return [final for _, final in pending]
