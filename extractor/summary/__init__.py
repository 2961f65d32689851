"""The dataset summary: ``extract summary OUT`` writes ``OUT/summary.html``, one self-contained page
with counts, failures, check results and headline figures (plots need the ``summary`` extra).

>>> from extractor.summary import write_summary
>>> write_summary("dataset/")                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from ..errors import MissingDependencyError
from .data import SummaryData, load_frames, summarise_frames

EXTRA_HINT = "pip install 'gov-disclosure-extractor[summary]'"
PAGE_NAME = "summary.html"


def require_matplotlib() -> None:
    """Raise MissingDependencyError (one line naming the extra) when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingDependencyError(f"the summary needs matplotlib, from the summary extra: {EXTRA_HINT}") from None


def summary_html(frames: Mapping[str, Any] | Any, *, where: str = "(in memory)") -> str:
    """The page for a dataset: a ``Dataset`` or a mapping of its tables (reports, checks, errors, wide)."""
    require_matplotlib()
    from .fonts import cjk_font_or_warn
    from .page import render_page
    from .plots import render_plots

    if not isinstance(frames, Mapping):
        frames = frames.frames()
    data = summarise_frames(frames)
    font = cjk_font_or_warn()
    return render_page(data, render_plots(data, font), font=font, where=where)


def write_summary(out: str | Path, dest: str | Path | None = None) -> Path:
    """Write the summary of the dataset folder ``out`` to ``dest`` (default ``out/summary.html``)."""
    require_matplotlib()
    out = Path(out)
    html = summary_html(load_frames(out), where=str(out))
    dest = Path(dest) if dest is not None else out / PAGE_NAME
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


__all__ = ["write_summary", "summary_html", "summarise_frames", "load_frames", "SummaryData", "require_matplotlib"]
