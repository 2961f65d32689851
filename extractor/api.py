"""The library's entry point: ``extract`` one report; ``extract_many`` builds a ``Dataset``.

This module reads inputs (paths, bytes, folders) and hands each to a reader and then to
``pipeline.extract_document``, the one way from a document to a ``Report``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Iterable, Union

from .corrections import Corrections, as_corrections
from .errors import ExtractorError, InputError, LimitExceededError
from .limits import DEFAULT_LIMITS, Limits, resolve
from .mapping.agency import AgencyTable
from .names import display_name
from .pipeline import apply_agencies, apply_corrections, extract_document
from .readers import read_document
from .report import Report

__all__ = ["extract", "extract_document", "extract_many", "iter_inputs", "load", "apply_corrections"]

Source = Union[str, os.PathLike, bytes]
MAX_FILE_BYTES = DEFAULT_LIMITS.max_file_bytes


def check_source(source: object) -> None:
    """Refuse, in one line, what is neither a file path nor bytes: ``extract(None)``, ``extract(5)``,
    or a report's content passed as ``str`` (it would be taken for a file name)."""
    if isinstance(source, (bytes, bytearray, os.PathLike)):
        return
    if isinstance(source, str):
        if len(source) > 4096 or (("\n" in source or "\r" in source) and not os.path.isfile(source)):
            raise InputError(f"a str of {len(source)} characters that is not a file path was given; pass a "
                             "report's content as bytes (e.g. text.encode('utf-8'))")
        return
    raise InputError(f"the source must be a file path or bytes, not {type(source).__name__}")


# What a path is when it is not a regular file: reading it would hang (FIFO) or never end (/dev/zero).
_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "not a file")


def load(source: Source, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Bytes and a display name for a path or raw bytes, with clear errors.

    Only regular files are read (a FIFO or a device is refused before it is opened); the display
    name has undecodable bytes and control characters escaped (``extractor.names``).
    ``max_bytes`` defaults to the current ``Limits.max_file_bytes``."""
    max_bytes = resolve(None).max_file_bytes if max_bytes is None else max_bytes
    check_source(source)
    if isinstance(source, (bytes, bytearray)):
        if len(source) > max_bytes:
            raise LimitExceededError(f"<bytes>: input is {len(source)} bytes, over the {max_bytes}-byte limit")
        return bytes(source), "<bytes>"
    path = Path(source)
    shown = display_name(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{shown}: no such file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    except ValueError:  # an embedded NUL
        raise InputError(f"{shown}: not a valid file name") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown}: is a directory")
    kind = not_regular(info.st_mode)
    if kind:
        raise InputError(f"{shown}: not a regular file ({kind})")
    if info.st_size > max_bytes:
        raise LimitExceededError(f"{shown}: file is {info.st_size} bytes, over the {max_bytes}-byte limit")
    try:  # O_NONBLOCK: a FIFO swapped in after the check above cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            kind = not_regular(os.fstat(fh.fileno()).st_mode)
            if kind:
                raise InputError(f"{shown}: not a regular file ({kind})")
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # it grew after the size check
        raise LimitExceededError(f"{shown}: file is over the {max_bytes}-byte limit")
    return data, shown


def extract(source: Source, *, name: str | None = None, encoding: str | None = None,
            limits: Limits | None = None, corrections: Corrections | str | os.PathLike | None = None,
            agencies: AgencyTable | str | os.PathLike | None = None) -> Report:
    """Read one report (PDF, HTML, DOCX, flattened text; type decided by content) into a Report.

    Raises an ``ExtractorError`` subclass on input that cannot be read or is not a report;
    ``limits`` (default: ``extractor.limits.default_limits()``) bounds size, pages, nesting, cells;
    ``corrections`` (a CSV path or ``Corrections``) applies a researcher's fixes on record;
    ``agencies`` (a CSV ``name,agency_id`` or ``AgencyTable``) settles ``agency_id`` where text cannot.
    """
    check_source(source)
    limits = resolve(limits)
    corr = as_corrections(corrections)
    table = _agency_table(agencies)
    data, shown = load(source, max_bytes=limits.max_file_bytes)
    shown = name or shown
    doc = read_document(data, source=shown, encoding=encoding, limits=limits)
    report = extract_document(doc, source=shown, sha256=hashlib.sha256(data).hexdigest())
    if doc.meta.get("hidden_text_pages"):  # a scan under a scanner's own OCR text: check it against the image
        from .hidden_layer import crosscheck
        report = crosscheck(report, doc, data, limits=limits)
    if corr is not None:
        apply_corrections(report, corr)
    if table is not None:
        apply_agencies(report, table)
    return report


def _agency_table(value: AgencyTable | str | os.PathLike | None) -> AgencyTable | None:
    return value if value is None or isinstance(value, AgencyTable) else AgencyTable.load(value)


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


def iter_inputs(paths: Iterable[Source]) -> list[Path]:
    """Files named, and the files under folders named (recursively, sorted; hidden files and
    files that are plainly not reports skipped)."""
    out: list[Path] = []
    for p in paths:
        path = Path(os.fsdecode(p) if isinstance(p, bytes) else p)
        if path.is_dir():
            ours = _dataset_folders(path)
            for f in sorted(path.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts) \
                        and f.suffix.lower() not in NOT_REPORTS and not (ours and ours & {f.parent, *f.parents}):
                    out.append(f)
        else:
            out.append(path)
    return out


def extract_many(paths: Iterable[Source], *, corrections: Corrections | str | os.PathLike | None = None,
                 agencies: AgencyTable | str | os.PathLike | None = None):
    """Extract every file under ``paths`` into a Dataset; bad files are recorded, not raised.

    ``corrections`` (a CSV path or ``Corrections``) are applied on record; the lines that matched
    nothing are in ``Dataset.warnings``. ``agencies`` (CSV ``name,agency_id``) settles agency ids."""
    from .dataset import Dataset

    corr = as_corrections(corrections)
    table = _agency_table(agencies)
    ds = Dataset.empty()
    for path in iter_inputs(paths):
        try:
            ds.add(extract(path), source=display_name(path))
        except ExtractorError as exc:
            ds.add_error(display_name(path), exc)
    if corr is not None:
        ds.apply_corrections(corr)
        ds.warnings.extend(corr.unmatched())
    if table is not None:
        ds.apply_agencies(table)
    return ds
