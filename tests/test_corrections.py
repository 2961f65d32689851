"""Corrections on record: the researcher's CSV changes exactly the cells it names, keeps what was
printed, recomputes the checks, and never drops a line that matches nothing in silence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import extractor
from extractor.corrections import Corrections
from extractor.errors import InputError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BROKEN = FIXTURES / "html" / "broken_arithmetic.html"
CLEAN = FIXTURES / "html" / "trs_article_utf8.html"
HEADER = "sha256,key,value,note\n"


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(tmp_path: Path, *lines: str) -> Path:
    p = tmp_path / "corrections.csv"
    p.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return p


def _fixes(sha: str) -> list[str]:
    return [f"{sha},requests.unable_not_held.total,8,7+1 per the row; 9 is a typo",
            f"{sha},review_litigation.administrative_review.total,5,checked against the PDF"]


def test_corrections_change_exactly_the_cells_they_name_and_turn_their_checks_green(tmp_path):
    before = extractor.extract(BROKEN)
    after = extractor.extract(BROKEN, corrections=_csv(tmp_path, *_fixes(_sha(BROKEN))))
    changed = {(c["table"], c["row"], c["column"]) for b, c in zip(before.cells, after.cells) if b != c}
    assert changed == {("requests", "unable_not_held", "total"), ("review_litigation", "administrative_review", "total")}
    cell = next(c for c in after.cells if (c["row"], c["column"]) == ("unable_not_held", "total"))
    assert (cell["value"], cell["raw"], cell["state"], cell["note"]) == (8, "9", "corrected", "7+1 per the row; 9 is a typo")
    assert before.check_summary["requests.row_total"] == "fail"
    assert after.check_summary["requests.row_total"] == "pass"
    assert after.check_summary["review_litigation.row_total"] == "pass"
    assert after.check_summary["requests.outcomes_sum"] == "fail"  # not corrected, still reported
    assert after.metadata["n_corrections"] == 2


def test_a_key_the_report_lacks_is_a_warning(tmp_path):
    sha = _sha(BROKEN)
    report = extractor.extract(BROKEN, corrections=_csv(tmp_path, f"{sha},requests.other_handling.total,3,"))
    assert any("no cell requests.other_handling.total" in w and "not applied" in w for w in report.warnings)
    assert report.metadata["n_corrections"] == 0


@pytest.mark.parametrize("line,message", [
    ("abc,requests.granted.total,1,", "is not a sha256"),
    ("{sha},requests.granted,1,", "is not a cell key"),
    ("{sha},requests.no_such_row.total,1,", "is not a cell key"),
    ("{sha},requests.granted.total,many,", "is not a number"),
    ("{sha},requests.granted.total,,copied from the review page", "no value for requests.granted.total"),
])
def test_a_bad_line_is_one_clear_error_naming_it(tmp_path, line, message):
    path = _csv(tmp_path, line.format(sha="0" * 64))
    with pytest.raises(InputError) as info:
        Corrections.load(path)
    assert "line 2" in str(info.value) and message in str(info.value)


def test_a_file_without_the_header_is_refused(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("0" * 64 + ",requests.granted.total,1,\n", encoding="utf-8")
    with pytest.raises(InputError, match="header sha256,key,value,note"):
        Corrections.load(path)


def test_extract_many_applies_corrections_and_names_the_lines_that_matched_nothing(tmp_path):
    corr = _csv(tmp_path, *_fixes(_sha(BROKEN)), f"{'f' * 64},requests.granted.total,1,a report not in this run")
    ds = extractor.extract_many([BROKEN, CLEAN], corrections=corr)
    reports = ds.reports.set_index("source")
    assert reports.loc[str(BROKEN), "n_corrections"] == 2 and reports.loc[str(CLEAN), "n_corrections"] == 0
    cells = ds.cells
    corrected = cells[cells.state == "corrected"]
    assert sorted(corrected.row) == ["administrative_review", "unable_not_held"]
    checks = ds.checks[ds.checks.source == str(BROKEN)]
    assert set(checks[checks.check == "requests.row_total"].status) == {"pass"}
    assert len(ds.warnings) == 1 and "line 4" in ds.warnings[0] and "no report with sha256" in ds.warnings[0]


def test_batch_applies_corrections_when_writing_so_a_new_file_needs_no_reextraction(tmp_path):
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "extractor.cli.main"]
    first = subprocess.run(cli + [str(BROKEN), str(CLEAN), "--out", str(out), "--jobs", "1"],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    cells = pd.read_parquet(out / "cells.parquet")
    assert "corrected" not in set(cells.state)

    corr = _csv(tmp_path, *_fixes(_sha(BROKEN)), f"{_sha(CLEAN)},requests.granted.no_column,1,")
    # a bad key stops the run before any work, with one line
    bad = subprocess.run(cli + [str(BROKEN), "--out", str(out), "--corrections", str(corr)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "line 4" in bad.stderr

    corr = _csv(tmp_path, *_fixes(_sha(BROKEN)), f"{_sha(CLEAN)},requests.other_handling.total,1,")
    second = subprocess.run(cli + [str(BROKEN), str(CLEAN), "--out", str(out), "--jobs", "1",
                                   "--corrections", str(corr)], capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "2 done by an earlier run" in second.stderr
    assert "warning:" in second.stderr and "no cell requests.other_handling.total" in second.stderr
    cells = pd.read_parquet(out / "cells.parquet")
    fixed = cells[cells.state == "corrected"]
    assert sorted(zip(fixed.row, fixed.column, fixed.value, fixed.raw)) == [
        ("administrative_review", "total", 5.0, "6"), ("unable_not_held", "total", 8.0, "9")]
    reports = pd.read_parquet(out / "reports.parquet").set_index("source")
    assert reports.loc[str(BROKEN), "n_corrections"] == 2
    checks = pd.read_parquet(out / "checks.parquet")
    broken = checks[(checks.source == str(BROKEN)) & checks.check.str.endswith("row_total")]
    assert set(broken.status) == {"pass"}
