"""Regressions for what the fuzzers found: each input must end in an ExtractorError, nothing else."""

from __future__ import annotations

import io
import zipfile

import pytest

from extractor.errors import InputError, NotAReportError, UnsupportedFormatError
from extractor.reading import read_document
from extractor.readers.docx import read_docx


def _zip_needing_version(version: int) -> bytes:
    """A zip whose central directory says it needs zip version ``version`` (zipfile refuses > 6.3
    with NotImplementedError, not BadZipFile)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    at = data.index(b"PK\x01\x02")
    data[at + 6:at + 8] = version.to_bytes(2, "little")
    return bytes(data)


def test_fuzz_docx_zip_version_is_an_input_error() -> None:
    # fuzz/docx found: NotImplementedError("zip file version 11.1") escaped read_docx.
    data = _zip_needing_version(111)
    with pytest.raises(InputError, match=r"^bad\.docx: not a readable Word document \(damaged zip\)$"):
        read_docx(data, source="bad.docx")
    with pytest.raises(UnsupportedFormatError,
                       match=r"^bad\.docx: unsupported content \(a damaged or truncated zip archive"):
        read_document(data, source="bad.docx")


def test_fuzz_pdf_page_count_beyond_kids_is_a_damaged_pdf() -> None:
    # fuzz/pdf found: a page tree whose /Count exceeds its kids made pdfium's page iteration raise
    # PdfiumError("Failed to load page.") out of the PDF reader's fast text scan.
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
    from build_corpus import tiny_pdf

    data = tiny_pdf().replace(b"/Count 1", b"/Count 2")
    # The reader skips the page pdfium cannot load (pdfminer reads what is there), so the one
    # real page is read and refused as no report: one clear line, never a crash.
    import extractor

    with pytest.raises(NotAReportError) as info:
        extractor.extract(data, name="c.pdf")
    assert str(info.value) == ("c.pdf: not a government-information-disclosure annual report "
                               "(none of its tables or headings match the templates)")


def test_many_siblings_are_read_in_linear_time() -> None:
    # Element paths numbered siblings with find_all per element: 20,000 cells in one row took
    # minutes (quadratic); 200,000 paragraphs never finished. Now one pass per parent.
    import time

    from extractor.limits import Limits

    row = ("<html><body><table><tr>" + "<td>1</td>" * 20_000 + "</tr></table></body></html>").encode()
    started = time.monotonic()
    doc = read_document(row, source="wide.html")
    assert time.monotonic() - started < 20
    table = next(doc.tables())
    assert table.n_cols == 20_000 and table.grid[0][-1].provenance.path == "/html/body/table/tr/td[20000]"
    paras = ("<html><body>" + "<p>段</p>" * 3000 + "</body></html>").encode()
    doc = read_document(paras, source="p.html", limits=Limits(max_blocks=5000))
    assert len(doc.blocks) == 3000 and doc.blocks[-1].provenance.path == "/html/body/p[3000]"


def test_block_and_text_size_limits() -> None:
    from extractor.errors import LimitExceededError
    from extractor.limits import Limits

    with pytest.raises(LimitExceededError, match=r"^p\.html: over 100 paragraphs, tables, table rows and cells$"):
        read_document(("<html><body>" + "<p>段</p>" * 200 + "</body></html>").encode(), source="p.html",
                      limits=Limits(max_blocks=100))
    with pytest.raises(LimitExceededError, match=r"^l\.txt: over 100 paragraphs and tables$"):
        read_document("政府信息公开\n".encode() * 200, source="l.txt", limits=Limits(max_blocks=100))
    with pytest.raises(LimitExceededError, match=r"^l\.txt: text file is 3800 bytes, over the 1000-byte limit for text$"):
        read_document("政府信息公开\n".encode() * 200, source="l.txt", limits=Limits(max_text_bytes=1000))
    with pytest.raises(LimitExceededError, match=r"^p\.html: HTML file is \d+ bytes, over the 1000-byte limit for HTML$"):
        read_document(("<html><body>" + "<p>段</p>" * 200 + "</body></html>").encode(), source="p.html",
                      limits=Limits(max_text_bytes=1000))
