"""Raw files on disk, named by the SHA-256 of their content; names from the web are only metadata."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..readers.detect import detect_format

# Extensions a stored file may get; anything else is stored as .bin.
SAFE_EXTENSIONS = {
    "pdf", "doc", "docx", "wps", "ofd", "zip", "rar", "7z", "xls", "xlsx", "et", "html", "htm", "txt",
    "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp",
}
_FORMAT_EXT = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "ofd": "ofd", "doc": "doc", "xls": "xls", "zip": "zip",
               "html": "html", "text": "txt"}
# Content that settles the extension whatever the name says; an OLE2 file keeps a name that is one
# of its family (a WPS .wps is a .doc inside, a WPS .et an .xls).
_CONTENT_DECIDES = ("pdf", "docx", "xlsx", "ofd", "html")
_FAMILY = {"doc": ("doc", "wps"), "xls": ("xls", "et")}
_WHOLE_FILE_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip, OLE2
_IMAGE_EXT = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"GIF8": "gif", b"BM": "bmp"}
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
PARTIAL_DIR = ".partial"


def sanitize_filename(name: str | None, *, max_len: int = 150) -> str:
    """Reduce a name from a URL or Content-Disposition to a bare, harmless file name ('' if nothing is left)."""
    if not name:
        return ""
    name = unicodedata.normalize("NFC", unquote(name))
    name = name.replace("\\", "/").split("/")[-1]  # last path component only: no ../, no absolute paths
    name = _UNSAFE_CHARS.sub("_", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if name in ("", ".", ".."):
        return ""
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: max_len - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else name[:max_len]
    return name


def filename_from_url(url: str) -> str:
    """The sanitised last path segment of ``url`` (or a filename= query value), '' when none."""
    parts = urlsplit(url)
    for key in ("filename", "fileName", "file", "name"):
        m = re.search(rf"(?:^|&){key}=([^&]+)", parts.query)
        if m and "." in m.group(1):
            return sanitize_filename(m.group(1))
    return sanitize_filename(parts.path.rsplit("/", 1)[-1])


def detect_stored(path: Path) -> str:
    """``detect_format`` of a stored file. A zip (.docx, .xlsx, OFD) is told by its central directory
    at the end and an OLE2 file (.doc, .xls, .et) by its directory anywhere in it, so those are read
    whole (a download is at most --max-size); anything else by its first 64 KB."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
        if head.startswith(_WHOLE_FILE_MAGIC):
            head += fh.read()
    return detect_format(head)


def extension_for(data_head: bytes, filename: str, content_type: str | None, fmt: str | None = None) -> str:
    """Choose a stored file's extension: from the content when it settles it, else from the name
    when it is a known one, else from the content. ``fmt`` is the whole file's format
    (``detect_stored``) when known: ``data_head`` alone cannot tell a large zip's kind."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    fmt = fmt or detect_format(data_head)
    if fmt == "image":
        for magic, image_ext in _IMAGE_EXT.items():
            if data_head.startswith(magic):
                return image_ext
        return ext if ext in SAFE_EXTENSIONS else "img"
    if fmt in _CONTENT_DECIDES:
        return _FORMAT_EXT[fmt]
    if fmt in _FAMILY:
        return ext if ext in _FAMILY[fmt] else _FORMAT_EXT[fmt]
    if ext in SAFE_EXTENSIONS:
        return ext
    if fmt in _FORMAT_EXT:
        return _FORMAT_EXT[fmt]
    return "bin"


class PartialFile:
    """A download in progress: bytes go to ``DIR/.partial/``, hashed as they arrive; ``commit`` renames."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        partial = out_dir / PARTIAL_DIR
        partial.mkdir(parents=True, exist_ok=True)
        self.tmp_path = partial / f"{secrets.token_hex(8)}.part"
        self._fh = open(self.tmp_path, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write(self, chunk: bytes) -> None:
        if len(self.head) < 4096:
            self.head += chunk[: 4096 - len(self.head)]
        self._fh.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def detect(self) -> str:
        """The format of what was written so far, the whole file read where its kind needs it."""
        self._fh.flush()
        return detect_stored(self.tmp_path)

    def commit(self, ext: str) -> tuple[str, str]:
        """Flush, fsync and move into place as ``<sha256>.<ext>``; return (sha256, file name)."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        digest = self._hash.hexdigest()
        name = f"{digest}.{ext}"
        final = self.out_dir / name
        if final.exists() and final.stat().st_size == self.size:
            self.tmp_path.unlink(missing_ok=True)  # same content already stored
        else:
            os.replace(self.tmp_path, final)
        return digest, name

    def discard(self) -> None:
        """Drop the partial file; never raises (it runs while another error is on its way)."""
        try:
            if not self._fh.closed:
                self._fh.close()
        except OSError:
            pass
        try:
            self.tmp_path.unlink(missing_ok=True)
        except OSError:
            pass
