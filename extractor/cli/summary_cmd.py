"""``extract summary OUT [--output FILE]``: a one-page quality report of a dataset folder (summary.html)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import ExtractorError

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def run(
    out: Path = typer.Argument(..., help="A dataset folder written by `extract PATHS --out OUT`."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the page here (default OUT/summary.html)."),
) -> None:
    """Counts by year, template and format; failures; check failure rates; headline figures — one HTML page."""
    from ..summary import write_summary  # imports no plotting library until asked to draw

    try:
        page = write_summary(out, output)
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:
        print(f"error: cannot write the summary: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(f"summary written to {page}", file=sys.stderr)
