"""An article page: its title and metadata table, the report body, attachments and images."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..schema import PAGE_METADATA_LABELS
from .html import attr_text, decode_html, parse_html, visible_text
from .storage import filename_from_url

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "et", "zip")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp")
# Where CMS families put the article body, most specific first.
BODY_SELECTORS = (
    "div.TRS_Editor", "div#zoom", "div#Zoom", "div.zoom", "div#UCAP-CONTENT", "div.view.TRS_UEDITOR",
    "div.trs_editor_view", "div#content_body", "div.article-content", "div.article_con", "div.pages_content",
    "div.wzcon", "div.bt-article", "div.news_content", "div.content_main", "div#content", "div.content",
    "td.bt_content", "div.main-txt", "div#js_content", "article",
)
REPORT_WORDS = re.compile(r"年度报告|年报|工作报告")
NOT_REPORT = re.compile(r"申请表|指南|目录|解读|图解|申请书|说明书")
GENERIC_LINK = re.compile(r"^(附件\s*\d*[:：.、]?|点击下载|下载|点击查看|查看|原文下载|全文下载|下载附件)?\s*$")
METADATA_LABELS = tuple(PAGE_METADATA_LABELS)
_META_REFRESH = re.compile(r"^\s*\d*\s*;?\s*url\s*=\s*['\"]?([^'\"]+)", re.I)
_JS_REDIRECT = re.compile(
    r"(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)['\"]"
)


@dataclass
class Link:
    url: str
    text: str
    kind: str  # "attachment" | "image"
    report: bool = False  # its text or file name marks it as the report

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Page:
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    body_found: bool = False
    body_chars: int = 0
    body_tables: int = 0
    attachments: list[Link] = field(default_factory=list)
    images: list[Link] = field(default_factory=list)
    redirect_to: str | None = None  # a meta-refresh / JavaScript redirect shell points here

    @property
    def status(self) -> str:
        """'images_only' when the report is posted as pictures only; 'fetched' otherwise."""
        has_report_file = any(a.report for a in self.attachments)
        if self.images and not self.body_tables and self.body_chars < 200 and not has_report_file:
            return "images_only"
        return "fetched"

    def summary(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "metadata": self.metadata,
            "body_found": self.body_found,
            "body_chars": self.body_chars,
            "body_tables": self.body_tables,
            "attachments": [a.as_dict() for a in self.attachments],
            "images": [i.url for i in self.images],
            "redirect_to": self.redirect_to,
        }


def is_report_title(text: str) -> bool:
    """Whether a title names an annual government-information-disclosure report."""
    text = re.sub(r"\s+", "", text)
    return bool(re.search(r"(19|20)\d{2}", text) and "政府信息公开" in text and REPORT_WORDS.search(text)) and not (
        NOT_REPORT.search(text)
    )


def _ext(url: str) -> str:
    name = filename_from_url(url)
    return name.rpartition(".")[2].lower() if "." in name else ""


def _title(soup) -> str:
    for attrs in ({"name": "ArticleTitle"}, {"name": "articletitle"}, {"property": "og:title"}):
        tag = soup.find("meta", attrs=attrs)
        if tag and tag.get("content"):
            return tag["content"].strip()
    for name in ("h1", "h2"):
        tag = soup.find(name)
        if tag and visible_text(tag):
            return visible_text(tag)
    return visible_text(soup.title) if soup.title else ""


def _metadata(soup) -> dict[str, str]:
    found: dict[str, str] = {}
    for cell in soup.find_all(["td", "th", "span", "li", "div", "p", "b", "strong", "label"]):
        text = visible_text(cell)
        if len(text) > 60:
            continue
        for label in METADATA_LABELS:
            m = re.fullmatch(rf"{label}\s*[:：]\s*(.*)", text)
            if m and m.group(1) and label not in found:
                found[label] = m.group(1).strip()
            elif re.fullmatch(rf"{label}\s*[:：]?", text) and label not in found:
                nxt = cell.find_next_sibling(["td", "th", "span", "div", "dd"])
                if nxt is not None and visible_text(nxt):
                    found[label] = visible_text(nxt)
    return found


def _body(soup):
    for sel in BODY_SELECTORS:
        node = soup.select_one(sel)
        if node is not None and (visible_text(node) or node.find("img")):
            return node
    best, best_len = None, 0
    for node in soup.find_all(["div", "td"]):
        n = len(visible_text(node)) - 2 * sum(len(visible_text(a)) for a in node.find_all("a"))
        if n > best_len:
            best, best_len = node, n
    return best


def _is_metadata_table(table) -> bool:
    text = visible_text(table)
    return "索引号" in text and len(text) < 400


def analyse_page(data: bytes, url: str, charset: str | None = None) -> Page:
    """Read an article page: title, metadata table, body, report attachments, images."""
    soup = parse_html(decode_html(data, charset))
    page = Page(title=_title(soup), metadata=_metadata(soup))
    page.redirect_to = _redirect_target(soup, url)
    body = _body(soup)
    page_is_report = is_report_title(page.title)
    if body is not None:
        page.body_found = True
        page.body_chars = len(visible_text(body))
        page.body_tables = sum(1 for t in body.find_all("table") if not _is_metadata_table(t) and not t.find("table"))
        for img in body.find_all("img"):
            src = (attr_text(img, "src") or attr_text(img, "data-src")).strip()
            if not src or src.startswith("data:"):
                continue
            absolute = urljoin(url, src)
            if urlsplit(absolute).scheme in ("http", "https"):
                page.images.append(Link(absolute, attr_text(img, "alt"), "image"))
    seen: set[str] = set()
    generic: list[Link] = []
    for a in soup.find_all("a", href=True):
        href = attr_text(a, "href").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = urljoin(url, href).split("#")[0]
        if urlsplit(absolute).scheme not in ("http", "https") or _ext(absolute) not in ATTACHMENT_EXTENSIONS:
            continue
        if absolute in seen:
            continue
        seen.add(absolute)
        text = visible_text(a) or attr_text(a, "title")
        label = f"{text} {filename_from_url(absolute)}"
        link = Link(absolute, text, "attachment")
        if REPORT_WORDS.search(label) and not NOT_REPORT.search(label):
            link.report = True
        elif page_is_report and not NOT_REPORT.search(label) and (
            GENERIC_LINK.match(text) or re.fullmatch(r"[\w.-]+\.\w+", text)
        ):
            generic.append(link)
        page.attachments.append(link)
    if generic and len(generic) <= 2 and not any(a.report for a in page.attachments):
        for link in generic:  # "附件.pdf" under a page titled as the report: the report itself
            link.report = True
    return page


def _redirect_target(soup, url: str) -> str | None:
    """A page that is only a redirect (meta refresh or location=...) and has no content of its own."""
    meta = soup.find("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)})
    target = None
    if meta and meta.get("content"):
        m = _META_REFRESH.match(meta["content"])
        if m:
            target = m.group(1).strip()
    if target is None:
        for script in soup.find_all("script"):
            m = _JS_REDIRECT.search(script.string or "")
            if m:
                target = m.group(1)
                break
    if target is None:
        return None
    body_text = visible_text(soup.body) if soup.body else ""
    if len(body_text) > 200:
        return None  # a real page with a script that happens to navigate
    absolute = urljoin(url, target)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None
