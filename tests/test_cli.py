"""The CLI as a user meets it: one line on stderr for bad input, no traceback, datasets written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "extractor.cli.main", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def _one_clean_line(proc):
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_missing_file(tmp_path):
    proc = run(tmp_path / "nope.pdf")
    assert proc.returncode == 2
    assert "no such file" in _one_clean_line(proc)


def test_empty_file(tmp_path):
    f = tmp_path / "empty.html"
    f.write_bytes(b"")
    proc = run(f)
    assert proc.returncode == 2
    assert "empty" in _one_clean_line(proc)


def test_binary_noise(tmp_path):
    f = tmp_path / "noise.pdf"
    f.write_bytes(bytes(range(256)) * 16)
    proc = run(f)
    assert proc.returncode == 2
    assert "unsupported" in _one_clean_line(proc)


def test_not_a_report(tmp_path):
    f = tmp_path / "news.html"
    f.write_text("<html><body><h1>市政府召开常务会议</h1><p>会议研究了有关工作。</p></body></html>", encoding="utf-8")
    proc = run(f)
    assert proc.returncode == 3
    assert "not a government-information-disclosure annual report" in _one_clean_line(proc)


def test_terminal_output_shows_tables_and_checks(seed_path):
    proc = run(seed_path)
    assert proc.returncode == 0, proc.stderr
    assert "巴彦淖尔市商务局" in proc.stdout
    # the template's Chinese labels, short enough for an 80-column terminal
    assert "行政许可" in proc.stdout and "56" in proc.stdout and "administrative_licensing" not in proc.stdout
    assert "不予公开·国家秘密" in proc.stdout and "不予处理·确认或重新出具" in proc.stdout
    assert "requests.balance" in proc.stdout and "pass" in proc.stdout
    assert proc.stderr == ""
    keys = subprocess.run([sys.executable, "-m", "extractor.cli.main", str(seed_path), "--keys"],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert "administrative_licensing" in keys.stdout and "denied_state_secret" in keys.stdout


def test_version_and_help_name_the_other_commands():
    for args in (["--version"], ["version"]):
        proc = run(*args)
        assert proc.returncode == 0 and proc.stdout.startswith("extract (gov-disclosure-extractor) "), proc
    helptext = run("--help").stdout
    for word in ("extract fetch", "extract summary", "extract review", "extract version"):
        assert word in " ".join(helptext.split()), word


def test_standard_input_is_read_by_content(seed_path):
    cli = [sys.executable, "-m", "extractor.cli.main"]
    proc = subprocess.run(cli + ["-", "--json"], input=seed_path.read_bytes(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["metadata"]["agency"] == "巴彦淖尔市商务局" and report["metadata"]["source"] == "<stdin>"
    empty = subprocess.run(cli + ["-"], input=b"", capture_output=True, timeout=60)
    assert empty.returncode == 2 and empty.stderr.decode().strip() == "error: <stdin>: no input on standard input"
    pdf = (Path(__file__).resolve().parent.parent / "fixtures" / "pdf" / "chromium_typical_ruled.pdf").read_bytes()
    from_pdf = subprocess.run(cli + ["-", "--json"], input=pdf, capture_output=True, timeout=60)
    assert from_pdf.returncode == 0 and json.loads(from_pdf.stdout)["metadata"]["format"] == "pdf"


def test_batch_goes_on_past_bad_files(tmp_path, seed_path):
    bad = tmp_path / "in" / "broken.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF-1.4\n garbage")
    (tmp_path / "in" / "news.html").write_text("<html><body><p>新闻</p></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    proc = run(seed_path, tmp_path / "in", "--out", out, "--format", "parquet,csv")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 2 and any("broken.pdf" in f for f in failed) and any("news.html" in f for f in failed)
    reports = pd.read_parquet(out / "reports.parquet")
    assert sorted(reports["status"]) == ["error", "error", "ok"]
    cells = pd.read_parquet(out / "cells.parquet")
    assert len(cells) == 200
    lic = cells[(cells["row"] == "administrative_licensing")]
    assert lic["value"].tolist() == [56.0]
    for name in ("reports", "cells", "checks", "sections", "errors"):
        assert (out / f"{name}.csv").exists()
    csv = pd.read_csv(out / "reports.csv", encoding="utf-8-sig")
    assert "巴彦淖尔市商务局" in csv["agency"].tolist()


def test_batch_all_failed_exits_nonzero(tmp_path):
    f = tmp_path / "news.html"
    f.write_text("<html><body><p>新闻</p></body></html>", encoding="utf-8")
    proc = run(f, "--out", tmp_path / "out")
    assert proc.returncode == 1


def test_json_is_one_object(seed_path):
    proc = run(seed_path, "--json")
    obj = json.loads(proc.stdout)
    assert set(obj) >= {"template", "metadata", "cells", "checks", "sections", "warnings"}
    assert set(obj["cells"][0]) >= {"table", "row", "column", "value", "raw", "state"}


def test_the_demo_examples_tell_a_success_story_with_honest_failures(tmp_path):
    examples = Path(__file__).resolve().parent.parent / "examples"
    proc = run(examples, "--out", tmp_path / "demo", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("7 of 8 reports extracted")
    assert lines[1].startswith("checks: 6 of 7 reports add up; 1 breaks its own arithmetic")
    assert lines[2].startswith("failed: ") and "08_truncated_download.pdf" in lines[2] and "truncated" in lines[2]
    assert len(lines) == 3


def test_a_folder_walk_reads_workbooks_but_not_our_own_dataset(tmp_path):
    from extractor.api import iter_inputs

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    (tmp_path / "in").mkdir()
    workbook = tmp_path / "in" / "附表.xlsx"
    workbook.write_bytes((fixtures / "xlsx" / "annex_one_sheet.xlsx").read_bytes())
    out = tmp_path / "dataset"
    proc = run(workbook, "--out", out, "--format", "parquet,xlsx")
    assert proc.returncode == 0, proc.stderr
    assert (out / "reports.xlsx").is_file()
    assert iter_inputs([tmp_path]) == [workbook]  # the dataset's reports.xlsx is not a report
