"""Fetch published reports from government websites politely, keeping every raw file as evidence.

``fetch(sources, out_dir)`` downloads URLs (and the report attachments of article pages, or the
reports a listing page links to with ``discover=True``) into ``out_dir``: raw files named by their
SHA-256 and a ``manifest.jsonl`` with one row per URL. Re-running resumes.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path
from types import ModuleType as _ModuleType
from typing import Any, Callable, Iterable

import httpx

from ..errors import InputError
from ..names import display_name
from ..outlock import FolderLock
from .client import Client, user_agent
from .manifest import MANIFEST_NAME, read_manifest
from .reports import choose_reports, report_files
from .run import (MAX_LINKS_PER_PAGE, MAX_PAGE_BYTES, Crawl, CrawlStopped, FetchResult, FetchRun, _Job,
                  clean_partials, run_sync)
from .sources import is_url, normalise_sources, read_url_list

__all__ = ["fetch", "FetchRun", "FetchResult", "is_url", "read_url_list", "report_files", "choose_reports",
           "read_manifest", "user_agent", "MANIFEST_NAME"]


def fetch(
    sources: Iterable[Any] | str | Path,
    out_dir: str | Path,
    *,
    concurrency: int = 8,
    per_host: int = 2,
    delay: float = 1.0,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_retry_after: float = 120.0,
    max_bytes: int = 100_000_000,
    respect_robots: bool = True,
    refresh: bool = False,
    discover: bool = False,
    max_pages: int = 10,
    progress: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    deadline: float = 300.0,
    max_page_bytes: int = MAX_PAGE_BYTES,
    max_links: int = MAX_LINKS_PER_PAGE,
    allow_private: bool = False,
) -> FetchRun:
    """Download ``sources`` (URLs, url-list files, or dicts with a ``url`` plus metadata) into ``out_dir``.

    Every URL ends as a manifest row, fetched or with its error; URLs fetched by an earlier run are
    skipped unless ``refresh``. With ``discover`` the sources are 年报 listing pages (at most
    ``max_pages`` of them per source). ``timeout`` bounds each wait for a connection or data,
    ``deadline`` a whole request; a page over ``max_page_bytes`` is not analysed; at most ``max_links``
    report links are followed from one page. Redirects and links from a public site to a private,
    loopback or link-local address are refused unless ``allow_private``. ``out_dir`` is locked for the
    run: a second run on it raises an ``InputError`` naming the first.
    """
    rows = normalise_sources(sources)
    if not rows:
        raise InputError("no URLs to fetch")
    if (per_host < 1 or concurrency < 1 or retries < 0 or max_bytes < 1 or max_pages < 1 or max_links < 1
            or max_page_bytes < 1 or not deadline > 0 or not timeout > 0):
        raise InputError("concurrency, per_host, max_bytes, max_pages, max_links, max_page_bytes, timeout and "
                         "deadline must be positive, retries >= 0")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{display_name(out)}: cannot create the output directory ({exc.strerror})") from None
    with FolderLock(out, "--out"):
        clean_partials(out)  # only now: another run's downloads in progress are not ours to remove
        try:
            return run_sync(lambda: _crawl(rows, out, concurrency=concurrency, per_host=per_host, delay=delay,
                                           timeout=timeout, retries=retries, backoff=backoff,
                                           max_retry_after=max_retry_after, max_bytes=max_bytes,
                                           respect_robots=respect_robots, refresh=refresh, discover=discover,
                                           max_pages=max_pages, progress=progress, transport=transport,
                                           on_progress=on_progress, deadline=deadline,
                                           max_page_bytes=max_page_bytes, max_links=max_links,
                                           allow_private=allow_private))
        except (CrawlStopped, OSError) as exc:
            raise InputError(f"{display_name(out / MANIFEST_NAME)}: cannot write the manifest ({exc}); the rows "
                             "written before are kept: free space and rerun to resume") from None


async def _crawl(rows: list[dict[str, Any]], out: Path, *, concurrency: int, per_host: int, delay: float,
                 timeout: float, retries: int, backoff: float, max_retry_after: float, max_bytes: int,
                 respect_robots: bool, refresh: bool, discover: bool, max_pages: int, progress: bool,
                 transport: httpx.AsyncBaseTransport | None, on_progress: Callable[[int, int, str], None] | None,
                 deadline: float, max_page_bytes: int, max_links: int, allow_private: bool) -> FetchRun:
    """The crawl itself, in the event loop ``run_sync`` gives it."""
    client = Client(out, per_host=per_host, delay=delay, timeout=timeout, retries=retries, backoff=backoff,
                    max_retry_after=max_retry_after, max_bytes=max_bytes, respect_robots=respect_robots,
                    transport=transport, deadline=deadline, allow_private=allow_private)
    bar = _ProgressBar() if progress else None
    callback = on_progress or (bar.update if bar else None)
    crawl = Crawl(out, client, concurrency=concurrency, refresh=refresh, max_pages=max_pages,
                  on_progress=callback, max_links=max_links, max_page_bytes=max_page_bytes)
    for row in rows:
        url = row.pop("url")
        crawl.add(_Job(url, "listing" if discover else "page", None, url, row))
    try:
        if bar:
            with bar:
                await crawl.run()
        else:
            await crawl.run()
    finally:
        await client.aclose()
    return FetchRun(out, crawl.manifest.path, crawl.results, crawl.notes)


class _ProgressBar:
    """A rich progress bar on stderr: done / known URLs and the last URL."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("fetch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}", style="dim"),
                                 console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("", total=0)

    def update(self, done: int, total: int, url: str) -> None:
        self.progress.update(self.task, completed=done, total=total, description=url[-60:])

    def __enter__(self) -> "_ProgressBar":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)


class _CallableModule(_ModuleType):
    """Lets ``extractor.fetch(...)`` call :func:`fetch` while ``extractor.fetch.X`` stays the package."""

    def __call__(self, *args: Any, **kwargs: Any) -> FetchRun:
        return fetch(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
