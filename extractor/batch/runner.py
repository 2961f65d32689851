"""``run_batch``: inputs → content hashes → what is not done yet → pool or Dask → state database →
dataset files. The dataset is always rebuilt from the database, the one source of truth."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import pandas as pd

from ..version import __version__
from ..corrections import Corrections
from ..mapping.agency import AgencyTable
from ..dataset import Dataset
from ..tables import frame
from ..errors import InputError
from ..export import check_formats, remove_stale_temp, write_chunks
from ..limits import Limits, resolve
from ..names import display_name
from ..outlock import FolderLock
from .inputs import Input, collect_inputs, hash_input
from .progress import BatchProgress
from .state import State, inputs_pending
from .task import Task, extract_rows

if TYPE_CHECKING:
    from .dask_engine import DaskEngine
    from .pool import LocalPool

STATE_NAME = "extract-state.sqlite"
ENGINES = ("local", "dask")
MAX_PASSES = 3  # a pass more for copies of a file that changed while it was read; then give up on it
CHANGED = "FileChanged"


@dataclass
class BatchResult:
    """What a run did: inputs, how many were extracted or failed, this run's share, the files written."""

    out: Path
    total: int
    ok: int
    failed: int
    processed: int  # distinct files extracted by this run
    reused: int = 0  # inputs whose result an earlier run had already stored
    files: list[Path] = field(default_factory=list)
    errors: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)  # corrections that matched nothing


def run_batch(
    paths: Iterable[str | Path],
    out: str | Path,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    limits: Limits | None = None,
    max_tasks_per_worker: int | None = 200,
    retry_failed: bool = False,
    formats: Iterable[str] = ("parquet",),
    engine: str = "local",
    scheduler: str | None = None,
    task: Task = extract_rows,
    progress: bool = True,
    chunk_size: int = 250,
    corrections: Corrections | None = None,
    agencies: AgencyTable | None = None,
) -> BatchResult:
    """Extract every input into the dataset in ``out``, resuming whatever an earlier run finished.

    ``limits`` reach every worker with each file; ``timeout`` (seconds a file may take) defaults to
    ``limits.timeout_s``. ``task(source, name, limits, hints) -> rows`` is the per-file work
    (``extract_rows``); tests may replace it.
    ``corrections`` and the ``agencies`` table are applied when the dataset is written, so a changed
    file needs no re-extraction.
    """
    formats = check_formats(formats)
    limits = resolve(limits)
    timeout = limits.timeout_s if timeout is None else timeout
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if engine == "dask" and not scheduler:
        raise InputError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    inputs = collect_inputs(paths)
    if not inputs:
        raise InputError("no input files found")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{display_name(out)}: cannot create the output folder ({exc.strerror})") from None
    with FolderLock(out, "--out"), State(out / STATE_NAME, __version__) as state:
        remove_stale_temp(out)  # a killed run's half-written dataset files: ours, and the folder is ours now
        inputs = [hash_input(x, limits.max_file_bytes) for x in inputs]
        state.set_inputs(inputs)
        done = state.finished(retry_failed=retry_failed)
        reused = sum(1 for x in inputs if x.sha256 in done)
        todo = inputs_pending(inputs, done)
        processed = 0
        for _ in range(MAX_PASSES):
            if not todo:
                break
            _process(state, inputs, todo, task, limits, engine=engine, scheduler=scheduler,
                     jobs=jobs or os.cpu_count() or 1, timeout=timeout, max_tasks=max_tasks_per_worker,
                     progress=progress)
            processed += len(todo)
            # copies of a file that changed while it was read are still to do under their own hash
            todo = inputs_pending(inputs, state.finished())
        for x in todo:  # still changing after every pass: this run gives up on them, nothing is stored
            state.fail_inputs([x.position], CHANGED, f"{x.source}: the file kept changing while the batch read "
                                                     "it; run again when it is complete")
        files = write_chunks(_finished(state.chunks(chunk_size), corrections, agencies), out, formats)
        counts = state.counts()
        errors = pd.concat([frame("errors", [])] + [ds.errors for ds in state.chunks(chunk_size, only_errors=True)],
                           ignore_index=True)
    warnings = corrections.unmatched() if corrections is not None else []
    return BatchResult(out, len(inputs), counts["ok"], counts["error"] + counts["pending"], processed, reused,
                       files, errors, warnings)


def _finished(chunks: Iterator[Dataset], corrections: Corrections | None,
              agencies: AgencyTable | None) -> Iterator[Dataset]:
    """The stored results with the researcher's corrections and agency ids applied."""
    for ds in chunks:
        if corrections is not None:
            ds.apply_corrections(corrections)
        if agencies is not None:
            ds.apply_agencies(agencies)
        yield ds


def _process(state: State, inputs: list[Input], todo: list[Input], task: Task, limits: Limits, *, engine: str,
             scheduler: str | None, jobs: int, timeout: float | None, max_tasks: int | None,
             progress: bool) -> None:
    runner: DaskEngine | LocalPool
    if engine == "dask":
        from .dask_engine import DaskEngine

        assert scheduler, "run_batch rejects --engine dask without --scheduler before any work"
        runner = DaskEngine(task, scheduler, limits=limits, timeout=timeout)
    else:
        from .pool import LocalPool

        runner = LocalPool(task, jobs, limits=limits, timeout=timeout, max_tasks=max_tasks)
    bar = BatchProgress(len(todo), enabled=progress)

    def done(i: int, name: str, rows: dict) -> None:
        item = todo[i]
        same_file = [x for x in inputs if x.path == item.path]
        if rows.get("unread"):  # the file went away (or became unreadable) after it was hashed
            for x in same_file:
                x.error_type, x.error = rows["report"]["error_type"], rows["report"]["error"]
            state.fail_inputs([x.position for x in same_file], rows["report"]["error_type"], rows["report"]["error"])
        else:
            sha: str = rows.get("read_sha256") or item.sha256 or ""
            if sha != item.sha256:  # changed since it was hashed: the result is the content that was read
                for x in same_file:
                    x.sha256 = sha
                state.rehash([x.position for x in same_file], sha)
            state.commit(sha, name, rows)
        bar.advance(rows["status"] != "ok")

    with bar:
        runner.run([(i, str(x.path), x.source, x.hints) for i, x in enumerate(todo)], done)
