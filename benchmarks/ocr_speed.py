"""OCR speed and accuracy: seconds per OCR'd page, and values right / wrong-but-flagged, on the
scanned fixtures (fixtures/ocr/) or the files named. Needs the ocr extra.

Per page it splits layout (render, deskew, rules, grids, tables) from recognition (rapidocr), and
counts the tables read from ruled grids and those the PDF table builder made from the text's
alignment (three-line tables). Accuracy is scored against each fixture's *.ocr-expected.json.
Usage: python3 benchmarks/ocr_speed.py [FILE ...] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import extractor  # noqa: E402
from extractor.ocr import ocr_available  # noqa: E402
from extractor.checks.suspects import LOW_CONFIDENCE  # noqa: E402

DEFAULT = sorted(p for p in (ROOT / "fixtures" / "ocr").iterdir() if p.suffix in (".pdf", ".png", ".jpg"))


def _flagged(report, cell: dict) -> bool:
    t, r, c = cell["table"], cell["row"], cell["column"]
    conf = cell.get("confidence")
    return (cell["value"] is None or (conf is not None and conf < LOW_CONFIDENCE)
            or any(w.startswith("likely misread: ") and f" {t}.{r}.{c} " in w for w in report.warnings)
            or any(ch.status == "fail" and ch.check.startswith(t + ".") and ch.key in (r, c) for ch in report.checks))


def score(report, expected_path: Path) -> tuple[int, int, int]:
    """(cells, wrong, wrong and not flagged)."""
    want = {(c["table"], c["row"], c["column"]): c for c in json.loads(expected_path.read_text("utf-8"))["cells"]}
    got = {(c["table"], c["row"], c["column"]): c for c in report.cells}
    wrong = [a for a, w in want.items() if a not in got or got[a]["value"] != w["value"]
             or got[a]["state"] != w["state"]]
    return len(want), len(wrong), sum(1 for a in wrong if a not in got or not _flagged(report, got[a]))


def _recording(real, seen: dict):
    """``real`` (read_document) that also keeps the document it returns in ``seen["doc"]``."""
    def spy(*a, **k):
        doc = real(*a, **k)
        seen["doc"] = doc
        return doc
    return spy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime threads (default: all cores)")
    args = ap.parse_args()
    if not ocr_available():
        raise SystemExit("the ocr extra is not installed: pip install 'gov-disclosure-extractor[ocr]'")
    if args.threads:
        import extractor.ocr.engine as eng
        from rapidocr_onnxruntime import RapidOCR
        eng._ENGINE = RapidOCR(det_limit_side_len=2000, det_limit_type="max", use_cls=False,
                               intra_op_num_threads=args.threads)
    from extractor.ocr.engine import engine
    t = time.perf_counter()
    engine()
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; model load {time.perf_counter() - t:.2f} s")
    total_pages = total_s = 0.0
    totals = [0, 0, 0]
    print(f"{'file':42} {'pages':>5} {'s/page':>7} {'layout':>7} {'recog':>7} {'skew°':>12} {'ruled+aligned':>13} "
          f"{'right':>8} {'wrong':>5} {'unflagged':>9}")
    import extractor.extraction as extraction  # where extract() reads the document
    for path in args.files or DEFAULT:
        seen: dict = {}
        real = extraction.read_document
        extraction.read_document = _recording(real, seen)
        t = time.perf_counter()
        try:
            report = extractor.extract(path)
        finally:
            extraction.read_document = real
        dt = time.perf_counter() - t
        info = seen["doc"].meta.get("ocr_page_info", [])
        n = len(info) or 1
        layout = sum(i["layout_s"] for i in info) / n
        recog = sum(i["recognise_s"] for i in info) / n
        skews = ",".join(f"{i['skew_deg']:+.1f}" for i in info)
        aligned = sum(i.get("aligned_tables", 0) for i in info)
        tables = f"{sum(i['tables'] for i in info) - aligned}+{aligned}"
        exp = path.with_name(path.stem + ".ocr-expected.json")
        cells, wrong, unflagged = score(report, exp) if exp.exists() else (0, 0, 0)
        right = f"{100 * (cells - wrong) / cells:.1f}%" if cells else "-"
        print(f"{path.name:42} {len(info):5d} {dt / n:7.1f} {layout:7.2f} {recog:7.2f} {skews[:12]:>12} {tables:>13} "
              f"{right:>8} {wrong:5d} {unflagged:9d}")
        total_pages += len(info)
        total_s += dt
        for k, v in enumerate((cells, wrong, unflagged)):
            totals[k] += v
    print(f"all: {int(total_pages)} OCR'd pages, {total_s / max(total_pages, 1):.1f} s/page; "
          f"{totals[0] - totals[1]}/{totals[0]} values right ({100 * (totals[0] - totals[1]) / max(totals[0], 1):.2f}%), "
          f"{totals[1]} wrong, {totals[2]} of them unflagged")


if __name__ == "__main__":
    main()
