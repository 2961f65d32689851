"""Report metadata from the text: title, agency (发布机关), year reported on, publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import islice

from ..model import LOW_CONFIDENCE, Document, Paragraph
from ..schema import PAGE_METADATA_LABELS
from .labels import compact, nfkc, unspaced

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_CN_DATE = re.compile(r"([〇零○一二三四五六七八九OＯ]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_TITLE_WORDS = ("政府信息公开", "年度报告")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_PERIOD = re.compile(r"((?:19|20)\d{2})年1月1日至\s*((?:19|20)\d{2})年12月31日")
_NAVIGATION = re.compile(r"^(当前位置|您的位置|您现在的位置)|首页\s*[>»/]|[>»]\s*\S+\s*[>»]")
_META_PAIR = re.compile(r"^([^:：]{2,6})\s*[:：]\s*(\S.*)$")
_LABEL_PREFIX = re.compile(r"^[^:：]{1,6}[:：]\s*")
_AGGREGATE = re.compile(r"汇总|各有关单位|全市各级|全省各级|全区各级|全县各级")


def _cn_number(s: str) -> int:
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)
    return _CN_DIGIT.get(s, 0)


def parse_date(text: str) -> date | None:
    """The first date in ``text``: 2025年1月10日, 二〇二五年一月十日, ２０２５年…, 2025-01-10."""
    text = nfkc(text)
    m = _DATE.search(text)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _ISO_DATE.search(text)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _CN_DATE.search(text)
        if m:
            year = int("".join(str(_CN_DIGIT[ch]) for ch in m.group(1)))
            return date(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
    except (ValueError, KeyError):
        return None
    return None


def find_title(doc: Document) -> str | None:
    """The report's own title: a short paragraph naming 政府信息公开…报告 (joined when it wraps
    onto a second line), one with a year first; else the page <title>.

    Breadcrumbs and 'label：value' lines of site chrome (热词：…) are not titles; a labelled
    line (标题：…) gives its value.
    """
    paras = [b for b in doc.blocks[:400] if isinstance(b, Paragraph)]
    candidates: list[str] = []
    for i, p in enumerate(paras):
        t = nfkc(p.text).strip()
        if len(t) > 87 and len(unspaced(t)) > 87:
            continue  # over 80 characters even without a 'label：' prefix (at most 7 besides spaces)
        if _NAVIGATION.search(t):  # a breadcrumb such as 首页 > 政务公开 > 政府信息公开年报
            continue
        t = _LABEL_PREFIX.sub("", t)
        if "政府信息公开" in t and len(t) <= 80 and not t.startswith(("根据", "本年度报告", "本报告")):
            if "报告" not in t and i + 1 < len(paras) and len(paras[i + 1].text) <= 20 and "报告" in paras[i + 1].text:
                t = t + nfkc(paras[i + 1].text).strip()
            if "报告" in t or "年报" in t:
                candidates.append(re.sub(r"\s+", "", t))
    with_year = [c for c in candidates if _YEAR_IN_TITLE.search(c)]
    if with_year or candidates:
        return (with_year or candidates)[0]
    return doc.title or None


# What a body's name ends with (局, 委员会, 人民政府, 街道办事处, 中心 …): a line that ends so and
# says nothing else may name the body above a title that does not.
_BODY_END = re.compile(r"(局|委员会|委|办公室|办公厅|办|厅|院|政府|会|室|处|所|中心|街道|镇|乡|部|署|馆|站|队|"
                       r"司|社|团|公司|集团|区|县|市|盟|旗|州|省)$")
_NOT_A_BODY = re.compile(r"文件$|[。；;，,：:！!？?]|\d{4}\s*年|政府信息公开|年度报告")


def body_above_title(doc: Document, title: str | None) -> str | None:
    """The body on its own line right above a title that names none (WPS/Word title blocks:
    '徐州市铜山区交通运输局' then '2024 年政府信息公开工作年度报告'); never a 文件 banner."""
    if not title:
        return None
    paras = [b for b in doc.blocks[:400] if isinstance(b, Paragraph)]
    flat = [compact(p.text) for p in paras]
    head = title[: min(len(title), 8)]
    for i, text in enumerate(flat):
        if text and head in text and i > 0:
            above = flat[i - 1]
            if 2 <= len(above) <= 40 and _BODY_END.search(above) and not _NOT_A_BODY.search(above) \
                    and not _NAVIGATION.search(above) and parse_date(above) is None:
                return above
            return None
    return None


def agency_from_title(title: str | None) -> str | None:
    """'巴彦淖尔市商务局2024年政府信息公开工作年度报告' -> '巴彦淖尔市商务局' (year first or last)."""
    if not title:
        return None
    t = compact(title)
    t = re.sub(r"^关于", "", t)
    m = _YEAR_IN_TITLE.search(t)
    if m:
        before, after = t[: m.start()], t[m.end():]
        if before.strip("《》“” "):
            return before.strip("《》“” ") or None
        agency = re.split(r"政府信息公开|政务公开|信息公开", after)[0]
        return agency.strip("《》“” ") or None
    agency = re.split(r"政府信息公开|政务公开", t)[0]
    return agency.strip("《》“” ") or None


_OFFICE = re.compile(r"(办公室|办公厅)$")


def agency_warnings(doc: Document, agency: str | None, signed: str | None) -> list[str]:
    """What makes the report's ``agency`` doubtful, in one line each: a signature that names
    another body (a misprint, or a character misread by OCR: 磴口县 read 橙口县), and a name read
    by OCR from a line the recogniser was unsure of. Nothing is changed."""
    out: list[str] = []
    if agency is None:
        return out
    if signed and signed != agency and _BODY_END.search(signed) and not _NOT_A_BODY.search(signed) \
            and not _same_body(agency, signed):
        out.append(f"agency: the title names {agency!r} and the signature {signed!r}; kept {agency!r} "
                   "(a misprint, or a misread?): check it against the source")
    line = next((p for p in doc.paragraphs() if p.provenance.source == "ocr" and agency in compact(p.text)), None)
    conf = line.provenance.confidence if line is not None else None
    if conf is not None and conf < LOW_CONFIDENCE:
        out.append(f"agency: {agency!r} read by OCR from a line of confidence {conf:.2f}; check it against the scan")
    return out


def _same_body(a: str, b: str) -> bool:
    """One body named two ways: in full and without its region (北京市朝阳区人民政府 / 朝阳区人民政府),
    or the body and its office that signs for it (…局 / …局办公室)."""
    a, b = compact(a), compact(b)
    for x in {a, _OFFICE.sub("", a)}:
        for y in {b, _OFFICE.sub("", b)}:
            if x and y and (x.endswith(y) or y.endswith(x)):
                return True
    return False


def report_year(title: str | None, doc: Document) -> int | None:
    """The year reported on: the title's year, else the statistics period, else None."""
    if title:
        m = _YEAR_IN_TITLE.search(nfkc(title))
        if m:
            return int(m.group(1))
    for p in list(doc.paragraphs())[:60]:
        m = _PERIOD.search(nfkc(p.text).replace(" ", ""))
        if m:
            return int(m.group(1))
    return None


