"""OCR of scanned reports (the optional ``ocr`` extra).

The scanned fixtures (fixtures/ocr/, built by fixtures/build/make_ocr_fixtures.py from the PDF
fixtures' truth) run when rapidocr is importable, every one of them in every run: >= 99% of
values right and every wrong one flagged (unreadable, low confidence, a failing check on its row
or column, or a likely-misread warning). Without the extra, scanned input must fail with one line
naming the extra. The suspect-cell logic, the grid finder and the way OCR boxes reach the PDF
table builder (tables without a full grid) are tested on their own, without the recogniser.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import extractor
from extractor.checks import run_checks
from extractor.errors import NoTextLayerError, UnsupportedFormatError
from extractor.ocr import EXTRA_INSTALL, ocr_available
from extractor.checks.suspects import ocr_warnings, suspect_cells
from extractor.schema import TEMPLATES
from ocrbar import address, assert_at_ocr_bar

ROOT = Path(__file__).resolve().parent.parent
OCR_DIR = ROOT / "fixtures" / "ocr"
NO_EXTRA = "the ocr extra is not installed (pip install 'gov-disclosure-extractor[ocr]')"
needs_ocr = pytest.mark.skipif(not ocr_available(), reason=NO_EXTRA)


def _fixtures() -> list[tuple[Path, Path]]:
    out = []
    for exp in sorted(OCR_DIR.glob("*.ocr-expected.json")):
        stem = exp.name[: -len(".ocr-expected.json")]
        inputs = [p for p in OCR_DIR.iterdir() if p.stem == stem and p.suffix in (".pdf", ".png", ".jpg")]
        assert len(inputs) == 1, (stem, inputs)
        out.append((inputs[0], exp))
    return out


FIXTURES = _fixtures()


def test_scanned_fixtures_exist() -> None:
    assert len(FIXTURES) >= 6
    assert any(p.suffix == ".png" for p, _ in FIXTURES)
    assert any("three_line" in p.name for p, _ in FIXTURES)  # tables without a full grid


@pytest.mark.parametrize("path,expected_path", [pytest.param(p, e, marks=needs_ocr, id=p.name) for p, e in FIXTURES])
def test_scanned_fixture(path: Path, expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    report = extractor.extract(path)
    assert_at_ocr_bar(report, expected)
    for c in report.cells:  # every value says it was OCR'd and how sure the recogniser was
        assert c["how"] == "ocr" and 0.0 <= c["confidence"] <= 1.0, c
        assert c["bbox"] is not None


# --- without the extra ----------------------------------------------------------------------------

def _hide_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now raises ImportError
    assert not ocr_available()


def test_scanned_pdf_without_extra_is_one_clear_line(monkeypatch) -> None:
    _hide_extra(monkeypatch)
    with pytest.raises(NoTextLayerError) as info:
        extractor.extract(OCR_DIR / "report_2019_300dpi.pdf")
    msg = str(info.value)
    assert "\n" not in msg and "no usable text layer" in msg and msg.endswith(f"install the OCR extra: {EXTRA_INSTALL}")


def test_image_without_extra_is_one_clear_line(monkeypatch) -> None:
    _hide_extra(monkeypatch)
    with pytest.raises(UnsupportedFormatError) as info:
        extractor.extract(OCR_DIR / "report_2019_long_image.png")
    assert "\n" not in str(info.value) and EXTRA_INSTALL in str(info.value)


@pytest.mark.parametrize("name", ["word_repeat_header_200dpi.pdf", "report_2019_long_image.png"])
def test_cli_without_extra_exits_non_zero_with_one_line(name: str) -> None:
    code = ("import sys; sys.modules['rapidocr_onnxruntime'] = None\n"
            "from extractor.cli.main import main\n"
            f"main([{str(OCR_DIR / name)!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and EXTRA_INSTALL in lines[0], proc.stderr
    assert proc.stdout == ""


# --- suspect cells (no recogniser needed) ------------------------------------------------------------

def _truth_cells(name: str) -> list[dict]:
    exp = json.loads((ROOT / "fixtures" / "pdf" / f"{name}.expected.json").read_text(encoding="utf-8"))
    return [dict(c, raw=str(c["value"])) for c in exp["cells"]]


def _checks(cells: list[dict]):
    return run_checks(TEMPLATES["2021"], {address(c): (c["value"], c["state"]) for c in cells})


def test_a_single_misread_is_named_with_the_value_the_arithmetic_suggests() -> None:
    cells = _truth_cells("word_repeat_header")
    assert not suspect_cells(TEMPLATES["2021"], cells, _checks(cells))  # all checks pass: no suspects
    target = next(c for c in cells if (c["table"], c["row"], c["column"]) == ("requests", "granted", "total"))
    true_value = target["value"]
    target["value"] = true_value + 6  # a 1 read as 7
    checks = _checks(cells)
    assert any(c.status == "fail" for c in checks)
    warnings = ocr_warnings(TEMPLATES["2021"], cells, checks)
    assert f"likely misread: requests.granted.total printed {true_value + 6}, arithmetic suggests {true_value}" \
        in warnings
    assert target["value"] == true_value + 6  # reported, never changed


def test_a_misread_inside_the_table_is_pinned_to_its_cell() -> None:
    cells = _truth_cells("word_repeat_header")
    target = next(c for c in cells if (c["table"], c["row"], c["column"]) == ("requests", "granted", "other_org"))
    target["value"] += 5
    found = suspect_cells(TEMPLATES["2021"], cells, _checks(cells))
    assert found == [(("requests", "granted", "other_org"), target["value"], target["value"] - 5)]


def test_two_misreads_name_no_single_cell_and_low_confidence_is_listed() -> None:
    cells = _truth_cells("word_repeat_header")
    for c in cells:
        if (c["row"], c["column"]) in (("granted", "other_org"), ("partially_granted", "natural_person")) \
                and c["table"] == "requests":
            c["value"] += 3
            c["confidence"] = 0.42
    warnings = ocr_warnings(TEMPLATES["2021"], cells, _checks(cells))
    assert not any(w.startswith("likely misread") for w in warnings)
    assert sum(w.startswith("low OCR confidence 0.42: requests.") for w in warnings) == 2


# --- grid and deskew on a drawn table (OpenCV only) -----------------------------------------------------

@pytest.mark.skipif(not ocr_available(), reason=NO_EXTRA)
def test_grid_merged_cells_and_deskew() -> None:
    import cv2
    import numpy as np
    from extractor.ocr.deskew import estimate_angle, rotate
    from extractor.ocr.grid import find_grids
    img = np.full((1200, 1000), 255, np.uint8)
    xs, ys = [100, 400, 550, 700, 900], [200, 260, 320, 380, 440]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    cv2.rectangle(img, (xs[0] + 2, ys[1] + 2), (xs[1] - 2, ys[3] - 2), 255, -1)  # merge rows 1-2 of column 0
    cv2.rectangle(img, (xs[1] + 2, ys[0] + 2), (xs[3] - 2, ys[1] - 2), 255, -1)  # merge columns 1-2 of row 0
    tilted = rotate(img, 1.5)
    angle = estimate_angle(tilted)
    assert abs(angle + 1.5) <= 0.15, angle
    grids = find_grids(rotate(tilted, angle), unit=200 / 72)
    assert len(grids) == 1
    g = grids[0]
    assert len(g.ys) == 5 and len(g.xs) == 5
    cells = {(c.r0, c.c0, c.r1, c.c1) for c in g.cells}
    assert (1, 0, 3, 1) in cells and (0, 1, 1, 3) in cells
    assert len(g.cells) == 16 - 1 - 1
    assert g.at[1][0] == g.at[2][0] and g.at[0][1] == g.at[0][2] and g.at[0][0] != g.at[0][1]


@needs_ocr
def test_images_of_one_article_are_pages_in_order() -> None:
    """The images an images_only article page was fetched with: one Document, pages in order."""
    import io

    from PIL import Image

    from extractor.api import extract_document
    from extractor.ocr import read_images
    tall = Image.open(OCR_DIR / "report_2019_long_image.png").convert("L")
    half = tall.height // 2
    parts = []
    for box in ((0, 0, tall.width, half), (0, half, tall.width, tall.height)):
        buf = io.BytesIO()
        tall.crop(box).save(buf, format="PNG")
        parts.append(buf.getvalue())
    doc = read_images(parts, source="https://example.gov.cn/art/2020/1/20/art_1.html")
    assert doc.meta["ocr"] and doc.meta["ocr_pages"] == [1, 2] and doc.format == "image"
    report = extract_document(doc, source="https://example.gov.cn/art/2020/1/20/art_1.html")
    expected = json.loads((OCR_DIR / "report_2019_long_image.ocr-expected.json").read_text(encoding="utf-8"))
    want = {address(c): (c["value"], c["state"]) for c in expected["cells"]}
    got = {address(c): (c["value"], c["state"]) for c in report.cells}
    right = sum(1 for a, v in want.items() if got.get(a) == v)
    assert right >= 0.99 * len(want)


# --- tables without a full grid: OCR boxes through the PDF table builder (no recogniser) ----------

UNIT = 200 / 72  # pixels per point at the reader's 200 dpi
SIZE = 10.5  # the synthetic page's text size in points


def _box(text: str, x0: float, top: float, score: float = 0.99, x1: float | None = None):
    """A recogniser box around one line of ``text`` set at ``SIZE`` from ``x0`` (points in, pixels
    out), as tall as the recogniser draws it (1.21 x the size)."""
    from extractor.ocr.engine import Box
    width = sum(1.0 if ord(ch) > 0x2000 else 0.55 for ch in text) * SIZE if x1 is None else x1 - x0
    pad = 0.105 * SIZE
    return Box(x0 * UNIT, (top - pad) * UNIT, (x0 + width) * UNIT, (top + SIZE + pad) * UNIT, text, score)


class _Ink:
    """A page's ink for the layout's second looks: each box's glyphs as one mark per character
    (or the marks given), no mark the recogniser missed."""

    def __init__(self, marks: dict | None = None) -> None:
        self.given = marks or {}
        self.boxes: list = []

    def read(self, box, boxes=()):
        return None

    def dots(self, box):
        return []

    def marks(self, box):
        for b in self.boxes:
            if (b.x0, b.y0, b.x1, b.y1) == tuple(box):
                if b.text in self.given:
                    return [(a * UNIT, c * UNIT, b.y0 + 0.1 * SIZE * UNIT, b.y1 - 0.1 * SIZE * UNIT)
                            for a, c in self.given[b.text]]
                n = len(b.text)
                step = (b.x1 - b.x0) / n
                return [(b.x0 + k * step + 0.05 * step, b.x0 + (k + 0.95) * step, b.y0 + 0.1 * SIZE * UNIT,
                         b.y1 - 0.1 * SIZE * UNIT) for k in range(n)]
        return []


def _three_line_page(boxes, marks: dict | None = None):
    """Blocks of a synthetic page holding ``boxes`` under three rules (top, under the header,
    bottom) and no other rule, read as the OCR reader reads a page without a grid."""
    from extractor.ocr.aligned import AlignedPage
    from extractor.ocr.layout import page_blocks
    from extractor.ocr.reader import CellReader
    ink = _Ink(marks)
    ink.boxes = boxes
    reader = CellReader(ink.read, ink.dots, ink.marks)
    rules = [(y * UNIT, 72 * UNIT, 520 * UNIT) for y in (100, 130, 200)]
    page = AlignedPage(UNIT, 595 * UNIT, rules, [], None)
    blocks = page_blocks([], boxes, 1, lambda b: tuple(round(v / UNIT, 2) for v in b), reader, aligned=page)
    return blocks, page


def _requests_boxes(scores: dict | None = None):
    """Part of table 三 as a three-line table: a header row, three rows of numbers (blank where
    the row prints nothing) in four columns centred at 300, 360, 420 and 480 pt."""
    header = [_box("申请人情况", 80, 110), _box("自然人", 284, 110), _box("商业企业", 339, 110),
              _box("科研机构", 399, 110), _box("总计", 470, 110)]
    rows = [("一、本年新收政府信息公开申请数量", 140, ["3", "12", "0", "15"]),
            ("二、上年结转政府信息公开申请数量", 160, ["1", "", "2", "3"]),
            ("（一）予以公开", 180, ["2", "5", "", "7"])]
    out = list(header)
    for label, top, values in rows:
        out.append(_box(label, 80, top))
        for cx, v in zip((300, 360, 420, 480), values):
            if v:
                w = 0.55 * SIZE * len(v)
                out.append(_box(v, cx - w / 2, top, (scores or {}).get((label[:2], cx), 0.99)))
    return out


def _table_rows(blocks):
    from extractor.model import Table
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1, blocks
    return [[c for c in t.distinct_row(r)] for t in tables for r in range(t.n_rows)]


@needs_ocr
def test_three_line_table_from_boxes_goes_through_the_pdf_builder() -> None:
    blocks, page = _three_line_page(_requests_boxes({("二、", 420): 0.71}))
    assert page.tables == 1
    rows = _table_rows(blocks)
    texts = [[c.text for c in row] for row in rows]
    assert texts[0][-4:] == ["自然人", "商业企业", "科研机构", "总计"]
    assert texts[1][-5:] == ["一、本年新收政府信息公开申请数量", "3", "12", "0", "15"]
    assert texts[2][-5:] == ["二、上年结转政府信息公开申请数量", "1", "", "2", "3"]  # the blank keeps its column
    assert texts[3][-5:] == ["（一）予以公开", "2", "5", "", "7"]
    values = {c.text: c for c in rows[2][-4:] if c.text}
    assert values["2"].provenance.confidence == 0.71  # the recogniser's confidence, as read
    assert values["1"].provenance.source == "ocr" and values["1"].provenance.bbox is not None
    blank = rows[2][-3]
    assert blank.text == "" and blank.provenance.confidence == 1.0  # no ink there: nothing to misread


@needs_ocr
def test_a_value_set_between_two_inferred_columns_is_flagged_not_guessed() -> None:
    """予以公开's 7 printed halfway between 科研机构 and 总计: whichever column the builder gives it,
    its cell's confidence is capped so the report flags it; the values on their columns' lines keep
    the recogniser's confidence."""
    from extractor.ocr.layout import UNPLACED_CONFIDENCE
    boxes = [b for b in _requests_boxes() if not (b.text == "7" and b.y0 > 170 * UNIT)]
    boxes.append(_box("7", 450 - 0.55 * SIZE / 2, 180))
    rows = _table_rows(_three_line_page(boxes)[0])
    seven = [c for c in rows[3] if c.text == "7"]
    assert len(seven) == 1 and seven[0].provenance.confidence <= UNPLACED_CONFIDENCE
    assert all(c.provenance.confidence == 0.99 for row in rows[1:] for c in row[-4:] if c.text and c.text != "7")
    # a box reaching well over a boundary no rule draws is placed unsurely too
    from extractor.ocr.engine import Box
    from extractor.ocr.grid import Grid, GridCell
    from extractor.ocr.layout import to_table
    cells = [GridCell(0, 0, 1, 1, (0, 0, 100, 30)), GridCell(0, 1, 1, 2, (100, 0, 200, 30))]
    grid = Grid([0, 30], [0, 100, 200], cells, [[0, 1]])
    wide = Box(60, 5, 130, 25, "1234", 0.98)
    for soft, conf in (({100}, UNPLACED_CONFIDENCE), (set(), 0.98)):
        t = to_table(grid, [wide], 1, lambda b: b, lambda box, boxes=(): None, soft=soft)
        assert t.grid[0][0].text == "1234" and t.grid[0][0].provenance.confidence == conf


