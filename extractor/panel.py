"""A panel across years: one row per (body, year), columns that mean the same in both templates.

A body is its ``agency_id`` (SCHEMA.md: one body's stable identity across years and spellings,
``extractor.mapping.agency``); frames without that column fall back to the printed ``agency``.

The 2019 and 2021 templates share most of part 三 and all of part 四, and three rows of part 二.
Where the 2021 template splits a 2019 row (（六）其他处理 into three ``other_*`` rows), the panel
carries the 2019 row and derives it for 2021 reports as the sum; such columns are listed in
``panel.attrs["derived_columns"]`` (and described by ``panel_dictionary()``).

Checks across years of one body (SCHEMA.md): ``panel.carry_chain`` (this year's carried_over =
last year's carried_forward, per column) and ``panel.in_force_chain`` (2021 template, a warning).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .schema import TEMPLATE_2019, TEMPLATE_2021, TEMPLATES

Addr = tuple[str, str, str]
ID_COLUMNS = ["agency_id", "agency", "year", "template", "source", "sha256", "n_reports"]
OTHER_ROWS_2021 = ("other_overdue_correction", "other_unpaid_fees", "other_other")
APPLICANT_KEYS = [c.key for c in TEMPLATE_2021.table("requests").columns]
IN_FORCE_ROWS = ("regulations", "normative_documents")


def shared_addresses() -> list[Addr]:
    """Addresses printed by both templates with the same meaning, in the 2021 printed order."""
    in_2019 = set(TEMPLATE_2019.addresses())
    return [a for a in TEMPLATE_2021.addresses() if a in in_2019]


def derived_columns() -> dict[str, dict[str, str]]:
    """Panel column -> {template: how its value is obtained}; only columns derived somewhere."""
    return {f"requests.other_handling.{c}": {
        "2019": "as printed: requests.other_handling." + c,
        "2021": " + ".join(f"requests.{r}.{c}" for r in OTHER_ROWS_2021),
    } for c in APPLICANT_KEYS}


def panel_value_columns() -> list[str]:
    cols = [".".join(a) for a in shared_addresses()]
    # the derived rows go where the 2019 template prints （六）其他处理: before （七）总计
    at = cols.index("requests.total_processed.natural_person")
    return cols[:at] + list(derived_columns()) + cols[at:]


def panel_dictionary() -> pd.DataFrame:
    """One row per panel value column: whether it is derived, and the rule per template."""
    derived = derived_columns()
    rows = []
    for col in panel_value_columns():
        rule = derived.get(col)
        rows.append({"column": col, "derived": rule is not None,
                     "rule_2019": rule["2019"] if rule else "as printed",
                     "rule_2021": rule["2021"] if rule else "as printed"})
    return pd.DataFrame(rows)


def _reports_by_body(reports: pd.DataFrame, cells: pd.DataFrame) -> dict[tuple[str, int], dict[str, Any]]:
    """(agency, year) -> the one report used for it, with its {address: (value, state)}."""
    ok = reports
    if "status" in ok.columns:
        ok = ok[ok["status"].fillna("ok") == "ok"]
    ok = ok[ok["template"].isin(list(TEMPLATES)) & ok["agency"].notna() & ok["year"].notna()]
    ids = ok["agency_id"] if "agency_id" in ok.columns else ok["agency"]
    ok = ok.assign(body_key=ids.where(ids.notna(), ok["agency"]))
    values: dict[tuple[Any, Any], dict[Addr, tuple[float | None, str]]] = {}
    for rec in cells[["source", "sha256", "table", "row", "column", "value", "state"]].itertuples(index=False):
        v = None if rec.value is None or pd.isna(rec.value) else float(rec.value)
        values.setdefault((rec.source, rec.sha256), {})[(rec.table, rec.row, rec.column)] = (v, rec.state)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in ok.itertuples(index=False):
        key = (str(rec.body_key).strip(), int(rec.year))
        if key in out:  # the same report in two formats, or a re-publication: keep the first
            out[key]["n_reports"] += 1
            continue
        out[key] = {"agency": str(rec.agency).strip(), "template": rec.template, "source": rec.source, "sha256": rec.sha256, "n_reports": 1,
                    "cells": values.get((rec.source, rec.sha256), {})}
    return out


def _derived(cells: dict[Addr, tuple[float | None, str]], template: str, col: str) -> tuple[float | None, bool]:
    """(value, left entirely blank) of requests.other_handling.<col> for one report."""
    if template == "2019":
        v, state = cells.get(("requests", "other_handling", col), (None, "missing"))
        return v, state == "blank"
    parts = [cells.get(("requests", r, col), (None, "missing")) for r in OTHER_ROWS_2021]
    values = [v for v, _ in parts if v is not None]
    if len(values) < len(parts):
        return None, False
    return sum(values), all(s == "blank" for _, s in parts)


def build_panel(reports: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """One row per (agency, year) with the columns both templates share (see module docstring).

    ``reports`` and ``cells`` are ``Dataset.reports`` / ``Dataset.cells``. Reports that failed,
    legacy reports and reports without agency or year are left out. ``attrs`` carries
    ``derived_columns`` (list), ``derivations`` (rules) and ``blank`` (cells left blank).
    """
    shared = shared_addresses()
    derived = derived_columns()
    rows, blank = [], []
    for (agency, year), rep in sorted(_reports_by_body(reports, cells).items()):
        row: dict[str, Any] = {"agency_id": agency, "agency": rep["agency"], "year": year, "template": rep["template"],
                               "source": rep["source"], "sha256": rep["sha256"], "n_reports": rep["n_reports"]}
        for addr in shared:
            v, state = rep["cells"].get(addr, (None, "missing"))
            row[".".join(addr)] = v
            if state == "blank":
                blank.append((agency, year, ".".join(addr)))
        for col in derived:
            v, is_blank = _derived(rep["cells"], rep["template"], col.rsplit(".", 1)[1])
            row[col] = v
            if is_blank:
                blank.append((agency, year, col))
        rows.append(row)
    value_cols = panel_value_columns()
    panel = pd.DataFrame(rows, columns=ID_COLUMNS + value_cols)
    panel = panel.astype({"agency_id": "string", "agency": "string", "year": "Int64", "template": "string", "source": "string",
                          "sha256": "string", "n_reports": "Int64", **{c: "float64" for c in value_cols}})
    panel.attrs["derived_columns"] = list(derived)
    panel.attrs["derivations"] = derived
    panel.attrs["blank"] = blank
    return panel


CHAIN_COLUMNS = ["check", "agency_id", "year", "previous_year", "key", "status", "passed", "value",
                 "previous_value", "reason", "source", "previous_source"]


def _chain_status(now: float | None, before: float | None, now_blank: bool, before_blank: bool) -> tuple[str, str | None]:
    if now is None or before is None or (isinstance(now, float) and math.isnan(now)) \
            or (isinstance(before, float) and math.isnan(before)):
        return "not_assessable", "value missing or unreadable"
    if (now_blank and before) or (before_blank and now):
        return "not_assessable", "left blank"
    return ("pass", None) if abs(now - before) < 1e-6 else ("fail", None)


def _chain_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=CHAIN_COLUMNS)
    df["passed"] = df["status"].map({"pass": True, "fail": False}).astype("boolean")
    return df.astype({"check": "string", "agency_id": "string", "year": "Int64", "previous_year": "Int64",
                      "key": "string", "status": "string", "value": "float64", "previous_value": "float64",
                      "reason": "string", "source": "string", "previous_source": "string"})


def carry_chain(panel_or_cells: pd.DataFrame, reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check ``panel.carry_chain``: per consecutive pair of one body's reports (year N-1, N) and per
    applicant column, N's carried_over = N-1's carried_forward. Accepts a panel from ``build_panel``,
    or a cells frame together with its ``reports`` frame.

    Rows: ``key`` is the column, ``value`` this year's carried_over, ``previous_value`` last year's
    carried_forward; ``status`` pass / fail / not_assessable (a value missing, or left blank).
    """
    panel = panel_or_cells
    if "table" in panel.columns:
        if reports is None:
            raise ValueError("carry_chain: a cells frame needs its reports frame (agency and year)")
        panel = build_panel(reports, panel_or_cells)
    blank = set(panel.attrs.get("blank", ()))
    by_key = {(r["agency_id"], int(r["year"])): r for r in panel.to_dict("records")}
    rows = []
    for (agency, year), now in sorted(by_key.items()):
        before = by_key.get((agency, year - 1))
        if before is None:
            continue
        for col in APPLICANT_KEYS:
            a_col, b_col = f"requests.carried_over.{col}", f"requests.carried_forward.{col}"
            a, b = now.get(a_col), before.get(b_col)
            status, reason = _chain_status(a, b, (agency, year, a_col) in blank, (agency, year - 1, b_col) in blank)
            rows.append({"check": "panel.carry_chain", "agency_id": agency, "year": year, "previous_year": year - 1,
                         "key": col, "status": status, "value": a, "previous_value": b, "reason": reason,
                         "source": now["source"], "previous_source": before["source"]})
    return _chain_frame(rows)


