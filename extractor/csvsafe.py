"""CSV cells that a spreadsheet would run as a formula are written as text.

Excel and LibreOffice evaluate a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and strip a
leading tab or carriage return first): a report titled ``=HYPERLINK("http://…")`` would become a
live link, or worse. Every text cell of a CSV we write that starts with one of these (and is longer
than that one character: a lone ``-`` is a dash, not a formula) gets a leading apostrophe, which the
spreadsheet shows as text. Numbers are never changed.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"(?s)^[=+\-@\t\r]."


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: Any) -> Any:
    """A copy of the DataFrame ``df`` with every text cell made safe (``safe_cell``); numbers untouched."""
    import pandas as pd

    out = None
    for col in df.columns:
        series = df[col]
        if isinstance(series.dtype, pd.StringDtype):
            mask = series.str.match(_PATTERN, na=False)
        elif series.dtype == object:
            mask = series.map(lambda v: isinstance(v, str) and len(v) > 1 and v.startswith(FORMULA_START))
        else:
            continue
        if mask.any():
            if out is None:
                out = df.copy()
            out[col] = series.mask(mask, series.map(safe_cell, na_action="ignore"))
    return df if out is None else out
