"""Tables pasted into Word as pictures (issue 13): found in reading order, read by OCR in their place.

The fixture (fixtures/docx/report_2022_table_picture.docx, built by
fixtures/build/make_docx_picture_fixtures.py) pastes part 三 as a screenshot between real Word
tables for parts 二 and 四, with a small logo above the title. With the OCR extra its picture cells
are held to the OCR bar of tests/test_ocr.py (>= 99 % right, every wrong one flagged), the Word
tables and metadata exactly. Without OCR (off, not installed, over the limit, not an image) the
picture is named in a warning and its cells are missing, never invented. The picture finding,
size triage, limits and decoding are tested with the recogniser replaced (no extra needed).
"""

from __future__ import annotations

import importlib.util
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.shared import Cm

import extractor
from extractor.limits import Limits
from extractor.model import Cell, Paragraph, Provenance, Table
from extractor.ocr import EXTRA_INSTALL, ocr_available
from extractor.reading import read_document
from extractor.readers.docx import read_docx
from extractor.readers.pictures import Picture
from ocrbar import address, assert_at_ocr_bar

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "docx" / "report_2022_table_picture.docx"
EXPECTED = FIXTURE.with_name("report_2022_table_picture.ocr-expected.json")
BUILDER = ROOT / "fixtures" / "build" / "make_docx_picture_fixtures.py"
PICTURE = "body/p[13]/drawing[1]"  # part 三's screenshot (p[1] holds the logo, p[2] the title)
needs_ocr = pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")


def _expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_expected_file_covers_the_template_once() -> None:
    from extractor.schema import TEMPLATES

    expected = _expected()
    seen = [address(c) for c in expected["cells"]]
    assert sorted(seen) == sorted(TEMPLATES[expected["template"]].addresses())
    assert expected["ocr_tables"] == ["requests"] and expected["failures"] == []
    assert set(expected["checks"].values()) == {"pass"}


# --- the fixture, read by OCR -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def read_once():
    """The fixture read once (OCR costs seconds): its Document and its Report."""
    doc = read_document(FIXTURE.read_bytes(), source=str(FIXTURE))
    return doc, extractor.extract_document(doc, source=str(FIXTURE))


@needs_ocr
def test_fixture_at_the_ocr_bar(read_once) -> None:
    doc, report = read_once
    got, pictured = assert_at_ocr_bar(report, _expected())
    assert len(pictured) == 175
    for a in pictured:  # every picture cell says it came from the picture, by OCR, and how sure
        c = got[a]
        assert c["how"] == "ocr" and 0.0 <= c["confidence"] <= 1.0, c
        assert c["path"].startswith(PICTURE + "/tbl[1]/tr[") and c["page"] is None and c["bbox"] is not None, c
    for a in set(got) - pictured:
        assert got[a]["how"] == "text" and got[a]["path"].startswith("body/tbl[") and got[a]["confidence"] is None


@needs_ocr
def test_only_the_table_picture_is_read_and_the_document_says_so(read_once) -> None:
    doc, _ = read_once
    assert doc.meta["ocr"] is True and "pictures" not in doc.meta
    assert [p["path"] for p in doc.meta["ocr_pictures"]] == [PICTURE]  # not the logo
    assert doc.meta["ocr_pictures"][0]["part"] == "word/media/image1.png"
    assert f"ocr: 1 picture in the document read by OCR (rapidocr): {PICTURE}; values carry the recogniser's " \
           "confidence" in doc.warnings
    assert not any("not read" in w for w in doc.warnings)
    kinds = [(type(b).__name__, b.provenance.path) for b in doc.blocks if isinstance(b, Table)]
    assert kinds == [("Table", "body/tbl[1]"), ("Table", PICTURE + "/tbl[1]"), ("Table", "body/tbl[2]")]
    heading = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph)
                   and b.text == "三、收到和处理政府信息公开申请情况")
    assert doc.blocks[heading + 1].provenance.path == PICTURE + "/tbl[1]"  # in the picture's place


# --- the fixture without OCR: named, missing, never invented --------------------------------------------

