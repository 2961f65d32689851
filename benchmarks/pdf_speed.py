"""PDF speed: our extraction vs a naive pdfplumber pass, on the same PDFs in one run.

The baseline opens each PDF and calls extract_text() and extract_tables() on every page.
Ours is ``extractor.extract`` (pdfium reads each page once; tables only on the pages of parts
二–四; mapping and checks included). Default set: every text-layer PDF fixture; ``--typical``:
the 6–10-page reports only. ``--per-file`` adds each file's pages and ratio.
Usage: python3 benchmarks/pdf_speed.py [PDF ...] [--repeat N] [--typical] [--per-file]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import extractor  # noqa: E402
from extractor.errors import ExtractorError  # noqa: E402

DEFAULT = sorted(p for p in (ROOT / "fixtures" / "pdf").glob("*.pdf")
                 if not p.name.startswith(("scanned", "font_")))  # reports with a text layer


def naive(path: Path) -> None:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def ours(path: Path) -> None:
    try:
        extractor.extract(path)
    except ExtractorError:
        pass


def _pages(path: Path) -> int:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def timed(fn, paths: list[Path], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in paths:
            fn(p)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--typical", action="store_true", help="only the reports of 6-10 pages")
    ap.add_argument("--per-file", action="store_true")
    args = ap.parse_args()
    paths = args.pdfs or DEFAULT
    if args.typical:
        paths = [p for p in paths if 6 <= _pages(p) <= 10]
    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    ours(paths[0])  # warm imports
    naive(paths[0])
    t_naive = timed(naive, paths, args.repeat)
    t_ours = timed(ours, paths, args.repeat)
    n = len(paths)
    print(f"{n} PDFs, best of {args.repeat}")
    print(f"naive pdfplumber (extract_text + extract_tables, every page): {t_naive:.2f}s  {n / t_naive:.2f} reports/s")
    print(f"ours (extractor.extract):                                     {t_ours:.2f}s  {n / t_ours:.2f} reports/s")
    print(f"ratio ours/naive: {t_ours / t_naive:.2f}x (target <= 0.50x)")
    if args.per_file:
        for p in paths:
            tn, to = timed(naive, [p], args.repeat), timed(ours, [p], args.repeat)
            print(f"  {p.name:36s} {_pages(p):2d} pages  naive {tn:.3f}s  ours {to:.3f}s  {to / tn:.2f}x")


if __name__ == "__main__":
    main()
