"""The text of the six parts, found by heading wording rather than heading numbers."""

from __future__ import annotations

import re

from ..model import Document, Paragraph
from ..schema import SECTIONS
from .labels import compact

_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六七八九十]部分)")


def heading_key(text: str) -> str | None:
    """The section a paragraph heads, or None. Headings are short and numbered."""
    t = compact(text)
    if len(t) > 40 or not _NUMBERED.match(t):
        return None
    for s in SECTIONS:
        for alt in s.patterns:
            if all(p in t for p in alt):
                return s.key
    return None


def extract_sections(doc: Document, stop_at: Paragraph | None = None) -> dict[str, str]:
    """Map section key -> the text of its paragraphs (tables excluded).

    The last occurrence of a heading before its successor wins over a table of contents, which
    names all six parts in a row with nothing between them. The report ends at ``stop_at``
    (its signature): what follows is the page footer, not part 六.
    """
    paras = [b for b in doc.blocks if isinstance(b, Paragraph)]
    if stop_at is not None:
        paras = paras[: next((i for i, p in enumerate(paras) if p is stop_at), len(paras))]
    marks: list[tuple[int, str]] = []
    for i, p in enumerate(paras):
        key = heading_key(p.text)
        if key:
            marks.append((i, key))
    # A table of contents: headings on consecutive paragraphs. Keep, per key, the last start.
    starts: dict[str, int] = {}
    for i, key in marks:
        starts[key] = i
    ordered = sorted((i, k) for k, i in starts.items())
    out: dict[str, str] = {s.key: "" for s in SECTIONS}
    for n, (i, key) in enumerate(ordered):
        end = ordered[n + 1][0] if n + 1 < len(ordered) else len(paras)
        body = [p.text for p in paras[i + 1:end]]
        out[key] = "\n".join(body).strip()
    return out
