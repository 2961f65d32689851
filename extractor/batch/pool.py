"""A process pool with what a long batch needs and ``multiprocessing.Pool`` lacks (Python 3.10+):
a per-file timeout that kills the worker, replacement of workers that die, and recycling of each
worker after ``max_tasks`` files so memory stays flat."""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable

from ..limits import Limits
from ..hints import Hints
from .task import Task, crash_rows, safe_call, timeout_rows

Job = tuple[Any, str, str, Hints]  # (key, path, name, hints)
OnResult = Callable[[Any, str, dict], None]  # (key, name, rows)


def _context() -> mp.context.ForkServerContext | mp.context.SpawnContext:
    """forkserver where available (fast, no inherited threads or handles), else spawn."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["extractor.batch.task"])
        return ctx
    return mp.get_context("spawn")


def _worker(conn: Connection, task: Task, limits: Limits, max_tasks: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from ..quiet import quiet_libraries

    quiet_libraries()
    done = 0
    while max_tasks is None or done < max_tasks:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        key, path, name, hints = job
        rows = safe_call(task, path, name, limits, hints)
        try:
            conn.send((key, rows))
        except (OSError, ValueError):
            return
        done += 1


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    job: Job | None = None
    started: float = 0.0
    done: int = 0


class LocalPool:
    """Run ``task`` on jobs in ``jobs`` worker processes; results are passed to ``on_result`` in the
    parent as they complete (in completion order)."""

    def __init__(self, task: Task, jobs: int, *, limits: Limits, timeout: float | None = 120.0,
                 max_tasks: int | None = 200) -> None:
        self.task, self.jobs, self.timeout, self.max_tasks = task, max(1, jobs), timeout, max_tasks
        self.limits = limits
        self.ctx = _context()
        self.slots: list[_Slot] = []

    def _start(self) -> _Slot:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, self.task, self.limits, self.max_tasks), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def _stop(self, slot: _Slot, kill: bool) -> None:
        if kill:
            slot.proc.kill()
        slot.proc.join(5)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join()
        slot.conn.close()

    def run(self, jobs: Iterable[Job], on_result: OnResult) -> None:
        queue = deque(jobs)
        n = min(self.jobs, len(queue))
        self.slots = [self._start() for _ in range(n)]
        try:
            while True:
                for i in range(len(self.slots)):
                    if self.slots[i].job is None and queue:
                        self._dispatch(i, queue)
                busy = [s for s in self.slots if s.job is not None]
                if not busy:
                    return
                ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], self._wait_time(busy)))
                for i, slot in enumerate(self.slots):
                    if slot.job is None:
                        continue
                    key, _, name, _ = slot.job
                    if slot.conn in ready:
                        try:
                            _, rows = slot.conn.recv()
                        except (EOFError, OSError):  # died while sending
                            self._replace(i, kill=True)
                            on_result(key, name, crash_rows(name, slot.proc.exitcode))
                            continue
                        slot.job, slot.done = None, slot.done + 1
                        if self.max_tasks is not None and slot.done >= self.max_tasks:
                            self._replace(i, kill=False)  # it exits by itself: recycle
                        on_result(key, name, rows)
                    elif slot.proc.sentinel in ready:
                        self._replace(i, kill=True)
                        on_result(key, name, crash_rows(name, slot.proc.exitcode))
                    elif self.timeout is not None and time.monotonic() - slot.started > self.timeout:
                        self._replace(i, kill=True)
                        on_result(key, name, timeout_rows(name, self.timeout))
        finally:
            self.close()

    def _dispatch(self, i: int, queue: deque) -> None:
        """Send the next job to idle worker ``i``; a worker found dead is replaced first."""
        job = queue.popleft()
        for _ in range(2):
            slot = self.slots[i]
            try:
                slot.conn.send(job)
            except OSError:  # it died while idle: a fresh one takes the job
                self._replace(i, kill=True)
                continue
            slot.job, slot.started = job, time.monotonic()
            return
        queue.appendleft(job)
        raise RuntimeError("worker processes die as soon as they start")

    def _replace(self, i: int, kill: bool) -> None:
        self._stop(self.slots[i], kill)
        self.slots[i] = self._start()

    def _wait_time(self, busy: list[_Slot]) -> float | None:
        if self.timeout is None:
            return None
        now = time.monotonic()
        return max(0.0, min(s.started + self.timeout - now for s in busy)) + 0.01

    def close(self) -> None:
        """Stop every worker (those busy are killed: their files stay not done)."""
        for slot in self.slots:
            if slot.proc.is_alive() and slot.job is None:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
            self._stop(slot, kill=slot.job is not None)
        self.slots = []
