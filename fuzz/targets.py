"""Fuzz targets: one per reader and one for ``extract()`` end to end.

Each target takes raw bytes and may only ever raise ``ExtractorError``; anything else (or a hang,
or runaway memory) is a finding. Used by ``fuzz/fuzz_one.py`` under atheris and, without atheris,
by the seed replay in the tests.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from typing import Callable

from extractor.errors import ExtractorError
from extractor.limits import Limits

# The smallest package python-docx opens: content types, the package relation, document.xml.
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/'
                  b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def wrap_document_xml(xml: bytes) -> bytes:
    """A minimal .docx whose word/document.xml is ``xml`` (so the fuzzer mutates XML, not zip bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def _text(data: bytes) -> None:
    from extractor.readers.text import read_text
    read_text(data, source="fuzz")


def _html(data: bytes) -> None:
    from extractor.readers.html import read_html
    read_html(data, source="fuzz")


# The readers are fuzzed, not the recogniser: a mutation that loses the text layer would go to
# OCR (seconds and a GB a page) and read as a slow unit.
NO_OCR = Limits(max_ocr_pages=0)


def _docx(data: bytes) -> None:
    from extractor.readers.docx import read_docx
    # A zip is fuzzed as a package; anything else as the body XML of a minimal package.
    read_docx(data if data.startswith(b"PK") else wrap_document_xml(data), source="fuzz")


def _pdf(data: bytes) -> None:
    from extractor.reading import read_document
    from extractor.readers.detect import detect_format
    # Through read_document, as the library reads a PDF (page limit and encryption checks first);
    # a mutation that loses the %PDF- header is another reader's input, not this target's.
    if detect_format(data) == "pdf":
        read_document(data, source="fuzz", limits=NO_OCR)


def _extract(data: bytes) -> None:
    from extractor.api import extract
    extract(data, name="fuzz", limits=NO_OCR)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "text": _text, "html": _html, "docx": _docx, "pdf": _pdf, "extract": _extract,
}
# Seconds one input may take before libFuzzer reports a hang.
PER_INPUT_TIMEOUT_S = {"text": 10, "html": 10, "docx": 10, "pdf": 30, "extract": 30}


def run_one(target: str, data: bytes) -> None:
    """Run ``target`` on ``data``; only ExtractorError is expected (and swallowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            TARGETS[target](data)
        except ExtractorError as exc:
            if "\n" in str(exc):
                raise AssertionError(f"multi-line error message: {str(exc)!r}") from None


def quiet() -> None:
    """Silence library loggers (pdfminer warns on every damaged object)."""
    logging.disable(logging.CRITICAL)
