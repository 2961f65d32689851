"""One body, one id: agency_id folds spellings, gives a county its city from the report's own
text, keeps same-named districts of different cities apart, and the panel joins on it."""

from __future__ import annotations

from pathlib import Path

import pytest

import extractor
from extractor.errors import InputError
from extractor.mapping.agency import AgencyTable, agency_id, canonical_name
from extractor.model import Document, Paragraph, Provenance
from extractor.pipeline import extract_document
from extractor.reading import read_document

SEED_TITLE = "巴彦淖尔市商务局2024年政府信息公开\n工作年度报告\n"
SEED_SIGNATURE = "巴彦淖尔市商务局\n2025年1月10日"


@pytest.mark.parametrize("agency,text,expected", [
    ("鼓楼区人民政府", "地址：福州市鼓楼区湖东路，福州市鼓楼区人民政府办公室", "福州市鼓楼区人民政府"),
    ("铜山区人民政府", "本报告由徐州市铜山区人民政府办公室编制。江苏省徐州市铜山区", "徐州市铜山区人民政府"),
    ("徐州市铜山区人民政府", "", "徐州市铜山区人民政府"),
    ("沛县 水务局", "网站：徐州市沛县水务局门户网站", "徐州市沛县水务局"),
    ("鼓楼区人民政府", "本区坚持……", "鼓楼区人民政府"),  # no city in the text: as printed
    ("巴彦淖尔市商务局", "", "巴彦淖尔市商务局"),
    ("杭州市拱墅区（人力社保局）", "", "杭州市拱墅区(人力社保局)"),
    ("《达拉特旗教育局》", "鄂尔多斯市达拉特旗教育局", "鄂尔多斯市达拉特旗教育局"),
])
def test_agency_id(agency, text, expected):
    assert agency_id(agency, text) == expected


def test_the_most_frequent_city_wins():
    assert agency_id("鼓楼区人民政府", "南京市鼓楼区…南京市鼓楼区…开封市鼓楼区") == "南京市鼓楼区人民政府"


def _report(seed_path: Path, tmp: Path, name: str, title: str, year: int, intro: str = "") -> Path:
    text = seed_path.read_text(encoding="utf-8")
    text = text.replace(SEED_TITLE, f"{title}\n{intro}\n" if intro else f"{title}\n", 1)
    text = text.replace("2024年1月1日至2024年12月31日", f"{year}年1月1日至{year}年12月31日")
    assert text.endswith(SEED_SIGNATURE)
    text = text[: -len(SEED_SIGNATURE)] + f"{year + 1}年1月15日"
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_panel_joins_one_body_written_two_ways_and_keeps_namesakes_apart(seed_path, tmp_path):
    files = [
        _report(seed_path, tmp_path, "a.txt", "铜山区人民政府2023年政府信息公开工作年度报告", 2023,
                "本报告由徐州市铜山区人民政府办公室编制。"),
        _report(seed_path, tmp_path, "b.txt", "徐州市铜山区人民政府2024年政府信息公开工作年度报告", 2024),
        _report(seed_path, tmp_path, "c.txt", "鼓楼区人民政府2024年政府信息公开工作年度报告", 2024,
                "地址：福州市鼓楼区湖东路。"),
        _report(seed_path, tmp_path, "d.txt", "鼓楼区人民政府2024年政府信息公开工作年度报告", 2024,
                "地址：南京市鼓楼区北京西路。"),
    ]
    ds = extractor.extract_many(files)
    assert ds.errors.empty
    ids = dict(zip(ds.reports["source"], ds.reports["agency_id"]))
    assert ids == {str(files[0]): "徐州市铜山区人民政府", str(files[1]): "徐州市铜山区人民政府",
                   str(files[2]): "福州市鼓楼区人民政府", str(files[3]): "南京市鼓楼区人民政府"}
    panel = ds.panel()
    tongshan = panel[panel["agency_id"] == "徐州市铜山区人民政府"]
    assert list(tongshan["year"]) == [2023, 2024]
    assert list(tongshan["agency"]) == ["铜山区人民政府", "徐州市铜山区人民政府"]  # as each year printed it
    assert len(panel) == 4
    chain = ds.carry_chain()
    assert set(chain["agency_id"]) == {"徐州市铜山区人民政府"}  # the one body with two consecutive years


