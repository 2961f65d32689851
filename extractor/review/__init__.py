"""The review page: ``extract review DATASET`` writes ``DATASET/review.html``, one self-contained page
listing every report that needs a researcher's look — a failing check, an unreadable or missing cell,
a cell placed by position, a low-confidence OCR value — worst first, each with its extracted tables,
the failing equations written out with the printed numbers, and the source beside them (a picture of
the PDF or scan page, or the source table's own rows).

>>> from extractor.review import write_review
>>> write_review("dataset/")                        # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .data import ReviewItem, load_frames, select
from .page import render_page
from .source import SourceView, source_view

PAGE_NAME = "review.html"
DEFAULT_MAX_REPORTS = 300  # the page stays a few tens of MB at most; 0 lists every report


@dataclass
class ReviewPage:
    """What ``build_review`` wrote: the page, and how many reports it lists of how many to review."""

    path: Path
    to_review: int
    shown: int
    extracted: int


def _render(out: Path, max_reports: int) -> tuple[str, int, int, int]:
    items, extracted = select(load_frames(out))
    shown = items if max_reports <= 0 else items[:max_reports]
    views = [source_view(item, out) for item in shown]
    html = render_page(shown, views, where=str(out), extracted=extracted, total_to_review=len(items))
    return html, len(items), len(shown), extracted


def review_html(out: str | Path, *, max_reports: int = DEFAULT_MAX_REPORTS) -> str:
    """The review page of the dataset folder ``out`` (read from its Parquet tables) as a string."""
    return _render(Path(out), max_reports)[0]


def build_review(out: str | Path, dest: str | Path | None = None, *,
                 max_reports: int = DEFAULT_MAX_REPORTS) -> ReviewPage:
    """Write the review page of the dataset folder ``out`` to ``dest`` (default ``out/review.html``)."""
    out = Path(out)
    html, to_review, shown, extracted = _render(out, max_reports)
    dest = Path(dest) if dest is not None else out / PAGE_NAME
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, dest)
    return ReviewPage(dest, to_review, shown, extracted)


def write_review(out: str | Path, dest: str | Path | None = None, *, max_reports: int = DEFAULT_MAX_REPORTS) -> Path:
    """Write the review page of the dataset folder ``out`` to ``dest`` (default ``out/review.html``); its path."""
    return build_review(out, dest, max_reports=max_reports).path


__all__ = ["write_review", "build_review", "ReviewPage", "review_html", "select", "load_frames", "source_view", "ReviewItem", "SourceView",
           "PAGE_NAME", "DEFAULT_MAX_REPORTS"]
