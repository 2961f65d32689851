"""``extract fetch URL…|urls.csv|urls.txt --out DIR``: download published reports politely."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..csvsafe import safe_cell
from ..errors import ExtractorError
from ..names import display_name

app = typer.Typer(add_completion=False, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def run(
    sources: List[str] = typer.Argument(..., help="URLs, or CSV (url column) / TXT (one URL a line) files."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for raw files and manifest.jsonl."),
    discover: bool = typer.Option(False, "--discover", help="Sources are 年报 listing pages: find the reports."),
    max_pages: int = typer.Option(10, "--max-pages", help="Listing pages to follow per source (--discover)."),
    concurrency: int = typer.Option(8, "--concurrency", help="Requests in flight overall."),
    per_host: int = typer.Option(2, "--per-host", help="Requests in flight per host."),
    delay: float = typer.Option(1.0, "--delay", help="Seconds between request starts to one host."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for a connection or data (and for "
                                  "robots.txt in all)."),
    deadline: float = typer.Option(300.0, "--deadline", help="Seconds one request may take in all, body "
                                   "included (a server that trickles is cut off)."),
    retries: int = typer.Option(3, "--retries", help="Retries on timeouts, connection errors, 429 and 5xx."),
    max_size: float = typer.Option(100.0, "--max-size", help="Largest file to download, in MB."),
    max_page_size: float = typer.Option(5.0, "--max-page-size", help="Largest HTML page or listing to download "
                                        "and analyse, in MB."),
    max_links: int = typer.Option(200, "--max-links", help="Report links followed from one page."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Follow redirects and links from a public "
                                       "site to private, loopback or link-local addresses."),
    ignore_robots: bool = typer.Option(False, "--ignore-robots", help="Do not obey robots.txt."),
    refresh: bool = typer.Option(False, "--refresh", help="Fetch again URLs already in the manifest."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."),
) -> None:
    """Download report pages and attachments into OUT; re-running resumes where it stopped."""
    from ..fetch import choose_reports, fetch

    show = sys.stderr.isatty() if progress is None else progress
    try:
        result = fetch(sources, out, concurrency=concurrency, per_host=per_host, delay=delay, timeout=timeout,
                       retries=retries, max_bytes=int(max_size * 1_000_000), respect_robots=not ignore_robots,
                       refresh=refresh, discover=discover, max_pages=max_pages, progress=show, deadline=deadline,
                       max_page_bytes=max(1, int(max_page_size * 1_000_000)), max_links=max_links,
                       allow_private=allow_private)
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print(f"interrupted: what was fetched is in {out}/manifest.jsonl; run again to resume", file=sys.stderr)
        raise typer.Exit(130) from None
    entries = choose_reports(result)
    try:
        write_reports_csv(entries, out / "reports.csv")
    except OSError as exc:
        print(f"error: cannot write {display_name(out / 'reports.csv')} ({exc}); the downloads and "
              "manifest.jsonl are kept", file=sys.stderr)
        raise typer.Exit(2) from None
    s = result.summary()
    failed = sum(s["failed"].values())
    print(f"fetched {s['fetched']}, images only {s['images_only']}, skipped {s['skipped']} (done before), "
          f"failed {failed}" + (" (" + ", ".join(f"{k} {v}" for k, v in s["failed"].items()) + ")" if failed else ""),
          file=sys.stderr)
    found = sum(1 for e in entries if e["path"] is not None)
    print(f"{found} of {len(entries)} reports have a readable file; see {out}/reports.csv", file=sys.stderr)
    for note in result.notes:
        print(f"note: {display_name(note)}", file=sys.stderr)
    for r in result.failed:
        print(f"failed: {display_name(r.row['url'])}: {display_name(r.row['error'] or '')}", file=sys.stderr)
    if failed:
        raise typer.Exit(1)


def write_reports_csv(entries: list[dict], path: Path) -> None:
    """One row per report: the URL asked for, the file that holds it, and why that file; ``parts``,
    for a page joined with its workbook (role ``page+attachment``), the two downloads joined.

    Written under a temporary name and renamed (never half-written); text cells that a spreadsheet
    would run as a formula are escaped (``extractor.csvsafe``)."""
    fields = ["url", "page_url", "file_url", "path", "role", "status", "reason", "alternatives", "parts"]
    meta_keys = sorted({k for e in entries for k in e["meta"]})
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([safe_cell(f) for f in fields + meta_keys])
            for e in entries:
                w.writerow([safe_cell(v) for v in
                            [e["url"], e["page_url"], e["file_url"] or "", e["path"].name if e["path"] else "",
                             e["role"] or "", e["status"] or "", e["reason"] or "", " ".join(e["alternatives"]),
                             " ".join(p.name for p in e.get("parts") or ())]
                            + [e["meta"].get(k, "") for k in meta_keys]])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
