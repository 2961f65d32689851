import pytest

from extractor.mapping.labels import normalise
from extractor.mapping.numbers import parse_value


@pytest.mark.parametrize("raw,kind,value,state,unit", [
    ("0", "count", 0, "number", None),
    (" 0", "count", 0, "number", None),
    ("\u00a00", "count", 0, "number", None),
    ("", "count", 0, "blank", None),
    ("   ", "count", 0, "blank", None),
    ("—", "count", 0, "dash", None),
    ("-", "count", 0, "dash", None),
    ("/", "count", 0, "dash", None),
    ("无", "count", 0, "dash", None),
    ("１２３", "count", 123, "number", None),
    ("1,244", "count", 1244, "number", None),
    ("1，244", "count", 1244, "number", None),
    ("1808595", "count", 1808595, "number", None),
    ("5949.088667", "money", 5949.088667, "number", None),
    ("251000元", "money", 251000, "number", "元"),
    ("12.5万元", "money", 12.5, "number", "万元"),
    ("+19", "signed", 19, "number", None),
    ("-18", "signed", -18, "number", None),
    ("-18", "count", None, "unreadable", None),
    ("1 2", "count", 12, "number", None),
    ("见附件", "count", None, "unreadable", None),
    ("12a", "count", None, "unreadable", None),
    ("1.5", "count", 1.5, "number", None),
])
def test_parse_value(raw, kind, value, state, unit):
    p = parse_value(raw, kind=kind)
    assert (p.value, p.state, p.unit) == (value, state, unit)
    assert type(p.value) is type(value)
    assert p.raw == raw.strip()


@pytest.mark.parametrize("printed,canonical", [
    ("（三） 不予公开", "不予公开"),
    ("(三)不予公开", "不予公开"),
    ("第二十条  第(一)项", "第二十条第一项"),
    ("第二十条第（一）项", "第二十条第一项"),
    ("三、本年度办 理结果", "本年度办理结果"),
    ("三\n、\n本\n年\n度\n办\n理\n结\n果", "本年度办理结果"),
    ("1.属于国家秘密", "属于国家秘密"),
    ("1、属于国家秘密", "属于国家秘密"),
    ("（1）属于国家秘密", "属于国家秘密"),
    ("属于国家秘密", "属于国家秘密"),
    ("⾏政许可", "行政许可"),
    ("⼀、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量"),
    ("三、本年度辦理結果", "本年度办理结果"),
    ("商业\n企业", "商业企业"),
    ("3.危及“三安全一稳定”", "危及三安全一稳定"),
])
def test_normalise(printed, canonical):
    assert normalise(printed) == canonical