def test_read_docx_leaves_the_table_picture_for_ocr() -> None:
    doc = read_docx(FIXTURE.read_bytes(), source="report.docx")
    pics = doc.meta["pictures"]
    assert [(p.path, p.part, p.size) for p in pics] == [(PICTURE, "word/media/image1.png", (798, 871))]
    assert doc.warnings == ["1 picture in the document was not read (not sent to OCR): tables pasted as pictures "
                            f"are missing ({PICTURE})"]
    assert doc.meta["tables"] == 2


def test_ocr_off_names_the_picture_and_part_three_is_missing() -> None:
    report = extractor.extract(FIXTURE, limits=Limits(max_ocr_pages=0))
    assert "1 picture in the document was not read (OCR is off (--max-ocr-pages 0)): tables pasted as pictures " \
           f"are missing ({PICTURE})" in report.warnings
    want = {address(c): c for c in _expected()["cells"]}
    for c in report.cells:
        if c["table"] == "requests":
            assert c["value"] is None and c["state"] == "missing", c
        else:
            w = want[address(c)]
            assert (c["value"], c["state"]) == (w["value"], w["state"]), c
    assert report.metadata["agency"] == "江州市水利局"


def test_without_the_extra_the_warning_says_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now raises ImportError
    assert not ocr_available()
    doc = read_document(FIXTURE.read_bytes(), source="report.docx")
    assert doc.warnings == [f"1 picture in the document was not read (OCR extra not installed: {EXTRA_INSTALL}): "
                            f"tables pasted as pictures are missing ({PICTURE})"]
    assert not doc.meta.get("ocr") and not any(isinstance(b, Table) and "drawing" in (b.provenance.path or "")
                                               for b in doc.blocks)
    assert doc.meta["pictures_not_read"] == [{"path": PICTURE, "reason": f"OCR extra not installed: {EXTRA_INSTALL}"}]


# --- finding and sizing pictures, with the recogniser replaced ------------------------------------------

def _png(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).rectangle((2, 2, width - 3, height - 3), outline="black")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _docx(build) -> bytes:
    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _picture(d, png: bytes, width_cm: float, height_cm: float | None = None) -> None:
    d.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(width_cm),
                                            height=Cm(height_cm) if height_cm else None)


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, content if info.filename == name else zin.read(info.filename))
    return out.getvalue()


@pytest.fixture
def fake_ocr(monkeypatch):
    """The recogniser replaced: every picture "reads" as one 1 x 2 table; the calls are recorded
    (the picture is still decoded for real, so decoding limits apply)."""
    import extractor.ocr as ocr_pkg
    import extractor.ocr.reader as reader

    calls: list[tuple[int, int]] = []

    def ocr_page(page):
        h, w = page.image.shape
        calls.append((w, h))
        cells: list[Cell | None] = [Cell(text, Provenance(page=1, bbox=(10.0, 10.0, 50.0, 30.0), source="ocr",
                                                          confidence=0.97)) for text in ("规章", "3")]
        return [Table([cells], Provenance(page=1, bbox=(0.0, 0.0, 100.0, 40.0), source="ocr"))], {"page": 1}

    monkeypatch.setattr(reader, "ocr_page", ocr_page)
    monkeypatch.setattr(ocr_pkg, "ocr_available", lambda: True)
    return calls


def test_a_logo_and_small_pictures_go_to_no_ocr(fake_ocr) -> None:
    def build(d):
        _picture(d, _png(64, 64), 1.5)  # a logo
        d.add_paragraph("江州市水利局2022年政府信息公开工作年度报告")
        _picture(d, _png(1200, 800), 3.0)  # many pixels, shown small (a seal, a photo thumbnail)
        _picture(d, _png(120, 60), 10.0)  # shown large, too few pixels for a table
        d.add_paragraph("正文")

    doc = read_document(_docx(build), source="logo.docx")
    assert fake_ocr == []
    assert doc.warnings == [] and "pictures" not in doc.meta and not doc.meta.get("ocr")
    assert [b.text for b in doc.blocks] == ["江州市水利局2022年政府信息公开工作年度报告", "正文"]


