"""Batch extraction at scale: a process pool (or a Dask cluster), resumable through a SQLite
database in the output folder, with the dataset (re)built from that database at the end.

>>> from extractor.batch import run_batch
>>> result = run_batch(["reports/"], "dataset/", jobs=4)   # doctest: +SKIP

The names below are imported on first use, so that ``extractor.batch.walk`` (which files a
folder holds, used by the one-report path too) does not load pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"run_batch": ".runner", "BatchResult": ".runner", "STATE_NAME": ".runner", "State": ".state",
         "extract_rows": ".task", "iter_inputs": ".walk"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'extractor.batch' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)
