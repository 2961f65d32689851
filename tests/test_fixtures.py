"""Every fixture's every value, its metadata and its check results against its expected file."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

import extractor
from extractor.limits import Limits
from extractor.ocr import ocr_available
from extractor.errors import (InputError, MissingDependencyError, NoTextLayerError, NotAReportError,
                              UnsupportedFormatError)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

ERRORS = {
    "not_a_report": NotAReportError,
    "no_text_layer": NoTextLayerError,
    "missing_dependency": MissingDependencyError,
    "unsupported": UnsupportedFormatError,
    "damaged": InputError,
}


def _cases() -> list[tuple[Path, Path]]:
    cases = []
    for exp in sorted(FIXTURES.rglob("*.expected.json")):
        stem = exp.name[: -len(".expected.json")]
        inputs = [p for p in exp.parent.iterdir()
                  if p.is_file() and p.name != exp.name and not p.name.endswith(".json")
                  and p.name.startswith(stem + ".") and p.name[len(stem) + 1:].count(".") == 0]
        if inputs:
            cases.append((inputs[0], exp))
    return cases


CASES = _cases()


def test_there_are_fixtures():
    assert len(CASES) >= 13, [c[0].name for c in CASES]


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


@pytest.mark.parametrize("path,expected_path", CASES, ids=[str(c[0].relative_to(FIXTURES)) for c in CASES])
def test_fixture(path: Path, expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    if path.suffix in (".doc", ".wps") and shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: .doc files cannot be converted here")
    # With the OCR extra installed a page without a text layer is read by OCR (tests/test_ocr.py);
    # the refusal these fixtures expect is checked with OCR turned off, so it is checked everywhere.
    limits = Limits(max_ocr_pages=0) if expected.get("error") == "no_text_layer" else None
    if expected.get("needs_ocr") and not ocr_available():
        pytest.skip("the true numbers are only in the page image (a hidden text layer misreads them): the OCR "
                    "extra is needed; tests/test_hidden_text_layer.py covers the reading without it")
    if "error" in expected:
        with pytest.raises(ERRORS[expected["error"]]) as info:
            extractor.extract(path, limits=limits)
        assert "\n" not in str(info.value)
        if expected["error"] == "no_text_layer":  # names the pages, never a number read from nothing
            assert "no usable text layer" in str(info.value)
        return
    report = extractor.extract(path)
    assert report.template == expected["template"]
    for key, value in expected["metadata"].items():
        assert report.metadata[key] == value, key

    got = {(c["table"], c["row"], c["column"]): c for c in report.cells}
    want = {(c["table"], c["row"], c["column"]): c for c in expected["cells"]}
    assert set(got) == set(want)
    wrong = []
    for addr, w in want.items():
        g = got[addr]
        if not (_same(g["value"], w["value"]) and g["state"] == w["state"]):
            wrong.append((addr, w["value"], w["state"], g["value"], g["state"], g["raw"]))
        elif "page" in w and g.get("page") != w["page"]:
            wrong.append((addr, "page", w["page"], g.get("page")))
    assert not wrong, f"{len(wrong)} cells differ: {wrong[:10]}"

    if "checks" in expected:
        assert report.check_summary == expected["checks"]
    if "failures" in expected:
        failing = {(c.check, c.key) for c in report.checks if c.status == "fail"}
        assert failing == {(f["check"], f["key"]) for f in expected["failures"]}