@dataclass
class Signature:
    body: str | None
    date: date | None
    paragraphs: list[Paragraph]  # the lines it occupies, kept out of the section texts


def signature(doc: Document) -> Signature:
    """The signing body and date from the report's last short lines, when it is signed."""
    paras = [b for b in doc.blocks if isinstance(b, Paragraph)]
    tail = paras[-12:]
    for i in range(len(tail) - 1, -1, -1):
        text = nfkc(tail[i].text).strip()
        if len(text) > 30:
            continue
        d = parse_date(text)
        if d is None:
            continue
        m = _DATE.search(text) or _CN_DATE.search(text) or _ISO_DATE.search(text)
        body = text[: m.start()].strip() if m else ""
        used = [tail[i]]
        if not body and i > 0 and len(tail[i - 1].text) <= 30 and parse_date(tail[i - 1].text) is None \
                and not re.search(r"[。；;，,]$", tail[i - 1].text.strip()):
            body = nfkc(tail[i - 1].text).strip()
            used.insert(0, tail[i - 1])
        return Signature(body or None, d, used)
    return Signature(None, None, [])


def scope(title: str | None, doc: Document) -> str:
    """'aggregate' for a report that sums up a whole area's bodies (汇总…各有关单位), else 'body'."""
    # nfkc of the texts joined by spaces, from each text's (known by now): NFKC never joins
    # anything across a space
    head = " ".join(nfkc(t) for t in [title or "", *(p.text for p in islice(doc.paragraphs(), 40))])
    return "aggregate" if _AGGREGATE.search(head) else "body"


def page_metadata(doc: Document) -> dict[str, str]:
    """The 索引号/发布机构/发文日期 table most article pages print above the body: label and value
    in two cells, or 'label：value' in one."""
    out: dict[str, str] = {}

    def take(label: str, value: str) -> None:
        field = PAGE_METADATA_LABELS.get(label)
        if field and value and field not in out:
            out[field] = value

    for t in doc.tables():
        if t.n_rows > 8:
            continue
        for r in range(t.n_rows):
            cells = t.distinct_row(r)
            for i, cell in enumerate(cells):
                text = nfkc(cell.text).strip()
                m = _META_PAIR.match(text)
                if m:
                    take(re.sub(r"\s", "", m.group(1)), m.group(2).strip())
                elif i + 1 < len(cells):
                    take(re.sub(r"[\s:：]", "", text), cells[i + 1].text.strip())
    return out
