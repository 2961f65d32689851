"""File names as they are recorded and printed: always valid, one-line, unambiguous text.

A name on disk may be any bytes (a GBK name unzipped on a UTF-8 system arrives as lone
surrogates from ``os.fsdecode``), or hold control characters and bidirectional overrides that
would rewrite the terminal line or disguise an extension (``report\\u202egpj.exe``). Such
characters are written as escapes (``\\xb1``, ``\\u202e``); every other character, Chinese
included, is kept as it is. The name read from disk stays the path that is opened.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Union

# Bidirectional controls (embeddings, overrides, isolates, marks): invisible, they reorder the text.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, surrogates, line/paragraph separators


def _escape(ch: str) -> str:
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode carries it
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def display_name(name: Union[str, bytes, os.PathLike]) -> str:
    """``name`` with undecodable bytes, control characters and bidi overrides escaped.

    >>> display_name(b"\\xb1\\xa8\\xb8\\xe6.html")
    '\\\\xb1\\\\xa8\\\\xb8\\\\xe6.html'
    >>> display_name("年报\\n.pdf")
    '年报\\\\x0a.pdf'
    """
    text = os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name)
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    return "".join(_escape(ch) if ch in _BIDI or unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch
                   for ch in text)
