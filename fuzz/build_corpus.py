"""Build the seed corpora for the fuzz targets from ``fixtures/``: ``python fuzz/build_corpus.py [OUT]``.

Seeds: every text/HTML/Word/PDF fixture (PDFs under 250 KB, to keep inputs fast), each .docx's
word/document.xml on its own (the docx target wraps bare XML in a minimal package), and a few
hand-made small inputs. Default OUT is fuzz/corpus/ (one folder per target; not committed).
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
DEFAULT_OUT = Path(__file__).resolve().parent / "corpus"
PDF_MAX_BYTES = 250_000

# A one-page PDF with a text line, written by hand (xref offsets computed below).
_PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >>",
    None,  # the content stream
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
_PDF_CONTENT = b"BT /F1 12 Tf 72 760 Td (Annual report 2023: 12 requests, 3 granted) Tj ET\n" \
               b"0.5 w 72 700 m 300 700 l S 72 680 228 40 re S"


def tiny_pdf(content: bytes = _PDF_CONTENT) -> bytes:
    """A minimal valid PDF (one page, one text line, a rule and a box)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(_PDF_OBJECTS, 1):
        offsets.append(len(out))
        if obj is None:
            obj = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


def _files(*patterns: str) -> list[Path]:
    out: list[Path] = []
    for pat in patterns:
        out += [p for p in sorted(FIX.glob(pat)) if p.is_file() and ".expected" not in p.name]
    return out


def seeds() -> dict[str, list[bytes]]:
    """The seed inputs of every target."""
    text = [p.read_bytes() for p in _files("seed/*.txt", "text/*.txt", "series/*.txt")]
    text += ["| 规章 | 2 | 0 | 15 |\n| 规范性文件 | 1 | 1 | 3 |\n".encode(),
             "一、总体情况\n|\n收到申请数\n|\n|\n1,244\n|\n".encode("gb18030")]
    html = [p.read_bytes() for p in _files("html/*.html", "legacy/*.html", "series/*.html",
                                            "web/site/xxgk/ndbg/202401/*.html")]
    docx = [p.read_bytes() for p in _files("docx/*.docx", "series/*.docx")]
    docx += [zipfile.ZipFile(p).read("word/document.xml") for p in _files("docx/*.docx")]
    pdf = [p.read_bytes() for p in _files("pdf/*.pdf", "web/site/**/*.pdf") if p.stat().st_size <= PDF_MAX_BYTES]
    pdf += [tiny_pdf()]
    extract = text[:2] + html[:3] + docx[:1] + [tiny_pdf()] + [min(pdf, key=len)]
    return {"text": text, "html": html, "docx": docx, "pdf": pdf, "extract": extract}


def build(out: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Write each target's seeds to ``out/<target>/<sha1>``; return the folders."""
    dirs = {}
    for target, items in seeds().items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for data in items:
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        dirs[target] = d
    return dirs


if __name__ == "__main__":
    for target, d in build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT).items():
        print(f"{target}: {sum(1 for _ in d.iterdir())} inputs in {d}")
