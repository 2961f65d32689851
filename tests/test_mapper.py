"""Mapper behaviour on small documents: what cannot be placed is flagged, never guessed."""

import extractor
from extractor.errors import NotAReportError

import pytest


def _seed_with(seed_path, old: str, new: str) -> bytes:
    text = seed_path.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def test_dropped_cells_in_flattened_text_are_flagged(seed_path):
    # 一、本年新收: seven zeros; drop two of them, as flattening does with empty cells
    old = "一、本年新收政府信息公开申请数量\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n"
    new = "一、本年新收政府信息公开申请数量\n|\n3\n|\n1\n|\n4\n|\n0\n|\n8\n"
    report = extractor.extract(_seed_with(seed_path, old, new))
    row = [c for c in report.cells if c["table"] == "requests" and c["row"] == "new_requests"]
    assert len(row) == 7
    assert all(c["value"] is None and c["state"] == "unreadable" for c in row)
    assert any("new_requests: 5 values printed for 7 columns" in w for w in report.warnings)
    balance = [c for c in report.checks if c.check == "requests.balance"]
    assert all(c.status == "not_assessable" for c in balance)
    # everything else is still read
    assert report.value("active_disclosure", "administrative_licensing", "decisions") == 56


def test_unreadable_value_is_missing_not_zero(seed_path):
    report = extractor.extract(_seed_with(seed_path, "行政许可\n|\n56\n", "行政许可\n|\n见附件\n"))
    cell = next(c for c in report.cells if c["row"] == "administrative_licensing")
    assert (cell["value"], cell["state"], cell["raw"]) == (None, "unreadable", "见附件")
    assert any("cannot read '见附件'" in w for w in report.warnings)


def test_table_found_by_contents_not_heading_number(seed_path):
    data = _seed_with(seed_path, "三、收到和处理政府信息公开申请情况", "七、依申请公开情况")
    report = extractor.extract(data)
    assert all(c["state"] == "number" for c in report.cells)
    assert report.check_summary["requests.balance"] == "pass"


def test_year_breaks_template_tie_with_warning(seed_path):
    # Without part 二 the 2021 markers are gone: the tables' labels no longer decide.
    text = seed_path.read_text(encoding="utf-8")
    start = text.index("二、主动公开政府信息情况")
    end = text.index("三、收到和处理政府信息公开申请情况")
    text = text[:start] + text[end:]
    for marker in ("逾期不补正", "逾期未按收费通知要求缴纳费用"):
        text = text.replace(marker, "")
    report = extractor.extract(text.encode())
    assert report.template == "2021"
    assert any("chose 2021 by the report year" in w for w in report.warnings)
    assert any("active_disclosure: table not found" in w for w in report.warnings)


def test_plain_text_that_is_no_report():
    with pytest.raises(NotAReportError):
        extractor.extract("今天天气很好。\n我们去公园散步。\n".encode())


def test_text_in_first_value_cell_of_table_three(seed_path):
    report = extractor.extract(_seed_with(seed_path, "(一)予以公开\n|\n0\n", "(一)予以公开\n|\n不详\n"))
    granted = {c["column"]: c for c in report.cells if c["row"] == "granted"}
    assert (granted["natural_person"]["state"], granted["natural_person"]["raw"]) == ("unreadable", "不详")
    assert all(granted[k]["state"] == "number" for k in granted if k != "natural_person")
    rt = next(c for c in report.checks if c.check == "requests.row_total" and c.key == "granted")
    assert rt.status == "not_assessable"


def test_listing_page_is_not_a_report():
    html = ("<html><body><p>首页 > 政府信息公开 > 政府信息公开年报</p><ul>"
            + "".join(f"<li><a href='t{y}.htm'>青山市人社局{y}年政府信息公开工作年度报告</a></li>" for y in (2022, 2021, 2020))
            + "</ul><p>上一页 下一页</p></body></html>")
    with pytest.raises(NotAReportError, match="listing page"):
        extractor.extract(html.encode())


def test_a_recent_report_without_tables_is_not_legacy():
    body = "<p>一、总体情况</p><p>" + "本机关认真贯彻落实政府信息公开条例。" * 40 + "</p>"
    html = f"<html><body><p>青山市人社局2022年政府信息公开工作年度报告</p>{body}<img src='t1.png'></body></html>"
    with pytest.raises(NotAReportError, match="tables may be images"):
        extractor.extract(html.encode())


def test_page_metadata_table_both_layouts():
    from extractor.mapping.metadata import page_metadata
    from extractor.reading import read_document

    two_cells = "<table><tr><td>发布机构：</td><td>青山市人社局</td><td>发文日期</td><td>2024-01-26</td></tr></table>"
    one_cell = "<table><tr><td>索引号：1144/2024-00017</td><td>发布机构：青山市人社局</td></tr>" \
               "<tr><td>发布日期：2024-01-30</td><td>文号：无</td></tr></table>"
    assert page_metadata(read_document(two_cells.encode())) == {"agency": "青山市人社局", "date": "2024-01-26"}
    assert page_metadata(read_document(one_cell.encode())) == {"agency": "青山市人社局", "date": "2024-01-30"}


def test_section_headings_by_wording_not_number():
    from extractor.mapping.sections import heading_key

    assert heading_key("八、政府信息公开行政法复议、行政诉讼情况") == "review_litigation"  # typo, shifted number
    assert heading_key("四、因政府信息公开工作被申请行政复议提起行政诉讼情况") == "review_litigation"
    assert heading_key("五、政府信息公开工作存在的主要问题及改进情况") == "problems"
    assert heading_key("（二）依申请公开情况") is None  # a sub-topic of 总体情况, not part 三
    assert heading_key("2024年，本机关认真落实《政府信息公开条例》，做好主动公开政府信息情况的报送工作。") is None
