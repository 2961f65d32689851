"""The batch runner: a killed run resumed equals an uninterrupted one; timeouts, crashes and
worker recycling; duplicates; --retry-failed; the CLI's summary and exit codes."""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from extractor import __version__
from extractor.batch import STATE_NAME, extract_rows, run_batch
from extractor.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt"
NOT_A_REPORT = "关于做好2024年春节期间安全生产工作的通知\n各有关单位：\n请按要求做好值班值守工作。\n"


def make_inputs(folder: Path, n: int, *, bad: bool = True) -> list[Path]:
    """``n`` copies of the seed report, each with a distinct trailing comment (distinct hashes),
    plus a notice that is not a report."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = folder / f"r{i:04d}.txt"
        p.write_text(f"{text}\n<!-- copy {i} -->\n", encoding="utf-8")
        paths.append(p)
    if bad:
        p = folder / "notice.txt"
        p.write_text(NOT_A_REPORT, encoding="utf-8")
        paths.append(p)
    return paths


def read_dataset(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def assert_same_dataset(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t], check_dtype=True, obj=t)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "extractor.cli.main", *args]


# --- tasks that tests put in place of extract_rows ------------------------------------------------

def hang_or_extract(source, name, limits, hints):
    if "hang" in Path(name).name:
        time.sleep(60)
    return extract_rows(source, name, limits, hints)


def crash_or_extract(source, name, limits, hints):
    if "crash" in Path(name).name:
        os._exit(3)
    return extract_rows(source, name, limits, hints)


def record_pid(folder, source, name, limits, hints):
    (Path(folder) / f"{Path(name).stem}.{os.getpid()}").touch()
    return extract_rows(source, name, limits, hints)


# --- tests ----------------------------------------------------------------------------------------

def test_killed_run_resumed_equals_uninterrupted_run(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 60)
    whole = tmp_path / "whole"
    run_batch([inputs], whole, jobs=2, progress=False)
    expected = read_dataset(whole)
    assert len(expected["reports"]) == 61 and (expected["reports"]["status"] == "ok").sum() == 60

    out = tmp_path / "killed"
    proc = subprocess.Popen(_cli(str(inputs), "--out", str(out), "--jobs", "1"), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = out / STATE_NAME
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as con:
                    done = con.execute("SELECT count(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 10:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finished = con.execute("SELECT count(*) FROM results").fetchone()[0]
    assert 10 <= finished < 61, "the run was not killed mid-way"
    assert not (out / "reports.parquet").exists()  # the dataset is only written at the end

    res = subprocess.run(_cli(str(inputs), "--out", str(out), "--jobs", "2"), cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert f"60 of 61 reports extracted ({finished} done by an earlier run)" in res.stderr
    assert f"failed: {inputs / 'notice.txt'}: not a government-information-disclosure annual report" in res.stderr
    assert_same_dataset(read_dataset(out), expected)


def test_hanging_file_times_out_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 6, bad=False)
    (inputs / "r0002.txt").rename(inputs / "hang.txt")
    started = time.monotonic()
    result = run_batch([inputs], tmp_path / "out", jobs=2, timeout=1.5, task=hang_or_extract, progress=False)
    assert time.monotonic() - started < 30
    assert (result.total, result.ok, result.failed) == (6, 5, 1)
    reports = read_dataset(tmp_path / "out")["reports"].set_index("source")
    hung = reports.loc[str(inputs / "hang.txt")]
    assert hung["status"] == "error" and hung["error_type"] == "Timeout"
    assert hung["error"] == f"{inputs / 'hang.txt'}: timed out after 1.5 s"
    assert len(hung["sha256"]) == 64
    assert (reports.drop(index=str(inputs / "hang.txt"))["status"] == "ok").all()
    errors = read_dataset(tmp_path / "out")["errors"]
    assert errors[["source", "error_type", "message"]].values.tolist() == [
        [str(inputs / "hang.txt"), "Timeout", f"{inputs / 'hang.txt'}: timed out after 1.5 s"]]

    # A re-run does not try it again; --retry-failed does (and it times out again).
    again = run_batch([inputs], tmp_path / "out", jobs=2, timeout=1.5, task=hang_or_extract, progress=False)
    assert (again.processed, again.reused) == (0, 6)
    retried = run_batch([inputs], tmp_path / "out", jobs=2, timeout=1.5, task=hang_or_extract,
                        retry_failed=True, progress=False)
    assert (retried.processed, retried.ok, retried.failed) == (1, 5, 1)


def test_a_worker_that_dies_is_recorded_and_replaced(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 5, bad=False)
    (inputs / "r0001.txt").rename(inputs / "crash.txt")
    result = run_batch([inputs], tmp_path / "out", jobs=1, task=crash_or_extract, progress=False)
    assert (result.total, result.ok, result.failed) == (5, 4, 1)
    row = result.errors.iloc[0]
    assert (row["source"], row["error_type"]) == (str(inputs / "crash.txt"), "WorkerCrashed")
    assert row["message"] == f"{inputs / 'crash.txt'}: the worker process died (exit code 3)"


def test_workers_are_recycled_after_max_tasks(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 9, bad=False)
    pids = tmp_path / "pids"
    pids.mkdir()
    run_batch([inputs], tmp_path / "out", jobs=1, max_tasks_per_worker=2,
              task=functools.partial(record_pid, str(pids)), progress=False)
    seen: dict[str, list[str]] = {}
    for f in pids.iterdir():
        stem, pid = f.name.rsplit(".", 1)
        seen.setdefault(pid, []).append(stem)
    assert sorted(len(v) for v in seen.values()) == [1, 2, 2, 2, 2]  # 9 files, 2 per worker
    assert sorted(s for v in seen.values() for s in v) == [f"r{i:04d}" for i in range(9)]


def test_copies_of_one_file_are_extracted_once_and_listed_each(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 2, bad=False)
    (inputs / "same.txt").write_bytes((inputs / "r0000.txt").read_bytes())
    (inputs / "zz_notice.txt").write_text(NOT_A_REPORT, encoding="utf-8")
    (inputs / "zz_notice_copy.txt").write_text(NOT_A_REPORT, encoding="utf-8")
    result = run_batch([inputs], tmp_path / "out", jobs=2, progress=False)
    assert (result.total, result.processed, result.ok, result.failed) == (5, 3, 3, 2)
    ds = read_dataset(tmp_path / "out")
    assert ds["reports"]["source"].tolist() == [str(inputs / n) for n in
                                                ("r0000.txt", "r0001.txt", "same.txt", "zz_notice.txt",
                                                 "zz_notice_copy.txt")]
    cells = ds["cells"]
    a = cells[cells["source"] == str(inputs / "r0000.txt")].drop(columns="source").reset_index(drop=True)
    b = cells[cells["source"] == str(inputs / "same.txt")].drop(columns="source").reset_index(drop=True)
    assert len(a) == 200
    pd.testing.assert_frame_equal(a, b)
    # each copy's error message names that copy, though it was extracted once
    assert ds["errors"]["message"].tolist() == [
        f"{inputs / n}: not a government-information-disclosure annual report (none of its tables or headings "
        "match the templates)" for n in ("zz_notice.txt", "zz_notice_copy.txt")]


def test_results_are_keyed_by_hash_and_extractor_version(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 2, bad=False)
    out = tmp_path / "out"
    run_batch([inputs], out, jobs=1, progress=False)
    with sqlite3.connect(out / STATE_NAME) as con:
        con.execute("UPDATE results SET version = '0.0.0-old'")
    result = run_batch([inputs], out, jobs=1, progress=False)
    assert (result.processed, result.reused, result.ok) == (2, 0, 2)
    with sqlite3.connect(out / STATE_NAME) as con:
        versions = sorted(r[0] for r in con.execute("SELECT version FROM results"))
    assert versions == ["0.0.0-old", "0.0.0-old", __version__, __version__]


def test_cli_exit_codes_and_failure_listing(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 0)
    res = subprocess.run(_cli(str(inputs), "--out", str(tmp_path / "out")), cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        f"0 of 1 reports extracted; dataset in {tmp_path / 'out'}/",
        f"failed: {inputs / 'notice.txt'}: not a government-information-disclosure annual report "
        "(none of its tables or headings match the templates)"]
    res = subprocess.run(_cli(str(tmp_path / "empty"), "--out", str(tmp_path / "out2"), "--format", "pdf"),
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stderr) == (2, "error: unknown format 'pdf' (choose from parquet, csv, xlsx, "
                                                "dta, duckdb)\n")
    (tmp_path / "empty").mkdir()
    res = subprocess.run(_cli(str(tmp_path / "empty"), "--out", str(tmp_path / "out2")),
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stderr) == (2, "error: no input files found\n")


def test_fetcher_manifest_inputs_are_recorded_under_their_urls(tmp_path: Path) -> None:
    pytest.importorskip("extractor.fetch")
    import json

    fetched = tmp_path / "fetched"
    make_inputs(fetched / "files", 2, bad=False)
    urls = ["https://www.example.gov.cn/xxgk/ndbg/2025/a.txt", "https://www.example.gov.cn/xxgk/ndbg/2025/b.txt"]
    rows = [{"url": u, "role": "page", "status": "fetched", "path": f"files/r{i:04d}.txt"}
            for i, u in enumerate(urls)]
    (fetched / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_batch([fetched / "manifest.jsonl"], tmp_path / "out", jobs=1, progress=False)
    assert (result.total, result.ok) == (2, 2)
    reports = read_dataset(tmp_path / "out")["reports"]
    assert reports["source"].tolist() == urls
    assert reports["agency"].tolist() == ["巴彦淖尔市商务局"] * 2
