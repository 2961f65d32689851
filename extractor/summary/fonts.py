"""Find a font that draws Chinese, through matplotlib's font manager, so plot labels render.

Known CJK families are tried first; failing those, any installed font whose character map covers
中文. When none is found the plots fall back to English labels (``FONT_MISSING`` says so).
"""

from __future__ import annotations

import functools
import sys
from typing import TextIO

# Sans families first (they read better in small plot labels), then serif and other fallbacks.
PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
    "Heiti SC", "SimHei", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Serif SC",
    "AR PL UMing CN", "AR PL UKai CN", "SimSun", "Droid Sans Fallback",
)
PROBE = "中文"
FONT_MISSING = ("summary: no font that draws Chinese was found (looked for {families} and any font covering "
                "中文); plot labels use the English keys. Install one, e.g. Debian/Ubuntu: apt-get install "
                "fonts-noto-cjk")


def _covers(path: str, index: int, text: str) -> bool:
    """Whether the font at ``path`` (face ``index`` of a collection) has a glyph for every char of ``text``."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(path, fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - an unreadable font file is just not a candidate
        return False
    return all(ord(ch) in cmap for ch in text)


@functools.lru_cache(maxsize=None)
def find_cjk_font(families: tuple[str, ...] = PREFERRED_FAMILIES) -> str | None:
    """The family name of an installed font that draws Chinese, or None."""
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    names = {e.name for e in entries}
    for family in families:
        if family in names:
            return family
    seen: set[str] = set()
    for e in sorted(entries, key=lambda e: e.name):
        if e.name in seen:
            continue
        seen.add(e.name)
        if _covers(e.fname, getattr(e, "index", 0) or 0, PROBE):
            return e.name
    return None


def cjk_font_or_warn(stream: TextIO | None = None) -> str | None:
    """``find_cjk_font()``, printing one line on stderr (or ``stream``) when there is none."""
    family = find_cjk_font()
    if family is None:
        print(FONT_MISSING.format(families=", ".join(PREFERRED_FAMILIES[:6])), file=stream or sys.stderr)
    return family
