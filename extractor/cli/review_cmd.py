"""``extract review DATASET [--output FILE]``: the reports that need a look (review.html), worst first."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .failing import one_line_errors

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def run(
    out: Path = typer.Argument(..., help="A dataset folder written by `extract PATHS --out OUT`."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the page here (default OUT/review.html)."),
    max_reports: int = typer.Option(300, "--max-reports", help="List at most N reports, worst first (0: all)."),
) -> None:
    """Failing checks, unreadable or missing cells, cells placed by position and low-confidence OCR values,
    each report with its tables, the equations written out and its source beside them — one HTML page."""
    from ..review import build_review

    with one_line_errors("the review page"):
        page = build_review(out, output, max_reports=max_reports)
    n = page.to_review
    shown = "" if page.shown == n else f" (the {page.shown} worst listed)"
    print(f"{n} report{'' if n == 1 else 's'} to review of {page.extracted} extracted{shown}; page written to "
          f"{page.path}", file=sys.stderr)
    print(page.path)
