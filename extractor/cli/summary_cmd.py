"""``extract summary OUT [--output FILE]``: a one-page quality report of a dataset folder (summary.html)."""

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
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the page here (default OUT/summary.html)."),
) -> None:
    """Counts by year, template and format; failures; check failure rates; headline figures — one HTML page."""
    from ..summary import write_summary  # imports no plotting library until asked to draw

    with one_line_errors("the summary"):
        page = write_summary(out, output)
    print(f"summary written to {page}", file=sys.stderr)
