"""An exclusive lock on an output folder: two runs writing one folder would mix their results
(a batch's dataset, a crawl's manifest and half-written downloads).

The lock is an OS lock (``flock``) on ``OUT/.extract.lock``, so it ends with the process that
holds it, however that process ends: a killed run leaves no stale lock behind (only the file, which
the next run takes over). The file holds the holder's pid and host, which the refusal names; a run
that ends removes it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import InputError
from .names import display_name

LOCK_NAME = ".extract.lock"

try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True


class FolderLock:
    """``with FolderLock(out, "--out"):`` holds ``out`` for this run, or raises an ``InputError``
    naming the run that holds it (``option`` is what the user would change: ``--out``)."""

    def __init__(self, folder: str | Path, option: str = "--out") -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.option = option
        self.fd: int | None = None

    def acquire(self) -> None:
        shown = display_name(self.folder)
        for _ in range(20):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(f"{shown}: cannot create the lock file {LOCK_NAME} ({exc.strerror or exc})") from None
            try:
                locked = _try_lock(fd)
            except OSError as exc:  # a file system without locks: say so rather than run unprotected silently
                os.close(fd)
                raise InputError(f"{shown}: cannot lock the folder ({exc.strerror or exc})") from None
            if not locked:
                holder = _holder(fd)
                os.close(fd)
                raise InputError(f"{shown}: in use by another run ({holder}); wait for it to finish or choose "
                                 f"another {self.option}")
            if _same_file(fd, self.path):
                break
            os.close(fd)  # the holder removed the file as it finished: lock the one there now
        else:  # pragma: no cover - twenty runs finishing in a row under our feet
            raise InputError(f"{shown}: cannot lock the folder (its lock file keeps changing)")
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        info = f"pid {os.getpid()} on {socket.gethostname()}, started {started}\n".encode()
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 1, os.SEEK_SET)
            os.write(fd, info)
        except OSError:
            pass  # the lock holds without the note; a refused run then names no pid
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            try:
                self.path.unlink()  # while still locked: a run that opened it meanwhile sees it gone and retries
            except OSError:
                pass
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    """Whether the locked descriptor is still the file at ``path`` (not one removed by its last holder)."""
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _holder(fd: int) -> str:
    """The holder's note (byte 0 is the one locked on Windows; the note starts after it)."""
    try:
        os.lseek(fd, 1, os.SEEK_SET)
        text = os.read(fd, 400).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return display_name(text) if text else "pid unknown"
