"""``Dataset``: many reports as tidy tables (reports, cells, checks, sections, errors, wide).

Every table has a fixed list of columns with fixed dtypes (``tables.TABLES``), so a dataset built
in one go (``extract_many``) and one rebuilt in chunks from a batch run's database are identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .checks import CheckResult
from .corrections import Corrections, correct_cells
from .errors import ExtractorError, InputError
from .mapping.agency import AgencyTable
from .report import CELL_COLUMNS, Report
from .tables import CHECKS, FORMATS, WIDE_KEYS, frame

def read_frames(out: str | Path, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Tables of a dataset folder, read from its Parquet files; a missing or damaged folder or file
    is one ``InputError`` line (the summary and review pages start here)."""
    out = Path(out)
    if not out.is_dir():
        raise InputError(f"{out}: no such folder (give the --out folder of a batch run)")
    tables = list(tables)
    missing = [t for t in tables if not (out / f"{t}.parquet").is_file()]
    if missing:
        raise InputError(f"{out}: not a dataset folder ({', '.join(t + '.parquet' for t in missing)} "
                         "missing); write one with: extract PATHS --out " + str(out))
    frames = {}
    for t in tables:
        try:
            frames[t] = pd.read_parquet(out / f"{t}.parquet")
        except Exception as exc:  # noqa: BLE001 - a damaged file is bad input, one line
            raise InputError(f"{out / (t + '.parquet')}: cannot be read ({type(exc).__name__}: {exc})") from None
    return frames


def _fmt_bbox(bbox: Any) -> str | None:
    return None if bbox is None else ",".join(f"{x:.1f}" for x in bbox)


def report_rows(report: Report) -> dict[str, Any]:
    """The rows one report contributes to each table, without ``source`` (added per input)."""
    md = report.metadata
    sha = md.get("sha256")
    cells = []
    for c in report.cells:
        row = {"sha256": sha, **{k: c.get(k) for k in CELL_COLUMNS}}
        row["bbox"] = _fmt_bbox(c.get("bbox"))
        cells.append(row)
    return {
        "status": "ok",
        "report": {"sha256": sha, "status": "ok", "error_type": None, "error": None, "template": report.template,
                   "agency": md.get("agency"), "agency_id": md.get("agency_id"), "year": md.get("year"), "published": md.get("published"),
                   "title": md.get("title"), "scope": md.get("scope"), "format": md.get("format"),
                   "extractor_version": md.get("extractor_version"), "n_warnings": len(report.warnings),
                   "warnings": "\n".join(report.warnings), "n_corrections": md.get("n_corrections", 0)},
        "cells": cells,
        "checks": check_rows(sha, report.checks),
        "sections": [{"sha256": sha, "section": k, "text": v} for k, v in report.sections.items()],
    }


def check_rows(sha256: str | None, checks: Iterable[CheckResult]) -> list[dict[str, Any]]:
    """The checks table's rows of one report."""
    return [{"sha256": sha256, **{k: d.get(k) for k in list(CHECKS)[2:]}} for d in (c.to_dict() for c in checks)]


def error_rows(error_type: str, message: str, sha256: str | None = None,
               version: str | None = None) -> dict[str, Any]:
    """The rows a file that could not be extracted contributes (a reports row and an errors row)."""
    return {
        "status": "error",
        "report": {"sha256": sha256, "status": "error", "error_type": error_type, "error": message,
                   "template": None, "agency": None, "agency_id": None, "year": None, "published": None,
                   "title": None,
                   "scope": None, "format": None, "extractor_version": version, "n_warnings": 0, "warnings": ""},
        "cells": [], "checks": [], "sections": [],
        "errors": [{"sha256": sha256, "error_type": error_type, "message": message}],
    }