def test_a_table_picture_is_read_in_its_place(fake_ocr) -> None:
    def build(d):
        d.add_paragraph("三、收到和处理政府信息公开申请情况")
        _picture(d, _png(900, 700), 16.0)
        d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")

    doc = read_document(_docx(build), source="pic.docx")
    assert fake_ocr == [(900, 700)]
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = doc.blocks[1]
    assert isinstance(table, Table) and table.provenance.path == "body/p[2]/drawing[1]/tbl[1]"
    cell = table.grid[0][1]
    assert cell is not None and cell.text == "3"
    assert cell.provenance == Provenance(path="body/p[2]/drawing[1]/tbl[1]/tr[1]/tc[2]", bbox=(10.0, 10.0, 50.0, 30.0),
                                         source="ocr", confidence=0.97)
    assert doc.meta["ocr"] is True and doc.meta["tables"] == 1
    assert doc.warnings == ["ocr: 1 picture in the document read by OCR (rapidocr): body/p[2]/drawing[1]; "
                            "values carry the recogniser's confidence"]


def test_pictures_past_the_ocr_limit_are_named(fake_ocr) -> None:
    def build(d):
        for k in range(3):
            d.add_paragraph(f"表{k + 1}")
            _picture(d, _png(600, 300 + k), 15.0)

    doc = read_document(_docx(build), source="three.docx", limits=Limits(max_ocr_pages=2))
    assert len(fake_ocr) == 2
    assert [b.provenance.path for b in doc.tables()] == ["body/p[2]/drawing[1]/tbl[1]", "body/p[4]/drawing[1]/tbl[1]"]
    assert "1 picture in the document was not read (over the limit of 2 pictures to OCR; raise it with "\
           "--max-ocr-pages): tables pasted as pictures are missing (body/p[6]/drawing[1])" in doc.warnings


