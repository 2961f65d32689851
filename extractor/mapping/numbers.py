"""Parse one printed value cell into (value, state, unit), never guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..schema import DASH_TOKENS, UNITS
from .labels import nfkc

_NUM = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_UNIT_RE = re.compile(r"(%s)$" % "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)))
_DASHES = re.compile(r"[-—–─/\\]+")
_SPACED_DIGITS = re.compile(r"(?<=\d)[\s\u3000]+(?=\d)")


@dataclass(frozen=True)
class Parsed:
    value: int | float | None
    state: str  # number | blank | dash | unreadable
    unit: str | None = None
    raw: str = ""


def parse_value(raw: str | None, *, kind: str = "count") -> Parsed:
    """'1,244' -> 1244; '１２' -> 12; '5949.088667' -> 5949.088667; '+19' -> 19 (signed);
    '251000元' -> 251000 unit 元; '' -> 0 blank; '—' -> 0 dash; 'abc' -> None unreadable."""
    raw = raw or ""
    return _parse_short(raw, kind) if len(raw) <= _SHORT else _parse(raw, kind)


def _parse(raw: str, kind: str) -> Parsed:
    raw = raw.strip()
    text = nfkc(raw).replace("\u00a0", " ").strip()
    if not text:
        return Parsed(0, "blank", None, raw)
    if text in DASH_TOKENS or _DASHES.fullmatch(text):
        return Parsed(0, "dash", None, raw)
    unit = None
    m = _UNIT_RE.search(text)
    if m and m.start() > 0:
        unit = m.group(1)
        text = text[: m.start()].strip()
    # Wide character spacing inside one cell splits a number ('1 2' is 12); commas of any width.
    text = _SPACED_DIGITS.sub("", text).replace("，", ",").replace(" ", "")
    m = _NUM.match(text)
    if not m:
        return Parsed(None, "unreadable", None, raw)
    sign, digits, frac = m.groups()
    digits = digits.replace(",", "")
    if frac is not None:
        value: int | float = float(f"{sign}{digits}.{frac}")
        if kind == "count" and float(value).is_integer():
            value = int(value)
    else:
        value = int(f"{sign}{digits}")
    if sign == "-" and kind not in ("signed",):
        return Parsed(None, "unreadable", unit, raw)  # a negative count or amount is not a reading
    return Parsed(value, "number", unit, raw)


# A short cell text is parsed once per text and kind ('0', '1', '' recur in every report;
# ``Parsed`` is frozen, so the one answer is shared); a long one is not kept.
_SHORT = 40
_parse_short = lru_cache(maxsize=16384)(_parse)


def looks_like_value(raw: str | None) -> bool:
    """True for text that is a number or a printed zero sign (not blank)."""
    return parse_value(raw, kind="signed").state in ("number", "dash")
