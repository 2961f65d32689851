"""The library's one error family; the CLI turns any of these into one line on stderr."""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class: every error the library raises on bad input is one of these."""

    exit_code = 1


class InputError(ExtractorError):
    """The input cannot be opened: missing, empty, unreadable, too large."""

    exit_code = 2


class UnsupportedFormatError(InputError):
    """The content is of a type no reader handles (decided by content, not extension)."""


class NotAReportError(ExtractorError):
    """The document was read but is not a government-information-disclosure annual report."""

    exit_code = 3


class NoTextLayerError(ExtractorError):
    """A PDF (or pages of it) has no usable text layer: scanned, or a font with no Unicode map."""

    exit_code = 4


class MissingDependencyError(ExtractorError):
    """An optional tool or extra is needed (LibreOffice for .doc, the ocr extra for scans)."""

    exit_code = 5


class LimitExceededError(InputError):
    """A configured safety limit was hit (size, pages, nesting, decompressed size)."""
