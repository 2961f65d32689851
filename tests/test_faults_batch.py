"""Faults and races in batch runs (issue 16): names that are not UTF-8 or hold control characters,
two runs on one --out, a file changed while the batch reads it, a damaged or full state database, a
full disk while writing the dataset, stale temporary files, FIFOs, CSV formula injection."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from extractor.api import extract_many
from extractor.batch import STATE_NAME, extract_rows, run_batch
from extractor.batch import state as state_module
from extractor.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt"
NOTICE = "关于做好2024年春节期间安全生产工作的通知\n各有关单位：\n请按要求做好值班值守工作。\n"
GBK_NAME = "报告".encode("gbk") + b".txt"  # b'\xb1\xa8\xb8\xe6.txt': not UTF-8
GBK_SHOWN = "\\xb1\\xa8\\xb8\\xe6.txt"


def _report(i: int = 0) -> bytes:
    return SEED.read_bytes() + f"\n<!-- copy {i} -->\n".encode()


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor.cli.main", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=kw.pop("timeout", 180), **kw)


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# --- names that are not UTF-8, or hold control characters -----------------------------------------

def test_gbk_file_name_in_a_batch_extract_many_and_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(_report())
    (folder / "ok.txt").write_bytes(_report(1))
    shown = f"{folder}/{GBK_SHOWN}"

    result = run_batch([folder], tmp_path / "out", jobs=1, progress=False, formats=["parquet", "csv"])
    assert (result.total, result.ok) == (2, 2)
    reports = pd.read_parquet(tmp_path / "out" / "reports.parquet")
    assert reports["source"].tolist() == [str(folder / "ok.txt"), shown]  # os.fsencode order: b"o" < b"\xb1"
    assert (reports["status"] == "ok").all()

    ds = extract_many([folder])
    assert sorted(ds.reports["source"]) == sorted([str(folder / "ok.txt"), shown])
    ds.write(tmp_path / "ds")
    assert len(pd.read_parquet(tmp_path / "ds" / "reports.parquet")) == 2

    res = _cli(os.fsdecode(os.path.join(os.fsencode(folder), GBK_NAME)), "--json")
    assert res.returncode == 0, res.stderr
    assert f'"source": "{shown}"'.replace("\\", "\\\\") in res.stdout


def test_control_characters_and_rtl_overrides_are_escaped_when_printed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notice\u202etxt.html").write_text(NOTICE, encoding="utf-8")
    (folder / "bad\x1b[2J.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "r.txt").write_bytes(_report())
    res = _cli(str(folder), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr
    failed = [ln for ln in res.stderr.splitlines() if ln.startswith("failed: ")]
    assert [ln.split(": ")[1] for ln in failed] == [f"{folder}/bad\\x1b[2J.txt", f"{folder}/notice\\u202etxt.html"]
    res = _cli(str(folder / "bad\x1b[2J.txt"))
    assert res.returncode == 3
    assert _one_line(res.stderr).startswith(f"error: {folder}/bad\\x1b[2J.txt: not a government")
    res = _cli(str(folder / "notice\u202etxt.html"), str(folder / "r.txt"))  # several files to the terminal
    assert "\u202e" not in res.stdout + res.stderr and "notice\\u202etxt.html" in res.stderr


# --- two runs on one --out ------------------------------------------------------------------------

HOLD_SCRIPT = """
import sys, time
from extractor.batch import extract_rows, run_batch

def slow(source, name, limits, hints):
    time.sleep(0.3)
    return extract_rows(source, name, limits, hints)

if __name__ == "__main__":
    run_batch([sys.argv[1]], sys.argv[2], jobs=1, task=slow, progress=False)
