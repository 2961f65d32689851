"""Which files a folder holds that may be reports: walked recursively and sorted, skipping hidden
files, files that are plainly not reports, and the dataset folders ``extract --out`` wrote."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..files import PAGE_FOLDER_SUFFIXES, SAVED_PAGE_EXTENSIONS, Source


# Walking a folder skips what is plainly not a report (scripts, data we write, notes) and the
# dataset folders we wrote (a report may come as a workbook, our own exports never are one); a
# file named on the command line is always tried, whatever its name.
NOT_REPORTS = frozenset({".py", ".pyc", ".json", ".jsonl", ".md", ".csv", ".parquet", ".toml", ".yaml",
                         ".yml", ".ipynb", ".log", ".sh", ".tmp", ".duckdb", ".sqlite", ".db",
                         ".dta", ".css", ".js"})
DATASET_MARKERS = ("extract-state.sqlite", "reports.parquet")


def _dataset_folders(top: Path) -> set[Path]:
    """The dataset folders written by ``extract --out`` under ``top`` (their exports are not reports)."""
    return {m.parent for marker in DATASET_MARKERS for m in top.rglob(marker)}


def _page_resources(f: Path, top: Path) -> bool:
    """Whether ``f`` lies in the folder a saved web page keeps its pictures in (Word's
    ``report.files/``, a browser's ``report_files/``) beside that page, below ``top``: part of the
    page, read with it, not a report of its own."""
    for folder in f.relative_to(top).parents:
        folder = top / folder
        for suffix in PAGE_FOLDER_SUFFIXES:
            if folder.name.endswith(suffix) and len(folder.name) > len(suffix):
                stem = folder.name[: -len(suffix)]
                if any((folder.parent / (stem + ext)).is_file() for ext in SAVED_PAGE_EXTENSIONS):
                    return True
    return False


def iter_inputs(paths: Iterable[Source]) -> list[Path]:
    """Files named, and the files under folders named (recursively, sorted; hidden files, files
    that are plainly not reports and a saved page's picture folder skipped)."""
    out: list[Path] = []
    for p in paths:
        path = Path(os.fsdecode(p) if isinstance(p, bytes) else p)
        if path.is_dir():
            ours = _dataset_folders(path)
            for f in sorted(path.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts) \
                        and f.suffix.lower() not in NOT_REPORTS and not (ours and ours & {f.parent, *f.parents}) \
                        and not _page_resources(f, path):
                    out.append(f)
        else:
            out.append(path)
    return out
