"""The manifest: one JSON object per line, appended with a single write so a kill never tears a row."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterable

MANIFEST_NAME = "manifest.jsonl"
OK_STATUSES = ("fetched", "images_only")


class Manifest:
    """Append-only JSONL file; the last row for a URL is its current state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._repair_tail()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _repair_tail(self) -> None:
        # A row cut by a crash mid-write leaves no newline: end it so the next row starts clean.
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, "rb+") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")

    def append(self, row: dict[str, Any]) -> None:
        data = (json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        with self._lock:
            written = os.write(self._fd, data)
            if written != len(data):  # pragma: no cover - disk full
                raise OSError(f"short write to {self.path}")

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """All well-formed rows of a manifest, in order; a torn or garbled line is skipped."""
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    with open(path, "rb") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(row, dict) and "url" in row:
                rows.append(row)
    return rows


def latest_rows(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """URL -> its last row."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out[row["url"]] = row
    return out
