"""The library's entry point: ``extract`` one report; ``extract_many`` builds a ``Dataset``.

This module is a thin layer: ``files.load`` reads the input, ``readers.read_document`` turns it
into a ``Document``, and ``pipeline.extract_document`` is the one way from a document to a
``Report``; ``batch.walk.iter_inputs`` says which files a folder holds.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Iterable

from .corrections import Corrections, as_corrections
from .batch.walk import iter_inputs
from .errors import ExtractorError
from .files import Source, check_source, load, with_base_dir
from .limits import Limits, resolve
from .mapping.agency import AgencyTable
from .names import display_name
from .pipeline import apply_agencies, apply_corrections, extract_document
from .extraction import report_from_bytes
from .hints import Hints
from .report import Report

__all__ = ["extract", "extract_document", "extract_many", "iter_inputs", "load", "apply_corrections"]

def extract(source: Source, *, name: str | None = None, encoding: str | None = None,
            limits: Limits | None = None, corrections: Corrections | str | os.PathLike | None = None,
            agencies: AgencyTable | str | os.PathLike | None = None, hints: Hints | None = None) -> Report:
    """Read one report (PDF, HTML, DOCX, flattened text; type decided by content) into a Report.

    Raises an ``ExtractorError`` subclass on input that cannot be read or is not a report;
    ``limits`` (default: ``Limits()``) bounds size, pages, nesting, cells, OCR pages;
    ``hints`` carry what is known besides the bytes (``encoding`` is a shorthand for its charset);
    ``corrections`` (a CSV path or ``Corrections``) applies a researcher's fixes on record;
    ``agencies`` (a CSV ``name,agency_id`` or ``AgencyTable``) settles ``agency_id`` where text cannot.
    """
    check_source(source)
    limits = resolve(limits)
    corr = as_corrections(corrections)
    table = _agency_table(agencies)
    data, shown = load(source, max_bytes=limits.max_file_bytes)
    shown = name or shown
    if encoding is not None:
        hints = replace(hints or Hints(), encoding=encoding)
    report = report_from_bytes(data, name=shown, limits=limits, hints=with_base_dir(source, hints))
    if corr is not None:
        apply_corrections(report, corr)
    if table is not None:
        apply_agencies(report, table)
    return report


def _agency_table(value: AgencyTable | str | os.PathLike | None) -> AgencyTable | None:
    return value if value is None or isinstance(value, AgencyTable) else AgencyTable.load(value)


def extract_many(paths: Iterable[Source], *, corrections: Corrections | str | os.PathLike | None = None,
                 agencies: AgencyTable | str | os.PathLike | None = None, limits: Limits | None = None):
    """Extract every file under ``paths`` into a Dataset; bad files are recorded, not raised.

    ``limits`` apply to every file; ``corrections`` (a CSV path or ``Corrections``) are applied on record; the lines that matched
    nothing are in ``Dataset.warnings``. ``agencies`` (CSV ``name,agency_id``) settles agency ids."""
    from .dataset import Dataset

    corr = as_corrections(corrections)
    table = _agency_table(agencies)
    ds = Dataset.empty()
    for path in iter_inputs(paths):
        try:
            ds.add(extract(path, limits=limits), source=display_name(path))
        except ExtractorError as exc:
            ds.add_error(display_name(path), exc)
    if corr is not None:
        ds.apply_corrections(corr)
        ds.warnings.extend(corr.unmatched())
    if table is not None:
        ds.apply_agencies(table)
    return ds
