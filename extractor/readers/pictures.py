"""Pictures that may hold a table (a table pasted as a screenshot or a scan), as every reader
hands them on: ``Document.meta['pictures']`` lists ``Picture``s, and ``extractor.reading``
passes such a document to ``extractor.ocr.fill_pictures``, which reads them in their place or
names each one it could not read. Readers never import the OCR package (it sits above them).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from ..errors import InputError, LimitExceededError

# A picture with fewer pixels than this (width, height) holds no table anyone could read: a logo,
# a seal, an icon, an equation.
MIN_PICTURE_PX = (300, 100)
NOT_SENT = "not sent to OCR"  # why pending pictures are not read yet (the reason in their warning)


@dataclass
class Picture:
    """A picture big enough to hold a table, for OCR: ``Document.meta['pictures']`` lists them."""

    path: str  # e.g. body/p[12]/drawing[1]; the blocks read from it get paths under this
    at: int  # index into Document.blocks where its blocks go
    part: str  # the image part, e.g. word/media/image1.png
    size: tuple[int, int] | None  # pixels (None: Pillow is not installed)
    data: bytes = field(repr=False)


def pictures_not_read(reason: str, paths: list[str]) -> str:
    """The warning naming pictures that were not read, and why."""
    n = len(paths)
    shown = ", ".join(paths[:5]) + (f" and {n - 5} more" if n > 5 else "")
    return (f"{n} picture{'s' if n > 1 else ''} in the document {'were' if n > 1 else 'was'} not read ({reason}): "
            f"tables pasted as pictures are missing ({shown})")


def image_size(data: bytes, name: str) -> tuple[int, int, str] | None:
    """(width, height, format) from an image's header, nothing decoded; None when Pillow is not
    installed. ``InputError`` when Pillow cannot identify it (a damaged file, not an image),
    ``LimitExceededError`` for a decompression bomb."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
            return int(w), int(h), str(img.format or "")
    except Image.DecompressionBombError:
        raise LimitExceededError(f"{name}: a picture too large to decode (a decompression bomb)") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on bad bytes
        raise InputError(f"{name}: not a readable image ({type(exc).__name__})") from None
