"""Small geometry helpers shared by the table builders (PDF/OFD text layer, OCR'd page images).

``DisjointSet`` joins grid slots into merged cells and boxes into text blocks; ``cluster`` groups
positions (rule x/y, box edges) that lie within a tolerance of each other, with ``firsts`` and
``means`` as the two ways the builders pick one position per group.
"""

from __future__ import annotations

from typing import Callable, Iterable, Literal, Sequence, TypeVar

T = TypeVar("T")


class DisjointSet:
    """Union-find over the integers 0..n-1 (path halving, no ranks: the sets here are small)."""

    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        """The representative of ``i``'s set."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        """Join the sets of ``i`` and ``j`` (``j``'s representative represents both)."""
        self.parent[self.find(i)] = self.find(j)

    def groups(self) -> list[list[int]]:
        """Every set as its members in increasing order; the sets ordered by their least member."""
        comps: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            comps.setdefault(self.find(i), []).append(i)
        return list(comps.values())


def connected(items: Sequence[T], same: Callable[[T, T], bool]) -> list[list[T]]:
    """Connected components of ``items`` under the pairwise relation ``same`` (every pair is
    tried), each in the items' order, ordered by their first item."""
    ds = DisjointSet(len(items))
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if same(items[i], items[j]):
                ds.union(i, j)
    return [[items[i] for i in g] for g in ds.groups()]


def cluster(values: Iterable[float], tol: float, *,
            linkage: Literal["chain", "first"] = "chain") -> list[list[float]]:
    """The sorted values in runs of close values.

    ``linkage="chain"``: a value joins the run when within ``tol`` of the run's last value (a run
    may be wider than ``tol``); ``"first"``: when within ``tol`` of the run's first value (a run
    is at most ``tol`` wide).
    """
    runs: list[list[float]] = []
    at = -1 if linkage == "chain" else 0
    for v in sorted(values):
        if runs and v - runs[-1][at] <= tol:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def firsts(values: Iterable[float], tol: float) -> list[float]:
    """One position per group of positions at most ``tol`` apart: the least of each
    (``cluster`` with ``linkage="first"``). Rule positions drawn twice or as a thin rectangle's
    two edges become one boundary, and the boundary stays where the first line of it lies."""
    return [run[0] for run in cluster(values, tol, linkage="first")]


def means(values: Iterable[float], tol: float) -> list[float]:
    """One position per chain of positions each within ``tol`` of the next: their mean. A rule
    found as several pixel components becomes one line at its middle."""
    return [sum(run) / len(run) for run in cluster(values, tol)]
