"""Decode and parse fetched HTML without running anything in it (no scripts, no network)."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# GB2312/GBK labels are often wrong about the characters actually used: decode as their superset.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030"}


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Text of an HTML page: HTTP charset, then <meta charset>, then detection; GB* read as GB18030."""
    candidates = []
    if charset:
        candidates.append(charset)
    m = _META_CHARSET.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for cand in candidates:
        enc = _SUPERSET.get(cand.lower(), cand.lower())
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    for enc in ("utf-8", "gb18030"):  # Chinese government sites: anything not UTF-8 is almost always GB*
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("gb18030", "replace")


def parse_html(text: str) -> BeautifulSoup:
    """A BeautifulSoup tree with <script>/<style> contents kept out of any text we read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "lxml")
    return soup


def visible_text(node) -> str:
    """Text of ``node`` minus scripts, styles and noscript blocks, whitespace collapsed."""
    parts = []
    for s in node.find_all(string=True):
        if s.parent is not None and s.parent.name in ("script", "style", "noscript", "template"):
            continue
        parts.append(str(s))
    return re.sub(r"\s+", " ", "".join(parts).replace("\xa0", " ")).strip()
