"""What a caller knows about an input besides its bytes, handed to every reader.

Readers decide the type by content; hints only fill gaps the bytes cannot (a charset an HTTP
server declared, the date printed on the article page an attachment was posted under)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hints:
    """Optional facts about one input; every field may be None."""

    encoding: str | None = None  # the charset a server declared (Content-Type); text and HTML readers
    published: str | None = None  # the 发文日期 of the page an attachment hung from (YYYY-MM-DD)
    base_dir: str | None = None  # the input file's folder: where an HTML page's pictures lie (report.files/…)
    # A saved page's picture folder shipped with its bytes, for a page read away from its folder
    # (a Dask worker): (path relative to the page's folder, e.g. "report.files/image001.png", bytes).
    files: tuple[tuple[str, bytes], ...] | None = None


NO_HINTS = Hints()
