"""Batch scale benchmark: reports/s at --jobs 1 and --jobs 2 (and the speed-up), and the peak memory
of the whole process tree at 1,000 vs 5,000 reports.

    python benchmarks/batch_scale.py                 # 1,000 and 5,000 reports (several minutes)
    python benchmarks/batch_scale.py --n 200 --big 1000

Inputs are the text-layer fixtures (txt, html, docx, pdf) that extract without error, copied with a
counter appended (an HTML comment, a PDF comment after %%EOF, a trailing ZIP byte run for DOCX) so every
copy has its own hash. Each run is the real CLI (``extract DIR --out OUT --jobs N``) in a subprocess;
its RSS and its descendants' RSS are summed every 50 ms from /proc (Linux).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KINDS = {".txt": "text", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


def fixtures() -> list[Path]:
    """The text-layer fixtures that extract as a 2019 or 2021 report without error."""
    import extractor
    from extractor.errors import ExtractorError

    found = []
    for path in sorted((ROOT / "fixtures").rglob("*")):
        if path.suffix.lower() not in KINDS or "build" in path.parts:
            continue
        try:
            report = extractor.extract(path)
        except ExtractorError:
            continue
        if report.template in ("2019", "2021"):
            found.append(path)
    return found


def variant(data: bytes, suffix: str, i: int) -> bytes:
    """``data`` with copy number ``i`` appended in a way the format ignores."""
    if suffix in (".txt", ".html", ".htm"):
        return data + f"\n<!-- copy {i} -->\n".encode()
    if suffix == ".pdf":
        return data + f"\n%copy {i}\n".encode()
    return data + f"copy {i}".encode()  # DOCX: bytes after the ZIP's end record are ignored


def make_inputs(folder: Path, n: int, sources: list[Path]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    blobs = [(p.suffix.lower(), p.read_bytes()) for p in sources]
    for i in range(n):
        suffix, data = blobs[i % len(blobs)]
        (folder / f"r{i:05d}{suffix}").write_bytes(variant(data, suffix, i))


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    stat = fh.read()
                parents[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(inputs: Path, out: Path, jobs: int) -> tuple[float, int, str]:
    """Wall seconds, peak tree RSS, and the CLI's summary line for one batch run."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:  # a file, not a pipe: it cannot fill up
        proc = subprocess.Popen([sys.executable, "-m", "extractor.cli.main", str(inputs), "--out", str(out),
                                 "--jobs", str(jobs)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
        seconds = time.monotonic() - started
        log.seek(0)
        err = log.read()
    if proc.returncode != 0 or f"{len(os.listdir(inputs))} of " not in err.splitlines()[0]:
        raise SystemExit(f"run failed or some reports were not extracted ({proc.returncode}): {err[:2000]}")
    return seconds, peak, err.splitlines()[0]


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def cpu_parallelism(n: int = 5_000_000) -> float:
    """How much faster two busy processes finish than one doing both: ~2.0 on two free cores."""
    t = time.monotonic()
    _spin(n)
    _spin(n)
    serial = time.monotonic() - t
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1000, 1000])
        t = time.monotonic()
        pool.map(_spin, [n, n])
        parallel = time.monotonic() - t
    return serial / parallel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="reports for the speed runs and the first memory run")
    ap.add_argument("--big", type=int, default=5000, help="reports for the second memory run (0: skip)")
    ap.add_argument("--workdir", type=Path, default=None, help="where to put inputs and outputs (default: temp)")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="batch-scale-"))
    sources = fixtures()
    if not sources:
        raise SystemExit("no fixture extracts without error")
    print(f"fixtures: {len(sources)} ({', '.join(sorted({KINDS[p.suffix.lower()] for p in sources}))}); "
          f"cores: {os.cpu_count()}; CPU parallelism now (2 busy processes): {cpu_parallelism():.2f}x", flush=True)
    make_inputs(work / "in_small", args.n, sources)
    rows = []
    for jobs in (1, 2):
        seconds, peak, line = run(work / "in_small", work / f"out_j{jobs}", jobs)
        rows.append((args.n, jobs, seconds, peak, line))
    if args.big:
        make_inputs(work / "in_big", args.big, sources)
        seconds, peak, line = run(work / "in_big", work / "out_big", 2)
        rows.append((args.big, 2, seconds, peak, line))
    print(f"{'reports':>8} {'jobs':>4} {'seconds':>8} {'reports/s':>9} {'peak RSS MiB':>12}  summary")
    for n, jobs, seconds, peak, line in rows:
        print(f"{n:>8} {jobs:>4} {seconds:>8.1f} {n / seconds:>9.1f} {peak / 2**20:>12.0f}  {line}", flush=True)
    speedup = rows[0][2] / rows[1][2]
    print(f"speed-up jobs 2 vs 1 at {args.n}: {speedup:.2f}x (target >= 1.7x on 2 free cores)")
    if args.big:
        growth = rows[2][3] / rows[1][3] - 1
        print(f"peak memory {args.big} vs {args.n} reports (jobs 2): {growth:+.1%} (target within 15%)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