@needs_ocr
def test_header_cells_run_together_by_the_recogniser_are_parted_at_the_ink_gaps() -> None:
    """本年制本年废现行有 read as one box over three columns is three words where the ink shows
    column gaps; a gap that is only a colon's blank does not part a cell's text."""
    from extractor.ocr.aligned import ink_runs, split_words
    size = SIZE * UNIT
    header = _box("本年制本年废现行有", 400, 110, x1=520)
    cols = [(400, 431.5), (440, 471.5), (480, 511.5)]  # three cells' ink, 8.5 pt (0.8 size) apart
    marks = [(a * UNIT + k * 10.5 * UNIT, a * UNIT + (k + 0.95) * 10.5 * UNIT, header.y0 + 3, header.y1 - 3)
             for a, _ in cols for k in range(3)]
    words = split_words(header, ink_runs(marks, size), size)
    assert [w.text for w in words] == ["本年制", "本年废", "现行有"]
    assert [round(w.x0 / UNIT) for w in words] == [400, 440, 480]
    note = _box("（本列数据的勾稽关系为：第一项", 80, 110)
    step = 10.5 * UNIT
    # the colon's glyph is inked on its left third only: 0.7 size of blank before 第一项
    marks = [(note.x0 + k * step + (0.5 * step if k == 0 else 0), note.x0 + (k + (0.3 if k == 11 else 0.95)) * step,
              note.y0 + 3, note.y1 - 3) for k in range(15)]
    assert [w.text for w in split_words(note, ink_runs(marks, size), size)] == ["（本列数据的勾稽关系为：第一项"]


