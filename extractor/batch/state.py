"""The run's state: a SQLite database in OUT holding every finished file's rows, keyed by content
hash and extractor version. Each file is committed in one transaction as it completes, so a run
stopped by SIGINT or SIGKILL keeps everything finished and nothing half-written."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..dataset import Dataset, error_rows
from .inputs import Input

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL, name TEXT NOT NULL,
    rows BLOB NOT NULL, finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (sha256, version));
CREATE TABLE IF NOT EXISTS run_inputs (
    position INTEGER PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT,
    error_type TEXT, error TEXT);
"""


def _pack(rows: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))


class State:
    """Open (or create) the state database at ``path`` for extractor ``version``."""

    def __init__(self, path: str | Path, version: str) -> None:
        self.path = Path(path)
        self.version = version
        self.con = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit survives the process dying
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "State":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def set_inputs(self, inputs: list[Input]) -> None:
        """Record this run's inputs, in order (the dataset is built for exactly these)."""
        with self._tx():
            self.con.execute("DELETE FROM run_inputs")
            self.con.executemany(
                "INSERT INTO run_inputs VALUES (?, ?, ?, ?, ?, ?)",
                [(i, x.source, str(x.path), x.sha256, x.error_type, x.error) for i, x in enumerate(inputs)])

    def finished(self, *, retry_failed: bool = False) -> set[str]:
        """Content hashes already done with this version (errors excluded when retrying them)."""
        sql = "SELECT sha256 FROM results WHERE version = ?" + (" AND status = 'ok'" if retry_failed else "")
        return {r[0] for r in self.con.execute(sql, (self.version,))}

    def commit(self, sha256: str, name: str, rows: dict[str, Any]) -> None:
        """Store one file's rows (ok or error) in a single transaction."""
        rows = dict(rows)
        rows["report"] = {**rows["report"], "sha256": sha256}
        for table in ("cells", "checks", "sections", "errors"):
            if table in rows:
                rows[table] = [{**r, "sha256": sha256} for r in rows[table]]
        with self._tx():
            self.con.execute("INSERT OR REPLACE INTO results (sha256, version, status, name, rows) "
                             "VALUES (?, ?, ?, ?, ?)", (sha256, self.version, rows["status"], name, _pack(rows)))

    def counts(self) -> dict[str, int]:
        """Inputs of the current run by outcome: ok, error, pending."""
        out = {"ok": 0, "error": 0, "pending": 0}
        for status, n in self.con.execute(
                "SELECT CASE WHEN i.error_type IS NOT NULL THEN 'error' ELSE coalesce(r.status, 'pending') END, "
                "count(*) FROM run_inputs i LEFT JOIN results r ON r.sha256 = i.sha256 AND r.version = ? "
                "GROUP BY 1", (self.version,)):
            out[status] = n
        return out

    def chunks(self, size: int = 250, *, only_errors: bool = False) -> Iterator[Dataset]:
        """The current run's dataset, ``size`` inputs at a time, in input order (or its failures only)."""
        last = -1
        where = " AND (i.error_type IS NOT NULL OR r.status = 'error')" if only_errors else ""
        while True:
            batch = self.con.execute(
                "SELECT i.position, i.source, i.sha256, i.error_type, i.error, r.name, r.rows FROM run_inputs i "
                "LEFT JOIN results r ON r.sha256 = i.sha256 AND r.version = ? WHERE i.position > ?" + where +
                " ORDER BY i.position LIMIT ?", (self.version, last, size)).fetchall()
            if not batch:
                return
            ds = Dataset.empty()
            for position, source, sha, etype, error, name, blob in batch:
                last = position
                if etype is not None:
                    ds.add_rows(error_rows(etype, error, sha, self.version), source)
                elif blob is not None:
                    ds.add_rows(_renamed(_unpack(blob), name, source), source)
            yield ds

    def _tx(self):
        return _Transaction(self.con)


def _renamed(rows: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    """Rows stored for one copy of a file, with messages naming this copy instead."""
    if name == source or rows["status"] == "ok":
        return rows
    rows["report"]["error"] = (rows["report"]["error"] or "").replace(name, source)
    for e in rows.get("errors", []):
        e["message"] = e["message"].replace(name, source)
    return rows


class _Transaction:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_: Any) -> None:
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")


def inputs_pending(inputs: Iterable[Input], done: set[str]) -> list[Input]:
    """One input per content hash not yet done (the first copy met), in input order."""
    seen = set(done)
    out = []
    for x in inputs:
        if x.sha256 is not None and x.sha256 not in seen:
            seen.add(x.sha256)
            out.append(x)
    return out
