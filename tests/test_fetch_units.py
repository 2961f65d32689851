"""Fetchers without a network: names, headers, URL lists, and page/listing analysis of the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.fetch import is_url, read_url_list
from extractor.fetch.article import analyse_page, is_report_title
from extractor.fetch.client import content_disposition_name, parse_retry_after, user_agent
from extractor.fetch.discover import analyse_listing
from extractor.fetch.html import decode_html
from extractor.fetch.storage import sanitize_filename

WEB = Path(__file__).resolve().parent.parent / "fixtures" / "web"
SITE = WEB / "site"
EXPECTED = json.loads((WEB / "expected.json").read_text(encoding="utf-8"))
BASE = "http://www.qingshan.gov.cn"


@pytest.mark.parametrize("raw, want", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\x.dll", "x.dll"),
    ("/abs/报告.pdf", "报告.pdf"),
    ("..", ""),
    ("a<b>c:d|e?.pdf", "a_b_c_d_e_.pdf"),
    ("%2e%2e%2fsecret.pdf", "secret.pdf"),
    ("name\x00.pdf", "name_.pdf"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_sanitize_filename(raw: str, want: str) -> None:
    assert sanitize_filename(raw) == want


def test_content_disposition_names() -> None:
    gbk = '附件：2023年政府信息公开工作年度报告.pdf'.encode("gbk").decode("latin-1")
    assert content_disposition_name(f'attachment; filename="../../{gbk}"') == "附件：2023年政府信息公开工作年度报告.pdf"
    assert content_disposition_name("attachment; filename*=UTF-8''..%2F..%2F%E5%B9%B4%E6%8A%A5.pdf") == "年报.pdf"
    assert content_disposition_name("attachment; filename=../../../etc/passwd") == "passwd"
    assert content_disposition_name(None) == ""
    assert content_disposition_name("inline") == ""


def test_retry_after_and_user_agent() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") < 1  # a date in the past: no wait
    ua = user_agent()
    assert ua.startswith("gov-disclosure-extractor/") and "+research" in ua
    ua.encode("ascii")  # header values must be ASCII


def test_is_url() -> None:
    assert is_url("http://www.gov.cn/a.html") and is_url("HTTPS://x.gov.cn")
    assert not is_url("ftp://x/y") and not is_url("file:///etc/passwd") and not is_url("report.pdf")
    assert not is_url("http://") and not is_url("javascript:alert(1)")


def test_read_url_list_csv_gbk_with_metadata(tmp_path: Path) -> None:
    p = tmp_path / "urls.csv"
    p.write_bytes("机构,年份,URL\n青山市商务局,2023,http://a.gov.cn/1.html\n青山市统计局,2022, http://b.gov.cn/2.pdf \n,,\n"
                  .encode("gbk"))
    assert read_url_list(p) == [
        {"url": "http://a.gov.cn/1.html", "机构": "青山市商务局", "年份": "2023"},
        {"url": "http://b.gov.cn/2.pdf", "机构": "青山市统计局", "年份": "2022"},
    ]


def test_read_url_list_txt_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "urls.txt"
    p.write_text("# reports\nhttp://a.gov.cn/1.html\n\nhttps://b.gov.cn/2.pdf\n", encoding="utf-8")
    assert read_url_list(p) == [{"url": "http://a.gov.cn/1.html"}, {"url": "https://b.gov.cn/2.pdf"}]
    bad = tmp_path / "nourl.csv"
    bad.write_text("agency,year\nx,2023\n", encoding="utf-8")
    with pytest.raises(InputError, match="no url column"):
        read_url_list(bad)
    prose = tmp_path / "notes.txt"
    prose.write_text("http://a.gov.cn/1.html\nthis is not a url\n", encoding="utf-8")
    with pytest.raises(InputError, match=":2: not a URL"):
        read_url_list(prose)
    with pytest.raises(InputError, match="cannot read"):
        read_url_list(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing\n", encoding="utf-8")
    with pytest.raises(InputError, match="no URLs"):
        read_url_list(empty)


def test_decode_gbk_labelled_gb2312() -> None:
    data = '<html><head><meta charset="gb2312"></head><body>局长：王堃</body></html>'.encode("gbk")
    assert "王堃" in decode_html(data)  # 堃 is GBK, not GB2312
    assert "王堃" in decode_html(data, "GB2312")
    assert "王堃" in decode_html("<p>王堃</p>".encode("gbk"))  # no label at all: detected


@pytest.mark.parametrize("path", sorted(EXPECTED["pages"]))
def test_analyse_article_pages(path: str) -> None:
    want = EXPECTED["pages"][path]
    page = analyse_page((SITE / path.lstrip("/")).read_bytes(), BASE + path, want["charset"])
    assert page.title == want["title"]
    assert page.metadata == want["metadata"]
    assert page.status == want["status"]
    assert page.body_found
    assert page.body_tables == want["body_tables"]
    assert [a.url for a in page.attachments if a.report] == [BASE + u for u in want["report_attachments"]]
    assert [i.url for i in page.images] == [BASE + u for u in want["images"]]
    assert page.redirect_to is None
    assert not any(a.report for a in page.attachments if "申请表" in a.text)


def test_redirect_shell() -> None:
    (shell, target), = EXPECTED["redirect_shell"].items()
    page = analyse_page((SITE / shell.lstrip("/")).read_bytes(), BASE + shell)
    assert page.redirect_to == BASE + target
    js = b"<html><body><script>window.location.href='/xxgk/a.html';</script></body></html>"
    assert analyse_page(js, BASE + "/x/").redirect_to == BASE + "/xxgk/a.html"
    assert analyse_page(b"<script>location.href='javascript:alert(1)'</script>", BASE).redirect_to is None


def test_analyse_listing_pages() -> None:
    want = EXPECTED["listing"]
    found, nexts = [], []
    for path in want["pages"]:
        listing = analyse_listing((SITE / path.lstrip("/")).read_bytes(), BASE + path)
        found += [r["url"] for r in listing.reports]
        nexts.append(listing.next_pages)
    assert found == [BASE + u for u in want["reports"]]
    assert nexts == [[BASE + want["pages"][1]], [BASE + want["pages"][2]], []]


def test_listing_with_only_a_javascript_pager() -> None:
    html = ('<ul><li><a href="./t1.html">青山区2021年度政府信息公开工作年报</a></li></ul>'
            '<script>createPageHTML(4, 0, "index", "html");</script>').encode()
    listing = analyse_listing(html, BASE + "/ndbg/index.html")
    assert listing.reports == [{"url": BASE + "/ndbg/t1.html", "title": "青山区2021年度政府信息公开工作年报", "date": ""}]
    assert listing.next_pages == [BASE + "/ndbg/index_1.html"]
    last = analyse_listing(html.replace(b"4, 0", b"4, 3"), BASE + "/ndbg/index_3.html")
    assert last.next_pages == []


@pytest.mark.parametrize("title, want", [
    ("青山市商务局2023年政府信息公开工作年度报告", True),
    ("2021年度政府信息公开工作年报", True),
    ("青山市2023年政府信息公开工作年度报告解读", False),
    ("青山市政府信息公开指南", False),
    ("关于印发2024年政务公开工作要点的通知", False),
    ("政府信息公开工作年度报告", False),  # no year
])
def test_is_report_title(title: str, want: bool) -> None:
    assert is_report_title(title) is want


def test_site_files_match_the_truth_they_were_built_from() -> None:
    import hashlib

    assert {p.relative_to(SITE).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in SITE.rglob("*") if p.is_file()} == EXPECTED["sha256"]
