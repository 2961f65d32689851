"""The small CSV tables a researcher writes by hand (corrections, agency ids): read as UTF-8 (a
BOM allowed, as Excel writes it), the header checked, blank lines skipped, each row numbered by
its line in the file so that an error can name it."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterator, Union

from .errors import InputError


def read_text(path: Union[str, os.PathLike], what: str) -> str:
    """The file's text; one ``InputError`` line when it cannot be read or is not UTF-8."""
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{p}: cannot read the {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: the {what} is not UTF-8 text") from None


def rows(text: str, header: tuple[str, ...], source: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank row after a header that starts with ``header``."""
    reader = csv.reader(io.StringIO(text))
    first = [h.strip().lower() for h in next(reader, [])]
    if first[:len(header)] != list(header):
        raise InputError(f"{source}: the first line must be the header {','.join(header)}")
    for n, fields in enumerate(reader, start=2):
        if any(f.strip() for f in fields):
            yield n, fields
