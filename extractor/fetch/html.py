"""Decode and parse fetched HTML without running anything in it (no scripts, no network)."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Tag

from ..readers.textenc import decode_bytes


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Text of an HTML page, decoded as the HTML reader decodes it (one implementation)."""
    return decode_bytes(data, declared=charset, sniff_html=True)[0]


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


def attr_text(tag: Tag, name: str) -> str:
    """Attribute ``name`` of ``tag`` as text, "" when absent. bs4 returns the multi-valued attributes
    (class, rel, ...) as lists; those are joined with spaces. href, src, title and alt are plain strings."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)
