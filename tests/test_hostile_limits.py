"""Each safety limit in extractor.limits, configurable and enforced: through ``extract(limits=...)``,
the process default, and the batch runner's workers."""

from __future__ import annotations

import dataclasses
import re
import io
import time
import zipfile
from pathlib import Path

import pytest

from extractor import extract
from extractor.batch import extract_rows, run_batch
from extractor.errors import LimitExceededError
from extractor.limits import DEFAULT_LIMITS, Limits
from extractor.reading import read_document

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures"
HTML = FIX / "html" / "utf8_bom.html"
PDF = FIX / "pdf" / "report_2019.pdf"
DOCX = FIX / "docx" / "report_2021.docx"
SEED = FIX / "seed" / "000_3a7ed7c9ae9b3af5.txt"


def test_defaults_and_validation() -> None:
    assert DEFAULT_LIMITS == Limits()
    assert (Limits().max_file_bytes, Limits().max_pdf_pages, Limits().max_html_depth) == (200 * 2**20, 500, 400)
    with pytest.raises(ValueError, match="max_pdf_pages must be a positive number"):
        Limits(max_pdf_pages=0)
    with pytest.raises(ValueError):
        Limits(timeout_s=-1)
    changed = Limits().with_(max_pdf_pages=3, max_html_depth=None)
    assert (changed.max_pdf_pages, changed.max_html_depth) == (3, 400)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Limits().max_pdf_pages = 3  # frozen


def test_file_size_limit_for_paths_and_bytes(tmp_path: Path) -> None:
    size = HTML.stat().st_size
    with pytest.raises(LimitExceededError, match=rf"^{HTML}: file is {size} bytes, over the 1000-byte limit$"):
        extract(HTML, limits=Limits(max_file_bytes=1000))
    with pytest.raises(LimitExceededError, match=rf"^<bytes>: input is {size} bytes, over the 1000-byte limit$"):
        extract(HTML.read_bytes(), limits=Limits(max_file_bytes=1000))
    assert extract(HTML, limits=Limits(max_file_bytes=size)).template == "2021"


def test_no_process_wide_default_to_change() -> None:
    """Limits travel as arguments only: the module offers no default to change behind a call."""
    import extractor.limits as module

    assert not [n for n in vars(module) if "set_default" in n or n == "WithLimits"]
    assert extract(HTML).template == "2021"  # None means Limits()


# Each registered reader, called the one way, honours the limits it is handed.
READER_CASES = {
    "text": (SEED, Limits(max_blocks=3), "over 3 paragraphs and tables"),
    "html": (HTML, Limits(max_html_depth=3), "HTML nesting deeper than 3"),
    "pdf": (PDF, Limits(max_pdf_pages=1), "PDF has 2 pages (limit 1"),
    "docx": (DOCX, Limits(max_docx_bytes=1000), "limit 0 MB"),
    "xlsx": (FIX / "xlsx" / "annex_one_sheet.xlsx", Limits(max_table_cells=10), "limit 10"),
    "ofd": (FIX / "ofd" / "report_2021.ofd", Limits(max_pdf_pages=1), "limit 1"),
}


@pytest.mark.parametrize("fmt", sorted(READER_CASES))
def test_every_reader_takes_limits_in_one_signature(fmt: str) -> None:
    from extractor.reading import reader_for
    from extractor.readers.detect import detect_format
    from extractor.hints import Hints

    path, limits, message = READER_CASES[fmt]
    data = path.read_bytes()
    assert detect_format(data) == fmt
    reader = reader_for(fmt)
    assert reader(data, source=path.name, hints=Hints(), limits=Limits()).blocks  # the defaults read it
    with pytest.raises(LimitExceededError, match=re.escape(message)):
        reader(data, source=path.name, hints=Hints(), limits=limits)


def test_image_reader_takes_the_ocr_limit() -> None:
    from extractor.errors import UnsupportedFormatError
    from extractor.reading import reader_for

    image = (FIX / "ocr" / "report_2019_long_image.png").read_bytes()
    with pytest.raises(UnsupportedFormatError, match="OCR is off"):
        reader_for("image")(image, source="scan.png", limits=Limits(max_ocr_pages=0))


def _pdf_with_pages(n: int) -> bytes:
    pikepdf = pytest.importorskip("pikepdf")
    pdf = pikepdf.new()
    for _ in range(n):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_pdf_page_limit() -> None:
    with pytest.raises(LimitExceededError, match=r"^r\.pdf: PDF has 2 pages \(limit 1; raise it with --max-pages\)$"):
        extract(PDF.read_bytes(), name="r.pdf", limits=Limits(max_pdf_pages=1))
    assert extract(PDF, limits=Limits(max_pdf_pages=2)).template == "2019"
    # 501 blank pages: refused by the default limit at once, before any page is analysed.
    data = _pdf_with_pages(501)
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match=r"PDF has 501 pages \(limit 500;"):
        read_document(data, source="long.pdf")
    assert time.monotonic() - started < 5


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zipfile.ZipFile(DOCX) as src:
            for info in src.infolist():
                if info.filename != "word/document.xml":
                    zf.writestr(info.filename, src.read(info.filename))
        zf.writestr("word/document.xml", b"\0" * size)
    return buf.getvalue()


