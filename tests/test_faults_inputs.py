"""Bad arguments and hostile structure at the library's door (issue 16): wrong argument types, content
passed as str, names printed safely, and the block limit of the Word and HTML readers counted exactly."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import extractor
from extractor.errors import ExtractorError, InputError, LimitExceededError
from extractor.files import _read_upto, load
from extractor.limits import Limits
from extractor.names import display_name
from extractor.readers.docx import read_docx
from extractor.readers.html import read_html

ROOT = Path(__file__).resolve().parents[1]
DOCX = ROOT / "fixtures" / "docx" / "report_2021.docx"
SEED = ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt"


@pytest.mark.parametrize("source, message", [
    (None, "the source must be a file path or bytes, not NoneType"),
    (5, "the source must be a file path or bytes, not int"),
    ([b"%PDF"], "the source must be a file path or bytes, not list"),
])
def test_wrong_argument_types_are_input_errors(source, message: str) -> None:
    with pytest.raises(InputError) as err:
        extractor.extract(source)
    assert str(err.value) == message and isinstance(err.value, ExtractorError)


def test_content_passed_as_str_is_one_line() -> None:
    text = SEED.read_text(encoding="utf-8")
    with pytest.raises(InputError) as err:
        extractor.extract(text)
    assert str(err.value) == (f"a str of {len(text)} characters that is not a file path was given; pass a "
                              "report's content as bytes (e.g. text.encode('utf-8'))")
    assert extractor.extract(text.encode()).template == "2021"  # as bytes it is read


def test_a_nul_in_a_file_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^a\\x00b\.pdf: not a valid file name$"):
        extractor.extract("a\x00b.pdf")


def test_display_names() -> None:
    assert display_name(b"/in/\xb1\xa8\xb8\xe6.html") == "/in/\\xb1\\xa8\\xb8\\xe6.html"
    assert display_name("a\u202egpj.exe") == "a\\u202egpj.exe"
    assert display_name("x\x1b[31m\n.txt") == "x\\x1b[31m\\x0a.txt"
    assert display_name("青山市 2023年\u3000年报.pdf") == "青山市 2023年\u3000年报.pdf"  # printable: unchanged
    assert display_name(Path("/a/b.pdf")) == "/a/b.pdf"


def test_a_file_is_read_whole_when_stat_says_less() -> None:
    """A file is asked for its stat size plus one byte; one that grew since, or that stat calls
    empty (/proc), is read on up to the limit, and one past it is still caught."""
    assert _read_upto(io.BytesIO(b"x" * 100), 10, 1000) == b"x" * 100  # grew from 10 to 100 bytes
    assert _read_upto(io.BytesIO(b"x" * 100), 0, 50) == b"x" * 51  # over the limit: one byte more says so
    assert _read_upto(io.BytesIO(b"x" * 100), 100, 1000) == b"x" * 100
    assert _read_upto(io.BytesIO(b""), 0, 1000) == b""
    proc = Path("/proc/self/status")  # stat gives 0 bytes for it
    if proc.exists():
        data, _ = load(proc)
        assert data.startswith(b"Name:") and len(data) > 100
        with pytest.raises(LimitExceededError, match="over the 50-byte limit"):
            load(proc, max_bytes=50)


def _docx_with_paragraphs(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(DOCX) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":  # ~1.6 MB: counted across several inflated chunks
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>padding text</w:t></w:r></w:p>" * n, 1)
            zout.writestr(info.filename, data)
    return buf.getvalue()


def test_word_block_limit_counts_paragraphs_rows_and_cells_exactly() -> None:
    import re

    with zipfile.ZipFile(DOCX) as zf:
        xml = zf.read("word/document.xml")
    own = len(re.findall(rb"<w:(?:p|tbl|tr|tc)[\s/>]", xml))
    data = _docx_with_paragraphs(40_000)
    total = own + 40_000
    doc = read_docx(data, source="r.docx", limits=Limits(max_blocks=total))
    assert sum(1 for b in doc.blocks if getattr(b, "text", "") == "padding text") == 40_000
    with pytest.raises(LimitExceededError, match=rf"^r\.docx: Word document has over {total - 1} paragraphs, "
                                                 "tables, table rows and cells$"):
        read_docx(data, source="r.docx", limits=Limits(max_blocks=total - 1))


def test_html_block_limit_counts_table_rows_and_cells() -> None:
    html = ("<html><body><p>段</p><table>" + "<tr><td>1</td><td>2</td></tr>" * 10 + "</table></body></html>").encode()
    assert len(read_html(html, source="t.html", limits=Limits(max_blocks=32)).blocks) == 2  # 1 + 1 + 10 + 20
    with pytest.raises(LimitExceededError, match=r"^t\.html: over 31 paragraphs, tables, table rows and cells$"):
        read_html(html, source="t.html", limits=Limits(max_blocks=31))
