"""Label normalisation: make printed labels comparable across widths, spacing and numbering."""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterator

from ..model import Table
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


# The characters _CHAR_MAP changes: text without any (nearly all) is not translated.
_MAPPED = re.compile("[%s]" % "".join(re.escape(chr(k)) for k, v in _CHAR_MAP.items() if v != chr(k)))


# Within ``one_document()``: each text's nfkc, computed once (the title, sections, signature
# and page metadata each read the same paragraphs). Nothing is kept from one document to the next.
_MEMO: ContextVar[dict[str, str] | None] = ContextVar("nfkc_memo", default=None)
# and each long text's normalised form (a table's, read for its kind and for the template)
_NORMALISED: ContextVar[dict[str, str] | None] = ContextVar("normalised", default=None)
# and each table's text
_TABLE_TEXTS: ContextVar[dict[int, tuple[Table, str]] | None] = ContextVar("table_texts", default=None)


@contextmanager
def one_document() -> Iterator[None]:
    """Normalise each text, and join each table's text, once while one document is mapped
    (``pipeline.extract_document``)."""
    tokens = _MEMO.set({}), _NORMALISED.set({}), _TABLE_TEXTS.set({})
    try:
        yield
    finally:
        _MEMO.reset(tokens[0])
        _NORMALISED.reset(tokens[1])
        _TABLE_TEXTS.reset(tokens[2])


def table_text(table: Table) -> str:
    """``table.text()``, computed once per table within ``one_document()``."""
    memo = _TABLE_TEXTS.get()
    if memo is None:
        return table.text()
    known = memo.get(id(table))
    if known is None or known[0] is not table:  # (the table is kept: its id stays its own)
        known = memo[id(table)] = (table, table.text())
    return known[1]


def nfkc(text: str) -> str:
    """NFKC plus the radical/traditional map: the form every comparison starts from."""
    if len(text) <= 40:  # a label or a number: the same ones recur in every report
        return _nfkc_short(text)
    return _once_per_document(_MEMO, _nfkc, text)


def _once_per_document(memo_var: ContextVar[dict[str, str] | None], compute: Callable[[str], str],
                       text: str) -> str:
    """``compute(text)``, remembered for the document being mapped (``one_document``); computed
    afresh outside one."""
    memo = memo_var.get()
    if memo is None:
        return compute(text)
    done = memo.get(text)
    if done is None:
        done = memo[text] = compute(text)
    return done


def _nfkc(text: str) -> str:
    # each step only where it changes something (checked in C: ``unicodedata.normalize``
    # rebuilds a text already in NFKC, and translate looks every character up)
    if not unicodedata.is_normalized("NFKC", text):
        # Most text is out of NFKC only by full-width forms, ideographic spaces and the like.
        # Replacing characters by their NFKD leaves the NFKD (so the NFKC) of the text as it
        # was; when the result is in NFKC already, it is the NFKC (3x faster than normalize).
        wide = text.translate(_decompositions())
        text = wide if unicodedata.is_normalized("NFKC", wide) else unicodedata.normalize("NFKC", text)
    return text.translate(_CHAR_MAP) if _MAPPED.search(text) else text


# Blocks of compatibility characters met in reports: Latin-1 (no-break space, ², ¼), general
# punctuation and spaces (…), letterlike and Roman numerals (Ⅰ), enclosed numbers (①), CJK
# radicals, CJK symbols (ideographic space), enclosed CJK and squared units (㈠ ㎡), CJK
# compatibility ideographs, vertical and small forms, half- and full-width forms.
_COMPAT_BLOCKS = ((0x00A0, 0x00FF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2460, 0x24FF), (0x2E80, 0x2FDF),
                  (0x3000, 0x303F), (0x3200, 0x33FF), (0xF900, 0xFAFF), (0xFE10, 0xFE6F), (0xFF00, 0xFFEF))


@lru_cache(maxsize=1)
def _decompositions() -> list[int | str]:
    """A translate table of the basic plane: each character of _COMPAT_BLOCKS its NFKD, every
    other character itself (a list: no failed dictionary lookup per character)."""
    table: list[int | str] = list(range(0x10000))
    for lo, hi in _COMPAT_BLOCKS:
        for i in range(lo, hi + 1):
            decomposed = unicodedata.normalize("NFKD", chr(i))
            if decomposed != chr(i):
                table[i] = decomposed
    return table


_nfkc_short = lru_cache(maxsize=16384)(_nfkc)


def normalise(text: str) -> str:
    """Comparable form of a label: numbering, spaces and punctuation removed.

    '（三） 不予公开' -> '不予公开'; '第二十条  第(一)项' -> '第二十条第一项'; '三、本年度办 理结果' ->
    '本年度办理结果'. Numbering is stripped repeatedly ('三、（一）予以公开').
    A label (up to 200 characters) is normalised once: the same labels recur in every report;
    a longer text once per document (``one_document``).
    """
    if len(text) <= 200:
        return _normalise_label(text)
    return _once_per_document(_NORMALISED, _normalise, text)


def _normalise(text: str) -> str:
    return _label_form(nfkc(text))


# Characters NFKC never merges with what precedes them (starters that are the second part of
# no composition: ASCII, CJK ideographs and punctuation, full-width forms, line breaks): a
# text cut before one of them normalises piece by piece to the same result.
_SAFE_START = re.compile(r"[\n -~\u2010-\u2027\u3000-\u3029\u3030-\u303f\u4e00-\u9fff\uff01-\uff5e]")


def normalise_pieces(pieces: list[str]) -> str:
    """``normalise("".join(pieces))`` from each piece's nfkc (each paragraph's is computed once
    per document, see ``one_document``) when every piece starts where NFKC cannot join it to
    the text before; else from the joined text."""
    if all(_SAFE_START.match(p) for p in pieces if p):
        return _label_form("".join([nfkc(p) for p in pieces]))
    return normalise("".join(pieces))


def _label_form(s: str) -> str:
    """``normalise`` after NFKC: spaces, leading numbering and punctuation removed."""
    s = unspaced(s)
    while True:
        m = _NUMBERING.match(s)
        if not m or m.end() == len(s):
            break
        s = s[m.end():]
    return _DROP.sub("", s)


_normalise_label = lru_cache(maxsize=65536)(_normalise)


@lru_cache(maxsize=None)
def normalised(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """``normalise`` of each of the schema's fixed phrases (a table's markers), computed once."""
    return tuple(normalise(p) for p in phrases)


def compact(text: str) -> str:
    """NFKC text with whitespace removed but numbering and punctuation kept (for markers)."""
    return unspaced(nfkc(text))


def unspaced(text: str) -> str:
    """``text`` without white space: what ``re.sub(r"\\s+", "", text)`` gives (``\\s`` in a str
    pattern is ``str.isspace``, and so is ``split()``), several times faster on a long text."""
    return "".join(text.split())


@lru_cache(maxsize=None)
def row_keys(row: "Row") -> tuple[str, ...]:
    """The normalised label and aliases of a schema row (computed once per row)."""
    return tuple(sorted(k for k in {normalise(row.label), *(normalise(a) for a in row.aliases)} if k))
