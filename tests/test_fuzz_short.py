"""A short fuzz run of every target (about 5 s each) so the harness in fuzz/ stays working.

The long run is documented in docs/bad-inputs.md: ``python fuzz/run.py --minutes 10 --target html``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fuzz"))

import build_corpus  # noqa: E402
from targets import TARGETS  # noqa: E402

HAS_ATHERIS = importlib.util.find_spec("atheris") is not None


def test_seed_corpora_are_built_for_every_target(tmp_path: Path) -> None:
    dirs = build_corpus.build(tmp_path)
    assert set(dirs) == set(TARGETS)
    counts = {t: len(list(d.iterdir())) for t, d in dirs.items()}
    assert all(n >= 5 for n in counts.values()), counts
    pdfs = [p.read_bytes() for p in dirs["pdf"].iterdir()]
    assert all(p.startswith(b"%PDF-") for p in pdfs)
    assert any(p.startswith(b"PK") for p in (d.read_bytes() for d in dirs["docx"].iterdir()))
    assert any(p.lstrip().startswith(b"<?xml") for p in (d.read_bytes() for d in dirs["docx"].iterdir()))


@pytest.mark.skipif(not HAS_ATHERIS, reason="atheris is not installed (pip install atheris, the fuzz extra)")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_short_fuzz_run_finds_nothing(target: str, tmp_path: Path) -> None:
    import run as fuzz_run

    out = fuzz_run.fuzz(target, 5, corpus=tmp_path / "corpus", artifacts=tmp_path / "artifacts")
    assert out.finding is None, out.log[-4000:]
    assert out.returncode == 0, out.log[-4000:]
    assert out.runs >= 1, out.log[-2000:]
    assert not any((tmp_path / "artifacts" / target).iterdir())
