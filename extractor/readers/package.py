"""Zip packages (Word .docx, .xlsx workbooks, OFD): opened with the zip-bomb checks every such
reader needs before it inflates anything — the number of parts and their declared total size."""

from __future__ import annotations

import io
import zipfile

from ..errors import InputError, LimitExceededError

MB = 1024 * 1024


def open_package(data: bytes, name: str, what: str, kind: str, *, max_bytes: int,
                 max_entries: int) -> zipfile.ZipFile:
    """The open zip of ``data`` (a ``what`` such as 'Word document', its package named ``kind``
    such as 'Word'), refused with one line when it is no readable zip, has too many parts or would
    unpack too large."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:  # noqa: BLE001 - BadZipFile, NotImplementedError (zip version), ValueError, ...
        raise InputError(f"{name}: not a readable {what} (damaged zip)") from None
    if len(infos) > max_entries:
        zf.close()
        raise LimitExceededError(f"{name}: {kind} package has {len(infos)} parts (limit {max_entries})")
    total = sum(max(i.file_size, 0) for i in infos)
    if total > max_bytes:
        zf.close()
        raise LimitExceededError(f"{name}: {kind} package would unpack to {total // MB} MB (limit {max_bytes // MB} MB)")
    return zf
