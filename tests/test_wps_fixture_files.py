"""The WPS/Word PDF fixture family (fixtures/build/make_wps_fixtures.py): its builder is
independent of the extractor and deterministic, and the reader reads its tables' grids right
(glyph outlines are no rules; a 无 inside a vertical label is no number)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.model import Table
from extractor.reading import read_document

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "fixtures" / "build"
PDF = ROOT / "fixtures" / "pdf"
BUILDER = BUILD / "make_wps_fixtures.py"
SOURCES = [BUILDER] + sorted(BUILD.glob("wps_*.py"))
NAMES = ["wps_title_block", "wps_title_small_body", "wps_signature_only", "wps_label_typos",
         "wps_other_handling_zero", "wps_other_handling_nonzero", "wps_page_break_rows",
         "wps_labels_as_outlines", "word_export_ruled", "wps_three_line"]


def test_every_fixture_is_committed() -> None:
    for name in NAMES:
        assert (PDF / f"{name}.pdf").is_file() and (PDF / f"{name}.expected.json").is_file(), name
        assert (PDF / f"{name}.pdf").stat().st_size < 250_000, name


def test_builder_keeps_its_own_wording_and_keys() -> None:
    """A wrong label in the schema must not be hidden by a fixture printing the same label."""
    for src in SOURCES:
        text = src.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+extractor\b", text, re.M), src.name
        assert "extractor.schema" not in text, src.name


def _tools_missing() -> str | None:
    for mod in ("reportlab", "fontTools"):
        if importlib.util.find_spec(mod) is None:
            return f"{mod} is not installed (pip install '.[fixtures]')"
    sys.path.insert(0, str(BUILD))
    try:
        from wps_render import fonts_available
    finally:
        sys.path.remove(str(BUILD))
    if not fonts_available():
        return "fonts-wqy-zenhei / fonts-liberation are not installed"
    return None


def _build(out: Path) -> None:
    run = subprocess.run([sys.executable, str(BUILDER), "--out", str(out)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr


def test_builder_is_deterministic_and_reproduces_expected_files(tmp_path: Path) -> None:
    missing = _tools_missing()
    if missing:
        pytest.skip(missing)
    _build(tmp_path / "a")
    _build(tmp_path / "b")
    for name in NAMES:
        for suffix in (".pdf", ".expected.json"):
            a, b = tmp_path / "a" / (name + suffix), tmp_path / "b" / (name + suffix)
            assert a.read_bytes() == b.read_bytes(), f"{name}{suffix} differs between two builds"
        committed = json.loads((PDF / f"{name}.expected.json").read_text(encoding="utf-8"))
        rebuilt = json.loads((tmp_path / "a" / f"{name}.expected.json").read_text(encoding="utf-8"))
        assert rebuilt == committed, f"{name}.expected.json is not what the builder writes"


def _table3(name: str, page: int | None = None) -> Table:
    doc = read_document((PDF / f"{name}.pdf").read_bytes())
    return next(t for t in doc.tables() if t.n_cols >= 9 and "勾稽" in t.text()
                and (page is None or t.provenance.page == page))


def test_glyph_outlines_are_not_rules() -> None:
    """Labels drawn as curves: their strokes (一, the bars of 三) do not cut rows or columns."""
    t = _table3("wps_labels_as_outlines")
    assert (t.n_rows, t.n_cols) == (28, 10)
    rows = [t.distinct_row(r) for r in range(3, 28)]
    assert all(sum(1 for c in row if re.fullmatch(r"\d+", c.text)) == 7 for row in rows)
    assert all(not c.text for row in rows for c in row if not re.fullmatch(r"\d+", c.text))


def test_vertical_label_with_wu_stays_one_cell() -> None:
    """（四）无法提供 one character per line: its 无 is no dash-like zero that splits the rows."""
    t = _table3("wps_title_block")
    assert t.n_rows == 28
    group = t.grid[5][0]
    assert group.rowspan == 22 and group.text.replace("\n", "") == "三、本年度办理结果"
    g4 = next(c for c in (t.grid[r][1] for r in range(t.n_rows)) if c and "无" in c.text)
    assert g4.rowspan == 3 and g4.text.replace("\n", "") == "（四）无法提供"
