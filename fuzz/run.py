"""Run the atheris fuzz targets: ``python fuzz/run.py --minutes 10 --target html``.

Targets: text, html, docx, pdf, extract (``--target all`` runs each in turn, ``--parallel 2`` two at
a time). Only ``ExtractorError`` may escape a target; an input slower than the per-input limit is
a hang and one over ``--rss-mb`` a memory finding: libFuzzer stops and saves it under
fuzz/artifacts/<target>/. Prints one line per target: inputs executed, seconds, outcome.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_corpus import build  # noqa: E402
from targets import PER_INPUT_TIMEOUT_S, TARGETS  # noqa: E402


@dataclass
class Outcome:
    target: str
    runs: int
    seconds: float
    returncode: int
    finding: str | None  # the artifact path and its first error line, when libFuzzer stopped
    log: str

    def line(self) -> str:
        what = f"FINDING: {self.finding}" if self.finding else ("ok" if self.returncode == 0 else
                                                                  f"exit {self.returncode}")
        return f"{self.target}: {self.runs} inputs executed in {self.seconds:.0f} s; {what}"


def fuzz(target: str, seconds: float, *, corpus: Path, artifacts: Path, rss_mb: int = 2048,
         timeout_s: int | None = None, extra: list[str] | None = None) -> Outcome:
    """Run one target for ``seconds`` over ``corpus`` (seeded from fixtures/ when empty)."""
    tdir = corpus / target
    if not tdir.exists() or not any(tdir.iterdir()):
        build(corpus)
    adir = artifacts / target
    adir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(HERE / "fuzz_one.py"), target, f"-max_total_time={int(seconds)}",
           f"-timeout={timeout_s or PER_INPUT_TIMEOUT_S[target]}", f"-rss_limit_mb={rss_mb}",
           f"-artifact_prefix={adir}/", "-print_final_stats=1", *(extra or []), str(tdir)]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                          timeout=seconds + 600)
    took = time.monotonic() - start
    log = proc.stdout + proc.stderr
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", log) or re.search(r"Done (\d+) runs", log)
    runs = int(m.group(1)) if m else 0
    finding = None
    art = re.search(r"(?:Test unit written to|artifact_prefix.*?; Test unit written to)\s*(\S+)", log)
    if proc.returncode != 0 or art:
        err = re.search(r"==\d*==\s*ERROR:.*|=== Uncaught Python exception: ===\n.*|ERROR: libFuzzer: .*", log)
        finding = f"{art.group(1) if art else '(no artifact)'}: {err.group(0).strip() if err else 'see log'}"
    return Outcome(target, runs, took, proc.returncode, finding, log)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="all", choices=[*TARGETS, "all"])
    ap.add_argument("--minutes", type=float, default=None, help="how long per target (default 1)")
    ap.add_argument("--seconds", type=float, default=None, help="how long per target, in seconds")
    ap.add_argument("--parallel", type=int, default=1, help="targets run at once (with --target all)")
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus", help="working corpus (seeds + finds)")
    ap.add_argument("--artifacts", type=Path, default=HERE / "artifacts", help="where findings are saved")
    ap.add_argument("--rss-mb", type=int, default=2048, help="memory limit per target process")
    ap.add_argument("--max-len", type=int, default=None, help="largest input libFuzzer generates (bytes)")
    ap.add_argument("--fresh", action="store_true", help="start from the seeds in a temporary corpus")
    ap.add_argument("--log-dir", type=Path, default=None, help="keep each target's full libFuzzer log here")
    args = ap.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes if args.minutes is not None else 1)
    targets = list(TARGETS) if args.target == "all" else [args.target]
    corpus = Path(tempfile.mkdtemp(prefix="fuzz-corpus-")) if args.fresh else args.corpus

    def one(t: str) -> Outcome:
        extra = [f"-max_len={args.max_len}"] if args.max_len else []
        out = fuzz(t, seconds, corpus=corpus, artifacts=args.artifacts, rss_mb=args.rss_mb, extra=extra)
        if args.log_dir:
            args.log_dir.mkdir(parents=True, exist_ok=True)
            (args.log_dir / f"{t}.log").write_text(out.log)
        print(out.line(), flush=True)
        if out.finding:
            print(out.log[-3000:], file=sys.stderr)
        return out

    with ThreadPoolExecutor(max(1, args.parallel)) as ex:
        results = list(ex.map(one, targets))
    return 0 if all(r.finding is None and r.returncode == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
