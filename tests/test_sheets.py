"""Spreadsheets (.xlsx, .xls, WPS .et): type by content, the document model, numbers as printed,
title rows as paragraphs, and the safety checks (zip bombs, far-flung cells, damage)."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

import extractor
from extractor.errors import InputError, LimitExceededError, UnsupportedFormatError
from extractor.limits import Limits
from extractor.model import Paragraph, Table
from extractor.reading import read_document
from extractor.readers.detect import detect_format
from extractor.readers.ole import OleFile, stream_names
from extractor.readers.sheet import render

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ONE_SHEET = FIX / "xlsx" / "annex_one_sheet.xlsx"
THREE_SHEETS = FIX / "xlsx" / "annex_three_sheets.xlsx"
XLS = FIX / "xls" / "annex_2021.xls"

openpyxl = pytest.importorskip("openpyxl")


def _xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def _texts(table: Table) -> list[list[str]]:
    return [[c.text if c is not None else "<none>" for c in row] for row in table.grid]


# --- numbers as a General cell shows them --------------------------------------------------------

@pytest.mark.parametrize("value,text", [
    (12.0, "12"), (12, "12"), (0.0, "0"), (-0.0, "0"), (5949.088667, "5949.088667"),
    (0.1 + 0.2, "0.3"), (12.000000000000002, "12"), (1e20, "100000000000000000000"), (1e-7, "0.0000001"),
    (1808595.0, "1808595"), (-18.0, "-18"), (True, "TRUE"), (None, ""), ("12", "12"), (" 12 ", " 12 "),
    (date(2024, 1, 15), "2024-01-15"), (datetime(2024, 1, 15), "2024-01-15"), (math.nan, ""),
])
def test_render(value, text) -> None:
    assert render(value) == text


# --- type by content ----------------------------------------------------------------------------

def test_types_by_content_never_by_name() -> None:
    assert detect_format(ONE_SHEET.read_bytes()) == "xlsx"
    assert detect_format(XLS.read_bytes()) == "xls"
    assert detect_format((FIX / "doc" / "report_2021.doc").read_bytes()) == "doc"
    assert detect_format((FIX / "docx" / "report_2021.docx").read_bytes()) == "docx"


def test_ole_directory_top_level_only() -> None:
    names = stream_names(XLS.read_bytes())
    assert names is not None and "Workbook" in names
    assert "WordDocument" in (stream_names((FIX / "doc" / "report_2021.doc").read_bytes()) or set())
    assert stream_names(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) is None  # cut short


def test_ole_reads_a_stream_through_the_mini_stream() -> None:
    ole = OleFile(XLS.read_bytes())
    data = ole.read("Workbook")
    assert data[:2] == b"\x09\x08"  # BIFF8 BOF


@pytest.mark.parametrize("name", ["附表.et", "附表.xlsx", "附表.pdf", "附表"])
def test_xls_read_whatever_its_name(tmp_path: Path, name: str) -> None:
    """A WPS .et is an OLE2 workbook like an .xls: the same content reads the same under any name."""
    path = tmp_path / name
    path.write_bytes(XLS.read_bytes())
    report = extractor.extract(path)
    assert report.metadata["format"] == "xls"
    assert report.metadata["agency"] == "松溪区民政局" and report.metadata["year"] == 2021
    assert report.check_summary["requests.balance"] == "pass"


def test_xlsx_named_pdf_is_read_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(ONE_SHEET.read_bytes())
    assert extractor.extract(path).metadata["format"] == "xlsx"


# --- the document model -------------------------------------------------------------------------

@pytest.mark.parametrize("path", [ONE_SHEET, XLS], ids=["xlsx", "xls"])
def test_one_sheet_becomes_title_headings_and_three_tables(path: Path) -> None:
    doc = read_document(path.read_bytes(), source=path.name)
    kinds = [(type(b).__name__, b.text if isinstance(b, Paragraph) else None) for b in doc.blocks]
    paras = [t for k, t in kinds if k == "Paragraph"]
    assert paras[0].endswith("2021年政府信息公开工作年度报告附表") or paras[0].endswith("2023年政府信息公开工作年度报告附表")
    assert [k for k, _ in kinds].count("Table") == 3
    assert any(p and p.startswith("三、收到和处理") for p in paras)  # typed into column A alone
    tables = _tables(doc)
    t2, t3, t4 = tables
    assert (t2.n_cols, t3.n_cols, t4.n_cols) == (4, 10, 15)  # each table only as wide as itself
    assert t2.grid[0][0].text == "第二十条第（一）项"  # a table's own full-width row stays in it
    assert all(t2.grid[0][c] is t2.grid[0][0] for c in range(4))  # merged: one Cell object
    assert t2.grid[0][0].colspan == 4
    group = t3.grid[5][0]
    assert group.text == "三、本年度办理结果" and group.rowspan == 22
    assert all(t3.grid[r][0] is group for r in range(5, 27))
    assert all(p.source == ("xlsx" if path.suffix == ".xlsx" else "xls") for p in
               [b.provenance for b in doc.blocks])


def test_cells_keep_their_address() -> None:
    doc = read_document(ONE_SHEET.read_bytes())
    t3 = _tables(doc)[1]
    top = int(t3.provenance.path.split("!A")[1].split(":")[0])
    assert t3.provenance.path == f"附表!A{top}:J{top + 27}"
    assert t3.grid[3][3].provenance.path == f"附表!D{top + 3}"


def test_blank_cells_and_numbers_as_text_and_numbers() -> None:
    def build(wb):
        ws = wb.active
        ws.title = "表"
        ws.append(["某局2023年政府信息公开工作年度报告附表"])
        ws.merge_cells("A1:D1")
        ws.append(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
        ws.append(["规章", 12.0, None, "7"])
        ws.append(["行政事业性收费", 5949.088667, None, None])
        ws.merge_cells("B4:D4")

    doc = read_document(_xlsx(build))
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "某局2023年政府信息公开工作年度报告附表"
    (table,) = _tables(doc)
    assert _texts(table) == [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                             ["规章", "12", "", "7"],
                             ["行政事业性收费", "5949.088667", "5949.088667", "5949.088667"]]
    assert table.grid[2][1] is table.grid[2][3] and table.grid[2][1].colspan == 3
    assert table.grid[1][2] is not None and table.grid[1][2].text == ""  # a blank cell is a cell


def test_title_typed_into_a1_and_signature_rows_are_paragraphs() -> None:
    def build(wb):
        ws = wb.active
        ws["B1"] = "某局2023年政府信息公开工作年度报告附表"  # not merged, not in column A
        ws.append([])
        ws.append(["信息内容", "本年处理决定数量"])
        ws.append(["行政许可", 5])
        ws.append([])
        ws["D7"] = "某局"
        ws["D8"] = datetime(2024, 1, 15)

    doc = read_document(_xlsx(build))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph", "Paragraph"]
    assert doc.blocks[3].text == "2024-01-15"


def test_row_of_one_label_with_blank_values_stays_in_the_table() -> None:
    """A row whose values are all blank holds one filled cell: it is a table row, not a paragraph."""
    def build(wb):
        ws = wb.active
        ws.append(["", "自然人", "商业企业", "总计"])
        ws.append(["一、本年新收政府信息公开申请数量", 1, 2, 3])
        ws.append(["二、上年结转政府信息公开申请数量", None, None, None])
        ws.append(["四、结转下年度继续办理", None, None, None])

    (table,) = _tables(read_document(_xlsx(build)))
    assert table.n_rows == 4 and table.grid[3][0].text == "四、结转下年度继续办理"


def test_hidden_sheet_is_skipped_with_a_warning() -> None:
    doc = read_document(THREE_SHEETS.read_bytes())
    assert doc.warnings == ["sheet '底稿' is hidden: skipped"]
    assert len(_tables(doc)) == 3


def test_formulas_give_their_computed_values() -> None:
    report = extractor.extract(THREE_SHEETS)
    assert report.value("requests", "total_processed", "total") == sum(
        report.value("requests", "total_processed", c) for c in
        ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
         "legal_service_org", "other_org"))


def test_empty_workbook_is_not_a_report() -> None:
    with pytest.raises(extractor.NotAReportError):
        extractor.extract(_xlsx(lambda wb: None))


# --- safety -------------------------------------------------------------------------------------

def test_far_flung_cells_are_refused_before_calamine_builds_the_sheet() -> None:
    def build(wb):
        wb.active["A1"] = 1
        wb.active["XFD1048576"] = 2

    with pytest.raises(LimitExceededError, match=r"sheet 'Sheet' spans 1048576 x 16384 cells \(limit 250000"):
        read_document(_xlsx(build), source="far.xlsx")


def test_cells_limit_counts_every_sheet() -> None:
    def build(wb):
        for i in range(3):
            ws = wb.active if i == 0 else wb.create_sheet(f"s{i}")
            ws["A1"] = 1
            ws["J100"] = 2

    data = _xlsx(build)
    read_document(data, limits=Limits(max_table_cells=3000))
    with pytest.raises(LimitExceededError, match="in a workbook"):
        read_document(data, limits=Limits(max_table_cells=2500))


def _with_part(data: bytes, part: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, body if info.filename == part else zin.read(info.filename))
    return out.getvalue()


def test_sheet_xml_cut_in_half_is_one_line() -> None:
    data = ONE_SHEET.read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with pytest.raises(InputError) as info:
        read_document(_with_part(data, "xl/worksheets/sheet1.xml", xml[: len(xml) // 2]), source="cut.xlsx")
    assert str(info.value) == "cut.xlsx: not a readable xlsx workbook (XMLSyntaxError in xl/worksheets/sheet1.xml)"


@pytest.mark.parametrize("path,part", [(ONE_SHEET, "xl/worksheets/sheet1.xml"), (THREE_SHEETS, "xl/sharedStrings.xml")])
def test_entities_are_never_expanded(path: Path, part: str) -> None:
    """A billion-laughs DTD used in a cell: refused as damage or read without the expansion."""
    data = path.read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part)
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 10)) + b"]>"
    bad = xml.replace(b"?>", b"?>" + laughs, 1)
    bad = bad.replace(b"<v>", b"<v>&a9;", 1) if part.endswith("sheet1.xml") else bad.replace(b"<t>", b"<t>&a9;", 1)
    try:
        doc = read_document(_with_part(data, part, bad), source="laughs.xlsx")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("laughs.xlsx: not a readable xlsx workbook")
        return
    assert max(len(c.text) for t in _tables(doc) for row in t.grid for c in row if c is not None) < 1000


def test_part_larger_than_declared_is_damage() -> None:
    """A zip whose directory understates a part's size (a bomb in disguise) fails its CRC check."""
    data = bytearray(ONE_SHEET.read_bytes())
    part = b"xl/worksheets/sheet1.xml"
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        n = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + n] == part:
            size = int.from_bytes(data[at + 24:at + 28], "little")
            data[at + 24:at + 28] = (size // 2).to_bytes(4, "little")
            break
        at += 4
    with pytest.raises(InputError, match=r"damaged part xl/worksheets/sheet1.xml"):
        read_document(bytes(data), source="bomb.xlsx")


def test_xls_with_a_far_cell_is_refused() -> None:
    """A LABELSST record moved to row 65535, column 255: 65536 x 256 cells, measured from the
    BIFF records before calamine is asked."""
    data = bytearray(XLS.read_bytes())
    at = data.index(b"\xfd\x00\x0a\x00")  # LABELSST, 10 bytes: row, col, xf, sst index
    data[at + 4:at + 8] = b"\xff\xff\xff\x00"
    with pytest.raises(LimitExceededError, match="a sheet spans 65536 x 256 cells"):
        read_document(bytes(data), source="far.xls")


def test_truncated_xlsx_and_xls() -> None:
    with pytest.raises(UnsupportedFormatError, match="damaged or truncated zip"):
        read_document(ONE_SHEET.read_bytes()[:3000], source="cut.xlsx")
    with pytest.raises(InputError) as info:
        read_document(XLS.read_bytes()[:5000], source="cut.xls")
    assert "\n" not in str(info.value)


def test_damaged_workbooks_fail_with_one_line_or_read() -> None:
    """Random damage to .xlsx parts and .xls bytes: an ExtractorError with one line, or a document."""
    import random

    rnd = random.Random(7)
    for _ in range(80):
        src = rnd.choice([ONE_SHEET, THREE_SHEETS])
        names = zipfile.ZipFile(src).namelist()
        part = rnd.choice(names)
        body = zipfile.ZipFile(src).read(part)
        at = rnd.randrange(max(len(body), 1))
        body = rnd.choice([body[:at], body[:at] + bytes([rnd.randrange(256)]) + body[at + 1:],
                           body.replace(b'r="', b'r="XFD', 1), body.replace(b"<v>", b"<v>1e308", 3)])
        data = _with_part(src.read_bytes(), part, body)
        try:
            read_document(data, source="m.xlsx")
        except extractor.ExtractorError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("m.xlsx: ")
    xls = XLS.read_bytes()
    for _ in range(80):
        data = bytearray(xls)
        for _ in range(rnd.randrange(1, 8)):
            data[rnd.randrange(512, len(data))] = rnd.randrange(256)
        try:
            read_document(bytes(data), source="m.xls")
        except extractor.ExtractorError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("m.xls: ")
