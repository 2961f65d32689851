"""OFD (GB/T 33190): the package walk, text and path geometry, the shared PDF table builder, and
the safety checks (zip bombs, entities, paths outside the package, nesting, page limits)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import extractor
from extractor.errors import InputError, LimitExceededError, NoTextLayerError
from extractor.limits import Limits
from extractor.model import Paragraph, Table
from extractor.reading import read_document
from extractor.readers.detect import detect_format
from extractor.readers.ofd import PT_PER_MM, _Bad, _deltas

FIX = Path(__file__).resolve().parents[1] / "fixtures"
REPORT = FIX / "ofd" / "report_2021.ofd"
NS = "http://www.ofdspec.org/2016"


def _ofd(pages: list[str], *, templates: dict[str, str] | None = None, ofd_xml: str | None = None,
         doc_extra: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal OFD: each page is the inside of its <ofd:Content>."""
    tpl_refs = "".join(f'<ofd:TemplatePage ID="{i}" BaseLoc="Tpls/{i}.xml"/>' for i in (templates or {}))
    page_refs = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", ofd_xml or f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
                    "<ofd:DocInfo><ofd:Title>测试</ofd:Title></ofd:DocInfo>"
                    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        zf.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:PageArea>'
                    f"<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>{tpl_refs}</ofd:CommonData>"
                    f"<ofd:Pages>{page_refs}</ofd:Pages>{doc_extra}</ofd:Document>")
        for i, content in enumerate(pages):
            zf.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", f'<ofd:Page xmlns:ofd="{NS}">{content}</ofd:Page>')
        for i, content in (templates or {}).items():
            zf.writestr(f"Doc_0/Tpls/{i}.xml", f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="1">'
                        f"{content}</ofd:Layer></ofd:Content></ofd:Page>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def _text(x: float, y: float, text: str, size: float = 4.0, *, scale: float = 1.0, **attrs: str) -> str:
    """One line of text; ``scale`` != 1: Size and the TextCode in units that a CTM scales to mm."""
    more = "".join(f' {k}="{v}"' for k, v in attrs.items())
    if scale != 1.0:
        more += f' CTM="{scale:.6f} 0 0 {scale:.6f} 0 0"'
    unit = size / scale
    dx = " ".join(f"{unit if ord(ch) > 0x2e80 else unit / 2:.4f}" for ch in text[:-1])
    return (f'<ofd:TextObject ID="1" Boundary="{x} {y} 100 {size * 1.3}" Font="1" Size="{unit:.4f}"{more}>'
            f'<ofd:TextCode X="0" Y="{unit * 0.9:.4f}" DeltaX="{dx}">{text}</ofd:TextCode>'
            "</ofd:TextObject>")


def _edit(data: bytes, suffix: str, change) -> bytes:
    """The package with the parts whose names end with ``suffix`` changed by ``change``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename.endswith(suffix):
                body = change(body)
                if body is None:
                    continue
            zout.writestr(info, body)
    return buf.getvalue()


def _line(x0: float, y0: float, x1: float, y1: float) -> str:
    return (f'<ofd:PathObject ID="2" Boundary="{x0} {y0} {max(x1 - x0, 0.3)} {max(y1 - y0, 0.3)}" LineWidth="0.25">'
            f"<ofd:AbbreviatedData>M 0 0 L {x1 - x0} {y1 - y0}</ofd:AbbreviatedData></ofd:PathObject>")


def _layer(*objs: str) -> str:
    return f'<ofd:Content><ofd:Layer ID="3">{"".join(objs)}</ofd:Layer></ofd:Content>'


# --- the fixture --------------------------------------------------------------------------------

def test_type_by_content() -> None:
    assert detect_format(REPORT.read_bytes()) == "ofd"


def test_report_reads_with_pages_and_boxes(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"  # misnamed: still an OFD
    path.write_bytes(REPORT.read_bytes())
    report = extractor.extract(path)
    assert report.metadata["format"] == "ofd"
    assert report.metadata["agency"] == "白鹭市市场监督管理局" and report.metadata["published"] == "2024-01-22"
    cell = next(c for c in report.cells if c["row"] == "administrative_fees")
    assert cell["page"] == 2 and cell["value"] == pytest.approx(5046.829719)


def test_document_model_matches_the_pdf_reader() -> None:
    doc = read_document(REPORT.read_bytes(), source="report.ofd")
    assert doc.format == "ofd" and doc.meta["pages"] == 4
    assert doc.title == "白鹭市市场监督管理局2023年政府信息公开工作年度报告"
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    t2 = tables[0]
    assert (t2.n_rows, t2.n_cols) == (14, 4)
    assert t2.grid[0][0].text == "第二十条第（一）项" and all(t2.grid[0][c] is t2.grid[0][0] for c in range(4))
    assert all(b.provenance.source == "ofd" for b in doc.blocks)
    assert {c.provenance.source for row in t2.grid for c in row if c is not None} == {"ofd"}
    box = t2.grid[2][1].provenance.bbox  # 规章's 本年制发件数: page box in points
    assert box is not None and 0 < box[0] < box[2] < 210 * PT_PER_MM


# --- geometry -----------------------------------------------------------------------------------

def test_deltas_shorthand() -> None:
    assert _deltas("g 3 5.6 2 g 2 1") == [5.6, 5.6, 5.6, 2.0, 1.0, 1.0]
    assert _deltas(None) == []
    with pytest.raises(_Bad):
        _deltas("g 3")
    with pytest.raises(_Bad):
        _deltas("g 100000000 1")


def _grid_doc(scale: float = 1.0) -> bytes:
    """A 2 x 3 ruled table (rules as stroked lines) under a heading, on one page."""
    objs = [_text(20, 20, "某局2023年政府信息公开工作年度报告", 6)]
    xs, ys = [20, 80, 120, 160], [40, 50, 60]
    objs += [_line(x, ys[0], x, ys[-1]) for x in xs] + [_line(xs[0], y, xs[-1], y) for y in ys]
    objs += [_text(22, 42, "信息内容"), _text(82, 42, "本年制发件数"), _text(122, 42, "本年废止件数"),
             _text(22, 52, "规章"), _text(95, 52, "12", scale=scale), _text(135, 52, "3")]
    return _ofd([_layer(*objs)])


def test_ruled_table_from_text_and_path_objects() -> None:
    doc = read_document(_grid_doc())
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "某局2023年政府信息公开工作年度报告"
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert [[c.text for c in row] for row in table.grid] == [["信息内容", "本年制发件数", "本年废止件数"],
                                                            ["规章", "12", "3"]]


def test_ctm_scales_text_set_in_points() -> None:
    """A cell's text whose Size and TextCode are in points, under a CTM scaling points to mm."""
    plain = [b for b in read_document(_grid_doc()).blocks if isinstance(b, Table)][0]
    scaled = [b for b in read_document(_grid_doc(25.4 / 72)).blocks if isinstance(b, Table)][0]
    assert scaled.grid[1][1].text == "12"
    assert scaled.grid[1][1].provenance.bbox == plain.grid[1][1].provenance.bbox


def test_template_page_content_is_read() -> None:
    page = '<ofd:Template TemplateID="7" ZOrder="Background"/>' + _layer(_text(20, 60, "第二页正文"))
    doc = read_document(_ofd([page], templates={"7": _text(20, 20, "模板页眉文字")}))
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == ["模板页眉文字", "第二页正文"]


def test_page_blocks_and_vertical_text() -> None:
    vertical = ('<ofd:TextObject ID="5" Boundary="20 40 5 30" Font="1" Size="4">'
                '<ofd:TextCode X="0" Y="3.6" DeltaY="g 3 5">竖排文字</ofd:TextCode></ofd:TextObject>')
    page = _layer(f"<ofd:PageBlock ID=\"4\"><ofd:PageBlock ID=\"6\">{_text(20, 20, '块内文字')}</ofd:PageBlock>"
                  f"</ofd:PageBlock>{vertical}")
    texts = [b.text for b in read_document(_ofd([page])).blocks if isinstance(b, Paragraph)]
    assert texts[0] == "块内文字" and "".join(texts[1:]).replace("\n", "") == "竖排文字"


def test_invisible_objects_are_skipped() -> None:
    page = _layer(_text(20, 20, "看得见的字"), _text(20, 40, "看不见的字", Visible="false"))
    assert [b.text for b in read_document(_ofd([page])).blocks] == ["看得见的字"]


# --- bad input ----------------------------------------------------------------------------------

def _one_line(data: bytes, match: str, exc: type = InputError, limits: Limits | None = None) -> None:
    with pytest.raises(exc) as info:
        read_document(data, source="bad.ofd", limits=limits)
    assert "\n" not in str(info.value) and str(info.value).startswith("bad.ofd: ")
    assert match in str(info.value), str(info.value)


def test_no_doc_root() -> None:
    _one_line(_ofd([_layer()], ofd_xml=f'<ofd:OFD xmlns:ofd="{NS}"><ofd:DocBody/></ofd:OFD>'),
              "not a readable OFD document (no DocBody/DocRoot in OFD.xml)")


def test_missing_page_part() -> None:
    data = _edit(_ofd([_layer(_text(20, 20, "字"))]), "Content.xml", lambda b: None)
    _one_line(data, "not a readable OFD document (missing part Doc_0/Pages/Page_0/Content.xml)")


def test_content_cut_in_half() -> None:
    data = _edit(_ofd([_layer(_text(20, 20, "文字" * 50))]), "Content.xml", lambda b: b[: len(b) // 2])
    _one_line(data, "(XMLSyntaxError in Doc_0/Pages/Page_0/Content.xml)")


def test_part_outside_the_package() -> None:
    data = _edit(_ofd([_layer()]), "Document.xml", lambda b: b.replace(b"Pages/Page_0/", b"../../../etc/"))
    _one_line(data, "part outside the package")


def test_billion_laughs_is_refused() -> None:
    laughs = '<!DOCTYPE ofd:Page [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i} "{(f"&a{i - 1};" if i > 1 else "&a;") * 10}">' for i in range(1, 10)) + "]>"
    data = _edit(_ofd([_layer(_text(20, 20, "&a9;"))]), "Content.xml", lambda b: laughs.encode() + b)
    _one_line(data, "not a readable OFD document (XMLSyntaxError in Doc_0/Pages/Page_0/Content.xml)")


def test_external_entity_is_never_read() -> None:
    xxe = '<!DOCTYPE ofd:Page [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    data = _edit(_ofd([_layer(_text(20, 20, "开头&x;结尾"))]), "Content.xml", lambda b: xxe.encode() + b)
    try:
        doc = read_document(data)
    except InputError:
        return
    assert "root:" not in "".join(b.text for b in doc.blocks if isinstance(b, Paragraph))


def test_declared_zip_bomb() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_hostile_inputs import _declared_size

    data = _declared_size(REPORT.read_bytes(), "Doc_0/Pages/Page_1/Content.xml", 300 * 2**20)
    _one_line(data, "OFD package would unpack to 300 MB (limit 200 MB)", LimitExceededError)


def test_too_many_pages() -> None:
    _one_line(REPORT.read_bytes(), "OFD has 4 pages (limit 2; raise it with --max-pages)", LimitExceededError,
              Limits(max_pdf_pages=2))


def test_page_blocks_nested_too_deep() -> None:
    page = _layer('<ofd:PageBlock ID="1">' * 40 + _text(20, 20, "字") + "</ofd:PageBlock>" * 40)
    _one_line(_ofd([page]), "page blocks nested deeper than 32")


def test_bad_numbers_and_path_data() -> None:
    _one_line(_ofd([_layer(_text(20, 20, "字").replace('Size="4.0000"', 'Size="abc"'))]), "bad numbers")
    bad_path = ('<ofd:PathObject ID="2" Boundary="0 0 10 10"><ofd:AbbreviatedData>M 0 0 Z 5 5'
                "</ofd:AbbreviatedData></ofd:PathObject>")
    _one_line(_ofd([_layer(bad_path)]), "unknown path command 'Z'")


def test_scanned_ofd_has_no_text_layer() -> None:
    image = '<ofd:ImageObject ID="5" Boundary="0 0 210 297" ResourceID="9"/>'
    _one_line(_ofd([_layer(image), _layer(image)]), "OFD pages 1–2 have no usable text layer", NoTextLayerError)


def test_three_line_tables_read_exactly() -> None:
    """converter_three_line.ofd: all three tables drawn as three-line tables (no vertical rule; rules
    above, below and under each header only) read to the truth, every cell on its page. In table 二
    the titles centred over the whole table (第二十条第（一）项) make no column of their own, so 规章's
    three values land in three cells, and 行政许可's row, which shares the band under a rule with
    the next title and header, stays a row of its own."""
    import json

    path = FIX / "ofd" / "converter_three_line.ofd"
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = extractor.extract(path)
    key = lambda c: (c["table"], c["row"], c["column"])  # noqa: E731
    got = {key(c): (c["value"], c["state"], c.get("page")) for c in report.cells}
    assert got == {key(c): (c["value"], c["state"], c["page"]) for c in expected["cells"]}
    doc = read_document(path.read_bytes())
    table2 = next(t for t in doc.tables() if "第二十条第（一）项" in t.text())
    rows = [[c.text for c in table2.distinct_row(r) if c.text] for r in range(table2.n_rows)]
    assert ["规章", "31", "6", "26"] in rows
    assert ["行政许可", "29957"] in rows


def _mutate_xml(rnd, body: bytes) -> bytes:
    """One random damage to an XML part: bytes flipped, cut, duplicated, or a number made absurd."""
    kind = rnd.randrange(4)
    at = rnd.randrange(max(len(body), 1))
    if kind == 0:
        return body[:at] + bytes([rnd.randrange(256)]) + body[at + 1:]
    if kind == 1:
        return body[:at]
    if kind == 2:
        return body[:at] + body[at:at + 200] * 3 + body[at:]
    return body.replace(b'"', rnd.choice([b'"1e308 ', b'"-1e9 ', b'"nan ', b'"0 ']), 1 + rnd.randrange(3))


def test_damaged_parts_fail_with_one_line_or_read() -> None:
    """Random damage to the fixture's XML parts: an ExtractorError with one line, or a document."""
    import random

    rnd = random.Random(13)
    names = zipfile.ZipFile(REPORT).namelist()
    for _ in range(120):
        part = rnd.choice(names)
        data = _edit(REPORT.read_bytes(), part, lambda b: _mutate_xml(rnd, b))
        try:
            read_document(data, source="m.ofd")
        except extractor.ExtractorError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("m.ofd: ")
