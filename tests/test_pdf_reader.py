"""Reader-level tests of the PDF reader on the PDF fixtures (fixtures/pdf, built from truth data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.errors import ExtractorError, NoTextLayerError
from extractor.model import Table
from extractor.readers.pdf import read_pdf

PDF = Path(__file__).resolve().parent.parent / "fixtures" / "pdf"


def _read(name: str):
    return read_pdf((PDF / f"{name}.pdf").read_bytes(), source=name)


def _tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def _row(table: Table, label: str) -> list[str]:
    for r in range(table.n_rows):
        cells = table.distinct_row(r)
        if any(label in c.text.replace("\n", "") for c in cells):
            return [c.text for c in cells]
    raise AssertionError(f"no row {label!r}")


def test_ruled_word_table_grid_blanks_and_provenance():
    doc = _read("word_repeat_header")
    exp = {(c["table"], c["row"], c["column"]): c for c in
           json.loads((PDF / "word_repeat_header.expected.json").read_text())["cells"]}
    t3 = [t for t in _tables(doc) if "勾稽关系" in t.text()]
    assert [t.provenance.page for t in t3] == [3, 4]  # continued on the next page, header repeated
    assert all(t.n_cols == 10 for t in t3)
    row = _row(t3[0], "一、本年新收政府信息公开申请数量")
    cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]
    want = ["" if exp[("requests", "new_requests", c)]["state"] == "blank" else str(exp[("requests", "new_requests", c)]["value"])
            for c in cols]
    assert row[-7:] == want  # blank cells stay in their columns
    cell = t3[0].grid[3][3]
    assert cell.provenance.page == 3 and cell.provenance.source == "pdf"
    x0, top, x1, bottom = cell.provenance.bbox
    assert 0 < x0 < x1 < 600 and 0 < top < bottom < 842


def test_merged_label_is_one_cell_over_its_rows():
    t3 = [t for t in _tables(_read("word_repeat_header")) if "勾稽关系" in t.text()][0]
    col0 = [t3.grid[r][0] for r in range(t3.n_rows)]
    group = [c for c in col0 if c is not None and "本年度办" in c.text.replace("\n", "")]
    assert len(group) >= 20 and all(c is group[0] for c in group)


def test_kangxi_normalised_raw_kept_and_spaced_digits_joined():
    doc = _read("chromium_landscape_kangxi")
    exp = {(c["table"], c["row"], c["column"]): c["value"] for c in
           json.loads((PDF / "chromium_landscape_kangxi.expected.json").read_text())["cells"]}
    t2 = [t for t in _tables(doc) if "第二十条" in t.text()][0]
    assert _row(t2, "行政许可")[-1] == str(exp[("active_disclosure", "administrative_licensing", "decisions")])
    assert "⾏" not in t2.text() and "⼀" not in "".join(t.text() for t in _tables(doc))
    assert any("⾏" in r["raw"] and "行" in r["text"] for r in doc.meta["raw_text"])


def test_rotated_page_reads_upright():
    doc = _read("rotated_pages")
    t2 = [t for t in _tables(doc) if "第二十条" in t.text()][0]
    assert _row(t2, "规章")[0] == "规章" and t2.n_cols == 4


@pytest.mark.parametrize("name", ["scanned", "font_no_unicode_map", "font_private_use", "scanned_table_pages"])
def test_unusable_text_layer_fails_in_one_line(name):
    with pytest.raises(NoTextLayerError) as info:
        _read(name)
    msg = str(info.value)
    assert "\n" not in msg and "no usable text layer" in msg
    pages = json.loads((PDF / f"{name}.expected.json").read_text()).get("pages")
    if pages:
        assert f"pages {pages}" in msg


def test_corrupt_and_encrypted_pdf_raise_extractor_errors():
    with pytest.raises(ExtractorError):
        read_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50, source="bad.pdf")
    pypdf = pytest.importorskip("pypdf")
    import io
    w = pypdf.PdfWriter(clone_from=str(PDF / "word_repeat_header.pdf"))
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(ExtractorError) as info:
        read_pdf(buf.getvalue(), source="locked.pdf")
    assert "\n" not in str(info.value)


def _expected(name: str) -> dict:
    return {(c["table"], c["row"], c["column"]): c for c in
            json.loads((PDF / f"{name}.expected.json").read_text())["cells"]}


REQ_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]


@pytest.mark.parametrize("name", ["chromium_partial_rules", "chromium_three_line"])
def test_rule_less_columns_keep_blank_cells_in_place(name):
    """Columns inferred from number positions and header cells: every requests row has seven
    value cells, blanks where the truth is blank, under the header cell that names them."""
    exp = _expected(name)
    t3 = [t for t in _tables(_read(name)) if "勾稽关系" in t.text()][0]
    row = _row(t3, "一、本年新收政府信息公开申请")
    want = ["" if exp[("requests", "new_requests", c)]["state"] == "blank" else
            str(exp[("requests", "new_requests", c)]["value"]) for c in REQ_COLS]
    assert row[-7:] == want
    head = next(r for r in range(t3.n_rows) if any(c is not None and c.text == "其他" for c in t3.grid[r]))
    data = next(r for r in range(t3.n_rows) if "一、本年新收" in (t3.grid[r][0].text.replace("\n", "")))
    assert [c.text.replace("\n", "") for c in t3.grid[head][-7:]][1:] == ["商业企业", "科研机构", "社会公益组织",
                                                                         "法律服务机构", "其他", "总计"]
    assert t3.grid[head][-7].text == "自然人" and t3.n_cols == len(t3.grid[data])


@pytest.mark.parametrize("name", ["chromium_three_line", "chromium_typical_three_line"])
def test_wrapped_labels_stay_one_row(name):
    """A label wrapped over several lines, its numbers on the first or the middle line, is one
    row with its numbers; the rows above and below keep theirs."""
    exp = _expected(name)
    tables = [t for t in _tables(_read(name)) if "勾稽关系" in t.text() or t.provenance.page > 1]
    for key, label in [("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
                       ("other_unpaid_fees", "2.申请人逾期未按收费通知要求缴纳费用")]:
        found = None
        for t in tables:
            for r in range(t.n_rows):
                cells = t.distinct_row(r)
                if any(label in c.text.replace("\n", "") for c in cells):
                    found = [c.text for c in cells][-7:]
        want = ["" if exp[("requests", key, c)]["state"] == "blank" else str(exp[("requests", key, c)]["value"])
                for c in REQ_COLS]
        assert found == want, (key, found, want)


def test_pdfminer_fallback_reads_the_same(monkeypatch):
    """Pages pdfium cannot serve go through pdfminer: forcing that path gives the same values."""
    import extractor
    from extractor.readers import pdf_pdfium
    fast = extractor.extract(PDF / "chromium_three_line.pdf")
    monkeypatch.setattr(pdf_pdfium, "scan", lambda data: None)
    slow = extractor.extract(PDF / "chromium_three_line.pdf")
    key = lambda c: (c["table"], c["row"], c["column"])  # noqa: E731
    assert [(key(c), c["value"], c["state"]) for c in slow.cells] == [(key(c), c["value"], c["state"]) for c in fast.cells]
    assert sum(1 for c in slow.cells if c["state"] == "number") > 150


def test_upright_pdf_is_read_without_pdfminer(monkeypatch):
    """Speed: an upright report is read from pdfium alone; pdfminer is never opened."""
    from extractor.readers import pdf as pdf_mod

    def boom(data, name):
        raise AssertionError("pdfminer opened")
    monkeypatch.setattr(pdf_mod, "_open", boom)
    doc = _read("rotated_pages")
    assert len([t for t in _tables(doc) if "第二十条" in t.text()]) == 1