@dataclass
class Dataset:
    """Rows accumulate in lists; frames are built on access."""

    _reports: list[dict] = field(default_factory=list)
    _cells: list[dict] = field(default_factory=list)
    _checks: list[dict] = field(default_factory=list)
    _sections: list[dict] = field(default_factory=list)
    _errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. corrections that matched nothing

    @classmethod
    def empty(cls) -> "Dataset":
        return cls()

    def add_rows(self, rows: dict[str, Any], source: str | None) -> None:
        """Add the rows of one input (from ``report_rows`` or ``error_rows``) under ``source``."""
        self._reports.append({"source": source, **rows["report"]})
        for table in ("cells", "checks", "sections", "errors"):
            getattr(self, f"_{table}").extend({"source": source, **r} for r in rows.get(table, ()))

    def add(self, report: Report, *, source: str | None = None) -> None:
        self.add_rows(report_rows(report), source or report.metadata.get("source"))

    def add_error(self, source: str, exc: ExtractorError | Exception, sha256: str | None = None) -> None:
        from .version import __version__

        self.add_rows(error_rows(type(exc).__name__, str(exc), sha256, __version__), source)

    def apply_corrections(self, corrections: Corrections) -> int:
        """Apply a researcher's corrections to the reports they name (by sha256): the cells take
        the new values (state ``corrected``, ``raw`` as printed), the checks are computed again,
        the reports row counts them. Returns the number of cells corrected; ``corrections.unmatched()``
        then names the lines that matched nothing."""
        total = 0
        for rep in self._reports:
            if rep.get("status") != "ok":
                continue
            key = (rep["source"], rep["sha256"])
            cells = [c for c in self._cells if (c["source"], c["sha256"]) == key]
            n, warnings, checks = correct_cells(cells, rep["template"], rep["sha256"], corrections)
            if checks is not None:
                self._checks = [c for c in self._checks if (c["source"], c["sha256"]) != key]
                self._checks.extend({"source": rep["source"], **r} for r in check_rows(rep["sha256"], checks))
            if warnings:
                rep["warnings"] = "\n".join(filter(None, [rep.get("warnings"), *warnings]))
                rep["n_warnings"] = (rep.get("n_warnings") or 0) + len(warnings)
            rep["n_corrections"] = n
            total += n
        return total

    def apply_agencies(self, table: AgencyTable) -> None:
        """Give each report the agency_id a user's table names for its body (``--agencies``)."""
        for rep in self._reports:
            if rep.get("status") == "ok":
                rep["agency_id"] = table.resolve(rep.get("agency"), rep.get("agency_id"))

    def extend(self, other: "Dataset") -> None:
        for name in ("_reports", "_cells", "_checks", "_sections", "_errors"):
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return len(self._reports)

    @property
    def reports(self) -> pd.DataFrame:
        return frame("reports", self._reports)

    @property
    def cells(self) -> pd.DataFrame:
        return frame("cells", self._cells)

    @property
    def checks(self) -> pd.DataFrame:
        return frame("checks", self._checks)

    @property
    def sections(self) -> pd.DataFrame:
        return frame("sections", self._sections)

    @property
    def errors(self) -> pd.DataFrame:
        return frame("errors", self._errors)

    @property
    def wide(self) -> pd.DataFrame:
        """One row per input, one float column per cell address ``table.row.column``."""
        values: dict[tuple, dict[str, Any]] = {}
        for c in self._cells:
            values.setdefault((c["source"], c["sha256"]), {})[f"{c['table']}.{c['row']}.{c['column']}"] = c["value"]
        rows = []
        for r in self._reports:
            row = {k: r.get(k) for k in WIDE_KEYS}
            row.update(values.get((r["source"], r["sha256"]), {}))
            rows.append(row)
        return frame("wide", rows)

    def panel(self) -> pd.DataFrame:
        """One row per (agency, year) with the columns both templates share; derived columns are
        listed in ``.attrs["derived_columns"]`` (see ``extractor.panel``)."""
        from .panel import build_panel

        return build_panel(self.reports, self.cells)

    def carry_chain(self) -> pd.DataFrame:
        """Check ``panel.carry_chain`` per pair of consecutive reports of one body."""
        from .panel import carry_chain

        return carry_chain(self.panel())

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"reports": self.reports, "cells": self.cells, "checks": self.checks,
                "sections": self.sections, "errors": self.errors, "wide": self.wide}

    def write(self, out: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
        """Write every table in every format to ``out`` (see ``extractor.export``); each file is
        written under a temporary name and renamed, so a file in ``out`` is never half-written."""
        from .export import write_chunks

        return write_chunks([self], out, formats)