@needs_ocr
def test_a_ruled_grid_missing_its_column_rules_is_left_to_the_builder() -> None:
    from extractor.ocr.aligned import overfull
    from extractor.ocr.grid import Grid, GridCell
    cell = GridCell(0, 0, 1, 1, (72 * UNIT, 100 * UNIT, 520 * UNIT, 130 * UNIT))
    grid = Grid([100 * UNIT, 130 * UNIT], [72 * UNIT, 520 * UNIT], [cell], [[0]])
    label = _box("规章", 80, 110)
    side_by_side = [label, _box("3", 410, 110), _box("23", 450, 110), _box("27", 490, 110)]
    assert overfull(grid, side_by_side)
    wide_digits = [label, _box("1", 450, 110), _box("2", 458, 110)]  # one number set wide ('1 2')
    assert not overfull(grid, wide_digits)


@needs_ocr
def test_a_decimal_point_the_ink_does_not_show_is_dropped_and_flagged() -> None:
    """A recognised point where the cell's ink shows no printed point is dropped (digits set
    wide apart read as '1.2'), but the value changed by it is flagged, never trusted: at a low
    resolution a real point can be too small to tell (5739.063430 would become 5739063430)."""
    from extractor.ocr.engine import Box
    from extractor.ocr.grid import Grid, GridCell
    from extractor.ocr.layout import POINT_DROPPED_CONFIDENCE, to_table
    from extractor.ocr.reader import CellReader
    grid = Grid([0, 30], [0, 200], [GridCell(0, 0, 1, 1, (0, 0, 200, 30))], [[0]])
    for dots, text, conf in (([], "5739063430", POINT_DROPPED_CONFIDENCE), ([92.0], "5739.063430", 0.99)):
        reader = CellReader(lambda box, boxes=(): None, lambda box, d=dots: d)
        t = to_table(grid, [Box(20, 5, 180, 25, "5739.063430", 0.99)], 1, lambda b: b, reader)
        assert (t.grid[0][0].text, t.grid[0][0].provenance.confidence) == (text, conf)