def test_vml_pictures_and_pictures_in_table_cells_are_found(fake_ocr) -> None:
    """A legacy ``w:pict``/``v:imagedata`` picture (size from its style), a drawing with its VML
    fallback copy (read once), and a picture inside a layout table's cell (read after the table)."""
    from docx.oxml import parse_xml

    def build(d):
        _picture(d, _png(700, 400), 15.0)
        drawing_p = d.paragraphs[-1]._p
        rid = drawing_p.xpath(".//a:blip")[0].get(
            "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
        ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
              'xmlns:v="urn:schemas-microsoft-com:vml" '
              'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
              'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
        vml = f'<w:pict><v:shape style="width:425.2pt;height:243pt"><v:imagedata r:id="{rid}"/></v:shape></w:pict>'
        run = drawing_p.xpath("./w:r")[0]
        drawing = run.xpath("./w:drawing")[0]
        alt = parse_xml(f'<mc:AlternateContent {ns}><mc:Choice Requires="wps"/><mc:Fallback>{vml}</mc:Fallback>'
                        '</mc:AlternateContent>')
        run.remove(drawing)
        alt[0].append(drawing)
        run.append(alt)  # the drawing, with a VML copy of itself as the fallback
        legacy = d.add_paragraph()._p
        legacy.append(parse_xml(f"<w:r {ns}>{vml}</w:r>"))  # a VML-only picture (Word 2003)
        small = d.add_paragraph()._p
        small.append(parse_xml(f"<w:r {ns}>{vml.replace('425.2pt', '40pt')}</w:r>"))  # shown 1.4 cm wide
        frame = d.add_table(rows=1, cols=1)
        frame.cell(0, 0).paragraphs[0].add_run().add_picture(io.BytesIO(_png(640, 480)), width=Cm(14))
        d.add_paragraph("后")

    doc = read_document(_docx(build), source="vml.docx")
    assert len(fake_ocr) == 3
    paths = [b.provenance.path for b in doc.tables()]
    assert paths == ["body/p[1]/drawing[1]/tbl[1]", "body/p[2]/pict[1]/tbl[1]", "body/tbl[1]",
                     "body/tbl[1]/tr[1]/tc[1]/p[1]/drawing[1]/tbl[1]"]
    assert doc.blocks[-1].text == "后"


# --- pictures that cannot be read: a warning, never a crash -------------------------------------------------

def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and holds one tiny compressed row."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _with_image(image: bytes) -> bytes:
    def build(d):
        d.add_paragraph("三、收到和处理政府信息公开申请情况")
        _picture(d, _png(800, 600), 16.0, 12.0)

    return _replace_part(_docx(build), "word/media/image1.png", image)


def test_a_picture_that_is_not_an_image_is_a_warning(fake_ocr) -> None:
    doc = read_document(_with_image(b"this is not an image at all" * 40), source="bad.docx")
    assert fake_ocr == []
    assert doc.warnings == ["1 picture in the document was not read (not a readable image (UnidentifiedImageError)): "
                            "tables pasted as pictures are missing (body/p[2]/drawing[1] (word/media/image1.png))"]
    assert [b.text for b in doc.blocks] == ["三、收到和处理政府信息公开申请情况"]


def test_a_truncated_picture_is_a_warning(fake_ocr) -> None:
    whole = _png(800, 600)
    doc = read_document(_with_image(whole[: len(whole) // 2]), source="cut.docx")
    assert fake_ocr == []
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("1 picture in the document was not read (not a "
                                                                 "readable image (")
    assert doc.meta["pictures_not_read"][0]["path"] == "body/p[2]/drawing[1] (word/media/image1.png)"


@pytest.mark.parametrize("side,words", [(30_000, "a picture too large to decode (a decompression bomb)"),
                                        (8_000, "a picture of 8000 x 8000 pixels (limit 50,000,000 pixels)")])
def test_a_decompression_bomb_is_refused_before_decoding(fake_ocr, side: int, words: str) -> None:
    doc = read_document(_with_image(_png_header(side, side)), source="bomb.docx")
    assert fake_ocr == []
    assert doc.warnings == [f"1 picture in the document was not read ({words}): tables pasted as pictures are "
                            "missing (body/p[2]/drawing[1] (word/media/image1.png))"]


def test_a_vector_metafile_is_named(fake_ocr) -> None:
    """Excel's "copy as picture" may paste an EMF: it cannot be turned into pixels here, and says so."""
    emf = struct.pack("<II4i4i", 1, 108, 0, 0, 799, 599, 0, 0, 21000, 15000) + b" EMF" + struct.pack("<I", 0x10000)
    doc = read_document(_with_image(emf + bytes(60)), source="emf.docx")
    assert fake_ocr == []
    assert doc.warnings == ["1 picture in the document was not read (a vector picture (EMF/WMF) that cannot be "
                            "turned into pixels here): tables pasted as pictures are missing "
                            "(body/p[2]/drawing[1] (word/media/image1.png))"]


def test_a_linked_picture_is_named() -> None:
    def build(d):
        _picture(d, _png(800, 600), 16.0)
        blip = d.paragraphs[-1]._p.xpath(".//a:blip")[0]
        r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
        blip.set(r + "link", blip.get(r + "embed"))
        del blip.attrib[r + "embed"]

    doc = read_docx(_docx(build), source="linked.docx")
    assert doc.warnings == ["1 picture in the document was not read (linked from outside the file, not in it): "
                            "tables pasted as pictures are missing (body/p[1]/drawing[1])"]
    assert "pictures" not in doc.meta


def test_pending_pictures_are_plain_data() -> None:
    doc = read_docx(FIXTURE.read_bytes())
    pic = doc.meta["pictures"][0]
    assert isinstance(pic, Picture) and pic.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert doc.blocks[pic.at - 1].text == "三、收到和处理政府信息公开申请情况"  # its blocks go after the heading
    assert "data" not in repr(pic)


# --- the builder -----------------------------------------------------------------------------------------

def _cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", "Noto Serif CJK SC"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "CJK" in out


@pytest.mark.skipif(not _cjk_font(), reason="the builder draws with Noto Serif CJK (fonts-noto-cjk)")
def test_the_builder_makes_the_committed_fixture(tmp_path, monkeypatch) -> None:
    """The expected file and the document's XML rebuild byte for byte; the picture to the pixel size
    (its pixels depend on the FreeType that draws the font)."""
    monkeypatch.syspath_prepend(str(BUILDER.parent))
    spec = importlib.util.spec_from_file_location("make_docx_picture_fixtures", BUILDER)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_docx_picture_fixtures", builder)
    spec.loader.exec_module(builder)
    builder.build(tmp_path)
    assert (tmp_path / EXPECTED.name).read_bytes() == EXPECTED.read_bytes()
    with zipfile.ZipFile(tmp_path / FIXTURE.name) as new, zipfile.ZipFile(FIXTURE) as old:
        assert new.namelist() == old.namelist()
        assert new.read("word/document.xml") == old.read("word/document.xml")
        from PIL import Image
        sizes = [Image.open(io.BytesIO(z.read("word/media/image1.png"))).size for z in (new, old)]
        assert sizes[0] == sizes[1]
