"""A 政府信息公开年报 listing page: report links by title, and the next listing pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .article import is_report_title
from .html import attr_text, decode_html, parse_html, visible_text

NEXT_WORDS = ("下一页", "下页", "后一页", "next", "Next", ">", "»", "›")
# TRS listings write their pager with JavaScript: createPageHTML(<pages>, <current>, "index", "html")
_TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_DATE = re.compile(r"(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?")


@dataclass
class Listing:
    reports: list[dict[str, str]] = field(default_factory=list)  # {"url", "title", "date"}
    next_pages: list[str] = field(default_factory=list)


def analyse_listing(data: bytes, url: str, charset: str | None = None) -> Listing:
    """Pick report links (a year, 政府信息公开, 年度报告/年报 in the title) and pagination links."""
    text = decode_html(data, charset)
    soup = parse_html(text)
    out = Listing()
    seen: set[str] = set()
    host = urlsplit(url).netloc.lower()
    for a in soup.find_all("a", href=True):
        href = attr_text(a, "href").strip()
        if href.startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = urljoin(url, href).split("#")[0]
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        title = attr_text(a, "title").strip() or visible_text(a)
        label = visible_text(a)
        if is_report_title(title) or is_report_title(label):
            if absolute not in seen:
                seen.add(absolute)
                row_text = visible_text(a.parent) if a.parent is not None else ""
                date = _DATE.search(row_text)
                out.reports.append({"url": absolute, "title": title or label, "date": date.group(0) if date else ""})
        elif label in NEXT_WORDS or attr_text(a, "title") in ("下一页", "下页"):
            if urlsplit(absolute).netloc.lower() == host and absolute != url:
                out.next_pages.append(absolute)
    m = _TRS_PAGER.search(text)
    if m and not out.next_pages:
        pages, current, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        if current + 1 < pages:
            out.next_pages.append(urljoin(url, f"{stem}_{current + 1}.{ext}"))
    out.next_pages = list(dict.fromkeys(out.next_pages))
    return out
