"""Scans under a scanner's hidden OCR text layer (render mode 3 over a page image).

Detection runs on small PDFs written here by hand (no builder library needed) and on the two
fixtures of fixtures/build/make_hidden_layer_fixtures.py: ``scanned_hidden_text_layer.pdf``, whose
hidden layer misreads three digits, and ``scanned_hidden_text_layer_right.pdf`` (page 1 printed
text, page 2 a scan whose hidden layer is right). With the OCR extra the cross-check must take the
image's digits and name them; without it the report must say the numbers were not checked and
the misread cells must fall under failing checks. The decision rule is also tested on its own,
on truth cells changed by hand (no recogniser). OCR reads three pages in all (~20 s on 2 cores).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

import extractor
from extractor.checks import run_checks
from extractor.hidden_layer import decide
from extractor.limits import Limits
from extractor.ocr import ocr_available
from extractor.reading import read_document
from extractor.readers.pdf import read_pdf
from extractor.report import Report
from extractor.schema import TEMPLATES

PDF = Path(__file__).resolve().parent.parent / "fixtures" / "pdf"
WRONG = PDF / "scanned_hidden_text_layer.pdf"
RIGHT = PDF / "scanned_hidden_text_layer_right.pdf"
needs_ocr = pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def _addr(c: dict) -> tuple[str, str, str]:
    return c["table"], c["row"], c["column"]


# --- detection ------------------------------------------------------------------------------------

def _pdf(*, text_mode: int | None = 3, cover: float = 1.0, stamp: bool = False, in_form: bool = False) -> bytes:
    """One A4 page: a grey image covering ``cover`` of its width and height, 40 lines of digits
    in render mode ``text_mode`` (None: no text), ``stamp``: a small painted page number,
    ``in_form``: the text inside a form XObject (as OCRmyPDF grafts its layer)."""
    w, h = 595, 842
    pixels = zlib.compress(bytes([235]) * (60 * 85))
    text = b""
    if text_mode is not None:
        text = b"BT /F1 10 Tf %d Tr " % text_mode + b"".join(
            b"1 0 0 1 60 %d Tm (%d %d 0 0 %d) Tj " % (780 - 18 * k, k, k + 1, 2 * k + 1) for k in range(40)) + b"ET"
    page_text = b"" if in_form else text
    stamp_ops = b"BT /F1 8 Tf 0 Tr 1 0 0 1 290 20 Tm (3) Tj ET" if stamp else b""
    content = b"q %.1f 0 0 %.1f 0 0 cm /Im0 Do Q " % (w * cover, h * cover) + page_text + b" " + stamp_ops
    if in_form:
        content += b" /Fm0 Do"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> "
        b"/XObject << /Im0 5 0 R /Fm0 7 0 R >> >> >>" % (w, h),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 60 /Height 85 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /F1 6 0 R >> >> /Length %d >>"
        b"\nstream\n" % (w, h, len(text)) + text + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize("kwargs,hidden", [
    ({}, [1]),  # a scan under invisible text
    ({"stamp": True}, [1]),  # ... with a small painted page number on it
    ({"in_form": True}, [1]),  # ... the text inside a form XObject (read by the pdfminer path)
    ({"text_mode": 0}, None),  # text painted over a background image
    ({"cover": 0.2}, None),  # invisible text beside a small picture (a logo), not over a scan
    ({"text_mode": None}, None),  # an image alone: a plain scan, no text layer at all
])
def test_detection(kwargs: dict, hidden: list[int] | None) -> None:
    data = _pdf(**kwargs)
    if "text_mode" in kwargs and kwargs["text_mode"] is None:
        with pytest.raises(extractor.NoTextLayerError):  # the PDF reader's word: OCR's, not the hidden layer's
            read_pdf(data)
        return
    doc = read_pdf(data)
    assert doc.meta.get("hidden_text_pages") == hidden
    assert any("invisible text layer" in w for w in doc.warnings) == bool(hidden)


def test_fixture_pages_are_detected_and_text_pdfs_are_not() -> None:
    assert read_document(WRONG.read_bytes()).meta["hidden_text_pages"] == [1, 2]
    doc = read_document(RIGHT.read_bytes())
    assert doc.meta["hidden_text_pages"] == [2]  # page 1 is printed text
    assert doc.warnings[0].startswith("page 2: scanned images under an invisible text layer")
    for name in ("report_2019", "word_repeat_header", "wps_title_block"):
        assert "hidden_text_pages" not in read_document((PDF / f"{name}.pdf").read_bytes()).meta


def test_the_rules_of_a_hidden_page_come_from_its_image() -> None:
    """The hidden layer carries no rules; read without OCR, its table is still laid out right:
    every cell is the layer's text, the three misread digits as the layer says them."""
    report = extractor.extract(RIGHT, limits=Limits(max_ocr_pages=0))
    want = {_addr(c): (c["value"], c["state"]) for c in _expected(RIGHT)["cells"]}
    assert {_addr(c): (c["value"], c["state"]) for c in report.cells} == want