# --- a 长图: pages stacked into one tall image ------------------------------------------------------

def _tall(height: int, at: str = "top") -> bytes:
    """The two-page long-image fixture inside a taller white image (a 长图 of ``height`` pixels)."""
    import io

    from PIL import Image
    page = Image.open(OCR_DIR / "report_2019_long_image.png").convert("L")
    tall = Image.new("L", (page.width, height), 255)
    tall.paste(page, (0, 0 if at == "top" else height - page.height))
    buf = io.BytesIO()
    tall.save(buf, format="PNG")
    return buf.getvalue()


def test_images_are_read_at_their_width_not_shrunk_by_their_length() -> None:
    from PIL import Image

    from extractor.ocr.render import fit
    assert fit(Image.new("L", (1241, 18000))).size == (1241, 18000)  # ten pages long: kept
    assert fit(Image.new("L", (8000, 11314))).size == (6000, 8486)  # a 700 dpi page: shorter side 6000
    assert fit(Image.new("L", (3000, 40000))).size == (2121, 28284)  # 120 M pixels: down to 60 M
    assert fit(Image.new("L", (900, 1273))).size == (900, 1273)


def test_a_long_image_is_cut_into_pages_at_blank_rows_and_rules() -> None:
    import numpy as np

    from extractor.ocr.render import page_spans
    white = np.full((4000, 1000), 255, np.uint8)
    assert page_spans(white[:2000]) == [(0, 2000)]  # page-shaped enough: one page
    assert page_spans(white) == [(0, 1414), (1414, 2828), (2828, 4000)]  # blank: at a page's height
    text = white.copy()
    text[:, 100:110] = 0  # ink on every row: no blank row anywhere
    text[1300, :] = 0  # a rule across the page inside the window: cut through it, kept on both sides
    spans = page_spans(text)
    assert spans[0] == (0, 1302) and spans[1][0] == 1299
    assert all(b > a for a, b in spans) and spans[-1][1] == 4000
    dense = white.copy()
    dense[:, 100:400] = 0  # text on every row, no rule
    dense[1500, 100:300] = 255  # the row with the least ink: cut there
    assert page_spans(dense)[0] == (0, 1500)


def test_the_review_page_cuts_a_long_image_where_ocr_did() -> None:
    from extractor.ocr.render import image_pages
    from extractor.review.source import _image_pages
    data = _tall(9000, "bottom")
    read = image_pages(data, "tall.png")
    shown = _image_pages(data)
    assert len(read) == len(shown) >= 5  # 9,000 rows of a 1,241-wide image: five pages or so
    assert [p.image.shape[::-1] for p in read] == [im.size for im in shown]


@needs_ocr
def test_a_long_image_keeps_its_text_size_and_levels_each_page() -> None:
    """The two-page report at the top of an 18,000-pixel 长图: read at its own width (shrunk by its
    length it was a third as wide, its text unreadable) and levelled page by page (the scan's 1°
    turned about the whole image pushed the report's sides off it)."""
    report = extractor.extract(_tall(18000), name="long.png")
    expected = json.loads((OCR_DIR / "report_2019_long_image.ocr-expected.json").read_text(encoding="utf-8"))
    assert_at_ocr_bar(report, expected)
    assert {c["page"] for c in report.cells if c["page"] is not None} <= {1, 2}
