"""The run's state: a SQLite database in OUT holding every finished file's rows, keyed by content
hash and extractor version. Each file is committed in one transaction as it completes, so a run
stopped by SIGINT or SIGKILL keeps everything finished and nothing half-written."""

from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..dataset import Dataset, error_rows
from ..errors import InputError
from ..names import display_name
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


NOT_DONE = "NotExtracted"
RUN_KEYS = ("read_sha256", "unread")  # what a worker says about this run's read, not about the content


def _pack(rows: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))


class StateError(InputError):
    """The state database cannot be read or written (damaged, disk full): one line, with advice."""


def state_error(path: Path, exc: Exception) -> StateError:
    """The one-line message for a failure of the state database at ``path``."""
    shown = display_name(path)
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if isinstance(exc, sqlite3.OperationalError) and ("full" in low or "i/o" in low or "readonly" in low
                                                      or "unable to open" in low):
        return StateError(f"{shown}: cannot write the state database ({text}); every file finished before is "
                          "kept: free space (or fix the folder's permissions) and rerun to resume")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in low:
        return StateError(f"{shown}: the state database is locked by another program ({text}); rerun when it "
                          "has finished")
    return StateError(f"{shown}: the state database is damaged ({text}); move it aside (e.g. mv {shown} "
                      f"{shown}.bad) and rerun: its files are then extracted again")


class State:
    """Open (or create) the state database at ``path`` for extractor ``version``.

    Any failure of the database (damaged or truncated file, disk full) raises a ``StateError``
    with one line that says what to do."""

    def __init__(self, path: str | Path, version: str) -> None:
        self.path = Path(path)
        self.version = version
        with self._errors():
            self.con = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            try:
                self.con.execute("PRAGMA journal_mode=WAL")
                self.con.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit survives the process dying
                self.con.executescript(SCHEMA)
                if self.con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
            except BaseException:
                self.con.close()
                raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise state_error(self.path, exc) from None
        except (zlib.error, ValueError, KeyError, TypeError) as exc:  # a stored row that no longer unpacks
            raise state_error(self.path, sqlite3.DatabaseError(f"a stored result cannot be read: "
                                                               f"{type(exc).__name__}")) from None

    def close(self) -> None:
        try:
            self.con.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "State":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def set_inputs(self, inputs: list[Input]) -> None:
        """Record this run's inputs, in order (the dataset is built for exactly these)."""
        for i, x in enumerate(inputs):
            x.position = i
        with self._errors(), self._tx():
            self.con.execute("DELETE FROM run_inputs")
            self.con.executemany(
                "INSERT INTO run_inputs VALUES (?, ?, ?, ?, ?, ?)",
                [(x.position, x.source, display_name(x.path), x.sha256, x.error_type, x.error) for x in inputs])

    def rehash(self, positions: Iterable[int], sha256: str) -> None:
        """Inputs whose file turned out to hold other content than first hashed (changed while the run
        went on) are recorded under the hash of what was read."""
        with self._errors(), self._tx():
            self.con.executemany("UPDATE run_inputs SET sha256 = ? WHERE position = ?",
                                 [(sha256, p) for p in positions])

    def fail_inputs(self, positions: Iterable[int], error_type: str, message: str) -> None:
        """Record an error for these inputs of this run only (nothing is stored under a content hash:
        a file that could not be read says nothing about its content)."""
        with self._errors(), self._tx():
            self.con.executemany("UPDATE run_inputs SET error_type = ?, error = ? WHERE position = ?",
                                 [(error_type, message, p) for p in positions])

    def finished(self, *, retry_failed: bool = False) -> set[str]:
        """Content hashes already done with this version (errors excluded when retrying them)."""
        sql = "SELECT sha256 FROM results WHERE version = ?" + (" AND status = 'ok'" if retry_failed else "")
        with self._errors():
            return {r[0] for r in self.con.execute(sql, (self.version,))}

    def commit(self, sha256: str, name: str, rows: dict[str, Any]) -> None:
        """Store one file's rows (ok or error) in a single transaction."""
        rows = {k: v for k, v in rows.items() if k not in RUN_KEYS}
        rows["report"] = {**rows["report"], "sha256": sha256}
        for table in ("cells", "checks", "sections", "errors"):
            if table in rows:
                rows[table] = [{**r, "sha256": sha256} for r in rows[table]]
        with self._errors(), self._tx():
            self.con.execute("INSERT OR REPLACE INTO results (sha256, version, status, name, rows) "
                             "VALUES (?, ?, ?, ?, ?)", (sha256, self.version, rows["status"], name, _pack(rows)))

    def counts(self) -> dict[str, int]:
        """Inputs of the current run by outcome: ok, error, pending."""
        out = {"ok": 0, "error": 0, "pending": 0}
        with self._errors():
            for status, n in self.con.execute(
                    "SELECT CASE WHEN i.error_type IS NOT NULL THEN 'error' ELSE coalesce(r.status, 'pending') END, "
                    "count(*) FROM run_inputs i LEFT JOIN results r ON r.sha256 = i.sha256 AND r.version = ? "
                    "GROUP BY 1", (self.version,)):
                out[status] = n
        return out

    def chunks(self, size: int = 250, *, only_errors: bool = False) -> Iterator[Dataset]:
        """The current run's dataset, ``size`` inputs at a time, in input order (or its failures only).

        An input with neither a result nor an error (none after a finished run) is listed as an error,
        never left out."""
        last = -1
        where = (" AND (i.error_type IS NOT NULL OR r.status IS NULL OR r.status = 'error')"
                 if only_errors else "")
        while True:
            with self._errors():
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
                    else:
                        ds.add_rows(error_rows(NOT_DONE, f"{source}: not extracted (the run stopped before it); "
                                                         "run again", sha, self.version), source)
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
        if exc_type is None:
            self.con.execute("COMMIT")
        elif self.con.in_transaction:  # SQLite has already rolled back after some errors (disk full)
            try:
                self.con.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error that got here is the one to report


def inputs_pending(inputs: Iterable[Input], done: set[str]) -> list[Input]:
    """One input per content hash not yet done (the first copy met), in input order; inputs with an
    error of their own (unreadable) are not to do."""
    seen = set(done)
    out = []
    for x in inputs:
        if x.sha256 is not None and x.error_type is None and x.sha256 not in seen:
            seen.add(x.sha256)
            out.append(x)
    return out
