"""The work done for one file, in a worker: extract it and return its rows, never raise."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Union

from ..version import __version__
from ..dataset import error_rows, report_rows
from ..errors import ExtractorError
from ..extraction import report_from_bytes
from ..files import load, with_base_dir
from ..limits import DEFAULT_LIMITS, Limits
from ..hints import NO_HINTS, Hints

# task(source, name, limits, hints) -> rows: the per-file work, given everything it needs explicitly
Task = Callable[[Union[str, bytes], str, Limits, Hints], dict]
TIMEOUT = "Timeout"
CRASH = "WorkerCrashed"


def named(name: str, message: str) -> str:
    """``message`` with the input's name in front, unless it already names it."""
    return message if name in message else f"{name}: {message}"


def extract_rows(source: Union[str, bytes], name: str, limits: Limits = DEFAULT_LIMITS,
                 hints: Hints = NO_HINTS) -> dict[str, Any]:
    """The rows of one input (a path, or its bytes) for every table, or its error rows, read
    within ``limits`` with the ``hints`` its run knows (e.g. the date of the page it came from).

    The rows say what was read: ``read_sha256``, the hash of the bytes actually extracted (the file
    may have changed since the run hashed it), or ``unread`` when the file could not be read at all."""
    try:
        data, _ = load(source, max_bytes=limits.max_file_bytes)
    except ExtractorError as exc:
        rows = error_rows(type(exc).__name__, named(name, str(exc)), None, __version__)
        rows["unread"] = True
        return rows
    sha = hashlib.sha256(data).hexdigest()
    try:
        report = report_from_bytes(data, name=name, limits=limits, hints=with_base_dir(source, hints))
    except ExtractorError as exc:
        rows = error_rows(type(exc).__name__, named(name, str(exc)), None, __version__)
    except Exception as exc:  # noqa: BLE001 - a bug of ours on one file must not stop the run
        rows = error_rows(type(exc).__name__, f"{name}: internal error ({type(exc).__name__}: {exc})",
                          None, __version__)
    else:
        rows = report_rows(report)
    rows["read_sha256"] = sha
    return rows


def safe_call(task: Task, source: Union[str, bytes], name: str, limits: Limits, hints: Hints) -> dict[str, Any]:
    """Run a (possibly replaced) task; whatever it raises becomes the file's error rows."""
    try:
        return task(source, name, limits, hints)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return error_rows(type(exc).__name__, f"{name}: internal error ({type(exc).__name__}: {exc})",
                          None, __version__)


def timeout_rows(name: str, seconds: float) -> dict[str, Any]:
    """The error rows of a file whose extraction was stopped after ``seconds``."""
    return error_rows(TIMEOUT, f"{name}: timed out after {seconds:g} s", None, __version__)


def crash_rows(name: str, exitcode: Any) -> dict[str, Any]:
    """The error rows of a file whose worker died while extracting it."""
    return error_rows(CRASH, f"{name}: the worker process died (exit code {exitcode})", None, __version__)
