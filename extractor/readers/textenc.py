"""Bytes to str for text and HTML: BOM, a declared charset, UTF-8, then charset-normalizer."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)

# Declared Chinese charsets are read as their superset: pages labelled gb2312 often hold GBK.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030",
              "cp936": "gb18030", "hz-gb-2312": "gb18030"}


def _canonical(name: str) -> str | None:
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, *, declared: str | None = None, sniff_html: bool = False) -> tuple[str, str]:
    """Return (text, encoding used). ``declared`` is an outside hint such as an HTTP charset."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    candidates: list[str] = []
    if declared and _canonical(declared):
        candidates.append(_canonical(declared))  # type: ignore[arg-type]
    if sniff_html:
        m = _META_CHARSET.search(data[:4096])
        if m and _canonical(m.group(1).decode("ascii", "ignore")):
            candidates.append(_canonical(m.group(1).decode("ascii", "ignore")))  # type: ignore[arg-type]
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    # Nothing declared fits: guess, preferring Chinese encodings for undeclared government pages.
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8"
