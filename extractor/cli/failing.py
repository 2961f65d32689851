"""The one place a failure reaches the terminal: one line on stderr, then a non-zero exit."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, NoReturn

import typer

from ..errors import ExtractorError


def fail(message: str, code: int) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


@contextmanager
def one_line_errors(writing: str) -> Iterator[None]:
    """Bad input (an ``ExtractorError``) or a failed write of ``writing`` as one line, no traceback."""
    try:
        yield
    except ExtractorError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"cannot write {writing}: {exc}", 2)
