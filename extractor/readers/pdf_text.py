"""Character-level helpers for the PDF reader: lines, chunks, text joining, radical forms and
text-layer usability. Pure functions on pdfplumber char dicts (x0, x1, top, bottom, size, text).
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata

from .pdf_settings import DEFAULT_SETTINGS, PdfTableSettings

# CJK radical-supplement forms (U+2E80–U+2EFF) NFKC leaves alone; the Kangxi block (U+2F00–U+2FDF)
# and the compatibility ideographs are mapped by NFKC itself. The one table of them: the label
# normaliser (``mapping.labels.nfkc``) maps these too, after NFKC.
RADICAL_SUPPLEMENT = {"⺠": "民", "⻓": "长", "⻚": "页", "⻛": "风", "⻢": "马", "⻋": "车", "⻔": "门", "⻅": "见",
                      "⻆": "角", "⻄": "西", "⻩": "黄", "⻬": "齐", "⻝": "食", "⺟": "母", "⻜": "飞", "⻥": "鱼",
                      "⻰": "龙", "⻉": "贝", "⻈": "讠"}
NUMERIC = re.compile(r"^(?:[+\-]?[0-9０-９][0-9０-９,，.．]*|[—–\-－/／─━]+|无)$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _radical_table() -> dict[int, str]:
    table = {ord(k): v for k, v in RADICAL_SUPPLEMENT.items()}
    for a, b in ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)):
        table.update((cp, unicodedata.normalize("NFKC", chr(cp))) for cp in range(a, b + 1))
    return table


_RADICALS = _radical_table()


def fix_radicals(text: str) -> str:
    """Replace Kangxi radicals / compatibility ideographs with the common ideographs."""
    return text.translate(_RADICALS)


def is_bad_char(text: str) -> bool:
    """A glyph the text layer could not map: (cid:N), private use, replacement, controls."""
    if len(text) != 1:
        return text.startswith("(cid:")
    cp = ord(text)
    return 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000 or cp == 0xFFFD or cp < 0x20


_GET_X0, _GET_TOP, _GET_X1, _GET_BOTTOM = (operator.itemgetter(k) for k in ("x0", "top", "x1", "bottom"))
_TOP_X0 = operator.itemgetter("top", "x0")
_X0 = operator.itemgetter("x0")


def group_lines(chars: list[dict]) -> list[list[dict]]:
    """Chars into visual lines (top to bottom), each sorted left to right."""
    lines: list[list[dict]] = []
    spans: list[tuple[float, float]] = []  # (top, bottom) of each open line
    for ch in sorted(chars, key=_TOP_X0):
        top, bottom = ch["top"], ch["bottom"]
        mid = (top + bottom) / 2
        # the char joins the latest of the last three lines whose span holds its middle
        n = len(lines)
        if n:
            a, b = spans[-1]
            if a <= mid <= b:
                lines[-1].append(ch)
                continue
            if n > 1:
                a, b = spans[-2]
                if a <= mid <= b:
                    lines[-2].append(ch)
                    continue
                if n > 2:
                    a, b = spans[-3]
                    if a <= mid <= b:
                        lines[-3].append(ch)
                        continue
        lines.append([ch])
        spans.append((top, bottom))
    for line in lines:
        line.sort(key=_X0)
    return lines


def chunks(line: list[dict], factor: float = DEFAULT_SETTINGS.chunk_gap) -> list[list[dict]]:
    """Split a line where the gap between chars exceeds ``factor`` x the font size."""
    out: list[list[dict]] = []
    cur: list[dict] = []
    right = 0.0
    for ch in line:
        size = ch["size"]
        if cur and ch["x0"] - right <= factor * (1.0 if 1.0 > size else size):  # max(size, 1.0)
            cur.append(ch)
        else:
            cur = [ch]
            out.append(cur)
        right = ch["x1"]
    return out


def join_chars(chars: list[dict], word_gap: float = DEFAULT_SETTINGS.word_gap) -> str:
    """Text of one line: digits split by wide spacing rejoin ('1 2' -> '12'); a space only
    between Latin words set apart by a real gap (over ``word_gap`` x the size)."""
    parts: list[str] = []
    prev = None
    for ch in chars:
        t = ch["text"]
        size = ch["size"]
        if prev is not None and ch["x0"] - prev["x1"] > word_gap * (1.0 if 1.0 > size else size):  # max(size, 1.0)
            a, b = prev["text"][-1:], t[:1]
            joinable = (a.isdigit() or a in ".,") and (b.isdigit() or b in ".,")
            if not joinable and not _CJK.match(a) and not _CJK.match(b) and a.isalnum() and b.isalnum():
                parts.append(" ")
        parts.append(t)
        prev = ch
    return "".join(parts)


def text_of(chars: list[dict]) -> str:
    """Multi-line text of a set of chars, lines joined by '\\n'."""
    if len(chars) < 2:  # one line of at most one char
        return chars[0]["text"].strip() if chars else ""
    return "\n".join(join_chars(line) for line in group_lines(chars)).strip()


def line_text(line: list[dict]) -> str:
    """``text_of(line)`` for a line as ``group_lines`` returns it, without grouping it again: its
    first char in (top, x0) order opened it and every other char's middle lies in that char's
    span, so regrouping gives back the one line in the same order (with finite coordinates; the
    rest goes through ``text_of``)."""
    if math.isfinite(sum(map(_GET_TOP, line)) + sum(map(_GET_BOTTOM, line)) + sum(map(_GET_X0, line))):
        return join_chars(line).strip()
    return text_of(line)


def is_numeric_chunk(chunk: list[dict]) -> bool:
    if len(chunk) == 1:
        c = chunk[0]
        return bool(NUMERIC.match(c["text"].strip())) and not c.get("in_word")
    return bool(NUMERIC.match("".join([c["text"] for c in chunk]).strip())) \
        and not any(c.get("in_word") for c in chunk)


def mark_stacked_words(chars: list[dict], settings: PdfTableSettings = DEFAULT_SETTINGS) -> None:
    """Flag each 无 set one character per line inside a word (a group label printed
    vertically: （四）无法提供): with text stacked right above and below it at line pitch, it
    is a letter of that label, not a dash-like zero (``in_word``; ``is_numeric_chunk`` then
    says no)."""
    lone = [c for c in chars if c["text"] == "无"]
    if not lone:
        return
    column, pitch = settings.stacked_column_share, settings.stacked_line_gap

    def word_char(o: dict) -> bool:
        return not NUMERIC.match(o["text"]) and not o["text"].isdigit()

    for c in lone:
        size = max(c["size"], 1.0)
        cx = (c["x0"] + c["x1"]) / 2
        above = below = False
        for o in chars:
            if o is c or abs((o["x0"] + o["x1"]) / 2 - cx) > column * size or not word_char(o):
                continue
            if 0 <= c["top"] - o["bottom"] < pitch * size:
                above = True
            elif 0 <= o["top"] - c["bottom"] < pitch * size:
                below = True
        if above and below:
            c["in_word"] = True


def bbox(chars: list[dict]) -> tuple[float, float, float, float]:
    return (min(map(_GET_X0, chars)), min(map(_GET_TOP, chars)),
            max(map(_GET_X1, chars)), max(map(_GET_BOTTOM, chars)))
