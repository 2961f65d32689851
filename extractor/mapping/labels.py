"""Label normalisation: make printed labels comparable across widths, spacing and numbering."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from ..readers.pdf_text import RADICAL_SUPPLEMENT

if TYPE_CHECKING:
    from ..schema import Row

# CJK radical supplement forms some PDF producers emit for common ideographs (NFKC maps the
# Kangxi block, not the supplement forms: the PDF reader's table of them), plus the traditional
# characters met on mirrored pages.
_CHAR_MAP = str.maketrans({
    **RADICAL_SUPPLEMENT,
    "辦": "办", "開": "开", "復": "复", "議": "议", "訴": "诉", "訟": "讼", "請": "请", "結": "结",
    "轉": "转", "總": "总", "計": "计", "處": "处", "決": "决", "規": "规", "範": "范", "許": "许",
    "強": "强", "製": "制", "數": "数", "齣": "出", "與": "与", "屬": "属", "機": "机", "關": "关",
    "護": "护", "權": "权", "務": "务", "過": "过", "執": "执", "條": "条", "項": "项", "類": "类",
    "報": "报", "檢": "检", "舉": "举", "訪": "访", "複": "复", "確": "确", "認": "认", "獲": "获",
    "資": "资", "訊": "讯", "費": "费", "收": "收", "審": "审", "維": "维", "糾": "纠", "應": "应",
    "經": "经", "發": "发", "廢": "废", "現": "现", "効": "效", "會": "会", "個": "个", "業": "业",
    "構": "构", "組": "组", "織": "织", "據": "据", "稱": "称", "無": "无", "補": "补", "後": "后",
    "內": "内", "為": "为", "國": "国", "險": "险", "穩": "稳", "諮": "咨", "詢": "询", "貨": "货",
    "額": "额", "單": "单", "萬": "万", "圓": "圆", "年": "年", "繳": "缴", "納": "纳", "通": "通",
    "知": "知", "達": "达", "產": "产", "實": "实", "際": "际",
})
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d)|[①-⑳])"
)
_DROP = re.compile(r"[\s\u00a0\u3000·•:：,，、;；.．。“”\"'‘’()（）\[\]【】《》<>〈〉\-—_/／]+")


def nfkc(text: str) -> str:
    """NFKC plus the radical/traditional map: the form every comparison starts from."""
    return unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Comparable form of a label: numbering, spaces and punctuation removed.

    '（三） 不予公开' -> '不予公开'; '第二十条  第(一)项' -> '第二十条第一项'; '三、本年度办 理结果' ->
    '本年度办理结果'. Numbering is stripped repeatedly ('三、（一）予以公开').
    """
    s = nfkc(text)
    s = re.sub(r"\s+", "", s)
    while True:
        m = _NUMBERING.match(s)
        if not m or m.end() == len(s):
            break
        s = s[m.end():]
    return _DROP.sub("", s)


def compact(text: str) -> str:
    """NFKC text with whitespace removed but numbering and punctuation kept (for markers)."""
    return re.sub(r"\s+", "", nfkc(text))


@lru_cache(maxsize=None)
def row_keys(row: "Row") -> tuple[str, ...]:
    """The normalised label and aliases of a schema row (computed once per row)."""
    return tuple(sorted(k for k in {normalise(row.label), *(normalise(a) for a in row.aliases)} if k))
