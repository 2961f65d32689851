"""One input's bytes to a ``Report``: the reader its content calls for (``reading``), the one
pipeline, and for a scan under a scanner's own hidden text layer the cross-check with our OCR.

``api.extract`` (one file, with corrections), the batch workers and the fetcher's choice of file
all go through ``report_from_bytes``; it sits above ``pipeline`` and ``hidden_layer``, below them.
"""

from __future__ import annotations

import hashlib

from .hints import Hints
from .limits import Limits, resolve
from .pipeline import extract_document
from .reading import read_document
from .report import Report


def report_from_bytes(data: bytes, *, name: str, limits: Limits | None = None,
                      hints: Hints | None = None) -> Report:
    """Read ``data`` (shown as ``name`` in messages) within ``limits`` into a Report."""
    limits = resolve(limits)
    doc = read_document(data, source=name, hints=hints, limits=limits)
    report = extract_document(doc, source=name, sha256=hashlib.sha256(data).hexdigest(), hints=hints)
    if doc.meta.get("hidden_text_pages"):  # a scan under a scanner's own OCR text: check it against the image
        from .hidden_layer import crosscheck
        report = crosscheck(report, doc, data, limits=limits)
    return report
