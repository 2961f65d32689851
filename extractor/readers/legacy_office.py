"""Legacy Word (.doc) and WPS (.wps) files: converted to .docx by LibreOffice, then read as .docx.

Many offices still post OLE2 attachments; no pure-Python reader handles their tables, so the
conversion is delegated to ``soffice`` when it is installed, with one clear message when not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError, LimitExceededError, MissingDependencyError, UnsupportedFormatError
from ..limits import Limits, resolve
from ..model import Document
from .docx import read_docx
from ..hints import Hints

INSTALL_HINT = "install LibreOffice (e.g. `apt-get install libreoffice-writer`) so that `soffice` is on PATH"


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy_office(data: bytes, *, source: str | None = None, hints: Hints | None = None,
                       limits: Limits | None = None) -> Document:
    """Convert an OLE2 Word/WPS file to .docx with LibreOffice and read that."""
    name = source or "input"
    soffice = find_soffice()
    if soffice is None:
        raise MissingDependencyError(f"{name}: reading .doc/.wps files needs LibreOffice: {INSTALL_HINT}")
    limits = resolve(limits)
    if len(data) > limits.max_file_bytes:
        raise LimitExceededError(f"{name}: file is {len(data)} bytes, over the {limits.max_file_bytes}-byte limit")
    converted = convert_to_docx(data, soffice, name, timeout_s=limits.timeout_s)
    doc = read_docx(converted, source=source, hints=hints, limits=limits)
    doc.format = "doc"
    doc.meta["converted_by"] = "soffice"
    return doc


def convert_to_docx(data: bytes, soffice: str, name: str = "input", *, timeout_s: float = 120.0) -> bytes:
    """Run ``soffice --headless --convert-to docx`` in a private temp dir (stopped after ``timeout_s``);
    return the .docx bytes."""
    with tempfile.TemporaryDirectory(prefix="extractor-soffice-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "input.doc"
        src.write_bytes(data)
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = (tmpdir / "profile").as_uri()  # a private profile: no clash with a running office
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(src)]
        env = dict(os.environ, HOME=str(tmpdir))
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, env=env, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise InputError(f"{name}: LibreOffice did not finish converting within {timeout_s:g} s") from None
        except OSError as exc:
            raise MissingDependencyError(f"{name}: could not run LibreOffice ({exc.strerror}); {INSTALL_HINT}") from None
        out = outdir / "input.docx"
        if not out.exists() or out.stat().st_size == 0:
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            why = detail[-1] if detail else f"exit status {proc.returncode}"
            raise UnsupportedFormatError(f"{name}: LibreOffice could not convert this file to .docx ({why})")
        return out.read_bytes()
