"""Every safety limit in one place, so a hostile or broken file cannot hang a run or eat memory.

>>> from extractor.limits import Limits
>>> extractor.extract("big.pdf", limits=Limits(max_pdf_pages=2000))   # doctest: +SKIP

Limits travel explicitly: the CLI builds one ``Limits`` from its options and passes it to
``extract``/``run_batch``, the batch runner hands it to every worker with each file, and
``read_document`` hands it to every reader (and to OCR). ``None`` anywhere means ``Limits()``;
there is no process-wide default to change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Safety limits; each is a hard ceiling that raises ``LimitExceededError`` when crossed,
    except ``max_cell_chars``, which truncates the cell and adds a warning."""

    max_file_bytes: int = 200 * MB  # any input file (api.load, batch hashing)
    max_pdf_pages: int = 500  # pages of one PDF analysed; longer files are refused
    max_docx_bytes: int = 200 * MB  # total declared uncompressed size of a .docx package (zip bomb)
    max_docx_entries: int = 10_000  # parts in a .docx package
    max_html_depth: int = 400  # element nesting in an HTML page
    max_text_bytes: int = 20 * MB  # a text or HTML input (decoded whole, then split into lines/elements)
    max_blocks: int = 100_000  # paragraphs + tables of one document (a long report has ~2,000)
    max_table_cells: int = 250_000  # grid positions of one table after spans are expanded
    max_cell_chars: int = 20_000  # text of one table cell; longer text is cut and flagged
    timeout_s: float = 120.0  # seconds one file may take in a batch run
    max_ocr_pages: int = 60  # pages of one scan OCR'd (ocr extra; ~10 s a page); 0 turns OCR off

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            floor_ok = value >= 0 if f.name == "max_ocr_pages" else value > 0
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not floor_ok:
                raise ValueError(f"Limits.{f.name} must be a positive number, not {value!r}")

    def with_(self, **changes: Any) -> "Limits":
        """A copy with some limits changed (None values are ignored, as from unset CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


DEFAULT_LIMITS = Limits()  # immutable: the built-in defaults, also shown in the CLI's --help


def resolve(limits: Limits | None) -> Limits:
    """``limits`` itself, or the built-in defaults when None."""
    return limits if limits is not None else DEFAULT_LIMITS
