"""Run the same jobs on a Dask cluster (``distributed``): the client reads each file and ships its
bytes (a saved web page with its picture folder), so workers need no shared file system; results
are committed by the client as they arrive."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Iterable

from ..version import __version__
from ..files import load, with_page_files
from ..dataset import error_rows
from ..errors import ExtractorError, MissingDependencyError
from ..limits import Limits
from ..hints import Hints
from .pool import Job, OnResult
from .task import Task, crash_rows, named, safe_call, timeout_rows


def _remote(task: Task, data: bytes, name: str, limits: Limits, hints: Hints, timeout: float | None) -> dict:
    """Runs on a Dask worker: the task in a thread, given up after ``timeout`` seconds (Dask cannot
    kill a running task, so a hung thread is left behind; the file is recorded as timed out)."""
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(rows=safe_call(task, data, name, limits, hints)), daemon=True)
    thread.start()
    thread.join(timeout)
    if "rows" not in box:
        return timeout_rows(name, timeout or 0)
    return box["rows"]


class DaskEngine:
    """Submit jobs to the scheduler at ``address``, keeping a bounded number in flight."""

    def __init__(self, task: Task, address: str, *, limits: Limits, timeout: float | None = 120.0,
                 in_flight: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependencyError("--engine dask needs the dask extra: pip install 'gov-disclosure-extractor[dask]'") from None
        self.task, self.timeout, self.limits = task, timeout, limits
        try:
            self.client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExtractorError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        threads = sum(self.client.nthreads().values()) or 1
        self.in_flight = in_flight or 4 * threads

    def run(self, jobs: Iterable[Job], on_result: OnResult) -> None:
        from distributed import as_completed

        pending = deque(jobs)
        meta: dict[Any, tuple[Any, str]] = {}
        ac = as_completed(loop=self.client.loop, with_results=False)

        def submit() -> None:
            key, path, name, hints = pending.popleft()
            try:
                data, _ = load(path, max_bytes=self.limits.max_file_bytes)
            except ExtractorError as exc:  # gone or unreadable since it was hashed: this run only
                rows = error_rows(type(exc).__name__, named(name, str(exc)), None, __version__)
                on_result(key, name, {**rows, "unread": True})
                return
            # a saved page's pictures travel with it: the worker reads the page away from its folder
            hints = with_page_files(path, hints, self.limits.max_file_bytes) or hints
            fut = self.client.submit(_remote, self.task, data, name, self.limits, hints, self.timeout, pure=False)
            meta[fut.key] = (key, name)
            ac.add(fut)

        try:
            while pending and ac.count() < self.in_flight:
                submit()
            for fut in ac:
                key, name = meta.pop(fut.key)
                try:
                    rows = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: recorded, the run goes on
                    rows = crash_rows(name, f"{type(exc).__name__}: {exc}")
                fut.release()
                on_result(key, name, rows)
                while pending and ac.count() < self.in_flight:
                    submit()
        finally:
            self.close()

    def close(self) -> None:
        self.client.close()
