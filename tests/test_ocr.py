"""OCR of scanned reports (the optional ``ocr`` extra).

The scanned fixtures (fixtures/ocr/, built by fixtures/build/make_ocr_fixtures.py from the PDF
fixtures' truth) run when rapidocr is importable: >= 99% of values right and every wrong one
flagged (unreadable, low confidence, a failing check on its row or column, or a likely-misread
warning). Without the extra, scanned input must fail with one line naming the extra. The
suspect-cell logic and the grid builder are tested on their own, without the recogniser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import extractor
from extractor.checks import run_checks
from extractor.errors import NoTextLayerError, UnsupportedFormatError
from extractor.ocr import EXTRA_INSTALL, ocr_available
from extractor.checks.suspects import LOW_CONFIDENCE, ocr_warnings, suspect_cells
from extractor.schema import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
OCR_DIR = ROOT / "fixtures" / "ocr"
NO_EXTRA = "the ocr extra is not installed (pip install 'gov-disclosure-extractor[ocr]')"
needs_ocr = pytest.mark.skipif(not ocr_available(), reason=NO_EXTRA)
# The default run reads a few pages; OCR_FULL=1 reads every scanned fixture (~15 pages).
QUICK = {"report_2019_long_image", "word_long_ruled_150dpi_tables"}


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
    assert len(FIXTURES) >= 5
    assert any(p.suffix == ".png" for p, _ in FIXTURES)


def _address(c: dict) -> tuple[str, str, str]:
    return c["table"], c["row"], c["column"]


def flagged(report, cell: dict) -> bool:
    """Whether the report warns about this cell in one of the ways a reader can act on."""
    t, r, c = _address(cell)
    if cell["value"] is None or cell["state"] == "unreadable":
        return True
    if cell.get("confidence") is not None and cell["confidence"] < LOW_CONFIDENCE:
        return True
    if any(w.startswith("likely misread: ") and f" {t}.{r}.{c} " in w for w in report.warnings):
        return True
    return any(ch.status == "fail" and ch.check.startswith(t + ".") and ch.key in (r, c) for ch in report.checks)


def _params():
    out = []
    for path, exp in FIXTURES:
        marks = [needs_ocr]
        if path.stem not in QUICK and not os.environ.get("OCR_FULL"):
            marks.append(pytest.mark.skip(reason="long OCR fixture: set OCR_FULL=1 to read it"))
        out.append(pytest.param(path, exp, marks=marks, id=path.name))
    return out


@pytest.mark.parametrize("path,expected_path", _params())
def test_scanned_fixture(path: Path, expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    report = extractor.extract(path)
    assert report.template == expected["template"]
    for key, value in expected["metadata"].items():
        assert report.metadata[key] == value, key
    got = {_address(c): c for c in report.cells}
    want = {_address(c): c for c in expected["cells"]}
    assert set(got) == set(want)
    wrong = [a for a, w in want.items()
             if not (got[a]["value"] == w["value"] and got[a]["state"] == w["state"])
             or ("page" in w and got[a]["page"] != w["page"])]
    assert len(wrong) <= 0.01 * len(want), [(a, want[a]["value"], got[a]["raw"], got[a].get("confidence"))
                                            for a in wrong]
    unflagged = [(a, want[a]["value"], got[a]["raw"], got[a].get("confidence")) for a in wrong
                 if not flagged(report, got[a])]
    assert not unflagged
    for c in report.cells:  # every value says it was OCR'd and how sure the recogniser was
        assert c["how"] == "ocr" and 0.0 <= c["confidence"] <= 1.0, c
        assert c["bbox"] is not None
    if not wrong:
        assert report.check_summary == expected["checks"]


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
    return run_checks(TEMPLATES["2021"], {_address(c): (c["value"], c["state"]) for c in cells})


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
@pytest.mark.skipif(not os.environ.get("OCR_FULL"), reason="reads two more pages: set OCR_FULL=1")
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
    want = {_address(c): (c["value"], c["state"]) for c in expected["cells"]}
    got = {_address(c): (c["value"], c["state"]) for c in report.cells}
    right = sum(1 for a, v in want.items() if got.get(a) == v)
    assert right >= 0.99 * len(want)
