"""``extract summary``: the numbers on the page against the fixtures' truth (expected.json), the page's
structure (self-contained, every plot a PNG, no empty text box), fonts, and the CLI."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("matplotlib", reason="the summary needs the summary extra (matplotlib)")

from extractor import extract_many  # noqa: E402
from extractor.cli.main import main  # noqa: E402
from extractor.dataset import Dataset  # noqa: E402
from extractor.schema import TEMPLATES  # noqa: E402
from extractor.summary import data as sdata  # noqa: E402
from extractor.summary import fonts, summary_html, write_summary  # noqa: E402
from extractor.summary.data import load_frames, summarise_frames  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FX = ROOT / "fixtures"
REPORTS = [FX / "series" / f"yunling_zrzyj_{y}.{ext}" for y, ext in
           ((2019, "html"), (2020, "docx"), (2021, "txt"), (2022, "docx"), (2023, "html"), (2024, "txt"))] + [
    FX / "html" / "broken_arithmetic.html", FX / "html" / "blank_total_column.html",
    FX / "legacy" / "report_2017.html"]
# Files that cannot be extracted whatever extras are installed (with OCR, a scan is read), with
# the error their truth names.
FAILING = {FX / "html" / "not_a_report.html": "NotAReportError",
           FX / "broken" / "truncated_download.pdf": "InputError",
           FX / "broken" / "noise.pdf": "UnsupportedFormatError"}
ERROR_NAMES = {"not_a_report": "NotAReportError", "damaged": "InputError", "unsupported": "UnsupportedFormatError"}
# How each fixture was delivered (its file type), as the reports table names it.
FORMAT_OF = {".html": "html", ".docx": "docx", ".txt": "text"}
PLOT_COUNT = 7


def truth(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def truth_cells(path: Path) -> dict[tuple[str, str, str], float]:
    return {(c["table"], c["row"], c["column"]): c["value"] for c in truth(path)["cells"]}


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    extract_many(REPORTS + list(FAILING)).write(out)
    return out


@pytest.fixture(scope="module")
def summary(dataset_dir: Path):
    return summarise_frames(load_frames(dataset_dir))


def _name(source: str) -> str:
    return Path(source).name


def test_truth_of_failing_files_names_their_error():
    for path, error in FAILING.items():
        assert ERROR_NAMES[truth(path)["error"]] == error


def test_overview_counts(summary):
    o = summary.overview
    agencies = {truth(p)["metadata"]["agency"] for p in REPORTS}
    years = [truth(p)["metadata"]["year"] for p in REPORTS]
    failing = [p for p in REPORTS if "fail" in truth(p)["checks"].values()]
    assert o == {"files": len(REPORTS) + len(FAILING), "ok": len(REPORTS), "failed": len(FAILING),
                 "agencies": len(agencies), "years": f"{min(years)}–{max(years)}",
                 "reports_failing_checks": len(failing)}


def test_counts_by_year_and_format_and_template(summary):
    by_year: dict[tuple[str, str], int] = {}
    by_format: dict[tuple[str, str], int] = {}
    for p in REPORTS:
        t = truth(p)
        by_year[(str(t["metadata"]["year"]), t["template"])] = by_year.get((str(t["metadata"]["year"]), t["template"]), 0) + 1
        key = (FORMAT_OF[p.suffix], t["template"])
        by_format[key] = by_format.get(key, 0) + 1
    for table, expected in ((summary.by_year, by_year), (summary.by_format, by_format)):
        got = {(idx, col): int(table.loc[idx, col]) for idx in table.index for col in table.columns
               if table.loc[idx, col]}
        assert got == expected
    assert list(summary.by_year.index) == sorted({y for y, _ in by_year})
    assert list(summary.by_year.columns) == ["2021", "2019", "legacy"]  # templates in schema order


def test_failures_by_reason_with_their_files(summary):
    expected: dict[str, list[str]] = {}
    for path, error in FAILING.items():
        expected.setdefault(error, []).append(path.name)
    got = {row.error_type: row.files for row in summary.failures.itertuples()}
    assert got == {k: len(v) for k, v in expected.items()}
    assert {k: sorted(_name(s) for s, _ in v) for k, v in summary.failure_files.items()} == \
        {k: sorted(v) for k, v in expected.items()}
    for files in summary.failure_files.values():
        assert all(msg for _, msg in files)


def test_check_failure_rates(summary):
    per_check: dict[str, dict[str, int]] = {}
    failed_equations: dict[str, int] = {}
    for p in REPORTS:
        t = truth(p)
        for check, status in t["checks"].items():
            per_check.setdefault(check, {"fail": 0, "not_assessable": 0, "pass": 0})[status] += 1
        for f in t["failures"]:
            failed_equations[f["check"]] = failed_equations.get(f["check"], 0) + 1
    rates = summary.check_rates.set_index("check")
    assert sorted(rates.index) == sorted(per_check)
    for check, n in per_check.items():
        row = rates.loc[check]
        assert (row["fail"], row["not_assessable"], row["pass"]) == (n["fail"], n["not_assessable"], n["pass"])
        assert row["failure_rate"] == pytest.approx(n["fail"] / (n["fail"] + n["pass"]))
        assert row["equations_failed"] == failed_equations.get(check, 0)


def test_worst_offenders(summary):
    path = FX / "html" / "broken_arithmetic.html"
    t, cells = truth(path), truth_cells(path)
    req = TEMPLATES[t["template"]].table("requests")
    keys = [r.key for r in req.rows]
    outcome_rows = keys[keys.index("granted"):keys.index("total_processed")]
    applicants = [c.key for c in req.columns if c.key != "total"]
    gaps = {}
    for f in t["failures"]:  # the printed arithmetic, from the truth cells
        check, key = f["check"], f["key"]
        if check == "requests.outcomes_sum":
            lhs, rhs = cells[("requests", "total_processed", key)], sum(cells[("requests", r, key)] for r in outcome_rows)
        elif check == "requests.row_total":
            lhs, rhs = cells[("requests", key, "total")], sum(cells[("requests", key, c)] for c in applicants)
        else:
            lhs = cells[("review_litigation", key, "total")]
            rhs = sum(cells[("review_litigation", key, c)] for c in sdata.REVIEW_OUTCOMES)
        gaps[f"{check}[{key}] {lhs:g}≠{rhs:g}"] = abs(lhs - rhs)
    worst = summary.worst
    assert len(worst) == 1
    row = worst.iloc[0]
    assert _name(row["source"]) == path.name
    assert (row["agency"], row["year"], row["n_failed"]) == (t["metadata"]["agency"], str(t["metadata"]["year"]),
                                                             len(t["failures"]))
    assert row["max_gap"] == max(gaps.values())
    assert sorted(row["failures"].split("; ")) == sorted(gaps)


def test_headline_figures(summary):
    h = summary.headline.assign(name=summary.headline["source"].map(_name)).set_index("name")
    expected_names = sorted(p.name for p in REPORTS if truth(p)["template"] in TEMPLATES)
    assert sorted(h.index) == expected_names
    denied_rows = [r.key for r in TEMPLATES["2021"].table("requests").rows if r.group == "（三）不予公开"]
    assert [c.split(".")[1] for c in sdata.denied_columns()] == denied_rows
    for p in REPORTS:
        if p.name not in h.index:
            continue
        cells, row = truth_cells(p), h.loc[p.name]
        processed = cells[("requests", "total_processed", "total")]
        assert row["new_requests"] == cells[("requests", "new_requests", "total")]
        assert row["total_processed"] == processed
        assert row["year"] == str(truth(p)["metadata"]["year"])
        if processed:
            assert row["share_granted"] == pytest.approx(cells[("requests", "granted", "total")] / processed)
            denied = sum(cells[("requests", r, "total")] for r in denied_rows)
            assert row["share_denied"] == pytest.approx(denied / processed)
        else:
            assert pd.isna(row["share_granted"]) and pd.isna(row["share_denied"])


def test_review_and_litigation_outcomes(summary):
    expected = {(r, o): 0.0 for r in sdata.REVIEW_ROWS for o in sdata.REVIEW_OUTCOMES}
    for p in REPORTS:
        for (table, r, o), v in truth_cells(p).items():
            if table == "review_litigation" and o != "total":
                expected[(r, o)] += v
    got = {(r, o): summary.review.loc[r, o] for r in sdata.REVIEW_ROWS for o in sdata.REVIEW_OUTCOMES}
    assert got == pytest.approx(expected)
    assert sum(expected.values()) > 0


def _page(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml")


def test_page_is_self_contained_with_every_plot(dataset_dir):
    page = write_summary(dataset_dir)
    assert page == dataset_dir / "summary.html"
    soup = _page(page.read_text(encoding="utf-8"))
    imgs = soup.find_all("img")
    assert len(imgs) == PLOT_COUNT
    for img in imgs:
        src = img["src"]
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width >= 600 and height >= 200
        assert img["alt"]
    assert not soup.find_all("script")
    for tag in soup.find_all(["link", "iframe", "object", "embed"]):
        pytest.fail(f"external resource: {tag}")
    for tag in soup.find_all(["h1", "h2", "h3", "p", "td", "th", "li", "figcaption", "span"]):
        assert tag.get_text(strip=True), f"empty text box: {tag}"
    text = soup.get_text(" ")
    for path in FAILING:  # every failed file is named on the page
        assert path.name in text
    assert "broken_arithmetic.html" in text


def test_worst_offenders_and_file_list_are_capped():
    n = sdata.MAX_FILES_PER_REASON + 5
    ds = Dataset.empty()
    for i in range(n):
        ds.add_rows(_error(f"f{i:03d}.bin"), f"f{i:03d}.bin")
    soup = _page(summary_html(ds))
    assert soup.get_text().count(".bin") == sdata.MAX_FILES_PER_REASON
    assert "… and 5 more" in soup.get_text()


def _error(name: str) -> dict:
    from extractor.dataset import error_rows

    return error_rows("UnsupportedFormatError", f"{name}: unsupported content (image)")


def test_all_failed_dataset_renders_notes_instead_of_plots(tmp_path):
    ds = Dataset.empty()
    ds.add_rows(_error("a.png"), "a.png")
    ds.write(tmp_path)
    soup = _page(write_summary(tmp_path).read_text(encoding="utf-8"))
    assert len(soup.find_all("img")) == 1  # the failures plot only
    notes = [p.get_text() for p in soup.select("p.note")]
    assert "No report was extracted." in notes
    assert "No report breaks its own arithmetic." in notes
    for tag in soup.find_all(["td", "th", "li", "p", "span"]):
        assert tag.get_text(strip=True)


def test_finds_a_cjk_font_and_plots_draw_every_glyph(summary):
    family = fonts.find_cjk_font()
    if family is None:
        pytest.skip("no font that draws Chinese is installed (Debian: apt-get install fonts-noto-cjk)")
    from extractor.summary.plots import render_plots

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for undrawable text
        plots = render_plots(summary, family)
    assert sum(p is not None for p in plots.values()) == PLOT_COUNT


def test_font_found_by_coverage_when_no_known_family_is_installed():
    if fonts.find_cjk_font() is None:
        pytest.skip("no font that draws Chinese is installed")
    family = fonts.find_cjk_font(("No Such Family",))
    from matplotlib import font_manager

    entry = next(e for e in font_manager.fontManager.ttflist if e.name == family)
    assert fonts._covers(entry.fname, getattr(entry, "index", 0), fonts.PROBE)
    assert not fonts._covers(font_manager.findfont("DejaVu Sans"), 0, fonts.PROBE)


def test_without_a_cjk_font_plots_use_english_and_say_so(dataset_dir, monkeypatch, capsys):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda *a: None)
    frames = load_frames(dataset_dir)
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # English labels: every glyph in DejaVu Sans
        html = summary_html(frames)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no font that draws Chinese" in err and "fonts-noto-cjk" in err
    assert "plot labels use the English keys" in html


def test_cli_writes_the_page(dataset_dir, tmp_path, capsys):
    dest = tmp_path / "page.html"
    with pytest.raises(SystemExit) as exc:
        main(["summary", str(dataset_dir), "--output", str(dest)])
    assert exc.value.code == 0
    assert f"summary written to {dest}" in capsys.readouterr().err
    assert len(_page(dest.read_text(encoding="utf-8")).find_all("img")) == PLOT_COUNT


@pytest.mark.parametrize("make,expected", [
    (lambda p: p / "missing", "no such folder"),
    (lambda p: p, "not a dataset folder"),
])
def test_cli_bad_folder_is_one_line(tmp_path, capsys, make, expected):
    with pytest.raises(SystemExit) as exc:
        main(["summary", str(make(tmp_path))])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err


def test_cli_without_matplotlib_names_the_extra(dataset_dir):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from extractor.cli.main import main\n"
            f"main(['summary', {str(dataset_dir)!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 5
    assert proc.stderr.count("\n") == 1
    assert "gov-disclosure-extractor[summary]" in proc.stderr and proc.stderr.startswith("error: ")


def test_batch_run_with_summary_writes_the_page(tmp_path, capsys):
    out = tmp_path / "dataset"
    with pytest.raises(SystemExit) as exc:
        main([str(FX / "series"), "--out", str(out), "--summary", "--jobs", "1"])
    assert exc.value.code == 0
    assert f"summary written to {out / 'summary.html'}" in capsys.readouterr().err
    soup = _page((out / "summary.html").read_text(encoding="utf-8"))
    assert len(soup.find_all("img")) == PLOT_COUNT - 1  # no failure to plot
    assert "Every input file was extracted: no failures." in soup.get_text()


def test_summary_without_out_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(FX / "series"), "--summary"])
    assert exc.value.code == 2
    assert "--summary needs --out" in capsys.readouterr().err


def test_empty_dataset_renders_without_plots():
    soup = _page(summary_html(Dataset.empty()))
    assert not soup.find_all("img")
    assert [s.get_text() for s in soup.select(".stat .n")] == ["0", "0", "0", "0", "—", "0"]
    for tag in soup.find_all(["td", "th", "li", "p", "span", "h1", "h2", "h3"]):
        assert tag.get_text(strip=True)


def test_matplotlib_font_noise_stays_off_the_terminal():
    """matplotlib's font manager logs "findfont: Failed to find font weight ..." at WARNING when a
    CJK family lacks a weight; the CLI's quiet_libraries keeps it off stderr (not with --verbose).
    Run in a fresh process, as the command runs: pytest's own log capture would hide the line."""
    code = ("import logging\n"
            "from extractor.quiet import quiet_libraries\n"
            "{}\n"
            "logging.getLogger('matplotlib.font_manager').warning('findfont: Failed to find font weight')\n")
    quiet = subprocess.run([sys.executable, "-c", code.format("quiet_libraries()")], capture_output=True,
                           text=True, cwd=ROOT, timeout=60)
    loud = subprocess.run([sys.executable, "-c", code.format("pass")], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert (quiet.returncode, quiet.stderr) == (0, "")
    assert loud.stderr == "findfont: Failed to find font weight\n"  # what the user saw before