def test_docx_uncompressed_size_and_entry_limits() -> None:
    data = _bomb(3 * 2**20)
    assert len(data) < 60_000  # 3 MB of zeros deflate to a few KB: a small zip bomb
    with pytest.raises(LimitExceededError, match=r"^bomb\.docx: Word package would unpack to 3 MB \(limit 2 MB\)$"):
        extract(data, name="bomb.docx", limits=Limits(max_docx_bytes=2 * 2**20))
    n_parts = len(zipfile.ZipFile(DOCX).infolist())
    with pytest.raises(LimitExceededError, match=rf"^r\.docx: Word package has {n_parts} parts \(limit 5\)$"):
        extract(DOCX.read_bytes(), name="r.docx", limits=Limits(max_docx_entries=5))
    assert extract(DOCX, limits=Limits(max_docx_entries=n_parts)).template == "2021"


def test_html_depth_limit() -> None:
    def page(depth: int) -> bytes:
        return ("<html><body>" + "<div>" * depth + "x" + "</div>" * depth + "</body></html>").encode()

    # body is at depth 0 of the walk; 60 divs inside it pass a limit of 60, not 59.
    assert read_document(page(60), limits=Limits(max_html_depth=60)).blocks[0].text == "x"
    with pytest.raises(LimitExceededError, match=r"^d\.html: HTML nesting deeper than 59 elements"):
        read_document(page(60), source="d.html", limits=Limits(max_html_depth=59))


def test_table_cell_limit_in_every_reader() -> None:
    small = Limits(max_table_cells=50)
    for path in (HTML, DOCX, SEED):
        with pytest.raises(LimitExceededError, match=r"cells.*limit 50|over 50 cells"):
            extract(path, limits=small)
    assert extract(SEED, limits=Limits(max_table_cells=5000)).template == "2021"


def test_cell_text_limit_cuts_and_warns() -> None:
    report = extract(HTML, limits=Limits(max_cell_chars=8))
    cut = [w for w in report.warnings if "characters cut to 8" in w]
    assert cut and all(w.startswith("cell /html/") for w in cut)
    assert len(set(cut)) == len(cut)  # a merged cell is cut and named once, not at every position it covers
    doc = read_document(HTML.read_bytes(), limits=Limits(max_cell_chars=8))
    assert max(len(c.text) for t in doc.tables() for row in t.grid for c in row if c) == 8
    assert not [w for w in extract(HTML).warnings if "characters cut" in w]


# --- batch: the time limit per file, and limits carried into the workers ------------------------

def hang_on_named(source, name, limits, hints):
    """A batch task that hangs on 'hang.txt' and extracts everything else (module level: picklable)."""
    if str(name).endswith("hang.txt"):
        time.sleep(600)
    return extract_rows(source, name, limits, hints)


def test_batch_time_limit_and_limits_reach_the_workers(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_bytes(SEED.read_bytes())
    (inputs / "hang.txt").write_bytes(SEED.read_bytes() + b"\n")
    (inputs / "report.pdf").write_bytes(PDF.read_bytes())
    limits = Limits(max_pdf_pages=1, timeout_s=2.0)
    started = time.monotonic()
    result = run_batch([inputs], tmp_path / "out", jobs=2, limits=limits,
                       task=hang_on_named, progress=False, formats=["csv"])
    assert time.monotonic() - started < 60
    assert (result.total, result.ok, result.failed) == (3, 1, 2)
    errors = {Path(r.source).name: (r.error_type, r.message) for r in result.errors.itertuples()}
    assert errors == {
        "hang.txt": ("Timeout", f"{inputs / 'hang.txt'}: timed out after 2 s"),
        "report.pdf": ("LimitExceededError",
                       f"{inputs / 'report.pdf'}: PDF has 2 pages (limit 1; raise it with --max-pages)"),
    }


def test_a_raised_file_limit_reaches_the_batch_hashing_and_the_workers(tmp_path: Path) -> None:
    """Over the built-in 200 MB but under --max-file-mb 300: read (and refused for its content,
    not its size) -- the limit is not a copy taken when a module was imported."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    with open(inputs / "big.bin", "wb") as fh:  # sparse: no disk used
        fh.truncate(DEFAULT_LIMITS.max_file_bytes + 1)
    result = run_batch([inputs], tmp_path / "out", jobs=1, limits=Limits(max_file_bytes=300 * 2**20),
                       progress=False, formats=["csv"])
    assert [(r.error_type, r.message) for r in result.errors.itertuples()] == [
        ("UnsupportedFormatError", f"{inputs / 'big.bin'}: unsupported content (binary data of no known document type)")]
    refused = run_batch([inputs], tmp_path / "out2", jobs=1, progress=False, formats=["csv"])
    assert [r.error_type for r in refused.errors.itertuples()] == ["InputError"]
    assert "over the 209715200-byte limit" in refused.errors.iloc[0]["message"]


def test_ocr_can_be_turned_off_and_is_bounded(tmp_path) -> None:
    import pytest as _pytest

    from extractor import extract
    from extractor.errors import LimitExceededError, NoTextLayerError
    from extractor.limits import Limits

    scan = Path(__file__).resolve().parents[1] / "fixtures" / "pdf" / "scanned.pdf"
    with _pytest.raises(NoTextLayerError, match="OCR is off"):
        extract(scan, limits=Limits(max_ocr_pages=0))
    from extractor.ocr import ocr_available

    if ocr_available():  # 4 pages over a limit of 2: refused before any page is recognised
        with _pytest.raises(LimitExceededError, match="--max-ocr-pages"):
            extract(scan, limits=Limits(max_ocr_pages=2))
