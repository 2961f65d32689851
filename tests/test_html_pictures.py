"""Tables pasted as pictures in an HTML page (issue 13): a Word "Save as Web Page" export keeps its
pictures beside the page (``report.files/``), a CMS editor may inline one as a ``data:`` URI.
Table-sized pictures are read by OCR in their place; one that cannot be had is named, never
silently lost, and a page's logos and icons raise no noise."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

import extractor
from extractor.batch.walk import iter_inputs
from extractor.files import with_base_dir
from extractor.limits import Limits
from extractor.ocr import ocr_available
from extractor.reading import read_document
from ocrbar import assert_at_ocr_bar

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "fixtures" / "html" / "word_export_table_picture.htm"
FILES = PAGE.with_name("word_export_table_picture.files")
EXPECTED = json.loads(PAGE.with_name("word_export_table_picture.ocr-expected.json").read_text(encoding="utf-8"))
PICTURE = "/html/body/div/p[14]/span/img"  # part 三's screenshot (p[1] holds the logo)
needs_ocr = pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")
OFF = Limits(max_ocr_pages=0)


def _missing_requests(report) -> None:
    cells = [c for c in report.cells if c["table"] == "requests"]
    assert cells and all(c["state"] == "missing" and c["value"] is None for c in cells)  # never invented


@needs_ocr
def test_word_export_at_the_ocr_bar() -> None:
    report = extractor.extract(PAGE)
    got, pictured = assert_at_ocr_bar(report, EXPECTED)
    assert len(pictured) == 175
    for a in pictured:
        assert got[a]["how"] == "ocr" and got[a]["path"].startswith(PICTURE + "/tbl[1]/tr["), got[a]
    for a in set(got) - pictured:
        assert got[a]["how"] == "text" and got[a]["path"].startswith("/html/body/div/table[")
    assert any(w.startswith(f"ocr: 1 picture in the document read by OCR (rapidocr): {PICTURE};")
               for w in report.warnings)  # one picture: the logo is passed over


def test_with_ocr_off_the_picture_is_named_and_part_three_is_missing() -> None:
    report = extractor.extract(PAGE, limits=OFF)
    assert (f"1 picture in the document was not read (OCR is off (--max-ocr-pages 0)): tables pasted as pictures "
            f"are missing ({PICTURE})") in report.warnings
    _missing_requests(report)


def test_a_page_read_without_its_folder_names_the_picture_it_could_not_have() -> None:
    report = extractor.extract(PAGE.read_bytes(), name="page.htm", limits=OFF)
    lines = [w for w in report.warnings if "picture" in w]
    assert lines == [f"1 picture in the document was not read (its file is beside the page, which was read without "
                     f"its folder): tables pasted as pictures are missing ({PICTURE})"]  # the 64 px logo: no noise
    _missing_requests(report)


def test_a_page_read_away_from_its_folder_with_its_pictures_shipped_reads_as_at_home(tmp_path: Path) -> None:
    """A Dask worker gets the page's bytes and its picture folder (``files.with_page_files``): the
    pictures it finds are the ones read beside the page, byte for byte; the files are bounded."""
    from extractor.files import with_page_files
    from extractor.hints import Hints
    from extractor.readers.html import read_html

    shipped = with_page_files(PAGE, Hints(published="2024-01-20"), Limits().max_file_bytes)
    assert shipped is not None and shipped.published == "2024-01-20" and shipped.base_dir is None
    assert [name for name, _ in shipped.files or ()] == [f"{FILES.name}/{f.name}" for f in sorted(FILES.iterdir())]
    away = read_html(PAGE.read_bytes(), source="page.htm", hints=shipped)
    home = read_html(PAGE.read_bytes(), source=str(PAGE), hints=with_base_dir(PAGE, None))
    assert [(p.path, p.at, p.size, p.data) for p in away.meta["pictures"]] == \
        [(p.path, p.at, p.size, p.data) for p in home.meta["pictures"]] != []
    assert away.warnings == home.warnings
    small = with_page_files(PAGE, None, 2_000)  # over the limit: left behind, named as not read
    assert small is None or all(len(data) <= 2_000 for _, data in small.files or ())
    lines = [w for w in read_html(PAGE.read_bytes(), source="page.htm", hints=small).warnings if "picture" in w]
    assert lines == [f"1 picture in the document was not read (its file is beside the page, which was read without "
                     f"its folder): tables pasted as pictures are missing ({PICTURE})"]
    other = tmp_path / "report.txt"
    other.write_text("x", encoding="utf-8")
    assert with_page_files(other, None, 10**6) is None  # not a saved page: nothing shipped


def _page(img: str) -> bytes:
    return (f"<html><body><p>政府信息公开工作年度报告</p><p>{img}</p></body></html>").encode("utf-8")


def test_an_inline_data_uri_picture_is_handed_to_ocr(tmp_path: Path) -> None:
    png = (FILES / "image002.png").read_bytes()
    doc = read_document(_page(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">'),
                        source="inline.html", limits=OFF)
    assert doc.warnings == ["1 picture in the document was not read (OCR is off (--max-ocr-pages 0)): tables "
                            "pasted as pictures are missing (/html/body/p[2]/img)"]
    damaged = read_document(_page('<img src="data:image/png;base64,@@@">'), source="bad.html", limits=OFF)
    assert damaged.warnings == ["1 picture in the document was not read (an inline picture whose base64 is "
                                "damaged): tables pasted as pictures are missing (/html/body/p[2]/img)"]


def test_pictures_are_read_only_from_the_pages_own_folder(tmp_path: Path) -> None:
    page_dir = tmp_path / "site"
    page_dir.mkdir()
    shutil.copy(FILES / "image002.png", tmp_path / "secret.png")  # outside the page's folder
    page = page_dir / "report.html"
    page.write_bytes(_page('<img width=798 height=871 src="../secret.png">'
                           '<img width=798 height=871 src="/etc/passwd">'
                           '<img width=798 height=871 src="https://www.example.gov.cn/u/table.png">'
                           '<img src="https://www.example.gov.cn/u/logo.png">'))
    with pytest.raises(extractor.NotAReportError):
        extractor.extract(page, limits=OFF)
    doc = read_document(page.read_bytes(), source=str(page), limits=OFF,
                        hints=with_base_dir(page, None))
    assert doc.warnings == [
        "1 picture in the document was not read (a path out of the page's folder, not read): tables pasted as "
        "pictures are missing (/html/body/p[2]/img[1])",
        "1 picture in the document was not read (an absolute path, not read): tables pasted as pictures are "
        "missing (/html/body/p[2]/img[2])",
    ]  # the web pictures: the fetcher's business, and no noise
    assert "pictures" not in doc.meta


def test_a_folder_walk_takes_the_page_not_its_pictures(tmp_path: Path) -> None:
    shutil.copy(PAGE, tmp_path / PAGE.name)
    shutil.copytree(FILES, tmp_path / FILES.name)
    (tmp_path / "report_files").mkdir()  # a browser's folder with no page beside it: kept
    (tmp_path / "report_files" / "scan.png").write_bytes((FILES / "image002.png").read_bytes())
    assert iter_inputs([tmp_path]) == [tmp_path / "report_files" / "scan.png", tmp_path / PAGE.name]


def test_the_fixture_rebuilds_from_its_truth(tmp_path: Path, monkeypatch) -> None:
    """The page and the expected file rebuild byte for byte; the pictures to the pixel size
    (their pixels depend on the FreeType that draws the font)."""
    import importlib.util
    import io
    import sys

    from PIL import Image

    builder_path = ROOT / "fixtures" / "build" / "make_html_picture_fixtures.py"
    monkeypatch.syspath_prepend(str(builder_path.parent))
    spec = importlib.util.spec_from_file_location("make_html_picture_fixtures", builder_path)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_html_picture_fixtures", builder)
    try:
        spec.loader.exec_module(builder)
        builder.build(tmp_path)
    except SystemExit as exc:  # no CJK font on this machine (fonts-noto-cjk): the builder says so and stops
        pytest.skip(f"the fixture builder needs a CJK font ({exc})")
    for name in (PAGE.name, "word_export_table_picture.ocr-expected.json", f"{FILES.name}/filelist.xml"):
        assert (tmp_path / name).read_bytes() == (PAGE.parent / name).read_bytes(), name
    for image in ("image001.png", "image002.png"):
        sizes = [Image.open(io.BytesIO((d / FILES.name / image).read_bytes())).size for d in (tmp_path, PAGE.parent)]
        assert sizes[0] == sizes[1], image


def _without_requests_table(img: str) -> bytes:
    """The TRS article fixture with its part 三 table replaced by ``img`` (the site pasted it as a picture)."""
    import lxml.html

    page = lxml.html.fromstring((ROOT / "fixtures" / "html" / "trs_article_utf8.html").read_bytes())
    table = next(t for t in page.iter("table") if "本年新收政府信息公开申请数量" in t.text_content()
                 and not t.findall(".//table"))
    table.addprevious(lxml.html.fragment_fromstring(img))
    table.getparent().remove(table)
    return lxml.html.tostring(page, encoding="utf-8")


def test_a_missing_table_names_the_pictures_on_the_web_that_may_hold_it() -> None:
    src = "https://www.example.gov.cn/u/cms/2024/table3.png"
    report = extractor.extract(_without_requests_table(f'<p><img src="{src}"></p>'), name="page.html")
    assert [w for w in report.warnings if "picture" in w] == [
        f"requests: not found in the page's text; 1 picture(s) in it were not read ({src}): a table pasted "
        "as a picture may be among them"]
    _missing_requests(report)
    # a logo the markup calls small is no such picture; with every table found nothing is said
    small = extractor.extract(_without_requests_table(f'<p><img width="80" height="40" src="{src}"></p>'),
                              name="page.html")
    assert not [w for w in small.warnings if "picture" in w]
    whole = extractor.extract(ROOT / "fixtures" / "html" / "trs_article_utf8.html")
    assert not [w for w in whole.warnings if "picture" in w]
