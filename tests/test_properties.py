"""Property-based tests (hypothesis): the text and HTML readers and the number parser.

Arbitrary input may only ever end in an ExtractorError; the number parser reads every printed
form of a number back to the number (full-width digits, thousands separators of either width,
spaced digits) and never returns a number for text that holds none; and ``extract()`` on
randomly damaged fixtures raises nothing but ExtractorError.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.api import extract
from extractor.errors import ExtractorError
from extractor.mapping.numbers import parse_value
from extractor.model import Cell, Table, expand_spans
from extractor.readers.html import read_html
from extractor.readers.text import read_text

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FAST = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=20_000, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])

_FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def _only_ours(fn, *args, **kw) -> None:
    try:
        fn(*args, **kw)
    except ExtractorError as exc:
        assert "\n" not in str(exc)


# --- readers ----------------------------------------------------------------------------------

# Text shaped like the flattened reports: pipes, newlines, digits, labels, part headings.
_REPORT_ALPHABET = st.sampled_from(list("|\n \t0123456789,.—-/无一二三四五六七八九十、（）")
                                   + ["收到申请数", "行政许可", "规章", "二、", "政府信息公开", "\r\n", "| |"])
report_like = st.lists(_REPORT_ALPHABET, max_size=300).map("".join)


@FAST
@given(st.binary(max_size=4000))
def test_text_reader_on_any_bytes(data: bytes) -> None:
    _only_ours(read_text, data, source="prop")


@FAST
@given(report_like, st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_text_reader_on_report_like_text(text: str, encoding: str) -> None:
    _only_ours(read_text, text.encode(encoding), source="prop")


_TAGS = ["div", "p", "table", "tr", "td", "th", "tbody", "span", "br", "b", "font", "script", "style",
         "td colspan=3", "td rowspan=2", "td colspan=0", "td rowspan=99999", "th colspan=x", "o:p", "v:shape"]


@st.composite
def html_like(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 80))):
        kind = draw(st.integers(0, 3))
        tag = draw(st.sampled_from(_TAGS))
        if kind == 0:
            parts.append(f"<{tag}>")
        elif kind == 1:
            parts.append(f"</{tag.split()[0]}>")
        else:
            parts.append(draw(st.sampled_from(["收到申请数", "12", "1,244", "&nbsp;", "&#x4e00;", "&lol;", "<!--",
                                               "-->", "<![CDATA[x]]>", "<?xml?>", "|", "\x00", "政府信息公开工作年度报告"])))
    return "".join(parts)


@FAST
@given(st.binary(max_size=4000))
def test_html_reader_on_any_bytes(data: bytes) -> None:
    _only_ours(read_html, data, source="prop")


@FAST
@given(html_like(), st.sampled_from(["utf-8", "gb18030"]))
def test_html_reader_on_tag_soup(html: str, encoding: str) -> None:
    _only_ours(read_html, ("<html><body>" + html).encode(encoding, "replace"), source="prop")


# --- the number parser ------------------------------------------------------------------------

def _spell(digits: str, style: int) -> str:
    return {0: digits, 1: digits.translate(_FULLWIDTH), 2: digits.replace(",", "，"),
            3: digits.translate(_FULLWIDTH).replace("，", ",")}[style]


@FAST
@given(st.integers(0, 10**12), st.booleans(), st.integers(0, 3), st.sampled_from(["", " ", "\u3000"]))
def test_integers_round_trip(n: int, grouped: bool, style: int, pad: str) -> None:
    text = _spell(f"{n:,}" if grouped else str(n), style)
    p = parse_value(pad + text + pad)
    assert (p.value, p.state) == (n, "number")
    assert type(p.value) is int


@FAST
@given(st.integers(0, 10**9), st.integers(1, 6), st.integers(0, 3))
def test_decimals_round_trip(whole: int, places: int, style: int) -> None:
    frac = (whole * 7919) % 10**places  # any fraction digits, deterministic from the draw
    value = Decimal(f"{whole}.{frac:0{places}d}")
    text = _spell(f"{whole:,}.{frac:0{places}d}", style)
    p = parse_value(text, kind="amount")
    assert p.state == "number" and p.value == float(value)


@FAST
@given(st.integers(1, 99999), st.sampled_from(["万元", "元", "件", "个", "条", "项", "次", "人"]))
def test_units_are_split_off(n: int, unit: str) -> None:
    p = parse_value(f"{n}{unit}")
    assert (p.value, p.state, p.unit) == (n, "number", unit)


def _has_digit(s: str) -> bool:
    return any(unicodedata.category(ch) == "Nd" or ch.isdigit() for ch in unicodedata.normalize("NFKC", s))


@FAST
@given(st.text(max_size=40).filter(lambda s: not _has_digit(s)))
def test_text_without_digits_is_never_a_number(text: str) -> None:
    p = parse_value(text)
    assert p.state in ("blank", "dash", "unreadable")
    assert p.value == (None if p.state == "unreadable" else 0)


@FAST
@given(st.integers(0, 10**6), st.text(alphabet="abcxyzABC约余多别若干%？?", min_size=1, max_size=5),
       st.booleans())
def test_numbers_with_words_are_not_numbers(n: int, word: str, before: bool) -> None:
    p = parse_value(word + str(n) if before else str(n) + word)
    assert p.state == "unreadable" and p.value is None


@FAST
@given(st.integers(1, 10**6))
def test_negative_counts_are_not_readings(n: int) -> None:
    assert parse_value(f"-{n}").state == "unreadable"
    assert parse_value(f"-{n}", kind="signed").value == -n


# --- the model's span layout ----------------------------------------------------------------


def _layout_by_slots(rows: list[list[Cell]]) -> list[list[Cell | None]]:
    """The HTML table algorithm written plainly, as a reference: a map of taken (row, column)
    slots; each cell takes its row's first free column and every slot of its span that is free
    (spans under 1 count as 1; a rowspan past the last row is clipped); short rows padded."""
    taken: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(max(cell.rowspan, 1)):
                for dc in range(max(cell.colspan, 1)):
                    if r + dr < len(rows):
                        taken.setdefault((r + dr, c + dc), cell)
            c += max(cell.colspan, 1)
    width = 1 + max((c for _, c in taken), default=-1)
    return [[taken.get((r, c)) for c in range(width)] for r in range(len(rows))]


_spans = st.lists(st.lists(st.tuples(st.integers(-1, 4), st.integers(-1, 4)), max_size=6), max_size=8)


@settings(max_examples=400, deadline=2000)
@given(_spans)
def test_expand_spans_lays_cells_out_as_the_table_algorithm(spans: list[list[tuple[int, int]]]) -> None:
    rows = [[Cell(f"{r}.{i}", rowspan=rs, colspan=cs) for i, (rs, cs) in enumerate(row)]
            for r, row in enumerate(spans)]
    want = _layout_by_slots(rows)
    got = expand_spans(rows)
    assert [[id(c) for c in line] for line in got] == [[id(c) for c in line] for line in want]
    # every cell's text once, the first time it is met reading row by row
    firsts = list(dict.fromkeys(c for line in want for c in line if c is not None))
    assert Table(got).text() == "\n".join(c.text for c in firsts)
    # printed back as an HTML table lays it out (Table.layout: each merged cell once with the
    # extent it really covers, pads as empty cells), the grid is laid out again the same, where
    # every cell covers a rectangle (overlapping spans in broken markup can leave one in pieces)
    table = Table(got)
    where: dict[int, list[tuple[int, int]]] = {}
    for r, line in enumerate(got):
        for c, cell in enumerate(line):
            if cell is not None:
                where.setdefault(id(cell), []).append((r, c))
    if not all(len(spots) == math.prod(table.span_at(*spots[0])) for spots in where.values()):
        return
    printed = [[Cell(p[0].text, rowspan=p[1], colspan=p[2]) if p else Cell("") for p in line]
               for line in Table(got).layout()]
    again = expand_spans(printed)
    assert [[c.text if c else None for c in line] for line in again] == \
        [[c.text if c else "" for c in line] for line in got]


# --- extract() on damaged fixtures ------------------------------------------------------------

SEEDS = {p.name: p.read_bytes() for p in [
    FIX / "seed" / "000_3a7ed7c9ae9b3af5.txt", FIX / "html" / "utf8_bom.html",
    FIX / "html" / "word_export_gbk.html", FIX / "docx" / "report_2019.docx", FIX / "pdf" / "report_2019.pdf"]}


@st.composite
def damaged(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == 0:  # cut the file here
            del data[at:]
        elif op == 1:  # drop a run of bytes
            del data[at:at + draw(st.integers(1, 4096))]
        elif op == 2:  # overwrite bytes
            junk = draw(st.binary(min_size=1, max_size=64))
            data[at:at + len(junk)] = junk
        else:  # duplicate a run
            data[at:at] = data[at:at + draw(st.integers(1, 2048))]
        if not data:
            break
    return bytes(data)


@SLOW
@given(damaged())
def test_extract_on_damaged_fixtures_raises_only_our_errors(data: bytes) -> None:
    _only_ours(extract, data, name="damaged")