def test_an_agency_table_settles_what_text_cannot(seed_path, tmp_path):
    files = [_report(seed_path, tmp_path, "a.txt", "鼓楼区人民政府2023年政府信息公开工作年度报告", 2023),
             _report(seed_path, tmp_path, "b.txt", "福州市鼓楼区人民政府2024年政府信息公开工作年度报告", 2024)]
    table = tmp_path / "agencies.csv"
    table.write_text("name,agency_id\n鼓楼区人民政府,福州市鼓楼区人民政府\n", encoding="utf-8")
    plain = extractor.extract_many(files)
    assert sorted(plain.reports["agency_id"]) == ["福州市鼓楼区人民政府", "鼓楼区人民政府"]
    settled = extractor.extract_many(files, agencies=table)
    assert set(settled.reports["agency_id"]) == {"福州市鼓楼区人民政府"}
    assert len(settled.panel()) == 2 and settled.panel()["agency_id"].nunique() == 1
    one = extractor.extract(files[0], agencies=AgencyTable.load(table))
    assert one.metadata["agency_id"] == "福州市鼓楼区人民政府"


def test_a_bad_agency_table_is_one_clear_error(tmp_path):
    bad = tmp_path / "agencies.csv"
    bad.write_text("机关,标识\n", encoding="utf-8")
    with pytest.raises(InputError, match="header name,agency_id"):
        AgencyTable.load(bad)


def test_canonical_name_folds_spaces_widths_and_brackets():
    assert canonical_name(" 徐州市 铜山区（交通运输局） ") == "徐州市铜山区(交通运输局)"


# --- the agency cross-checked: title against signature, OCR confidence -------------------------

def _signed(seed_path: Path, signature: str) -> extractor.Report:
    text = seed_path.read_text(encoding="utf-8")
    assert text.endswith(SEED_SIGNATURE)
    return extractor.extract((text[: -len(SEED_SIGNATURE)] + signature + "\n2025年1月10日").encode("utf-8"))


def _agency_warnings(report) -> list[str]:
    return [w for w in report.warnings if w.startswith("agency:")]


def test_a_signature_naming_another_body_is_flagged_and_the_title_kept(seed_path):
    report = _signed(seed_path, "巴彦淖尔市商贸局")  # one character off: a misprint or an OCR misread
    assert report.metadata["agency"] == "巴彦淖尔市商务局"
    assert _agency_warnings(report) == [
        "agency: the title names '巴彦淖尔市商务局' and the signature '巴彦淖尔市商贸局'; kept '巴彦淖尔市商务局' "
        "(a misprint, or a misread?): check it against the source"]


@pytest.mark.parametrize("signature", ["巴彦淖尔市商务局", "商务局", "巴彦淖尔市商务局办公室", "巴彦淖尔市 商务局",
                                       "特此报告"])  # the last is no body's name: not compared
def test_one_body_signed_another_way_is_not_flagged(seed_path, signature):
    assert _agency_warnings(_signed(seed_path, signature)) == []


def _ocr_document(seed_path: Path, confidence: float) -> Document:
    """The seed report as if OCR had read it: every paragraph from the recogniser, the title
    line at ``confidence``."""
    doc = read_document(seed_path.read_bytes())
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            sure = confidence if block.text.startswith("巴彦淖尔市商务局2024年") else 0.99
            block.provenance = Provenance(page=1, source="ocr", confidence=sure)
    return doc


def test_an_agency_read_from_an_unsure_ocr_line_is_flagged(seed_path):
    report = extract_document(_ocr_document(seed_path, 0.62))
    assert report.metadata["agency"] == "巴彦淖尔市商务局"
    assert _agency_warnings(report) == [
        "agency: '巴彦淖尔市商务局' read by OCR from a line of confidence 0.62; check it against the scan"]
    assert _agency_warnings(extract_document(_ocr_document(seed_path, 0.95))) == []
