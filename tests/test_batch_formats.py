"""Every output format reads back equal to what was written, Chinese intact; ``wide`` agrees
with ``cells``; the library's ``Dataset.write`` gives the batch runner's tables."""

from __future__ import annotations

import re
from pathlib import Path

import importlib.util

import numpy as np
import pandas as pd
import pytest

import extractor
from extractor.batch import run_batch
from extractor.tables import TABLES
from extractor.export import stata_names
from test_batch_run import NOT_A_REPORT, SEED, make_inputs, read_dataset

AGENCY = "巴彦淖尔市商务局"
TITLE = "巴彦淖尔市商务局2024年政府信息公开工作年度报告"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, Path]:
    """A batch run over 3 report copies (one with a Chinese file name, one whose name starts with
    "=" like a spreadsheet formula) and a notice that is not a report, written in every format."""
    root = tmp_path_factory.mktemp("formats")
    inputs = root / "in"
    make_inputs(inputs, 1, bad=False)
    text = SEED.read_text(encoding="utf-8")
    (inputs / f"{TITLE}.txt").write_text(text + "\n<!-- 中文 -->\n", encoding="utf-8")
    (inputs / "=SUM(A1).txt").write_text(text + "\n\n", encoding="utf-8")
    (inputs / "通知.txt").write_text(NOT_A_REPORT, encoding="utf-8")
    out = root / "out"
    formats = ["csv", "dta"] + [f for f, mod in (("xlsx", "openpyxl"), ("duckdb", "duckdb"))
                                if importlib.util.find_spec(mod)]
    result = run_batch([inputs], out, jobs=2, formats=formats, progress=False)
    assert (result.total, result.ok, result.failed) == (4, 3, 1)
    return inputs, out


def _typed(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the table's dtypes and "" read as missing (CSV, Excel and Stata cannot tell them apart)."""
    spec = TABLES[table]
    df = df[list(spec)].copy()
    for col, (dtype, _) in spec.items():
        s = df[col]
        if dtype == "string":
            s = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None or v == "" else str(v))
        elif dtype == "boolean":
            s = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else bool(v))
        df[col] = s.astype(dtype)
    return df.reset_index(drop=True)


def _same(table: str, got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_typed(table, got), _typed(table, expected), check_dtype=True, obj=table)


def test_parquet_is_the_library_dataset(dataset) -> None:
    inputs, out = dataset
    written = read_dataset(out)
    ds = extractor.extract_many([inputs])
    for table, df in ds.frames().items():
        got = written[table]
        if table in ("reports", "errors", "wide"):  # the batch run also knows a failed file's hash
            assert got.loc[got["sha256"].isna()].empty
            got = got.copy()
            got.loc[got["source"].str.endswith("通知.txt"), "sha256"] = pd.NA
        pd.testing.assert_frame_equal(got, df, check_dtype=True, obj=table)
    reports = written["reports"]
    assert reports["agency"].tolist()[:3] == [AGENCY] * 3 and reports["agency"].isna().tolist()[3]
    assert reports["title"].tolist()[:3] == [TITLE] * 3
    assert reports["source"].tolist() == [str(inputs / n) for n in ("=SUM(A1).txt", "r0000.txt", f"{TITLE}.txt",
                                                                    "通知.txt")]


def test_wide_holds_every_cell_value(dataset) -> None:
    _, out = dataset
    ds = read_dataset(out)
    wide = ds["wide"].set_index("source")
    cells = ds["cells"]
    assert len(cells) == 600 and wide.shape[0] == 4
    for row in cells.itertuples():
        assert wide.at[row.source, f"{row.table}.{row.row}.{row.column}"] == row.value
    filled = wide.drop(columns=["sha256", "status", "template", "agency", "agency_id", "year", "published"]).notna().sum(axis=1)
    assert filled.tolist() == [200, 200, 200, 0]


@pytest.mark.parametrize("table", list(TABLES))
def test_csv_round_trips_with_bom(dataset, table: str) -> None:
    _, out = dataset
    raw = (out / f"{table}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    spec = TABLES[table]
    got = pd.read_csv(out / f"{table}.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                      dtype={c: ("string" if d == "string" else "boolean" if d == "boolean" else "float64")
                             for c, (d, _) in spec.items()})
    _same(table, got, pd.read_parquet(out / f"{table}.parquet"))