"""


def test_a_second_run_on_the_same_out_refuses_naming_the_holder(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for i in range(12):
        (first.mkdir(exist_ok=True), (first / f"a{i:02d}.txt").write_bytes(_report(i)))
    second.mkdir()
    (second / "b.txt").write_bytes(_report(99))
    out = tmp_path / "out"
    script = tmp_path / "hold.py"
    script.write_text(HOLD_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(first), str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / STATE_NAME).exists():
            time.sleep(0.05)
        res = _cli(str(second), "--out", str(out))
        assert res.returncode == 2
        line = _one_line(res.stderr)
        assert line.startswith(f"error: {out}: in use by another run (pid {proc.pid} on ")
        assert line.endswith("; wait for it to finish or choose another --out")
        with pytest.raises(InputError, match=rf"in use by another run \(pid {proc.pid} on "):
            run_batch([second], out, jobs=1, progress=False)
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0
    reports = pd.read_parquet(out / "reports.parquet")
    assert sorted(reports["source"]) == sorted(str(first / f"a{i:02d}.txt") for i in range(12))  # not mixed
    # the holder is gone (and so is its lock): the second run goes ahead
    assert run_batch([second], out, jobs=1, progress=False).ok == 1


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        (folder / f"a{i:02d}.txt").write_bytes(_report(i))
    out = tmp_path / "out"
    script = tmp_path / "hold.py"
    script.write_text(HOLD_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(folder), str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / STATE_NAME).exists():
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert run_batch([folder], out, jobs=2, progress=False).ok == 30


# --- a file that changes while the batch reads it -------------------------------------------------

def change_then_extract(source, name, limits, hints):
    """Stands for another program rewriting the file between the run's hashing and the worker's read."""
    if Path(name).name == "live.txt":
        Path(source).write_text(NOTICE, encoding="utf-8")
    return extract_rows(source, name, limits, hints)


def test_a_file_changed_during_the_batch_is_recorded_under_what_was_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    old = _report(1)
    (folder / "live.txt").write_bytes(old)
    (folder / "same_as_old.txt").write_bytes(old)  # a copy of the old content: still extracted as such
    out = tmp_path / "out"
    result = run_batch([folder], out, jobs=1, task=change_then_extract, progress=False)
    assert (result.total, result.ok, result.failed) == (2, 1, 1)
    new_sha = hashlib.sha256(NOTICE.encode()).hexdigest()
    old_sha = hashlib.sha256(old).hexdigest()
    reports = pd.read_parquet(out / "reports.parquet").set_index("source")
    live, copy = reports.loc[str(folder / "live.txt")], reports.loc[str(folder / "same_as_old.txt")]
    assert (live["sha256"], live["status"], live["error_type"]) == (new_sha, "error", "NotAReportError")
    assert (copy["sha256"], copy["status"]) == (old_sha, "ok")
    with sqlite3.connect(out / STATE_NAME) as con:
        stored = dict(con.execute("SELECT sha256, status FROM results"))
    assert stored == {new_sha: "error", old_sha: "ok"}  # each hash holds the result of exactly that content
    # a later run with the old content back reuses the right result, not the changed one
    (folder / "live.txt").write_bytes(old)
    again = run_batch([folder], out, jobs=1, progress=False)
    assert (again.processed, again.reused, again.ok) == (0, 2, 2)
    assert (pd.read_parquet(out / "reports.parquet")["sha256"] == old_sha).all()


def remove_then_extract(source, name, limits, hints):
    if Path(name).name == "gone.txt":
        Path(source).unlink()
    return extract_rows(source, name, limits, hints)


def test_a_file_removed_during_the_batch_is_an_error_of_this_run_only(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gone.txt").write_bytes(_report(5))
    out = tmp_path / "out"
    result = run_batch([folder], out, jobs=1, task=remove_then_extract, progress=False)
    assert (result.ok, result.failed) == (0, 1)
    assert result.errors["message"].tolist() == [f"{folder / 'gone.txt'}: no such file"]
    with sqlite3.connect(out / STATE_NAME) as con:
        assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 0  # nothing cached for its hash
    (folder / "gone.txt").write_bytes(_report(5))
    assert run_batch([folder], out, jobs=1, progress=False).ok == 1


# --- the state database: damaged, truncated, disk full ----------------------------------------------

def _seed_run(tmp_path: Path, n: int = 3) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        (folder / f"r{i}.txt").write_bytes(_report(i))
    out = tmp_path / "out"
    run_batch([folder], out, jobs=1, progress=False)
    return folder, out


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-page"])
def test_a_damaged_state_database_is_one_line_with_advice(damage: str, tmp_path: Path) -> None:
    folder, out = _seed_run(tmp_path)
    db = out / STATE_NAME
    data = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(b"this is not a database\n" * 100)
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 2 + 100])
    else:
        db.write_bytes(data[:4096] + b"\x00" * 4096 + data[8192:])
    res = _cli(str(folder), "--out", str(out))
    assert res.returncode == 2
    line = _one_line(res.stderr)
    assert line.startswith(f"error: {db}: the state database is damaged (")
    assert line.endswith(f"move it aside (e.g. mv {db} {db}.bad) and rerun: its files are then extracted again")
    db.rename(db.with_name("old.bad"))
    assert _cli(str(folder), "--out", str(out)).returncode == 0


def test_a_full_disk_while_processing_is_one_line_and_keeps_what_was_done(tmp_path: Path, monkeypatch) -> None:
    folder, out = _seed_run(tmp_path)
    for i in range(3, 40):
        (folder / f"r{i}.txt").write_bytes(_report(i))
    real_init = state_module.State.__init__

    def small_disk(self, path, version):
        real_init(self, path, version)
        pages = self.con.execute("PRAGMA page_count").fetchone()[0]
        self.con.execute(f"PRAGMA max_page_count = {pages + 4}")  # SQLITE_FULL a few files later

    monkeypatch.setattr(state_module.State, "__init__", small_disk)
    with pytest.raises(InputError) as err:
        run_batch([folder], out, jobs=1, progress=False)
    db = out / STATE_NAME
    assert str(err.value) == (f"{db}: cannot write the state database (database or disk is full); every file "
                              "finished before is kept: free space (or fix the folder's permissions) and rerun "
                              "to resume")
    from typer.testing import CliRunner
    from extractor.cli import extract_cmd

    res = CliRunner().invoke(extract_cmd.app, [str(folder), "--out", str(out)])
    assert res.exit_code == 2 and res.output == f"error: {err.value}\n"
    monkeypatch.undo()
    with sqlite3.connect(db) as con:
        kept = con.execute("SELECT count(*) FROM results").fetchone()[0]
    assert kept > 3
    again = run_batch([folder], out, jobs=1, progress=False)
    assert (again.ok, again.reused) == (40, kept)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")
def test_a_full_disk_while_writing_the_dataset_is_one_line_without_a_destructor_traceback(tmp_path: Path) -> None:
    import resource

    folder, out = _seed_run(tmp_path, 8)  # a state database of ~80 KB; cells.csv and wide.parquet ~200 KB
    for f in out.glob("*.parquet"):
        f.unlink()

    def small_files() -> None:  # every file this process writes stops at 150 KB, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    proc = subprocess.run([sys.executable, "-m", "extractor.cli.main", str(folder), "--out", str(out),
                           "--format", "csv"], cwd=ROOT, capture_output=True, text=True, timeout=180,
                          preexec_fn=small_files)
    assert proc.returncode == 2
    assert _one_line(proc.stderr) == f"error: cannot write the dataset to {out}: [Errno 27] File too large"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert _cli(str(folder), "--out", str(out)).returncode == 0  # and with room again, it completes


# --- leftovers, FIFOs, CSV formula injection --------------------------------------------------------

def test_stale_temp_files_of_a_killed_write_are_removed_at_the_next_run(tmp_path: Path) -> None:
    folder, out = _seed_run(tmp_path)
    stale = [".cells.parquet.tmp", ".reports.csv.tmp", ".dataset.duckdb.tmp", ".dataset.duckdb.tmp.wal"]
    for name in stale:
        (out / name).write_bytes(b"half-written by a killed run")
    (out / ".mine.tmp").write_bytes(b"not ours")
    run_batch([folder], out, jobs=1, progress=False)
    assert not any((out / n).exists() for n in stale)
    assert (out / ".mine.tmp").exists()


def test_a_fifo_is_refused_in_a_batch_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_bytes(_report())
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = run_batch([folder, fifo, "/dev/zero"], tmp_path / "out", jobs=1, progress=False)
    assert time.monotonic() - started < 60
    assert (result.ok, result.failed) == (1, 2)
    assert result.errors["message"].tolist() == [f"{fifo}: not a regular file (a named pipe)",
                                                 "/dev/zero: not a regular file (a character device)"]


def test_csv_cells_that_would_run_as_formulas_are_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    evil = '=HYPERLINK("http://evil.example/x","巴彦淖尔市商务局2024年政府信息公开工作年度报告")'
    lines = SEED.read_text(encoding="utf-8").splitlines()
    (folder / "evil.txt").write_text(evil + "\n" + "\n".join(lines[1:]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([folder], out, jobs=1, progress=False, formats=["parquet", "csv"])
    parquet = pd.read_parquet(out / "reports.parquet").iloc[0]
    assert parquet["title"].startswith("=HYPERLINK(") and parquet["agency"].startswith("=HYPERLINK(")
    csv = pd.read_csv(out / "reports.csv", encoding="utf-8-sig", dtype=str).iloc[0]
    assert csv["title"] == "'" + parquet["title"] and csv["agency"] == "'" + parquet["agency"]
    cells = pd.read_csv(out / "cells.csv", encoding="utf-8-sig")
    assert pd.api.types.is_numeric_dtype(cells["value"])  # numbers untouched
    assert (cells["value"].fillna(0) >= 0).all()
    assert not cells["raw"].dropna().astype(str).str.match(r"^[=+@]").any()
