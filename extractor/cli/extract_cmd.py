"""``extract PATHS… [--json] [--out DIR]``: one report to the terminal, or many to a dataset.

Other commands: ``extract fetch URLS… --out DIR`` (download published reports), ``extract summary
DATASET`` (the quality page), ``extract review DATASET`` (the page for checking flagged reports),
``extract version``.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from ..api import extract
from ..batch.walk import iter_inputs
from ..corrections import Corrections
from ..mapping.agency import AgencyTable
from ..errors import ExtractorError
from ..limits import DEFAULT_LIMITS, MB, Limits
from ..names import display_name
from .failing import fail
from .render import render_report

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)

EXIT_INTERNAL = 70


EPILOG = ("Other commands: [bold]extract fetch[/] URLS… --out DIR (download published reports) · "
          "[bold]extract summary[/] DATASET (quality page) · [bold]extract review[/] DATASET (check flagged "
          "reports) · [bold]extract version[/]. Use - as the path to read one report from standard input.")


@app.command(epilog=EPILOG)
def run(
    paths: List[str] = typer.Argument(..., help="Report files or folders (PDF, HTML, DOCX, text), URLs, "
                                      "or - for standard input."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the dataset to this folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    keys: bool = typer.Option(False, "--keys", help="Terminal view: the schema keys instead of the Chinese labels."),
    formats: str = typer.Option("parquet", "--format",
                                help="Dataset formats besides parquet, comma-separated: csv,xlsx,dta,duckdb."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=0.001,
                                  help=f"Seconds one file may take before it is stopped (batch, with --out; "
                                  f"default {DEFAULT_LIMITS.timeout_s:g})."),
    max_tasks: int = typer.Option(200, "--max-tasks-per-worker", min=1, help="Recycle each worker after this many files."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Extract again the files that failed before."),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (with --engine dask)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show library warnings and tracebacks."),
    panel: bool = typer.Option(False, "--panel", help="Also build the panel across years (one row per agency "
                               "and year; panel.carry_chain): CSV on stdout, or panel.* in --out."),
    max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", min=0.001,
                                                help=f"Largest input file read (default {DEFAULT_LIMITS.max_file_bytes // MB})."),
    max_pages: Optional[int] = typer.Option(None, "--max-pages", min=1,
                                            help=f"Most pages of one PDF analysed (default {DEFAULT_LIMITS.max_pdf_pages})."),
    max_docx_mb: Optional[float] = typer.Option(None, "--max-docx-mb", min=0.001, help="Largest uncompressed .docx "
                                                f"package (zip bombs; default {DEFAULT_LIMITS.max_docx_bytes // MB})."),
    max_html_depth: Optional[int] = typer.Option(None, "--max-html-depth", min=1,
                                                 help=f"Deepest HTML nesting (default {DEFAULT_LIMITS.max_html_depth})."),
    max_cell_chars: Optional[int] = typer.Option(None, "--max-cell-chars", min=1, help="Longer table cells are cut "
                                                 f"and flagged (default {DEFAULT_LIMITS.max_cell_chars})."),
    max_ocr_pages: Optional[int] = typer.Option(None, "--max-ocr-pages", min=0, help="Pages of one scan to OCR "
                                                f"(ocr extra; default {DEFAULT_LIMITS.max_ocr_pages}; 0 turns OCR off)."),
    corrections: Optional[Path] = typer.Option(None, "--corrections", help="A CSV of corrections on record "
                                               "(sha256,key,value,note; key = table.row.column): applied to the "
                                               "cells they name, checks computed again."),
    agencies: Optional[Path] = typer.Option(None, "--agencies", help="A CSV name,agency_id: the id to use for "
                                            "bodies the report text cannot settle (the panel joins on agency_id)."),
    summary: bool = typer.Option(False, "--summary", help="Also write OUT/summary.html: counts, failures, checks and "
                                 "headline figures with plots (needs the summary extra)."),
) -> None:
    """Extract the tables, metadata and checks of disclosure reports."""
    limits = DEFAULT_LIMITS.with_(
        max_file_bytes=int(max_file_mb * MB) if max_file_mb else None, max_pdf_pages=max_pages,
        max_docx_bytes=int(max_docx_mb * MB) if max_docx_mb else None, max_html_depth=max_html_depth,
        max_cell_chars=max_cell_chars, timeout_s=timeout, max_ocr_pages=max_ocr_pages)
    try:  # the researcher's tables are read before any work: a bad line stops the run at once
        corr = Corrections.load(corrections) if corrections is not None else None
        table = AgencyTable.load(agencies) if agencies is not None else None
    except ExtractorError as exc:
        fail(str(exc), exc.exit_code)
    if paths == ["-"]:
        if out is not None or panel or summary:
            fail("- (standard input) reads one report to the terminal; save it to a file for --out", 2)
        _one_from_stdin(as_json, verbose, limits, corr, table, keys)
        return
    if any(_may_fetch(p) for p in paths):
        from ..fetch.integrate import fetch_inputs  # URLs and url lists (urls.csv): fetch first

        try:
            paths = fetch_inputs(paths, out)
        except ExtractorError as exc:
            fail(str(exc), exc.exit_code)
    if out is None:
        if summary:
            fail("--summary needs --out DIR (the page is written to DIR/summary.html)", 2)
        files = iter_inputs(paths)
        if panel:
            from .panel_out import panel_to_terminal

            if not files:
                fail("no input files found", 2)
            raise typer.Exit(panel_to_terminal(files, corr, table, limits))
        if len(paths) == 1 and len(files) == 1 and not Path(paths[0]).is_dir():
            _one(paths[0], as_json, verbose, limits, corr, table, keys)
            return
        if not files:
            fail("no input files found", 2)
        _many_to_terminal(files, as_json, verbose, limits, corr, table)
        return
    _to_dataset(paths, out, [f.strip() for f in formats.split(",") if f.strip()], verbose,
                BatchOptions(jobs, max_tasks, retry_failed, engine, scheduler), limits, corr, table)
    if summary:
        from ..summary import write_summary

        try:
            print(f"summary written to {write_summary(out)}", file=sys.stderr)
        except ExtractorError as exc:
            fail(str(exc), exc.exit_code)
    if panel:
        from .panel_out import panel_to_dir

        panel_to_dir(out)


def _may_fetch(path: str) -> bool:
    """A URL, or a file that may be a list of URLs: only then is the fetcher loaded."""
    return "://" in path or Path(path).suffix.lower() in (".csv", ".tsv", ".txt", ".list")


def _one_from_stdin(as_json: bool, verbose: bool, limits: Limits, corrections: Optional[Corrections],
                    agencies: Optional[AgencyTable], keys: bool = False) -> None:
    """``extract -``: one report from standard input, its type decided by content as always."""
    data = sys.stdin.buffer.read(limits.max_file_bytes + 1)
    if not data:
        fail("<stdin>: no input on standard input", 2)
    if len(data) > limits.max_file_bytes:
        fail(f"<stdin>: input is over the {limits.max_file_bytes}-byte limit (--max-file-mb)", 2)
    report = _extract_or_exit(data, verbose, limits, corrections, agencies, name="<stdin>")
    _show(report, as_json, keys)


def _show(report, as_json: bool, keys: bool = False) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        render_report(report, Console(), keys=keys)


def _extract_or_exit(path: str | bytes, verbose: bool, limits: Limits, corrections: Optional[Corrections] = None,
                     agencies: Optional[AgencyTable] = None, name: Optional[str] = None):
    try:
        return extract(path, name=name, limits=limits, corrections=corrections, agencies=agencies)
    except ExtractorError as exc:
        fail(str(exc), exc.exit_code)
    except Exception as exc:  # a bug of ours: still one line, unless asked for the traceback
        if verbose:
            traceback.print_exc()
        shown = name or (path if isinstance(path, str) else "<bytes>")
        fail(f"{shown}: internal error ({type(exc).__name__}: {exc}); rerun with --verbose for details",
             EXIT_INTERNAL)


def _one(path: str, as_json: bool, verbose: bool, limits: Limits, corrections: Optional[Corrections] = None,
         agencies: Optional[AgencyTable] = None, keys: bool = False) -> None:
    _show(_extract_or_exit(path, verbose, limits, corrections, agencies), as_json, keys)


def _many_to_terminal(files: list[Path], as_json: bool, verbose: bool, limits: Limits,
                      corrections: Optional[Corrections] = None, agencies: Optional[AgencyTable] = None) -> None:
    failed = 0
    for f in files:
        try:
            report = extract(f, limits=limits, corrections=corrections, agencies=agencies)
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            failed += 1
            print(f"error: {_message(display_name(f), exc, verbose)}", file=sys.stderr)
            continue
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        else:
            md = report.metadata
            print(f"{display_name(f)}\t{report.template}\t{md.get('agency')}\t{md.get('year')}\t"
                  + " ".join(f"{k}={v}" for k, v in report.check_summary.items()))
    if failed == len(files):
        raise typer.Exit(1)


def _check_story(out: Path, ok: int) -> None:
    """One line on what the checks found: how many reports add up, and where to look at the rest."""
    import pandas as pd

    path = out / "checks.parquet"
    if not ok or not path.exists():
        return
    checks = pd.read_parquet(path, columns=["source", "status"])
    failing = int(checks.loc[checks["status"] == "fail", "source"].nunique())
    line = f"checks: {ok - failing} of {ok} reports add up"
    if failing:
        verb = "breaks its" if failing == 1 else "break their"
        line += f"; {failing} {verb} own arithmetic (extracted as printed: extract review {out})"
    print(line, file=sys.stderr)


def _message(path, exc: Exception, verbose: bool) -> str:
    if isinstance(exc, ExtractorError):
        text = str(exc)
        return text if str(path) in text else f"{path}: {text}"
    if verbose:
        traceback.print_exc()
    return f"{path}: internal error ({type(exc).__name__}: {exc})"


@dataclass
class BatchOptions:
    jobs: Optional[int] = None
    max_tasks: int = 200
    retry_failed: bool = False
    engine: str = "local"
    scheduler: Optional[str] = None


def _to_dataset(paths: list[str], out: Path, formats: list[str], verbose: bool,
                options: Optional[BatchOptions] = None, limits: Optional[Limits] = None,
                corrections: Optional[Corrections] = None, agencies: Optional[AgencyTable] = None) -> None:
    """The batch path: extract.batch.run_batch (parallel, resumable), then the failures on stderr."""
    from ..batch import extract_rows, run_batch

    options = options if options is not None else BatchOptions()

    try:
        result = run_batch(paths, out, jobs=options.jobs, limits=limits,
                           max_tasks_per_worker=options.max_tasks, retry_failed=options.retry_failed,
                           formats=formats, engine=options.engine, scheduler=options.scheduler, task=extract_rows,
                           corrections=corrections, agencies=agencies)
    except KeyboardInterrupt:
        print(f"interrupted: every file finished so far is kept in {out}/; run the same command again to "
              "resume", file=sys.stderr)
        raise typer.Exit(130) from None
    except ExtractorError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"cannot write the dataset to {out}: {exc}", 2)
    print(f"{result.ok} of {result.total} reports extracted"
          + (f" ({result.reused} done by an earlier run)" if result.reused else "")
          + f"; dataset in {out}/", file=sys.stderr)
    _check_story(out, result.ok)
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    failures = result.errors.itertuples() if result.errors is not None else ()
    for row in failures:
        print(f"failed: {row.message if str(row.source) in row.message else f'{row.source}: {row.message}'}",
              file=sys.stderr)
    if result.ok == 0:
        raise typer.Exit(1)
