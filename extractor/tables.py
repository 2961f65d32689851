"""The dataset's tables as data: every column of every table, its pandas dtype and its Chinese
label, in one place for the dataset, the exports (Parquet, CSV, Excel, Stata labels, DuckDB) and
docs/dataset.md."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .report import CELL_FIELDS
from .schema import TEMPLATES

# name -> (pandas dtype, Chinese label). "string" columns hold str or None.
_S = "string"
REPORTS: dict[str, tuple[str, str]] = {
    "source": (_S, "来源（文件路径或网址）"), "sha256": (_S, "文件内容SHA-256"), "status": (_S, "状态 ok/error"),
    "error_type": (_S, "错误类型"), "error": (_S, "错误信息"), "template": (_S, "模板 2021/2019/legacy"),
    "agency": (_S, "机关名称"), "agency_id": (_S, "机关标识（跨年份统一）"), "year": ("Int64", "报告年度"), "published": (_S, "发布日期"),
    "title": (_S, "标题"), "scope": (_S, "范围 body/aggregate（汇总报告）"), "format": (_S, "文件格式"),
    "extractor_version": (_S, "提取器版本"),
    "n_warnings": ("Int64", "警告数"), "warnings": (_S, "警告（换行分隔）"),
    "n_corrections": ("Int64", "更正数"),
}
CELLS: dict[str, tuple[str, str]] = {"source": (_S, "来源"), "sha256": (_S, "文件内容SHA-256"), **CELL_FIELDS}
CHECKS: dict[str, tuple[str, str]] = {
    "source": (_S, "来源"), "sha256": (_S, "文件内容SHA-256"), "check": (_S, "校验"), "status": (_S, "结果"),
    "passed": ("boolean", "是否通过"), "scope": (_S, "范围"), "key": (_S, "行或列"), "lhs": ("float64", "左边"),
    "rhs": ("float64", "右边"), "lhs_terms": (_S, "左边各项"), "rhs_terms": (_S, "右边各项"), "reason": (_S, "原因"),
}
SECTIONS: dict[str, tuple[str, str]] = {
    "source": (_S, "来源"), "sha256": (_S, "文件内容SHA-256"), "section": (_S, "部分"), "text": (_S, "正文"),
}
ERRORS: dict[str, tuple[str, str]] = {
    "source": (_S, "来源"), "sha256": (_S, "文件内容SHA-256"), "error_type": (_S, "错误类型"),
    "message": (_S, "错误信息"),
}
WIDE_KEYS = ["source", "sha256", "status", "template", "agency", "agency_id", "year", "published"]


def wide_addresses() -> list[tuple[str, str, str]]:
    """Every (table, row, column) of the 2021 then the 2019 template, each once, in printed order."""
    seen: dict[tuple[str, str, str], None] = {}
    for template in TEMPLATES.values():
        for addr in template.addresses():
            seen.setdefault(addr, None)
    return list(seen)


def _cell_label(addr: tuple[str, str, str]) -> str:
    table, row, column = addr
    for template in TEMPLATES.values():
        spec = next((t for t in template.tables if t.key == table), None)
        r = next((r for r in spec.rows if r.key == row), None) if spec else None
        if spec is None or r is None:
            continue
        c = next((c for c in spec.columns_of(r) if c.key == column), None)
        if c is not None:
            return f"{r.group + ' ' if r.group else ''}{r.label}｜{c.label}"
    return ".".join(addr)


def _wide_spec() -> dict[str, tuple[str, str]]:
    spec = {k: REPORTS[k] for k in WIDE_KEYS}
    for addr in wide_addresses():
        spec[".".join(addr)] = ("float64", _cell_label(addr))
    return spec


WIDE: dict[str, tuple[str, str]] = _wide_spec()
TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "reports": REPORTS, "cells": CELLS, "checks": CHECKS, "sections": SECTIONS, "errors": ERRORS, "wide": WIDE,
}
ROW_TABLES = ("reports", "cells", "checks", "sections", "errors")  # wide is derived from reports + cells
FORMATS = ("parquet",)
ALL_FORMATS = ("parquet", "csv", "xlsx", "dta", "duckdb")


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame of ``rows`` with exactly the table's columns and dtypes."""
    spec = TABLES[table]
    df = pd.DataFrame(rows, columns=list(spec))
    return df.astype({name: dtype for name, (dtype, _) in spec.items()})
