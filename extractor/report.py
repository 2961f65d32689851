"""``Report``: what ``extract`` returns for one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .checks import CheckResult, summarise

if TYPE_CHECKING:  # pandas is imported only when a frame is asked for: `extract --json` never needs it
    import pandas as pd

# The one description of a cell's fields, in order: name -> (dtype in the dataset, Chinese label).
# The JSON cells, ``Report.to_frame``, the dataset's cells table and its Stata labels all use it.
CELL_FIELDS: dict[str, tuple[str, str]] = {
    "table": ("string", "表"), "row": ("string", "行"), "column": ("string", "列"), "value": ("float64", "数值"),
    "raw": ("string", "原文"), "state": ("string", "状态"), "unit": ("string", "单位"), "how": ("string", "读取方式"),
    "confidence": ("float64", "识别置信度"), "note": ("string", "更正说明"), "page": ("Int64", "页码"),
    "path": ("string", "位置"), "bbox": ("string", "坐标框"),
}
CELL_COLUMNS = list(CELL_FIELDS)


@dataclass
class Report:
    template: str  # "2021", "2019" or "legacy"
    metadata: dict[str, Any]
    cells: list[dict[str, Any]]
    checks: list[CheckResult]
    sections: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    def value(self, table: str, row: str, column: str) -> Any:
        """The value at one address (None when missing or unreadable)."""
        for c in self.cells:
            if (c["table"], c["row"], c["column"]) == (table, row, column):
                return c["value"]
        raise KeyError((table, row, column))

    @property
    def check_summary(self) -> dict[str, str]:
        return summarise(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: template, metadata, every cell, checks, sections, warnings."""
        return {
            "template": self.template,
            "metadata": dict(self.metadata),
            "cells": [dict(c) for c in self.cells],
            "checks": [c.to_dict() for c in self.checks],
            "check_summary": self.check_summary,
            "sections": dict(self.sections),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> "pd.DataFrame":
        """A tidy long frame: one row per cell, with the report's source and sha256."""
        import pandas as pd

        rows = [{"source": self.metadata.get("source"), "sha256": self.metadata.get("sha256"),
                 **{k: c.get(k) for k in CELL_COLUMNS}} for c in self.cells]
        return pd.DataFrame(rows, columns=["source", "sha256", *CELL_COLUMNS])
