"""Batch extraction at scale: a process pool (or a Dask cluster), resumable through a SQLite
database in the output folder, with the dataset (re)built from that database at the end.

>>> from extractor.batch import run_batch
>>> result = run_batch(["reports/"], "dataset/", jobs=4)   # doctest: +SKIP
"""

from .runner import STATE_NAME, BatchResult, run_batch
from .state import State
from .task import extract_rows

__all__ = ["run_batch", "BatchResult", "State", "STATE_NAME", "extract_rows"]