@pytest.mark.parametrize("table", list(TABLES))
def test_xlsx_round_trips(dataset, table: str) -> None:
    pytest.importorskip("openpyxl")
    _, out = dataset
    sheets = pd.read_excel(out / f"{table}.xlsx", sheet_name=None, engine="openpyxl", dtype=object)
    assert list(sheets) == [table]
    _same(table, sheets[table], pd.read_parquet(out / f"{table}.parquet"))


def test_xlsx_text_that_looks_like_a_formula_stays_text(dataset) -> None:
    load_workbook = pytest.importorskip("openpyxl").load_workbook

    _, out = dataset
    sheet = load_workbook(out / "reports.xlsx", read_only=True)["reports"]
    sources = [row[0].value for row in sheet.iter_rows(min_row=2)]
    types = [row[0].data_type for row in sheet.iter_rows(min_row=2)]
    assert sources[0].endswith("=SUM(A1).txt") and set(types) == {"s"}


@pytest.mark.parametrize("table", list(TABLES))
def test_dta_round_trips_with_chinese_variable_labels(dataset, table: str) -> None:
    _, out = dataset
    spec = TABLES[table]
    names = stata_names(spec)
    assert all(len(n) <= 32 and n.replace("_", "a").isalnum() and n[0].isalpha() for n in names.values())
    assert len(set(names.values())) == len(names)
    with pd.io.stata.StataReader(out / f"{table}.dta") as reader:
        got = reader.read()
        labels = reader.variable_labels()
    assert list(got.columns) == [names[c] for c in spec]
    assert labels == {names[c]: label[:80] for c, (_, label) in spec.items()}
    got.columns = list(spec)
    _same(table, got, pd.read_parquet(out / f"{table}.parquet"))


def test_dta_wide_names_and_labels(dataset) -> None:
    _, out = dataset
    with pd.io.stata.StataReader(out / "wide.dta") as reader:
        labels = reader.variable_labels()
        data = reader.read()
    assert labels["rq_new_requests_natural_person"] == "一、本年新收政府信息公开申请数量｜自然人"
    assert labels["ad_regulations_issued"] == "规章｜本年制发件数"
    assert data["agency"].tolist() == [AGENCY, AGENCY, AGENCY, ""]


def test_duckdb_holds_the_same_tables(dataset) -> None:
    duckdb = pytest.importorskip("duckdb")
    _, out = dataset
    con = duckdb.connect(str(out / "dataset.duckdb"), read_only=True)
    try:
        assert sorted(r[0] for r in con.execute("SHOW TABLES").fetchall()) == sorted(TABLES)
        for table in TABLES:
            got = con.execute(f'SELECT * FROM "{table}"').df()
            expected = pd.read_parquet(out / f"{table}.parquet")
            assert list(got.columns) == list(expected.columns)
            pd.testing.assert_frame_equal(got.astype({c: d for c, (d, _) in TABLES[table].items()}), expected,
                                          check_dtype=True, obj=table)
        assert con.execute("SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL").fetchall() == [(AGENCY,)]
    finally:
        con.close()


def test_no_temporary_files_are_left(dataset) -> None:
    _, out = dataset
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    assert np.isin([f"{t}.{s}" for t in TABLES for s in ("parquet", "csv", "dta")],
                   [p.name for p in out.iterdir()]).all()


def test_docs_list_every_column_with_its_dtype() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "dataset.md").read_text(encoding="utf-8")
    for table, spec in TABLES.items():
        if table == "wide":
            continue
        section = doc.split(f"### `{table}`", 1)[1].split("\n### ", 1)[0]
        for col, (dtype, label) in spec.items():
            line = next((ln for ln in section.splitlines()
                         if ln.startswith("|") and col in re.findall(r"`([^`]+)`", ln.split("|")[1])), None)
            assert line is not None, (table, col)
            assert f"| {dtype} |" in line and label in line, (table, col, line)


def test_xlsx_rows_past_the_sheet_limit_go_on_to_more_sheets(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("openpyxl")
    import extractor.export as export

    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 80)  # header + 79 rows per sheet
    ds = extractor.extract_many([SEED])
    ds.write(tmp_path, ["xlsx"])
    sheets = pd.read_excel(tmp_path / "cells.xlsx", sheet_name=None, dtype=object)
    assert [(name, len(df)) for name, df in sheets.items()] == [("cells", 79), ("cells (2)", 79), ("cells (3)", 42)]
    _same("cells", pd.concat(sheets.values(), ignore_index=True), ds.cells)
