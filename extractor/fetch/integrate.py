"""Let ``extract`` take URLs and URL lists: fetch them first, then hand back the report files."""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..names import display_name
from .sources import is_url, read_url_list


def url_list_rows(path: str) -> list[dict[str, Any]] | None:
    """The rows of ``path`` when it is a URL list (CSV with a url column, or TXT of only URLs), else None."""
    p = Path(path)
    if is_url(path) or not p.is_file() or p.suffix.lower() not in (".csv", ".tsv", ".txt", ".list"):
        return None
    try:
        rows = read_url_list(p)
    except InputError:
        return None  # a text report, not a list of URLs
    return rows if rows and all(is_url(r["url"]) for r in rows) else None


def fetch_inputs(paths: list[str], out: Path | None, **options: Any) -> list[str]:
    """Replace URLs and URL lists in ``paths`` by the downloaded files that hold the reports.

    Files go to ``<out>/raw/`` (or a temporary folder without ``--out``, removed when the process
    exits); other paths pass through.
    """
    sources: list[dict[str, Any]] = []
    local: list[str] = []
    for p in paths:
        rows = [{"url": p}] if is_url(p) else url_list_rows(p)
        if rows is None:
            local.append(p)
        else:
            sources.extend(rows)
    if not sources:
        return list(paths)
    from . import choose_reports, fetch

    if out is not None:
        raw = out / "raw"
    else:  # the downloads are read by this process only: gone when it exits, however the extraction ends
        raw = Path(tempfile.mkdtemp(prefix="extract-fetch-"))
        atexit.register(shutil.rmtree, raw, ignore_errors=True)
    options.setdefault("progress", sys.stderr.isatty())
    run = fetch(sources, raw, **options)
    s = run.summary()
    print(f"fetched {s['fetched'] + s['images_only']}, skipped {s['skipped']} (done before), failed "
          f"{sum(s['failed'].values())} into {raw}/", file=sys.stderr)
    for note in run.notes:
        print(f"note: {display_name(note)}", file=sys.stderr)
    for r in run.failed:
        print(f"failed: {display_name(r.row['url'])}: {display_name(r.row['error'] or '')}", file=sys.stderr)
    found = []
    for entry in choose_reports(run):
        if entry["path"] is None:
            print(f"no readable report file: {display_name(entry['url'])} ({entry['reason']})", file=sys.stderr)
        else:
            found.append(str(entry["path"]))
    return local + list(dict.fromkeys(found))
