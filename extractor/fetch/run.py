"""The crawl: a queue of URLs worked by bounded concurrency, each ending as a manifest row."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..readers.detect import detect_format
from .article import analyse_page
from .client import Client
from .discover import analyse_listing
from .manifest import MANIFEST_NAME, OK_STATUSES, Manifest, latest_rows, read_manifest
from .storage import PARTIAL_DIR

MAX_IMAGES_PER_PAGE = 200


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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Crawl:
    """Work the queue; every job appends exactly one manifest row (or is skipped as already done)."""

    def __init__(self, out_dir: Path, client: Client, *, concurrency: int, refresh: bool, max_pages: int,
                 on_progress: Callable[[int, int, str], None] | None = None) -> None:
        self.out_dir = out_dir
        self.client = client
        self.concurrency = max(1, concurrency)
        self.refresh = refresh
        self.max_pages = max_pages
        self.manifest = Manifest(out_dir / MANIFEST_NAME)
        self.done = latest_rows(read_manifest(self.manifest.path))
        self.results: list[FetchResult] = []
        self.seen: set[str] = set()
        self.queue: asyncio.Queue[_Job] = asyncio.Queue()
        self.on_progress = on_progress
        self.total = 0

    def add(self, job: _Job) -> None:
        key = job.url.strip()
        if key in self.seen:
            return
        self.seen.add(key)
        job.url = key
        self.total += 1
        self.queue.put_nowait(job)
        self._progress("")

    def _progress(self, url: str) -> None:
        if self.on_progress:
            self.on_progress(len(self.results), self.total, url)

    async def run(self) -> list[FetchResult]:
        workers = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        try:
            await self.queue.join()
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.manifest.close()
        return self.results

    async def _worker(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self._handle(job)
            finally:
                self.queue.task_done()

    def _already_done(self, url: str) -> dict[str, Any] | None:
        prev = self.done.get(url)
        if self.refresh or prev is None or prev.get("status") not in OK_STATUSES:
            return None
        if prev.get("path") and not (self.out_dir / prev["path"]).exists():
            return None  # the file went missing: fetch again
        return prev

    async def _handle(self, job: _Job) -> None:
        prev = self._already_done(job.url)
        if prev is not None:
            self.results.append(FetchResult(prev, skipped=True))
            self._children(job, prev)
            self._progress(job.url)
            return
        dl = await self.client.download(job.url)
        row: dict[str, Any] = {
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
        if dl.reason is None and job.role in ("page", "listing"):
            self._analyse(job, row)
        self.manifest.append(row)
        self.results.append(FetchResult(row))
        self._children(job, row)
        self._progress(job.url)

    def _analyse(self, job: _Job, row: dict[str, Any]) -> None:
        data = (self.out_dir / row["path"]).read_bytes()
        row["format"] = detect_format(data)
        if row["format"] != "html":
            return
        base = row["final_url"] or job.url
        if job.role == "listing":
            listing = analyse_listing(data, base, row["charset"])
            row["listing"] = {"reports": listing.reports, "next_pages": listing.next_pages}
        else:
            page = analyse_page(data, base, row["charset"])
            row["page"] = page.summary()
            row["status"] = page.status

    def _children(self, job: _Job, row: dict[str, Any]) -> None:
        if row.get("status") not in OK_STATUSES:
            return
        if "listing" in row:
            for rep in row["listing"]["reports"]:
                self.add(_Job(rep["url"], "page", job.url, job.source,
                              {**job.meta, "listing_title": rep["title"], "listing_date": rep["date"]}))
            if job.page_no < self.max_pages:
                for nxt in row["listing"]["next_pages"]:
                    self.add(_Job(nxt, "listing", job.url, job.source, job.meta, job.page_no + 1))
        page = row.get("page")
        if not page:
            return
        if page.get("redirect_to"):
            self.add(_Job(page["redirect_to"], job.role, job.url, job.source, job.meta))
        for att in page["attachments"]:
            if att["report"]:
                self.add(_Job(att["url"], "attachment", job.url, job.source, {"link_text": att["text"]}))
        if row["status"] == "images_only":
            for img in page["images"][:MAX_IMAGES_PER_PAGE]:
                self.add(_Job(img, "image", job.url, job.source))


def clean_partials(out_dir: Path) -> None:
    """Remove downloads a killed run left half-written."""
    shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)


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
