"""The panel across years and the cross-year checks, on the series fixture and on small frames."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import extractor
from extractor.panel import (build_panel, carry_chain, chain_warnings, derived_columns, in_force_chain,
                             panel_dictionary, panel_value_columns, shared_addresses)

SERIES = Path(__file__).resolve().parents[1] / "fixtures" / "series"


@pytest.fixture(scope="module")
def dataset():
    files = sorted(p for p in SERIES.iterdir() if p.name.startswith("yunling_") and not p.name.endswith(".json"))
    ds = extractor.extract_many(files)
    assert ds.errors.empty, ds.errors.to_dict("records")
    return ds


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((SERIES / "panel.expected.json").read_text("utf-8"))


def test_series_panel_has_one_row_per_year_and_every_value_right(dataset, expected) -> None:
    panel = build_panel(dataset.reports, dataset.cells)
    assert list(panel["year"]) == expected["years"]
    assert set(panel["agency"]) == {expected["agency"]}
    assert list(panel["template"]) == [r["template"] for r in expected["rows"]]
    assert (panel["n_reports"] == 1).all()
    value_cols = [c for c in expected["rows"][0] if c not in ("agency", "year", "template")]
    assert sorted(value_cols) == sorted(panel_value_columns())
    wrong = []
    for got, want in zip(panel.to_dict("records"), expected["rows"]):
        for col in value_cols:
            if not math.isclose(got[col], want[col], abs_tol=1e-9):
                wrong.append((want["year"], col, want[col], got[col]))
    assert not wrong, wrong[:10]


def test_derived_columns_are_marked_and_are_sums_for_2021(dataset, expected) -> None:
    panel = build_panel(dataset.reports, dataset.cells)
    assert panel.attrs["derived_columns"] == expected["derived_columns"]
    d = panel_dictionary()
    assert sorted(d.loc[d["derived"], "column"]) == sorted(expected["derived_columns"])
    assert (d.loc[~d["derived"], "rule_2021"] == "as printed").all()
    # the 2021 rows: other_handling equals the sum of the three other_* cells of that report
    cells = dataset.cells
    sums = []
    for rec in panel[panel["template"] == "2021"].to_dict("records"):
        for col in ("natural_person", "total"):
            mine = cells[(cells["source"] == rec["source"]) & (cells["row"].isin(
                ["other_overdue_correction", "other_unpaid_fees", "other_other"])) & (cells["column"] == col)]
            assert len(mine) == 3
            assert rec[f"requests.other_handling.{col}"] == mine["value"].sum()
            sums.append(mine["value"].sum())
    assert len(sums) == 8 and any(sums)


def test_carry_chain_reports_the_broken_pair(dataset, expected) -> None:
    panel = build_panel(dataset.reports, dataset.cells)
    chain = carry_chain(panel)
    got = [(r["year"], r["previous_year"], r["key"], r["status"], r["value"], r["previous_value"])
           for r in chain.to_dict("records")]
    want = [(e["year"], e["previous_year"], e["column"], e["status"], e["carried_over"],
             e["previous_carried_forward"]) for e in expected["carry_chain"]]
    assert got == want
    assert {(r[0], r[2]) for r in got if r[3] == "fail"} == {(2022, "natural_person"), (2022, "total")}
    assert (chain["check"] == "panel.carry_chain").all()
    assert chain.loc[chain["status"] == "fail", "passed"].eq(False).all()
    # the same from the cells frame and the reports frame
    again = carry_chain(dataset.cells, dataset.reports)
    pd.testing.assert_frame_equal(chain, again)
    lines = chain_warnings(chain)
    assert len(lines) == 2 and all("2021→2022" in line for line in lines)


def test_in_force_chain_is_checked_across_2021_template_years(dataset, expected) -> None:
    chain = in_force_chain(dataset.reports, dataset.cells)
    got = [(r["year"], r["key"], r["status"], r["value"], r["previous_value"]) for r in chain.to_dict("records")]
    want = [(e["year"], e["row"], e["status"], e["in_force"], e["expected_in_force"]) for e in expected["in_force_chain"]]
    assert got == want
    assert [g[:2] for g in got if g[2] == "fail"] == [(2024, "normative_documents")]


def test_shared_columns_are_those_both_templates_print() -> None:
    shared = shared_addresses()
    assert ("active_disclosure", "administrative_licensing", "decisions") in shared
    assert ("active_disclosure", "regulations", "issued") not in shared
    assert ("active_disclosure", "administrative_fees", "amount") not in shared
    assert ("requests", "other_other", "total") not in shared
    assert ("review_litigation", "litigation_after_review", "pending") in shared
    cols = panel_value_columns()
    assert len(cols) == len(set(cols)) == 3 + 23 * 7 + 15
    assert set(derived_columns()) == {f"requests.other_handling.{c}" for c in
                                      ["natural_person", "commercial_enterprise", "research_institution",
                                       "social_welfare_org", "legal_service_org", "other_org", "total"]}


# --- small frames: the edge cases ----------------------------------------------------------------

def _frames(specs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """reports/cells frames for reports given as {source, agency, year, template, status, co, cf}."""
    reports, cells = [], []
    for s in specs:
        reports.append({"source": s["source"], "sha256": s["source"] + "-sha", "status": s.get("status", "ok"),
                        "template": s.get("template", "2021"), "agency": s.get("agency", "甲局"),
                        "year": s["year"], "published": None, "title": None})
        for row, key in (("carried_over", "co"), ("carried_forward", "cf")):
            for col, (value, state) in s.get(key, {}).items():
                cells.append({"source": s["source"], "sha256": s["source"] + "-sha", "table": "requests",
                              "row": row, "column": col, "value": value, "raw": "", "state": state, "unit": None})
    rep = pd.DataFrame(reports).astype({"year": "Int64"})
    cel = pd.DataFrame(cells, columns=["source", "sha256", "table", "row", "column", "value", "raw", "state", "unit"])
    return rep, cel.astype({"value": "float64"})


def test_blank_missing_gaps_duplicates_and_failed_reports() -> None:
    reports, cells = _frames([
        {"source": "a2020", "year": 2020, "template": "2019", "cf": {"total": (3, "number"), "natural_person": (0, "blank")}},
        {"source": "a2021", "year": 2021, "co": {"total": (0, "blank"), "natural_person": (2, "number")}},
        {"source": "a2021-pdf", "year": 2021, "co": {"total": (9, "number")}},  # same report again
        {"source": "a2023", "year": 2023, "co": {"total": (1, "number")}},  # 2022 missing: no pair
        {"source": "bad", "year": 2022, "status": "error", "template": None},
        {"source": "old", "year": 2019, "template": "legacy"},
    ])
    panel = build_panel(reports, cells)
    assert list(panel["year"]) == [2020, 2021, 2023]
    assert panel.loc[panel["year"] == 2021, "source"].item() == "a2021"
    assert panel.loc[panel["year"] == 2021, "n_reports"].item() == 2
    chain = carry_chain(panel).set_index("key")
    assert list(chain["year"].unique()) == [2021]
    assert chain.loc["total", "status"] == "not_assessable" and chain.loc["total", "reason"] == "left blank"
    assert chain.loc["natural_person", "status"] == "not_assessable"  # 0 left blank vs 2 printed
    assert chain.loc["commercial_enterprise", "status"] == "not_assessable"  # not printed at all
    assert chain.loc["commercial_enterprise", "reason"] == "value missing or unreadable"
    assert pd.isna(chain.loc["total", "passed"])


def test_pass_and_fail_on_small_frames() -> None:
    reports, cells = _frames([
        {"source": "x1", "year": 2022, "agency": "乙局", "cf": {"total": (4, "number"), "other_org": (0, "dash")}},
        {"source": "x2", "year": 2023, "agency": "乙局", "co": {"total": (4, "number"), "other_org": (1, "number")}},
    ])
    chain = carry_chain(cells, reports).set_index("key")
    assert chain.loc["total", "status"] == "pass" and bool(chain.loc["total", "passed"])
    assert chain.loc["other_org", "status"] == "fail"
    with pytest.raises(ValueError):
        carry_chain(cells)


def test_dataset_panel_and_carry_chain(dataset, expected) -> None:
    panel = dataset.panel()
    assert list(panel["year"]) == expected["years"]
    assert panel.attrs["derived_columns"] == expected["derived_columns"]
    chain = dataset.carry_chain()
    assert sorted(chain.loc[chain["status"] == "fail", "key"]) == ["natural_person", "total"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from extractor.cli.main import main; main()", *args],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])


def test_cli_panel_to_terminal_and_to_folder(tmp_path, expected) -> None:
    import io

    proc = _cli(str(SERIES), "--panel")
    assert proc.returncode == 0, proc.stderr
    panel = pd.read_csv(io.StringIO(proc.stdout))
    assert list(panel["year"]) == expected["years"]
    assert "requests.other_handling.total" in panel.columns
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: panel.carry_chain")]
    assert len(warnings) == 2 and "2021→2022 natural_person" in warnings[0]

    out = tmp_path / "ds"
    proc = _cli(str(SERIES), "--panel", "--out", str(out), "-j", "1")
    assert proc.returncode == 0, proc.stderr
    written = pd.read_parquet(out / "panel.parquet")
    assert list(written["year"]) == expected["years"]
    chain = pd.read_csv(out / "carry_chain.csv")
    assert sorted(chain.loc[chain["status"] == "fail", "key"]) == ["natural_person", "total"]
    columns = pd.read_csv(out / "panel_columns.csv")
    assert sorted(columns.loc[columns["derived"], "column"]) == sorted(expected["derived_columns"])
