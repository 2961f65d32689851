"""The numbers on the summary page, computed from a dataset's tables (``OUT/*.parquet``).

Everything here is plain pandas, so the page, the notebook and the tests share one computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from ..dataset import read_frames
from ..schema import REVIEW_LITIGATION, TEMPLATES

NEEDED = ("reports", "checks", "errors", "wide")
UNKNOWN = "unknown"
# Headline figures, as wide-table columns (table.row.column, SCHEMA.md).
NEW_REQUESTS = "requests.new_requests.total"
TOTAL_PROCESSED = "requests.total_processed.total"
GRANTED = "requests.granted.total"
REVIEW_ROWS: tuple[str, ...] = tuple(r.key for r in REVIEW_LITIGATION.rows)
REVIEW_OUTCOMES: tuple[str, ...] = tuple(c.key for c in REVIEW_LITIGATION.columns if c.key != "total")
MAX_FILES_PER_REASON = 50


def denied_columns() -> list[str]:
    """Wide columns of the rows under （三）不予公开 (keys ``denied_*``, both templates), ``total`` column."""
    rows: dict[str, None] = {}
    for template in TEMPLATES.values():
        for r in template.table("requests").rows:
            if r.key.startswith("denied_"):
                rows.setdefault(r.key, None)
    return [f"requests.{row}.total" for row in rows]


def load_frames(out: str | Path) -> dict[str, pd.DataFrame]:
    """The tables the summary needs, read from the Parquet files of a dataset folder."""
    return read_frames(out, NEEDED)


def _objects(df: pd.DataFrame) -> pd.DataFrame:
    """String columns as plain objects (None for missing), so groupby and sorting behave the same
    whether the table came from Parquet (Arrow-backed strings) or from a Dataset in memory."""
    out = df.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith(("string", "large_string")):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


@dataclass
class SummaryData:
    """Every table shown on the summary page (DataFrames with plain dtypes)."""

    overview: dict[str, object]
    by_year: pd.DataFrame  # index year label, columns template, ok reports
    by_format: pd.DataFrame  # index format, columns template, ok reports
    failures: pd.DataFrame  # error_type, files (count), ordered by count
    failure_files: dict[str, list[tuple[str, str]]]  # error_type -> [(source, message)] (capped)
    check_rates: pd.DataFrame  # per check: reports fail / not_assessable / pass, failure_rate, equations_failed
    worst: pd.DataFrame  # reports with failing equations: source, agency, year, n_failed, max_gap, failures
    headline: pd.DataFrame  # per ok report with tables: source, agency, year, template, new_requests, shares
    review: pd.DataFrame  # index review_litigation rows, columns outcomes: summed counts

    @property
    def empty(self) -> bool:
        return not self.overview["files"]


def summarise_frames(frames: Mapping[str, pd.DataFrame]) -> SummaryData:
    """Compute the page's tables from a dataset's ``reports``, ``checks``, ``errors`` and ``wide`` tables."""
    reports = _objects(frames["reports"])
    checks = _objects(frames["checks"])
    errors = _objects(frames["errors"])
    wide = frames["wide"]
    ok = reports[reports["status"] == "ok"]
    return SummaryData(
        overview=_overview(reports, ok, checks),
        by_year=_crosstab(ok, "year"),
        by_format=_crosstab(ok, "format"),
        failures=_failures(errors),
        failure_files=_failure_files(errors),
        check_rates=_check_rates(checks),
        worst=_worst(checks, reports),
        headline=_headline(wide),
        review=_review(wide),
    )


def _overview(reports: pd.DataFrame, ok: pd.DataFrame, checks: pd.DataFrame) -> dict[str, object]:
    years = pd.to_numeric(ok["year"], errors="coerce").dropna()
    failing = checks.loc[checks["status"] == "fail", "source"].nunique() if len(checks) else 0
    return {
        "files": int(len(reports)),
        "ok": int(len(ok)),
        "failed": int((reports["status"] != "ok").sum()),
        "agencies": int(ok["agency"].dropna().nunique()),
        "years": f"{int(years.min())}–{int(years.max())}" if len(years) else "—",
        "reports_failing_checks": int(failing),
    }


def _label(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return UNKNOWN
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _crosstab(ok: pd.DataFrame, by: str) -> pd.DataFrame:
    if ok.empty:
        return pd.DataFrame(dtype="int64")
    keys = ok[by].astype(object).map(_label)
    templates = ok["template"].astype(object).map(_label)
    table = pd.crosstab(keys, templates).astype("int64")
    table.index.name, table.columns.name = by, "template"
    order = sorted(table.index, key=lambda k: (k == UNKNOWN, k))
    cols = [t for t in (*TEMPLATES, "legacy") if t in table.columns] + \
        sorted(c for c in table.columns if c not in (*TEMPLATES, "legacy"))
    return table.loc[order, cols]


def _failures(errors: pd.DataFrame) -> pd.DataFrame:
    if errors.empty:
        return pd.DataFrame({"error_type": pd.Series(dtype=object), "files": pd.Series(dtype="int64")})
    counts = errors.groupby("error_type", dropna=False)["source"].count()
    df = counts.rename("files").reset_index()
    df["error_type"] = df["error_type"].map(_label)
    return df.sort_values(["files", "error_type"], ascending=[False, True], ignore_index=True)


def _failure_files(errors: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for row in errors.sort_values("source").itertuples(index=False):
        out.setdefault(_label(row.error_type), []).append((_label(row.source), row.message or ""))
    return out


def _check_rates(checks: pd.DataFrame) -> pd.DataFrame:
    cols = ["check", "fail", "not_assessable", "pass", "failure_rate", "equations", "equations_failed"]
    if checks.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for name, group in checks.groupby("check", sort=False):
        per_report = group.groupby("source")["status"].agg(
            lambda s: "fail" if (s == "fail").any() else ("not_assessable" if (s == "not_assessable").any()
                                                          else "pass"))
        n = per_report.value_counts()
        fail, na, ok = int(n.get("fail", 0)), int(n.get("not_assessable", 0)), int(n.get("pass", 0))
        rows.append({"check": name, "fail": fail, "not_assessable": na, "pass": ok,
                     "failure_rate": fail / (fail + ok) if fail + ok else float("nan"),
                     "equations": int(len(group)), "equations_failed": int((group["status"] == "fail").sum())})
    return pd.DataFrame(rows, columns=cols).sort_values("check", ignore_index=True)


def _fmt(x: object) -> str:
    if x is None or pd.isna(x):
        return "?"
    return f"{x:g}"


def _worst(checks: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    cols = ["source", "agency", "year", "n_failed", "max_gap", "failures"]
    failed = checks[checks["status"] == "fail"].copy()
    if failed.empty:
        return pd.DataFrame(columns=cols)
    failed["gap"] = (failed["lhs"].astype(float) - failed["rhs"].astype(float)).abs()
    failed["text"] = [f"{c}[{k}] {_fmt(lhs)}≠{_fmt(rhs)}" for c, k, lhs, rhs in
                      zip(failed["check"], failed["key"], failed["lhs"], failed["rhs"])]
    agg = failed.groupby("source").agg(n_failed=("text", "size"), max_gap=("gap", "max"),
                                       failures=("text", "; ".join)).reset_index()
    meta = reports.drop_duplicates("source").set_index("source")[["agency", "year"]]
    agg = agg.join(meta, on="source")
    agg["year"] = agg["year"].map(_label)
    agg["agency"] = agg["agency"].map(_label)
    agg = agg.sort_values(["n_failed", "max_gap", "source"], ascending=[False, False, True], ignore_index=True)
    return agg[cols]


def _num(wide: pd.DataFrame, col: str) -> pd.Series:
    if col not in wide.columns:
        return pd.Series(float("nan"), index=wide.index)
    return pd.to_numeric(wide[col], errors="coerce").astype(float)


def _headline(wide: pd.DataFrame) -> pd.DataFrame:
    cols = ["source", "agency", "year", "template", "new_requests", "total_processed", "share_granted",
            "share_denied"]
    w = wide[(wide["status"] == "ok") & wide["template"].isin(list(TEMPLATES))]
    if w.empty:
        return pd.DataFrame(columns=cols)
    processed = _num(w, TOTAL_PROCESSED)
    denom = processed.where(processed > 0)
    denied = sum((_num(w, c) for c in denied_columns()), start=pd.Series(0.0, index=w.index))
    df = pd.DataFrame({
        "source": w["source"].astype(object), "agency": w["agency"].astype(object),
        "year": w["year"].astype(object).map(_label), "template": w["template"].astype(object),
        "new_requests": _num(w, NEW_REQUESTS), "total_processed": processed,
        "share_granted": _num(w, GRANTED) / denom, "share_denied": denied / denom,
    })
    return df.reset_index(drop=True)[cols]


def _review(wide: pd.DataFrame) -> pd.DataFrame:
    w = wide[(wide["status"] == "ok") & wide["template"].isin(list(TEMPLATES))]
    data = {o: [float(_num(w, f"review_litigation.{r}.{o}").sum()) for r in REVIEW_ROWS]  # NaN skipped
            for o in REVIEW_OUTCOMES}
    df = pd.DataFrame(data, index=list(REVIEW_ROWS))
    df.index.name = "row"
    return df
