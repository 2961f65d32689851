"""``Dataset``: many reports as tidy tables (reports, cells, checks, sections, errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from .errors import ExtractorError
from .report import CELL_COLUMNS, Report

REPORT_COLUMNS = ["source", "sha256", "status", "error_type", "error", "template", "agency", "year",
                  "published", "title", "format", "n_warnings", "warnings"]
CHECK_COLUMNS = ["source", "sha256", "check", "status", "passed", "scope", "key", "lhs", "rhs",
                 "lhs_terms", "rhs_terms", "reason"]
SECTION_COLUMNS = ["source", "sha256", "section", "text"]
ERROR_COLUMNS = ["source", "error_type", "message"]
FORMATS = ("parquet", "csv")


@dataclass
class Dataset:
    """Rows accumulate in lists; frames are built on access."""

    _reports: list[dict] = field(default_factory=list)
    _cells: list[dict] = field(default_factory=list)
    _checks: list[dict] = field(default_factory=list)
    _sections: list[dict] = field(default_factory=list)
    _errors: list[dict] = field(default_factory=list)

    @classmethod
    def empty(cls) -> "Dataset":
        return cls()

    def add(self, report: Report, *, source: str | None = None) -> None:
        md = report.metadata
        src = source or md.get("source")
        key = {"source": src, "sha256": md.get("sha256")}
        self._reports.append({**key, "status": "ok", "error_type": None, "error": None,
                              "template": report.template, "agency": md.get("agency"), "year": md.get("year"),
                              "published": md.get("published"), "title": md.get("title"),
                              "format": md.get("format"), "n_warnings": len(report.warnings),
                              "warnings": "\n".join(report.warnings)})
        for c in report.cells:
            row = {**key, **{k: c.get(k) for k in CELL_COLUMNS}}
            row["bbox"] = None if c.get("bbox") is None else ",".join(f"{x:.1f}" for x in c["bbox"])
            self._cells.append(row)
        for ch in report.checks:
            d = ch.to_dict()
            self._checks.append({**key, **{k: d.get(k) for k in CHECK_COLUMNS[2:]}})
        for name, text in report.sections.items():
            self._sections.append({**key, "section": name, "text": text})

    def add_error(self, source: str, exc: ExtractorError | Exception) -> None:
        etype = type(exc).__name__
        self._reports.append({"source": source, "sha256": None, "status": "error", "error_type": etype,
                              "error": str(exc), "template": None, "agency": None, "year": None,
                              "published": None, "title": None, "format": None, "n_warnings": 0,
                              "warnings": ""})
        self._errors.append({"source": source, "error_type": etype, "message": str(exc)})

    def extend(self, other: "Dataset") -> None:
        for name in ("_reports", "_cells", "_checks", "_sections", "_errors"):
            getattr(self, name).extend(getattr(other, name))

    @property
    def reports(self) -> pd.DataFrame:
        df = pd.DataFrame(self._reports, columns=REPORT_COLUMNS)
        return df.astype({"year": "Int64", "n_warnings": "Int64"})

    @property
    def cells(self) -> pd.DataFrame:
        df = pd.DataFrame(self._cells, columns=["source", "sha256", *CELL_COLUMNS])
        return df.astype({"value": "float64", "page": "Int64"})

    @property
    def checks(self) -> pd.DataFrame:
        df = pd.DataFrame(self._checks, columns=CHECK_COLUMNS)
        return df.astype({"passed": "boolean", "lhs": "float64", "rhs": "float64"})

    @property
    def sections(self) -> pd.DataFrame:
        return pd.DataFrame(self._sections, columns=SECTION_COLUMNS)

    @property
    def errors(self) -> pd.DataFrame:
        return pd.DataFrame(self._errors, columns=ERROR_COLUMNS)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"reports": self.reports, "cells": self.cells, "checks": self.checks,
                "sections": self.sections, "errors": self.errors}

    def write(self, out: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
        """Write every table in every format to ``out``; each file is written to a temporary
        name and renamed, so a file in ``out`` is never half-written."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, df in self.frames().items():
            for fmt in formats:
                path = out / f"{name}.{fmt}"
                tmp = out / f".{name}.{fmt}.tmp"
                if fmt == "parquet":
                    df.to_parquet(tmp, index=False)
                elif fmt == "csv":
                    df.to_csv(tmp, index=False, encoding="utf-8-sig")
                else:
                    raise ValueError(f"unknown format {fmt!r}")
                tmp.replace(path)
                written.append(path)
        return written
