"""Pictures in an HTML page that may hold a table: a Word "Save as Web Page" export writes every
picture beside the page (``report.files/image002.png``), a CMS editor may inline one as a
``data:`` URI. Each big enough to hold a table is handed to OCR like a Word picture
(``readers/pictures.py``); one that cannot be had is named in a warning when its markup says it
is table-sized, so a web page's logos and icons raise no noise.

Files are read only under the page's own folder (``Hints.base_dir``, set when the page is read
from a path): no absolute paths, no ``..`` out of it, no URLs (the fetcher's business).
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import InputError, LimitExceededError
from .pictures import MIN_PICTURE_PX, Picture, image_size, pictures_not_read

_DATA_URI = re.compile(r"data:image/[\w.+-]+(;[\w=.+-]+)*,", re.I)


@dataclass
class FoundImage:
    """An ``<img>`` as the walker meets it."""

    path: str  # e.g. /html/body/div/p[14]/span/img
    at: int  # index into the blocks where its blocks go
    src: str
    width: int | None  # from the markup, when it says
    height: int | None


_LEADING_INT = re.compile(r"\s*(\d+)")


def leading_int(value: str | None) -> int | None:
    """The number an HTML size attribute starts with ('798', ' 3 ', '871px'), as browsers read it."""
    m = _LEADING_INT.match(value or "")
    return int(m.group(1)) if m else None


def found(path: str, at: int, attrib) -> FoundImage:
    return FoundImage(path, at, (attrib.get("src") or "").strip(), leading_int(attrib.get("width")), leading_int(attrib.get("height")))


def _sized_for_a_table(img: FoundImage) -> bool:
    """Whether the markup says the picture is big enough to hold a table (unknown: no)."""
    return bool(img.width and img.height and img.width >= MIN_PICTURE_PX[0] and img.height >= MIN_PICTURE_PX[1])


def _bytes(img: FoundImage, base_dir: str | None, max_bytes: int,
           files: dict[str, bytes] | None = None) -> bytes | str | None:
    """The picture's bytes, or why they cannot be had (str), or None for a picture on the web.
    ``files``: the page's picture folder shipped with it (``Hints.files``), by relative path."""
    src = img.src
    if _DATA_URI.match(src):
        head, _, payload = src.partition(",")
        if ";base64" not in head.lower():
            return "an inline picture not in base64"
        if len(payload) * 3 // 4 > max_bytes:
            return f"an inline picture over the {max_bytes}-byte limit"
        try:
            return base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except (binascii.Error, ValueError):
            return "an inline picture whose base64 is damaged"
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # on the web (or nothing): not ours to fetch
    if base_dir is None and not files:
        return "its file is beside the page, which was read without its folder"
    rel = unquote(parts.path).replace("\\", "/")
    if rel.startswith("/"):
        return "an absolute path, not read"
    if posixpath.normpath(rel).split("/", 1)[0] == "..":
        # out of the folder by its name alone (a CMS page's ../../images/logo.png): no file looked at
        return "a path out of the page's folder, not read"
    if base_dir is None:  # read away from its folder, its picture folder shipped with it
        shipped = files.get(posixpath.normpath(rel)) if files else None
        if shipped is None:
            return "its file is beside the page, which was read without its folder"
        return shipped if len(shipped) <= max_bytes else f"its file is over the {max_bytes}-byte limit"
    base = Path(base_dir).resolve()
    target = (base / rel).resolve()
    try:
        target.relative_to(base)
    except ValueError:
        return "a path out of the page's folder, not read"
    try:
        if not target.is_file():
            return "its file is not beside the page"
        if target.stat().st_size > max_bytes:
            return f"its file is over the {max_bytes}-byte limit"
        return target.read_bytes()
    except OSError as exc:
        return f"its file cannot be read ({exc.strerror or exc})"


def _small_by_markup(img: FoundImage) -> bool:
    """Whether the markup says the picture is too small to hold a table (a logo, an icon)."""
    return bool((img.width and img.width < MIN_PICTURE_PX[0]) or (img.height and img.height < MIN_PICTURE_PX[1]))


def html_pictures(images: list[FoundImage], base_dir: str | None, max_bytes: int,
                  warnings: list[str], files: tuple[tuple[str, bytes], ...] | None = None,
                  elsewhere: list[tuple[int, str]] | None = None) -> list[Picture]:
    """The page's pictures big enough to hold a table, for OCR; those that cannot be had and are
    table-sized by their markup are named in ``warnings``. ``files``: ``Hints.files``.
    ``elsewhere`` gets ``(block index, src)`` of every picture not had whose markup does not say it
    is small (on the web, or not beside the page): named when a table of the template is not found."""
    out: list[Picture] = []
    unread: dict[str, list[str]] = {}
    shipped = dict(files) if files else None
    for img in images:
        data = _bytes(img, base_dir, max_bytes, shipped)
        if data is None or isinstance(data, str):
            if data is not None and (_sized_for_a_table(img) or _DATA_URI.match(img.src)):
                unread.setdefault(data, []).append(img.path)
            elif elsewhere is not None and img.src and not _small_by_markup(img):
                elsewhere.append((img.at, img.src[:200]))
            continue
        try:
            size = image_size(data, img.path)
        except (InputError, LimitExceededError) as exc:
            unread.setdefault(str(exc).removeprefix(img.path + ": "), []).append(img.path)
            continue
        if size is not None and (size[0] < MIN_PICTURE_PX[0] or size[1] < MIN_PICTURE_PX[1]):
            continue  # a logo, an icon, a seal
        part = img.src if not img.src.lower().startswith("data:") else "data: URI"
        out.append(Picture(img.path, img.at, part, size[:2] if size else None, data))
    warnings.extend(pictures_not_read(why, paths) for why, paths in unread.items())
    return out