# --- with the OCR extra -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checked() -> Report:
    return extractor.extract(WRONG)


@needs_ocr
def test_the_image_digits_win_and_are_named(checked: Report) -> None:
    misread = {(m["table"], m["row"], m["column"]): m for m in _expected(WRONG)["hidden_layer"]["misread"]}
    assert len(misread) == 3
    for cell in checked.cells:
        m = misread.get(_addr(cell))
        if m is None:
            assert cell["how"] == "text" and cell["confidence"] is None, cell
            continue
        assert cell["value"] == int(m["printed"]) and cell["how"] == "ocr", cell
        assert 0.0 <= cell["confidence"] <= 1.0 and cell["bbox"] and cell["page"] in (1, 2)
        line = (f"{'.'.join(_addr(cell))}: hidden text layer says {m['hidden']}, the page image reads "
                f"{m['printed']}; kept {m['printed']} (checks pass)")
        assert line in checked.warnings
    assert "pages 1–2: the hidden text layer and OCR of the page images differ in 3 cells: 3 taken from the image " \
           "(how 'ocr'), 0 kept from the text layer" in checked.warnings
    assert set(checked.check_summary.values()) == {"pass"}


@needs_ocr
def test_a_right_hidden_layer_is_kept() -> None:
    report = extractor.extract(RIGHT)
    assert "page 2: hidden text layer agrees with OCR of the page images (every cell reads the same); " \
           "text layer kept" in report.warnings
    assert {c["how"] for c in report.cells} == {"text"}
    assert set(report.check_summary.values()) == {"pass"}


# --- without it ------------------------------------------------------------------------------------------

def test_without_ocr_the_layer_is_named_and_its_misreads_fail_checks(monkeypatch) -> None:
    monkeypatch.setattr("extractor.ocr.ocr_available", lambda: False)
    report = extractor.extract(WRONG)
    assert any(w.startswith("pages 1–2: the numbers come from a scanner's hidden text layer that could not be "
                            "checked against the page image (install the OCR extra") for w in report.warnings)
    assert any(w.startswith("checks fail on numbers read from a scanner's hidden text layer (pages 1–2)")
               for w in report.warnings)
    truth = {_addr(c): c["value"] for c in _expected(WRONG)["cells"]}
    failing = [ch for ch in report.checks if ch.status == "fail"]
    wrong = [c for c in report.cells if c["value"] != truth[_addr(c)]]
    assert len(wrong) == 3  # exactly the layer's misreads, as it says them
    for c in wrong:  # none passes as right: each sits on a failing row or column
        assert any(ch.check.startswith(c["table"] + ".") and ch.key in (c["row"], c["column"]) for ch in failing), c


