"""The DOCX reader: body order, merged cells as one object, nested tables, text boxes, limits."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest

from extractor.errors import ExtractorError, InputError, LimitExceededError
from extractor.limits import Limits
from extractor.model import Paragraph, Table
from extractor.reading import read_document
from extractor.readers import docx as docx_reader
from extractor.readers.docx import read_docx
from extractor.schema import TEMPLATES

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".expected.json").read_text("utf-8"))


def _value(text: str) -> int | float:
    """The number a fixture cell prints (blank and dash are 0; a unit suffix is dropped)."""
    t = text.strip()
    if t in ("", "—", "-", "/", "无"):
        return 0
    t = t.removesuffix("万元").removesuffix("元")
    return float(t) if "." in t else int(t)


def _report_tables(doc) -> dict[str, Table]:
    """The three statistical tables, recognised by a phrase of their own header."""
    found = {}
    for t in doc.tables():
        text = t.text()
        if "信息内容" in text:
            found["active_disclosure"] = t
        elif "申请人情况" in text:
            found["requests"] = t
        elif "未经复议直接起诉" in text:
            found["review_litigation"] = t
    return found


def _values_from_grid(tables: dict[str, Table], template: str) -> dict[tuple[str, str, str], int | float]:
    """Every template value read straight off the grids (labels in column 0 for part 二)."""
    tpl = TEMPLATES[template]
    out = {}
    act = tpl.table("active_disclosure")
    by_label = {r.label: r for r in act.rows}
    grid = tables["active_disclosure"]
    for r in range(grid.n_rows):
        cells = grid.distinct_row(r)
        row = by_label.get(cells[0].text.strip())
        if row is None:
            continue
        for col, cell in zip(act.columns_of(row), cells[1:], strict=True):
            out[("active_disclosure", row.key, col.key)] = _value(cell.text)
    req = tpl.table("requests")
    grid = tables["requests"]
    assert grid.n_rows == 3 + len(req.rows)
    for i, row in enumerate(req.rows):
        for col, cell in zip(req.columns, grid.grid[3 + i][-7:], strict=True):
            out[("requests", row.key, col.key)] = _value(cell.text)
    rl = tpl.table("review_litigation")
    data = tables["review_litigation"].grid[-1]
    assert len(data) == 15
    for i, (row, col) in enumerate(rl.addresses()):
        out[("review_litigation", row, col)] = _value(data[i].text)
    return out


@pytest.mark.parametrize("name", ["docx/report_2021.docx", "docx/report_2019.docx",
                                  "docx/report_2021_nested.docx", "series/yunling_zrzyj_2020.docx",
                                  "series/yunling_zrzyj_2022.docx"])
def test_every_value_of_the_word_fixtures_is_in_its_grid_cell(name: str) -> None:
    path = FIX / name
    exp = _expected(path)
    doc = read_docx(path.read_bytes(), source=name)
    assert doc.format == "docx"
    got = _values_from_grid(_report_tables(doc), exp["template"])
    want = {(c["table"], c["row"], c["column"]): c["value"] for c in exp["cells"]}
    assert got == want


def test_merged_cells_are_one_object_over_every_position_they_cover() -> None:
    doc = read_docx((FIX / "docx/report_2021.docx").read_bytes())
    grid = _report_tables(doc)["requests"].grid
    corner = grid[0][0]
    assert "勾稽关系" in corner.text
    assert all(grid[r][c] is corner for r in range(3) for c in range(3))
    assert all(grid[0][c] is grid[0][3] for c in range(3, 10)) and grid[0][3].text == "申请人情况"
    assert grid[1][3] is grid[2][3] and grid[1][3].text == "自然人"  # vertical merge in the header
    assert all(grid[1][c] is grid[1][4] for c in range(4, 9)) and grid[1][4].text == "法人或其他组织"
    results = grid[5][0]
    assert results.text == "三、本年度办理结果"
    assert [r for r in range(grid.__len__()) if grid[r][0] is results] == list(range(5, 27))
    assert results.rowspan == 22
    denied = grid[7][1]
    assert denied.text == "（三）不予公开"
    assert [r for r in range(len(grid)) if grid[r][1] is denied] == list(range(7, 15))
    assert grid[5][1] is grid[5][2] and grid[5][1].text == "（一）予以公开"  # horizontal merge
    assert grid[5][3] is not grid[6][3]  # distinct value cells stay distinct
    review = _report_tables(doc)["review_litigation"].grid
    assert review[0][5] is review[0][14] and review[0][5].text == "行政诉讼"
    assert review[1][0] is review[2][0] and review[1][0].text == "结果维持"


def test_body_order_and_provenance() -> None:
    doc = read_docx((FIX / "docx/report_2021.docx").read_bytes(), source="r.docx")
    kinds = [("T" if isinstance(b, Table) else b.text[:2]) for b in doc.blocks]
    # each table sits right after its own part heading, before the next one
    assert kinds[kinds.index("二、") + 1] == "T"
    assert kinds[kinds.index("三、") + 1] == "T"
    assert kinds[kinds.index("四、") + 1] == "T"
    assert kinds.index("四、") + 2 == kinds.index("五、")
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "江州市生态环境局2021年政府信息公开工作年度报告"
    req = _report_tables(doc)["requests"]
    assert req.provenance.path == "body/tbl[2]" and req.provenance.source == "docx"
    assert req.grid[5][3].provenance.path == "body/tbl[2]/tr[6]/tc[3]"
    assert doc.blocks[1].provenance.path == "body/p[2]"


def test_tables_in_layout_tables_and_text_boxes_come_out_once_each() -> None:
    doc = read_docx((FIX / "docx/report_2021_nested.docx").read_bytes())
    paths = [t.provenance.path for t in doc.tables()]
    assert paths == ["body/tbl[1]", "body/tbl[1]/tr[2]/tc[1]/tbl[1]", "body/tbl[2]",
                     "body/tbl[2]/tr[1]/tc[1]/tbl[1]", "body/p[13]/txbx[1]/tbl[1]"]
    frames = [t for t in doc.tables() if t.provenance.path in ("body/tbl[1]", "body/tbl[2]")]
    # the layout cells keep their own text only, not the nested table's
    assert [[c.text for c in row] for row in frames[0].grid] == [["（单位：件）"], [""]]
    assert frames[1].grid == [[frames[1].grid[0][0]]] and frames[1].grid[0][0].text == ""
    # the text box's VML fallback copy is not read a second time
    assert sum("未经复议直接起诉" in t.text() for t in doc.tables()) == 1


def test_numbers_split_over_runs_are_joined() -> None:
    raw = (FIX / "docx/report_2021_nested.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "<w:proofErr" in xml  # the fixture really splits runs
    doc = read_docx(raw)
    req = _report_tables(doc)["requests"]
    word = docx.Document(io.BytesIO(raw))
    nested = word.tables[1].cell(0, 0).tables[0]
    runs = [r.text for r in nested.cell(3, 9).paragraphs[0].runs]
    assert len(runs) >= 2 and "".join(runs) == req.grid[3][9].text


def _docx_bytes(build) -> bytes:
    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_vmerge_continuation_and_grid_before() -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(d):
        t = d.add_table(rows=3, cols=3)
        t.cell(0, 0).merge(t.cell(2, 0)).text = "组"
        t.cell(0, 1).merge(t.cell(0, 2)).text = "横"
        t.cell(1, 1).text, t.cell(1, 2).text = "1", "2"
        trpr = parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>')
        row = t.rows[2]._tr
        row.insert(0, trpr)
        row.remove(row.tc_lst[0])  # the row starts one grid column in

    doc = read_docx(_docx_bytes(build))
    grid = next(doc.tables()).grid
    assert grid[0][0] is grid[1][0] and grid[0][0].rowspan == 2
    assert grid[0][1] is grid[0][2] and grid[0][1].colspan == 2
    assert grid[2][0] is None and [c.text for c in grid[2][1:]] == ["", ""]


def test_dispatch_by_content_not_name() -> None:
    data = (FIX / "docx/report_2019.docx").read_bytes()
    doc = read_document(data, source="report.txt")
    assert doc.format == "docx" and len(list(doc.tables())) == 3


def test_zip_bomb_is_refused_before_parsing() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (3 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 50_000
    with pytest.raises(LimitExceededError, match="limit 2 MB"):
        read_docx(data, source="bomb.docx", limits=Limits(max_docx_bytes=2 * 1024 * 1024))


@pytest.mark.parametrize("data", [
    b"PK\x03\x04" + b"\0" * 100,  # truncated zip
    None,  # a zip with a damaged document.xml
])
def test_corrupt_docx_gives_one_line_input_error(data) -> None:
    if data is None:
        buf = io.BytesIO()
        good = (FIX / "docx/report_2021.docx").read_bytes()
        with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
            for item in src.infolist():
                body = src.read(item)
                dst.writestr(item, body[: len(body) // 2] if item.filename == "word/document.xml" else body)
        data = buf.getvalue()
    with pytest.raises(InputError) as info:
        read_docx(data, source="bad.docx")
    assert isinstance(info.value, ExtractorError)
    msg = str(info.value)
    assert msg.startswith("bad.docx: ") and "\n" not in msg


def test_word_fixtures_rebuild_byte_for_byte(tmp_path, monkeypatch) -> None:
    """The committed fixtures and expected files are what the builder makes from its truth data."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_docx_fixtures", FIX / "build" / "make_docx_fixtures.py")
    builder = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_docx_fixtures", builder)  # dataclasses look their module up
    spec.loader.exec_module(builder)
    builder.main(tmp_path, with_soffice=False)
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(built) == 25  # all but the .doc and the PDF, which LibreOffice makes
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (FIX / rel).read_bytes(), rel


def test_content_controls_are_transparent() -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(d):
        d.add_paragraph("前")
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text = "规章", "3"
        sdt = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtPr/><w:sdtContent/></w:sdt>')
        t._tbl.addprevious(sdt)
        sdt[1].append(t._tbl)  # the table now sits inside a content control
        d.add_paragraph("后")

    doc = read_docx(_docx_bytes(build))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert [c.text for c in next(doc.tables()).grid[0]] == ["规章", "3"]


def test_absurd_grid_span_is_clamped() -> None:
    def build(d):
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "宽"
        t.cell(0, 0)._tc.get_or_add_tcPr().append(
            __import__("docx.oxml", fromlist=["parse_xml"]).parse_xml(
                '<w:gridSpan xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:val="100000000"/>'))

    grid = next(read_docx(_docx_bytes(build)).tables()).grid
    assert len(grid[0]) == docx_reader.MAX_GRID_SPAN + 1
    assert all(c is grid[0][0] for c in grid[0][:docx_reader.MAX_GRID_SPAN])