def _active_cell(rep: dict[str, Any], row: str, col: str) -> tuple[float | None, str]:
    """(value, state) of active_disclosure.<row>.<col> in one report of ``_reports_by_body``."""
    return rep["cells"].get(("active_disclosure", row, col), (None, "missing"))


def in_force_chain(reports: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Check ``panel.in_force_chain`` (a warning, 2021 template): last year's in_force + this year's
    issued − repealed = this year's in_force, for 规章 and 行政规范性文件.

    ``value`` is this year's in_force as printed, ``previous_value`` the in_force the chain implies.
    """
    bodies = _reports_by_body(reports, cells)
    rows = []
    for (agency, year), now in sorted(bodies.items()):
        before = bodies.get((agency, year - 1))
        if before is None or now["template"] != "2021" or before["template"] != "2021":
            continue
        for row in IN_FORCE_ROWS:
            got, got_state = _active_cell(now, row, "in_force")
            parts = [_active_cell(before, row, "in_force"), _active_cell(now, row, "issued"),
                     _active_cell(now, row, "repealed")]
            values = [v for v, _ in parts if v is not None]
            implied = None if len(values) < len(parts) else values[0] + values[1] - values[2]
            status, reason = _chain_status(got, implied, got_state == "blank",
                                           all(s == "blank" for _, s in parts))
            rows.append({"check": "panel.in_force_chain", "agency_id": agency, "year": year, "previous_year": year - 1,
                         "key": row, "status": status, "value": got, "previous_value": implied, "reason": reason,
                         "source": now["source"], "previous_source": before["source"]})
    return _chain_frame(rows)


def chain_warnings(chain: pd.DataFrame) -> list[str]:
    """One line per failed chain link, for a report's or a dataset's warnings."""
    out = []
    for r in chain[chain["status"] == "fail"].itertuples(index=False):
        out.append(f"{r.check}: {r.agency_id} {r.previous_year}→{r.year} {r.key}: "
                   f"{r.value:g} printed, {r.previous_value:g} expected from the year before")
    return out
