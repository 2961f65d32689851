"""Which reports need a researcher's look, and why: read from a dataset's ``reports``, ``cells`` and
``checks`` tables (``OUT/*.parquet``).

A report is listed when it has a failing check (an equation of the template's arithmetic that does
not hold as printed), a cell that is unreadable or missing, a cell placed by the template's row order
(``how == "position"``) or an OCR value read with low confidence. Everything here is plain pandas
and dataclasses, so the page, the tests and a notebook share one selection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..dataset import read_frames
from ..checks.suspects import LOW_CONFIDENCE  # the threshold the OCR warnings use (no OCR library imported)

NEEDED = ("reports", "cells", "checks")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
Address = tuple[str, str, str]

# Flag kinds, in the order they are shown, with their words on the page.
FLAG_WORDS: dict[str, str] = {
    "unreadable": "unreadable",
    "missing": "missing",
    "position": "placed by position",
    "low_confidence": f"low OCR confidence (< {LOW_CONFIDENCE:g})",
}
# Worst first: a failing equation weighs most, then a value that could not be read at all.
WEIGHTS = {"fail": 10, "unreadable": 3, "missing": 3, "position": 1, "low_confidence": 1}


def load_frames(out: str | Path) -> dict[str, pd.DataFrame]:
    """The tables the review needs, read from the Parquet files of a dataset folder."""
    return read_frames(out, NEEDED)


def _plain(value: Any) -> Any:
    """A pandas scalar as a plain Python value (None for any missing value)."""
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def fmt_number(value: Any) -> str:
    """A value as printed on the page: ``5``, ``1.25``; ``?`` when missing."""
    value = _plain(value)
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_bbox(text: Any) -> tuple[float, float, float, float] | None:
    """``"x0,top,x1,bottom"`` as four floats (None when absent or malformed)."""
    text = _plain(text)
    if not text:
        return None
    try:
        parts = tuple(float(p) for p in str(text).split(","))
    except ValueError:
        return None
    if len(parts) != 4 or parts[2] <= parts[0] or parts[3] <= parts[1]:
        return None
    return parts


@dataclass
class CellInfo:
    """One extracted cell of a report, with why it is flagged (empty when it is not)."""

    address: Address
    value: float | None
    raw: str
    state: str
    how: str | None
    confidence: float | None
    page: int | None
    path: str | None
    bbox: tuple[float, float, float, float] | None
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return ".".join(self.address)

    def correction_value(self) -> str:
        """The value a correction line starts from: the printed number, or empty when none was printed
        (blank, dash, unreadable, missing). A corrected cell starts from what was printed, not the correction."""
        if self.state == "number" and self.value is not None:
            return fmt_number(self.value)
        if self.state == "corrected":
            printed = _PLAIN_NUMBER.fullmatch(self.raw.replace(",", "").replace("，", "").strip())
            return fmt_number(float(printed.group(0))) if printed else ""
        return ""


@dataclass
class Equation:
    """A failing equation with the printed numbers of its terms."""

    id: str
    check: str
    table: str
    scope: str  # "row": the terms are columns of row ``key``; "column": rows of column ``key``
    key: str
    left: list[Address]
    right: list[Address]
    lhs: float | None
    rhs: float | None
    text: str  # e.g. "3+1+1+0 = 5 ≠ 4 printed"

    @property
    def addresses(self) -> list[Address]:
        return [*self.left, *self.right]

    @property
    def gap(self) -> float:
        if self.lhs is None or self.rhs is None:
            return 0.0
        return abs(self.lhs - self.rhs)


@dataclass
class ReviewItem:
    """One report to look at: who, what file, its cells and why it is listed."""

    source: str
    sha256: str
    agency: str | None
    year: int | None
    template: str | None
    format: str | None
    warnings: list[str]
    cells: dict[Address, CellInfo]
    equations: list[Equation]

    @property
    def flagged(self) -> list[CellInfo]:
        return [c for c in self.cells.values() if c.flags]

    @property
    def failing_addresses(self) -> set[Address]:
        return {a for e in self.equations for a in e.addresses}

    def counts(self) -> dict[str, int]:
        """Failing equations and flagged cells by kind."""
        out = {"fail": len(self.equations), **{k: 0 for k in FLAG_WORDS}}
        for c in self.flagged:
            for f in c.flags:
                out[f] += 1
        return out

    @property
    def score(self) -> int:
        return sum(WEIGHTS[k] * n for k, n in self.counts().items())

    @property
    def kinds(self) -> list[str]:
        """What the page's check filter matches: the failing checks' names and the flag kinds present."""
        checks = list(dict.fromkeys(e.check for e in self.equations))
        counts = self.counts()
        return checks + [f"flag:{k}" for k in FLAG_WORDS if counts[k]]

    @property
    def max_gap(self) -> float:
        return max((e.gap for e in self.equations), default=0.0)


def flags_of(state: Any, how: Any, confidence: Any) -> list[str]:
    """Why a cell needs a look: its state, how it was read, its OCR confidence."""
    out = []
    state, how, confidence = _plain(state), _plain(how), _plain(confidence)
    if state in ("unreadable", "missing"):
        out.append(state)
    if how == "position":
        out.append("position")
    if confidence is not None and confidence < LOW_CONFIDENCE:
        out.append("low_confidence")
    return out


def _terms(text: Any) -> list[str]:
    text = _plain(text)
    return [t.strip() for t in str(text).split("+") if t.strip()] if text else []


def _side(values: Mapping[Address, Any], addrs: list[Address]) -> str:
    return "+".join(fmt_number(values.get(a)) for a in addrs)


def equation_text(values: Mapping[Address, Any], left: list[Address], right: list[Address],
                  lhs: Any, rhs: Any) -> str:
    """The equation with the printed numbers: ``3+1+1+0 = 5 ≠ 4 printed`` when one side is a single
    printed total, else ``a+b = X ≠ c+d = Y``."""
    if len(left) == 1 and len(right) > 1:
        return f"{_side(values, right)} = {fmt_number(rhs)} ≠ {fmt_number(lhs)} printed"
    if len(right) == 1 and len(left) > 1:
        return f"{_side(values, left)} = {fmt_number(lhs)} ≠ {fmt_number(rhs)} printed"
    return f"{_side(values, left)} = {fmt_number(lhs)} ≠ {_side(values, right)} = {fmt_number(rhs)}"


def _addresses(table: str, scope: str, key: str, terms: list[str]) -> list[Address]:
    return [(table, key, t) if scope == "row" else (table, t, key) for t in terms]


def _objects(df: pd.DataFrame) -> pd.DataFrame:
    """String columns as plain objects, so rows compare and group alike from Parquet or memory."""
    out = df.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith(("string", "large_string")):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def select(frames: Mapping[str, pd.DataFrame]) -> tuple[list[ReviewItem], int]:
    """The reports to review, worst first, and the number of extracted reports looked at."""
    reports = _objects(frames["reports"])
    cells = _objects(frames["cells"])
    checks = _objects(frames["checks"])
    ok = reports[reports["status"] == "ok"]
    fails = checks[checks["status"] == "fail"]
    # Only the reports with something to look at get their cells built (a dataset may hold thousands).
    conf = pd.to_numeric(cells["confidence"], errors="coerce")
    marked = cells["state"].isin(["unreadable", "missing"]) | (cells["how"] == "position") | (conf < LOW_CONFIDENCE)
    wanted = set(zip(cells.loc[marked, "source"], cells.loc[marked, "sha256"])) | \
        set(zip(fails["source"], fails["sha256"]))
    keep = pd.Series([k in wanted for k in zip(cells["source"], cells["sha256"])], index=cells.index, dtype=bool)
    cells_by = {k: g for k, g in cells[keep].groupby(["source", "sha256"], sort=False, dropna=False)}
    fails_by = {k: g for k, g in fails.groupby(["source", "sha256"], sort=False, dropna=False)}
    items: list[ReviewItem] = []
    n_eq = 0
    for r in ok.itertuples(index=False):
        key = (r.source, r.sha256)
        if key not in wanted:
            continue
        cdf = cells_by.get(key)
        info: dict[Address, CellInfo] = {}
        if cdf is not None:
            for c in cdf.itertuples(index=False):
                addr = (str(c.table), str(c.row), str(c.column))
                info[addr] = CellInfo(
                    addr, _plain(c.value), _plain(c.raw) or "", _plain(c.state) or "", _plain(c.how),
                    _plain(c.confidence), _plain(c.page), _plain(c.path), parse_bbox(c.bbox),
                    flags_of(c.state, c.how, c.confidence))
        values = {a: c.value for a, c in info.items()}
        equations = []
        fdf = fails_by.get(key)
        if fdf is not None:
            for ch in fdf.itertuples(index=False):
                table = str(ch.check).split(".", 1)[0]
                left = _addresses(table, ch.scope, ch.key, _terms(ch.lhs_terms))
                right = _addresses(table, ch.scope, ch.key, _terms(ch.rhs_terms))
                equations.append(Equation(f"e{n_eq}", str(ch.check), table, str(ch.scope), str(ch.key), left, right,
                                          _plain(ch.lhs), _plain(ch.rhs),
                                          equation_text(values, left, right, ch.lhs, ch.rhs)))
                n_eq += 1
        item = ReviewItem(str(r.source), str(r.sha256 or ""), _plain(r.agency), _plain(r.year), _plain(r.template),
                          _plain(r.format), [w for w in str(_plain(r.warnings) or "").split("\n") if w.strip()],
                          info, equations)
        if item.equations or item.flagged:
            items.append(item)
    items.sort(key=lambda i: (-i.score, -i.max_gap, i.source))
    return items, int(len(ok))