def test_without_ocr_a_right_layer_is_still_not_called_checked(monkeypatch) -> None:
    monkeypatch.setattr("extractor.ocr.ocr_available", lambda: False)
    report = extractor.extract(RIGHT)
    assert any(w.startswith("page 2: the numbers come from a scanner's hidden text layer that could not be checked")
               for w in report.warnings)
    assert not any(w.startswith("checks fail on numbers") for w in report.warnings)


def test_ocr_off_says_so() -> None:
    report = extractor.extract(RIGHT, limits=Limits(max_ocr_pages=0))
    assert any("could not be checked against the page image (OCR is off (--max-ocr-pages 0))" in w
               for w in report.warnings)


# --- the decision rule, on truth cells changed by hand -----------------------------------------------------

def _report(cells: list[dict]) -> Report:
    checks = run_checks(TEMPLATES["2021"], {_addr(c): (c["value"], c["state"]) for c in cells})
    return Report("2021", {}, cells, checks, {}, [])


def _readings(changes_text: dict, changes_image: dict) -> tuple[Report, Report]:
    truth = json.loads((PDF / "word_repeat_header.expected.json").read_text(encoding="utf-8"))["cells"]
    base = [dict(c, raw=str(c["value"]), unit=None, how="text", path=None, bbox=None, confidence=None, note=None)
            for c in truth]
    text = [dict(c) for c in base]
    image = [dict(c, how="ocr", confidence=0.97) for c in base]
    for cells, changes in ((text, changes_text), (image, changes_image)):
        for c in cells:
            if _addr(c) in changes:
                c["value"] = changes[_addr(c)]
                c["raw"] = str(c["value"])
    return _report(text), _report(image)


GRANTED_TOTAL = ("requests", "granted", "total")
LICENSING = ("active_disclosure", "administrative_licensing", "decisions")


def _value(report: Report, addr: tuple[str, str, str]) -> dict:
    return next(c for c in report.cells if _addr(c) == addr)


def test_a_misread_of_our_ocr_does_not_overrule_a_layer_whose_checks_pass() -> None:
    text, image = _readings({}, {GRANTED_TOTAL: 999})
    true_value = _value(text, GRANTED_TOTAL)["value"]
    out = decide(text, image, [3])
    cell = _value(out, GRANTED_TOTAL)
    assert cell["value"] == true_value and cell["how"] == "text"
    assert f"requests.granted.total: hidden text layer says {true_value}, the page image reads 999; " \
           f"kept {true_value} (checks pass)" in out.warnings


def test_two_readings_that_both_fail_keep_the_layer_and_flag_it() -> None:
    text, image = _readings({GRANTED_TOTAL: 500}, {GRANTED_TOTAL: 600})
    out = decide(text, image, [3])
    assert _value(out, GRANTED_TOTAL)["value"] == 500
    assert "requests.granted.total: hidden text layer says 500, the page image reads 600; kept 500 " \
           "(the checks fail either way: compare with the page image)" in out.warnings
    assert out.check_summary["requests.row_total"] == "fail"


def test_a_cell_no_check_covers_keeps_the_layer_and_is_flagged() -> None:
    text, image = _readings({LICENSING: 38}, {LICENSING: 33})
    out = decide(text, image, [2])
    assert _value(out, LICENSING)["value"] == 38 and _value(out, LICENSING)["how"] == "text"
    assert "active_disclosure.administrative_licensing.decisions: hidden text layer says 38, the page image " \
           "reads 33; kept 38 (no check covers this table)" in out.warnings


def test_each_misread_is_taken_from_the_image_when_only_that_choice_passes() -> None:
    """The layer misreads one cell, our OCR another: the one combination that passes is taken."""
    other = ("requests", "carried_forward", "natural_person")
    text, image = _readings({GRANTED_TOTAL: 77}, {other: 55})
    out = decide(text, image, [3])
    assert _value(out, GRANTED_TOTAL)["how"] == "ocr" and _value(out, other)["how"] == "text"
    assert set(out.check_summary.values()) <= {"pass", "not_assessable"}
    assert sum(": hidden text layer says " in w and w.endswith("(checks pass)") for w in out.warnings) == 2
