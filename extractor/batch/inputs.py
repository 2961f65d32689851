"""What a batch run works on: files, folders walked recursively, and fetcher manifests."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..files import not_regular
from ..names import display_name
from ..hints import NO_HINTS, Hints
from .walk import iter_inputs

MANIFEST_NAME = "manifest.jsonl"


@dataclass
class Input:
    """One input: the local file and the name it is recorded under (its path as printable text, or
    its URL); ``position`` is its place in the run's input list."""

    path: Path
    source: str
    hints: Hints = NO_HINTS  # e.g. the date of the article page a fetched attachment hung from
    sha256: str | None = None
    error_type: str | None = None
    error: str | None = None
    position: int = -1


def manifest_support() -> bool:
    """Whether the fetcher (``extractor.fetch.choose_reports``) is installed."""
    try:
        from ..fetch import choose_reports  # noqa: F401
    except ImportError:
        return False
    return True


def _manifest_inputs(manifest: Path) -> list[Input]:
    if not manifest_support():
        raise InputError(f"{manifest}: reading fetcher manifests needs extractor.fetch, not installed")
    from ..fetch import choose_reports

    return [Input(Path(e["path"]), display_name(e["file_url"] or e["path"]),
                  Hints(published=e.get("page_date")) if e.get("page_date") else NO_HINTS)
            for e in choose_reports(manifest.parent) if e["path"] is not None]


def collect_inputs(paths: Iterable[str | Path]) -> list[Input]:
    """Files named, files under folders named (sorted), and the report files a manifest.jsonl lists."""
    out: list[Input] = []
    for p in paths:
        path = Path(p)
        if path.is_file() and path.name == MANIFEST_NAME:
            out.extend(_manifest_inputs(path))
        else:
            out.extend(Input(f, display_name(f)) for f in iter_inputs([path]))
    for i, x in enumerate(out):
        x.position = i
    return out


def hash_input(item: Input, max_bytes: int) -> Input:
    """Fill in ``sha256`` (or the reason the file cannot be read) without loading it whole.

    Only regular files are read: a FIFO would block the run and a device never end."""
    try:
        try:
            info = item.path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise InputError(f"{item.source}: no such file") from None
        if not_regular(info.st_mode):
            raise InputError(f"{item.source}: not a regular file ({not_regular(info.st_mode)})")
        if info.st_size > max_bytes:
            raise InputError(f"{item.source}: file is {info.st_size} bytes, over the {max_bytes}-byte limit")
        h = hashlib.sha256()
        fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            kind = not_regular(os.fstat(fh.fileno()).st_mode)
            if kind:
                raise InputError(f"{item.source}: not a regular file ({kind})")
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        item.sha256 = h.hexdigest()
    except InputError as exc:
        item.error_type, item.error = type(exc).__name__, str(exc)
    except OSError as exc:
        item.error_type, item.error = "InputError", f"{item.source}: cannot read ({exc.strerror or exc})"
    return item
