"""Pictures inside a document — a table pasted into Word as a screenshot or a scan — read by OCR.

A picture is one page image to the OCR reader (deskew, ruled grids, recognition, layout); its
blocks come back with provenance pointing at the picture: ``path`` is the picture's own path in
the document plus ``/tbl[k]/tr[r]/tc[c]`` (grid row and column of the cell's top-left) or
``/p[k]``, ``bbox`` is in the picture's pixels (as decoded: EXIF orientation applied, scaled down
at the size ``render.fit`` reads it), ``source`` is ``"ocr"`` with the recogniser's confidence, and
there is no page. Decoding is bounded: the pixel count is read from the header
and a picture over ``MAX_PICTURE_PIXELS`` is refused before its pixels are inflated.

Importing this module needs nothing beyond the core install (Pillow, numpy and the recogniser are
imported when a picture is measured or read).
"""

from __future__ import annotations

import io
from dataclasses import replace

from ..errors import ExtractorError, InputError, LimitExceededError
from ..model import Block, Document, Paragraph, Table
from ..readers.pictures import NOT_SENT, Picture, image_size, pictures_not_read
from .reader import LOW_CONFIDENCE

MAX_PICTURE_PIXELS = 50_000_000  # ~7000 x 7000: far past any screenshot; a bomb is refused undecoded


def decode_picture(data: bytes, name: str):
    """The picture as a grayscale numpy array (first frame, EXIF orientation applied, transparency
    on white, at the size ``render.fit`` reads it). ``InputError`` when it is not a
    readable image, ``LimitExceededError`` when it has too many pixels to decode."""
    import numpy as np
    from PIL import Image, ImageOps

    from .render import fit
    w, h, fmt = image_size(data, name) or (0, 0, "")
    if fmt in ("WMF", "EMF"):
        raise InputError(f"{name}: a vector picture (EMF/WMF) that cannot be turned into pixels here")
    if w * h > MAX_PICTURE_PIXELS:
        raise LimitExceededError(f"{name}: a picture of {w} x {h} pixels (limit {MAX_PICTURE_PIXELS:,} pixels)")
    try:
        opened = Image.open(io.BytesIO(data))
        opened.seek(0)
        img: Image.Image = ImageOps.exif_transpose(opened)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(white, rgba)
        return np.array(fit(img.convert("L")))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a truncated or damaged image fails only when decoded
        raise InputError(f"{name}: not a readable image ({type(exc).__name__})") from None


def fill(doc: Document, *, max_pictures: int, off: str | None) -> None:
    """Read the pictures a reader left in ``doc.meta['pictures']`` (at most ``max_pictures``;
    ``off``: why none can be) and put their blocks in their places; every picture not read is named
    in a warning with the reason. Replaces the reader's provisional 'not sent to OCR' warning."""
    pending: list[Picture] = doc.meta.pop("pictures", None) or []
    if not pending:
        return
    provisional = pictures_not_read(NOT_SENT, [p.path for p in pending])
    if provisional in doc.warnings:
        doc.warnings.remove(provisional)
    unread: dict[str, list[str]] = {}  # reason -> pictures
    read: list[tuple[Picture, list[Block], dict]] = []
    for k, pic in enumerate(pending):
        if off:
            unread.setdefault(off, []).append(pic.path)
        elif k >= max_pictures:
            unread.setdefault(f"over the limit of {max_pictures} picture{'s' if max_pictures > 1 else ''} to OCR; "
                              "raise it with --max-ocr-pages", []).append(pic.path)
        else:
            try:
                blocks, info = ocr_picture(pic.data, pic.path)
            except ExtractorError as exc:
                unread.setdefault(str(exc).removeprefix(pic.path + ": "), []).append(f"{pic.path} ({pic.part})")
                continue
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - OpenCV/onnxruntime failing on one picture: say so, go on
                unread.setdefault(f"OCR failed: {type(exc).__name__}", []).append(f"{pic.path} ({pic.part})")
                continue
            read.append((pic, blocks, {**info, "part": pic.part}))
    for pic, blocks, _ in reversed(read):  # from the end, so earlier indices stay put
        doc.blocks[pic.at:pic.at] = blocks
    if read:
        low = sum(1 for _, blocks, _ in read for b in blocks if isinstance(b, Table) for row in b.grid for c in row
                  if c is not None and c.provenance.confidence is not None and c.provenance.confidence < LOW_CONFIDENCE)
        doc.meta.update(ocr=True, ocr_engine="rapidocr-onnxruntime", ocr_pictures=[i for _, _, i in read],
                        bbox_units="px", ocr_low_confidence_cells=low,
                        tables=sum(1 for b in doc.blocks if isinstance(b, Table)))
        n = len(read)
        doc.warnings.append(f"ocr: {n} picture{'s' if n > 1 else ''} in the document read by OCR (rapidocr): "
                            f"{', '.join(p.path for p, _, _ in read)}; values carry the recogniser's confidence")
    if unread:
        doc.meta["pictures_not_read"] = [{"path": p, "reason": r} for r, paths in unread.items() for p in paths]
        doc.warnings.extend(pictures_not_read(why, paths) for why, paths in unread.items())


def ocr_picture(data: bytes, name: str) -> tuple[list[Block], dict]:
    """OCR one picture into blocks with provenance under ``name`` (the picture's path), and what
    was measured (size, skew, tables, timings)."""
    from .reader import ocr_page
    from .render import PageImage
    gray = decode_picture(data, name)
    blocks, info = ocr_page(PageImage(1, gray, None))
    info = {"path": name, "size": [int(gray.shape[1]), int(gray.shape[0])],
            **{k: v for k, v in info.items() if k != "page"}}
    return placed(blocks, name), info


def placed(blocks: list[Block], prefix: str) -> list[Block]:
    """The OCR reader's blocks with provenance under ``prefix`` and no page: tables ``tbl[k]``
    with their cells ``tr[r]/tc[c]``, paragraphs ``p[k]``."""
    n_tables = n_paras = 0
    for block in blocks:
        if isinstance(block, Table):
            n_tables += 1
            path = f"{prefix}/tbl[{n_tables}]"
            seen: set[int] = set()
            for r, row in enumerate(block.grid):
                for c, cell in enumerate(row):
                    if cell is None or id(cell) in seen:
                        continue
                    seen.add(id(cell))
                    cell.provenance = replace(cell.provenance, path=f"{path}/tr[{r + 1}]/tc[{c + 1}]", page=None,
                                              bbox=_plain(cell.provenance.bbox))
            block.provenance = replace(block.provenance, path=path, page=None, bbox=_plain(block.provenance.bbox))
        elif isinstance(block, Paragraph):
            n_paras += 1
            block.provenance = replace(block.provenance, path=f"{prefix}/p[{n_paras}]", page=None,
                                       bbox=_plain(block.provenance.bbox))
    return blocks


def _plain(bbox) -> tuple[float, float, float, float] | None:
    """A box of plain floats (the layout's are numpy scalars)."""
    return None if bbox is None else (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
