"""HTML speed: our extraction vs a bare lxml parse of the same pages, in one run.

The baseline is ``lxml.html.document_fromstring`` on each page's bytes (parsing only: the least
any HTML reader must do); ``--with-bs4`` also times building a BeautifulSoup tree of the same
pages (the reader's interface), to show where the time goes. Ours is ``extractor.extract`` (decode, parse, walk to the document
model, map, check). Pages: every HTML fixture (CMS article pages with site chrome, Word exports,
GBK pages) and the fetch fixtures' site pages. Issue 15's target: at most 8x the bare parse.
Usage: python3 benchmarks/html_speed.py [PAGE ...] [--repeat N] [--per-file]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import extractor  # noqa: E402
from extractor.errors import ExtractorError  # noqa: E402

TARGET = 8.0
DEFAULT = sorted((ROOT / "fixtures" / "html").glob("*.html")) + sorted((ROOT / "fixtures" / "web" / "site").rglob("*.html"))


def bare(data: bytes) -> None:
    import lxml.html

    lxml.html.document_fromstring(data)


def ours(path: Path) -> None:
    try:
        extractor.extract(path)
    except ExtractorError:
        pass  # listing pages and news pages are refused: that is part of the work


def best(fn, arg, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--per-file", action="store_true")
    ap.add_argument("--with-bs4", action="store_true")
    args = ap.parse_args()
    pages = args.pages or DEFAULT
    for p in pages:  # warm imports and caches
        ours(p)
        bare(p.read_bytes())
    rows = []
    for p in pages:
        data = p.read_bytes()
        rows.append((p, len(data), best(bare, data, args.repeat), best(ours, p, args.repeat)))
    b = sum(r[2] for r in rows)
    o = sum(r[3] for r in rows)
    print(f"{len(rows)} HTML pages ({sum(r[1] for r in rows) // 1024} KB), best of {args.repeat}")
    print(f"bare lxml parse:            {b * 1000:8.1f} ms")
    print(f"ours (extractor.extract):   {o * 1000:8.1f} ms  {len(rows) / o:6.1f} pages/s")
    if args.with_bs4:
        from bs4 import BeautifulSoup

        soup = sum(best(lambda d: BeautifulSoup(d, "lxml"), p.read_bytes(), args.repeat) for p in pages)
        print(f"BeautifulSoup(page, 'lxml') alone: {soup * 1000:8.1f} ms  ({soup / b:.1f}x the bare parse)")
    print(f"ratio ours/bare: {o / b:.1f}x (target <= {TARGET:g}x)")
    if args.per_file:
        for p, size, tb, to in rows:
            print(f"  {p.relative_to(ROOT)!s:70} {size // 1024:5d} KB  bare {tb * 1000:6.1f} ms  "
                  f"ours {to * 1000:6.1f} ms  {to / tb:5.1f}x")


if __name__ == "__main__":
    main()
