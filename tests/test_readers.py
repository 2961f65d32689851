"""Reader-level behaviour: the document model each reader builds."""

import codecs

import pytest

from extractor.errors import InputError, LimitExceededError, UnsupportedFormatError
from extractor.model import Paragraph, Table
from extractor.reading import read_document
from extractor.readers.detect import detect_format


def _tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


def test_seed_text_tables(seed_path):
    doc = read_document(seed_path.read_bytes())
    tables = _tables(doc)
    assert [t.n_rows for t in tables] == [14, 28, 4]
    assert [c.text for c in tables[0].distinct_row(6)] == ["行政许可", "56"]
    # a cell whose text spans two lines
    assert tables[1].distinct_row(2)[0].text == "商业\n企业"
    # the part headings flattened between tables come out as paragraphs
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "三、收到和处理政府信息公开申请情况" in paras
    assert "四、政府信息公开行政复议、行政诉讼情况" in paras
    assert "五、存在的主要问题及改进情况" in paras


def test_text_crlf_blank_lines_and_spaces():
    text = "标题\r\n|\r\n  规章 \r\n|\r\n\r\n1\r\n|\r\n|\r\n行政许可\r\n|\r\n 2 \r\n四、其他需要报告的事项\r\n"
    doc = read_document(text.encode("utf-8"))
    (t,) = _tables(doc)
    assert [[c.text for c in t.distinct_row(r)] for r in range(t.n_rows)] == [["规章", "1"], ["行政许可", "2"]]
    assert isinstance(doc.blocks[-1], Paragraph) and doc.blocks[-1].text == "四、其他需要报告的事项"


def test_text_one_row_per_line():
    doc = read_document("| 规章 | 2 |  | 15 |\n| 行政许可 | 7 |\n正文".encode())
    (t,) = _tables(doc)
    assert [c.text for c in t.distinct_row(0)] == ["规章", "2", "", "15"]
    assert not t.aligned  # merged cells are printed once: no grid columns


HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body><div class="nav">首页 | 政务公开</div>
<table><tr><td>索引号</td><td>1115/2025-001</td></tr></table>
<div class="TRS_Editor"><p class=MsoNormal>二、主动公开政府信息情况<o:p></o:p></p>
<table class=MsoTableGrid><tr><td rowspan=2><p>第二十条<br>第（一）项</p></td><td colspan=2>信息内容</td></tr>
<tr><td>本年<span lang=EN-US>制发</span>件数</td><td><span>1</span><span>2</span>&nbsp;</td></tr></table>
</div></body></html>"""


def test_html_gbk_spans_and_markup():
    doc = read_document(HTML.encode("gbk"))
    assert doc.meta["encoding"] == "gb18030"
    tables = _tables(doc)
    assert len(tables) == 2
    t = tables[1]
    assert t.n_rows == 2 and t.n_cols == 3
    assert t.grid[0][0] is t.grid[1][0]  # rowspan: the same cell object
    assert t.grid[0][1] is t.grid[0][2]  # colspan
    assert t.grid[0][0].text == "第二十条\n第（一）项"
    assert t.grid[1][1].text == "本年制发件数"
    assert t.grid[1][2].text == "12"  # a number split over two spans
    assert t.grid[1][2].provenance.path.endswith("tr[2]/td[2]")
    assert any(isinstance(b, Paragraph) and b.text == "二、主动公开政府信息情况" for b in doc.blocks)


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b"")])
def test_html_encodings_without_declaration(encoding, prefix):
    html = "<html><body><p>政府信息公开工作年度报告</p><table><tr><td>行政许可</td><td>5</td></tr></table></body></html>"
    doc = read_document(prefix + html.encode(encoding))
    assert doc.blocks[0].text == "政府信息公开工作年度报告"
    assert _tables(doc)[0].grid[0][0].text == "行政许可"


def test_layout_table_is_walked_through():
    html = "<html><body><table><tr><td><p>正文</p><table><tr><td>规章</td><td>1</td></tr></table></td></tr></table></body></html>"
    doc = read_document(html.encode())
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table"]


def test_html_nesting_limit():
    html = "<html><body>" + "<div>" * 2000 + "x" + "</div>" * 2000 + "</body></html>"
    with pytest.raises(LimitExceededError):
        read_document(html.encode())


@pytest.mark.parametrize("data,fmt", [
    (b"%PDF-1.7\n", "pdf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "doc"), (b"\x89PNG\r\n", "image"),
    (b"<!DOCTYPE html><html>", "html"), ("政府信息公开".encode(), "text"), (bytes(range(256)) * 4, "binary"),
])
def test_detect_format(data, fmt):
    assert detect_format(data) == fmt


def test_empty_and_binary_inputs():
    with pytest.raises(InputError):
        read_document(b"")
    with pytest.raises(UnsupportedFormatError):
        read_document(bytes(range(256)) * 4)
