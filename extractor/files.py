"""Reading one input safely: a path or bytes to bytes and a printable name, with one clear error
for whatever is not a regular, readable file within the size limit."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Union

from .errors import InputError, LimitExceededError
from .hints import Hints
from .limits import DEFAULT_LIMITS
from .names import display_name

Source = Union[str, os.PathLike, bytes]


def with_base_dir(source: object, hints: Hints | None) -> Hints | None:
    """``hints`` with ``base_dir`` set to a path input's folder (an HTML page's pictures lie beside
    it); unchanged for bytes or when already set."""
    if isinstance(source, (str, os.PathLike)) and not (hints and hints.base_dir):
        return replace(hints or Hints(), base_dir=str(Path(os.fsdecode(source)).parent))
    return hints


# A saved web page keeps its pictures in a folder beside it: Word's report.files/, a browser's report_files/.
PAGE_FOLDER_SUFFIXES = (".files", "_files")
SAVED_PAGE_EXTENSIONS = (".htm", ".html", ".mht")


def with_page_files(path: str | os.PathLike, hints: Hints | None, max_bytes: int) -> Hints | None:
    """``hints`` with a saved page's picture folder (``report.files/`` beside ``report.htm``) read
    into ``Hints.files``, for a worker that reads the page away from its folder (``--engine
    dask``); unchanged for any other input. At most ``max_bytes`` in all: a picture past that is
    left behind, and named as not read like any picture that cannot be had."""
    page = Path(os.fsdecode(path))
    if page.suffix.lower() not in SAVED_PAGE_EXTENSIONS:
        return hints
    files: list[tuple[str, bytes]] = []
    total = 0
    for suffix in PAGE_FOLDER_SUFFIXES:
        folder = page.parent / (page.stem + suffix)
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir()):
            try:
                size = f.stat().st_size
                if not f.is_file() or total + size > max_bytes:
                    continue
                files.append((f"{folder.name}/{f.name}", f.read_bytes()))
                total += size
            except OSError:
                continue  # unreadable: named as not read when the page refers to it
    return replace(hints or Hints(), files=tuple(files)) if files else hints


def check_source(source: object) -> None:
    """Refuse, in one line, what is neither a file path nor bytes: ``extract(None)``, ``extract(5)``,
    or a report's content passed as ``str`` (it would be taken for a file name)."""
    if isinstance(source, (bytes, bytearray, os.PathLike)):
        return
    if isinstance(source, str):
        if len(source) > 4096 or (("\n" in source or "\r" in source) and not os.path.isfile(source)):
            raise InputError(f"a str of {len(source)} characters that is not a file path was given; pass a "
                             "report's content as bytes (e.g. text.encode('utf-8'))")
        return
    raise InputError(f"the source must be a file path or bytes, not {type(source).__name__}")


# What a path is when it is not a regular file: reading it would hang (FIFO) or never end (/dev/zero).
_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "not a file")


def load(source: Source, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Bytes and a display name for a path or raw bytes, with clear errors.

    Only regular files are read (a FIFO or a device is refused before it is opened); the display
    name has undecodable bytes and control characters escaped (``extractor.names``).
    ``max_bytes`` defaults to ``Limits().max_file_bytes``."""
    max_bytes = DEFAULT_LIMITS.max_file_bytes if max_bytes is None else max_bytes
    check_source(source)
    if isinstance(source, (bytes, bytearray)):
        if len(source) > max_bytes:
            raise LimitExceededError(f"<bytes>: input is {len(source)} bytes, over the {max_bytes}-byte limit")
        return bytes(source), "<bytes>"
    path = Path(source)
    shown = display_name(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{shown}: no such file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    except ValueError:  # an embedded NUL
        raise InputError(f"{shown}: not a valid file name") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown}: is a directory")
    kind = not_regular(info.st_mode)
    if kind:
        raise InputError(f"{shown}: not a regular file ({kind})")
    if info.st_size > max_bytes:
        raise LimitExceededError(f"{shown}: file is {info.st_size} bytes, over the {max_bytes}-byte limit")
    try:  # O_NONBLOCK: a FIFO swapped in after the check above cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            kind = not_regular(os.fstat(fh.fileno()).st_mode)
            if kind:
                raise InputError(f"{shown}: not a regular file ({kind})")
            data = _read_upto(fh, info.st_size, max_bytes)
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # it grew after the size check
        raise LimitExceededError(f"{shown}: file is over the {max_bytes}-byte limit")
    return data, shown


def _read_upto(fh, size: int, max_bytes: int) -> bytes:
    """The file's bytes, at most ``max_bytes + 1`` (one more says it is over the limit).

    Asked for its size as stat gave it, plus one: ``read(max_bytes + 1)`` would allocate the whole
    limit (200 MB) for every file, however small. A file that grew since, or that stat calls empty
    (/proc), is read on in chunks up to the limit."""
    want = min(size, max_bytes) + 1
    data = fh.read(want)
    if len(data) < want or len(data) > max_bytes:
        return data
    parts, total = [data], len(data)
    while total <= max_bytes:
        chunk = fh.read(min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)
