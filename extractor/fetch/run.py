"""The crawl: a queue of URLs worked by bounded concurrency, each ending as a manifest row."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..readers.detect import detect_format
from .article import analyse_page
from .client import MAX_REDIRECTS, Client, Download
from .discover import analyse_listing
from .manifest import MANIFEST_NAME, OK_STATUSES, Manifest, latest_rows, read_manifest
from .storage import PARTIAL_DIR

MAX_IMAGES_PER_PAGE = 200
MAX_LINKS_PER_PAGE = 200  # report links (or report attachments, next-page links) followed from one page
MAX_PAGE_BYTES = 5_000_000  # an HTML page (or listing) larger than this is not downloaded whole nor parsed


@dataclass
class FetchResult:
    """One URL's outcome in this run; ``row`` is its manifest row, ``skipped`` when it was already done."""

    row: dict[str, Any]
    skipped: bool = False

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["row"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def ok(self) -> bool:
        return self.row.get("status") in OK_STATUSES


@dataclass
class FetchRun:
    """The outcome of ``fetch``: per-URL results, the output directory and its manifest."""

    out_dir: Path
    manifest_path: Path
    results: list[FetchResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # limits that left links unfollowed (--max-pages, --max-links)

    def summary(self) -> dict[str, Any]:
        """Counts: fetched, skipped (done before), images_only, failed by reason."""
        fetched = sum(1 for r in self.results if not r.skipped and r.row["status"] == "fetched")
        images = sum(1 for r in self.results if not r.skipped and r.row["status"] == "images_only")
        skipped = sum(1 for r in self.results if r.skipped)
        failed = Counter(r.row.get("reason") or "error" for r in self.results if r.row["status"] == "failed")
        return {"fetched": fetched, "images_only": images, "skipped": skipped, "failed": dict(sorted(failed.items()))}

    @property
    def failed(self) -> list[FetchResult]:
        return [r for r in self.results if r.row["status"] == "failed"]

    def report_files(self) -> list[tuple[Path, str]]:
        from .reports import report_files

        return report_files(self)


@dataclass
class _Job:
    url: str
    role: str  # "page" | "listing" | "attachment" | "image"
    parent: str | None
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
    page_no: int = 1
    hops: int = 0  # meta-refresh / JavaScript redirect pages followed to reach this one
    refuse: tuple[str, str] | None = None  # (reason, message): recorded as failed without a request


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class CrawlStopped(Exception):
    """The manifest itself cannot be written (disk full): the crawl stops; earlier rows are kept."""


class Crawl:
    """Work the queue; every job appends exactly one manifest row (or is skipped as already done),
    whatever fails while it is handled. Page analysis runs in one worker thread, off the event loop."""

    def __init__(self, out_dir: Path, client: Client, *, concurrency: int, refresh: bool, max_pages: int,
                 on_progress: Callable[[int, int, str], None] | None = None, max_links: int = MAX_LINKS_PER_PAGE,
                 max_page_bytes: int = MAX_PAGE_BYTES) -> None:
        self.out_dir = out_dir
        self.client = client
        self.concurrency = max(1, concurrency)
        self.refresh = refresh
        self.max_pages = max_pages
        self.max_links = max_links
        self.max_page_bytes = max_page_bytes
        self.manifest = Manifest(out_dir / MANIFEST_NAME)
        self.done = latest_rows(read_manifest(self.manifest.path))
        self.results: list[FetchResult] = []
        self.seen: set[str] = set()
        self.recorded: set[str] = set()  # URLs with their row written in this run
        self.listings: Counter[str] = Counter()  # listing pages queued per source (--max-pages)
        self.notes: list[str] = []  # limits that left links unfollowed
        self.fatal: BaseException | None = None
        self.queue: asyncio.Queue[_Job] = asyncio.Queue()
        self.on_progress = on_progress
        self.total = 0
        self._analyser: ThreadPoolExecutor | None = None

    def add(self, job: _Job) -> None:
        key = job.url.strip()
        if key in self.seen:
            return
        if job.role == "listing":
            if self.listings[job.source] >= self.max_pages:
                self.notes.append(f"{job.source}: more listing pages than --max-pages {self.max_pages}; "
                                  f"{key} and later ones not fetched")
                return
            self.listings[job.source] += 1
        self.seen.add(key)
        job.url = key
        self.total += 1
        self.queue.put_nowait(job)
        self._progress("")

    def _progress(self, url: str) -> None:
        if self.on_progress:
            self.on_progress(len(self.results), self.total, url)

    async def run(self) -> list[FetchResult]:
        self._analyser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch-analyse")
        workers = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        try:
            await self.queue.join()
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._analyser.shutdown(wait=True)
            try:
                self.manifest.close()
            except OSError as exc:
                self.fatal = self.fatal or exc
        if self.fatal is not None:
            raise CrawlStopped(str(self.fatal))
        return self.results

    async def _worker(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                if self.fatal is None:  # once the manifest cannot be written, the rest is only drained
                    await self._handle(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one URL's failure must not end the worker (or hang the crawl)
                self._record_failure(job, exc)
            finally:
                self.queue.task_done()

    def _record_failure(self, job: _Job, exc: Exception) -> None:
        """The row of a job whose handling raised; a manifest that cannot be written stops the crawl."""
        if job.url in self.recorded:
            return
        reason = "storage_error" if isinstance(exc, OSError) else "internal_error"
        row = self._row(job, None, reason, f"{type(exc).__name__}: {str(exc)[:300]}")
        self._write(row)

    def _write(self, row: dict[str, Any]) -> None:
        try:
            self.manifest.append(row)
        except OSError as exc:
            self.fatal = exc
            return
        self.recorded.add(row["url"])
        self.results.append(FetchResult(row))
        self._progress(row["url"])

    def _already_done(self, url: str) -> dict[str, Any] | None:
        prev = self.done.get(url)
        if self.refresh or prev is None or prev.get("status") not in OK_STATUSES:
            return None
        if prev.get("path") and not (self.out_dir / prev["path"]).exists():
            return None  # the file went missing: fetch again
        return prev

    def _row(self, job: _Job, dl: Download | None, reason: str | None = None, error: str | None = None) -> dict[str, Any]:
        if dl is None:
            dl = Download(url=job.url, reason=reason, error=error)
        return {
            "url": job.url,
            "final_url": dl.final_url,
            "http_status": dl.http_status,
            "content_type": dl.content_type,
            "charset": dl.charset,
            "size": dl.size,
            "sha256": dl.sha256,
            "path": dl.path,
            "filename": dl.filename,
            "fetched_at": _now(),
            "status": "fetched" if dl.reason is None else "failed",
            "reason": dl.reason,
            "error": dl.error,
            "role": job.role,
            "parent": job.parent,
            "source": job.source,
            "attempts": dl.attempts,
            "redirects": dl.redirects,
            "meta": job.meta,
        }

    async def _handle(self, job: _Job) -> None:
        if job.refuse is not None:
            self._write(self._row(job, None, *job.refuse))
            return
        prev = self._already_done(job.url)
        if prev is not None:
            self.results.append(FetchResult(prev, skipped=True))
            self._children(job, prev)
            self._progress(job.url)
            return
        pageish = job.role in ("page", "listing")
        dl = await self.client.download(job.url, origin=job.source,
                                        max_html=self.max_page_bytes if pageish else None)
        row = self._row(job, dl)
        if dl.reason is None and pageish:
            loop = asyncio.get_running_loop()
            try:  # HTML is parsed in the one analysis thread; a document only has its format read, elsewhere
                executor = self._analyser if self._is_html(row) else None
                await loop.run_in_executor(executor, self._analyse, job, row)
            except Exception as exc:  # noqa: BLE001 - a page that breaks the parser: its row says so
                row.update(status="failed", reason="analysis_error",
                           error=f"the page could not be analysed ({type(exc).__name__}: {str(exc)[:200]})")
        self._write(row)
        if self.fatal is None:
            self._children(job, row)

    def _is_html(self, row: dict[str, Any]) -> bool:
        try:
            with open(self.out_dir / row["path"], "rb") as fh:
                return detect_format(fh.read(4096)) in ("html", "text")
        except OSError:
            return True  # _analyse meets the same error and records it

    def _analyse(self, job: _Job, row: dict[str, Any]) -> None:
        """Runs in the analysis thread: read the stored page (at most --max-page-size) and find its links."""
        data = (self.out_dir / row["path"]).read_bytes()
        row["format"] = detect_format(data)
        if row["format"] != "html":
            return
        base = row["final_url"] or job.url
        if job.role == "listing":
            listing = analyse_listing(data, base, row["charset"])
            reports = listing.reports
            if len(reports) > self.max_links:
                row["links_dropped"] = len(reports) - self.max_links
                self.notes.append(f"{job.url}: {len(reports)} report links; the first {self.max_links} followed "
                                  "(--max-links)")
                reports = reports[: self.max_links]
            row["listing"] = {"reports": reports, "next_pages": listing.next_pages[: self.max_links]}
        else:
            page = analyse_page(data, base, row["charset"])
            summary = page.summary()
            reports = [a for a in summary["attachments"] if a["report"]]
            if len(reports) > self.max_links:
                row["links_dropped"] = len(reports) - self.max_links
                self.notes.append(f"{job.url}: {len(reports)} report attachments; the first {self.max_links} "
                                  "followed (--max-links)")
                keep = {a["url"] for a in reports[: self.max_links]}
                summary["attachments"] = [a for a in summary["attachments"] if not a["report"] or a["url"] in keep]
            row["page"] = summary
            row["status"] = page.status

    def _children(self, job: _Job, row: dict[str, Any]) -> None:
        if row.get("status") not in OK_STATUSES:
            return
        if "listing" in row:
            for rep in row["listing"]["reports"][: self.max_links]:
                self.add(_Job(rep["url"], "page", job.url, job.source,
                              {**job.meta, "listing_title": rep["title"], "listing_date": rep["date"]}))
            for nxt in row["listing"]["next_pages"][: self.max_links]:
                self.add(_Job(nxt, "listing", job.url, job.source, job.meta, job.page_no + 1))
        page = row.get("page")
        if not page:
            return
        if page.get("redirect_to"):
            nxt_job = _Job(page["redirect_to"], job.role, job.url, job.source, job.meta, job.page_no, job.hops + 1)
            if nxt_job.hops > MAX_REDIRECTS:
                nxt_job.refuse = ("redirect_limit", f"more than {MAX_REDIRECTS} meta-refresh or JavaScript "
                                                    "redirect pages in a row; not followed")
            self.add(nxt_job)
        for att in [a for a in page["attachments"] if a["report"]][: self.max_links]:
            self.add(_Job(att["url"], "attachment", job.url, job.source, {"link_text": att["text"]}))
        if row["status"] == "images_only":
            for img in page["images"][:MAX_IMAGES_PER_PAGE]:
                self.add(_Job(img, "image", job.url, job.source))


STALE_TEMP = ("*.images.tmp", "*.joined.tmp", ".reports.csv.tmp")  # written under these names, then renamed


def clean_partials(out_dir: Path) -> None:
    """Remove downloads and files a killed run left half-written (call it holding the folder's lock)."""
    partial = out_dir / PARTIAL_DIR
    if partial.is_dir() and not partial.is_symlink():
        shutil.rmtree(partial, ignore_errors=True)
    elif partial.exists() or partial.is_symlink():
        partial.unlink(missing_ok=True)
    for pattern in STALE_TEMP:
        for path in out_dir.glob(pattern):
            path.unlink(missing_ok=True)


def run_sync(coro_factory: Callable[[], Any]) -> Any:
    """Run a coroutine to completion, also from inside a running event loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
