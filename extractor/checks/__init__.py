"""The template's own arithmetic (SCHEMA.md "Consistency checks"), evaluated as printed.

Each equation gives one result: pass, fail, or not_assessable (a value missing or unreadable,
or one side left entirely blank over a non-zero other side). Failures are reported, never fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from ..schema import Template

Address = tuple[str, str, str]


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: str  # pass | fail | not_assessable
    scope: str  # "row" or "column"
    key: str  # the row or column the equation is about
    lhs: int | float | None
    rhs: int | float | None
    lhs_terms: str
    rhs_terms: str
    reason: str | None = None

    @property
    def passed(self) -> bool | None:
        return {"pass": True, "fail": False}.get(self.status)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["passed"] = self.passed
        return d


def _side(cells: Mapping[Address, tuple], addrs: Iterable[Address]) -> tuple[float, bool, bool]:
    """(sum of the values present, entirely blank, any value missing) of one side of an equation."""
    total: float = 0
    blank = True
    missing = False
    for a in addrs:
        value, state = cells.get(a, (None, "missing"))
        if value is None:
            missing = True
            continue
        total += value
        if state != "blank":
            blank = False
    return total, blank, missing


def _equation(name: str, scope: str, key: str, cells, left: Iterable[Address], right: Iterable[Address],
              lt: str, rt: str) -> CheckResult:
    lv, lblank, lmiss = _side(cells, left)
    rv, rblank, rmiss = _side(cells, right)
    if lmiss or rmiss:
        return CheckResult(name, "not_assessable", scope, key, None if lmiss else lv, None if rmiss else rv,
                           lt, rt, "value missing or unreadable")
    if (lblank and rv) or (rblank and lv):
        return CheckResult(name, "not_assessable", scope, key, lv, rv, lt, rt, "left blank")
    ok = abs(lv - rv) < 1e-6
    return CheckResult(name, "pass" if ok else "fail", scope, key, lv, rv, lt, rt)


_OTHER_2021 = ("other_overdue_correction", "other_unpaid_fees", "other_other")


def _outcome_rows(rows: list[str], aggregate: frozenset[str], col: str) -> list[str]:
    """The outcome rows of one column; a 2021 table that printed （六）其他处理 as one 2019-style
    row (``other_handling`` in column ``col``: ``aggregate`` names those columns) is summed with
    that row in place of the three rows it stands for."""
    if col not in aggregate or "other_handling" in rows:
        return rows
    first = rows.index(_OTHER_2021[0])
    return [*rows[:first], "other_handling", *(r for r in rows[first:] if r not in _OTHER_2021)]


Equation = tuple[str, str, str, tuple[Address, ...], tuple[Address, ...], str, str]


def run_checks(template: Template, cells: Mapping[Address, tuple]) -> list[CheckResult]:
    """``cells`` maps (table, row, column) to (value, state)."""
    req = template.table("requests")
    aggregate = frozenset(c.key for c in req.columns if ("requests", "other_handling", c.key) in cells)
    return [_equation(name, scope, key, cells, left, right, lt, rt)
            for name, scope, key, left, right, lt, rt in _equations(template, aggregate)]


@lru_cache(maxsize=64)
def _equations(template: Template, aggregate: frozenset[str]) -> tuple[Equation, ...]:
    """The template's equations (the same for every report but where （六） was printed as one row)."""
    out: list[Equation] = []
    req = template.table("requests")
    row_keys = [r.key for r in req.rows]
    outcome_rows = row_keys[row_keys.index("granted"):row_keys.index("total_processed")]
    applicant = [c.key for c in req.columns if c.key != "total"]
    for col in [c.key for c in req.columns]:
        def a(row: str, col: str = col) -> Address:
            return ("requests", row, col)
        out.append(("requests.balance", "column", col,
                    (a("new_requests"), a("carried_over")), (a("total_processed"), a("carried_forward")),
                    "new_requests + carried_over", "total_processed + carried_forward"))
    for col in [c.key for c in req.columns]:
        rows = _outcome_rows(outcome_rows, aggregate, col)
        out.append(("requests.outcomes_sum", "column", col,
                    (("requests", "total_processed", col),), tuple(("requests", r, col) for r in rows),
                    "total_processed", " + ".join(rows)))
    for row in _outcome_rows(row_keys, aggregate, "total"):
        out.append(("requests.row_total", "row", row,
                    (("requests", row, "total"),), tuple(("requests", row, c) for c in applicant),
                    "total", " + ".join(applicant)))
    rl = template.table("review_litigation")
    parts = [c.key for c in rl.columns if c.key != "total"]
    for row in [r.key for r in rl.rows]:
        out.append(("review_litigation.row_total", "row", row,
                    (("review_litigation", row, "total"),), tuple(("review_litigation", row, c) for c in parts),
                    "total", " + ".join(parts)))
    return tuple(out)


def summarise(results: Iterable[CheckResult]) -> dict[str, str]:
    """One status per check: fail if any equation fails, else not_assessable if any is, else pass."""
    by: dict[str, list[str]] = {}
    for r in results:
        by.setdefault(r.check, []).append(r.status)
    out = {}
    for name, statuses in by.items():
        out[name] = "fail" if "fail" in statuses else ("not_assessable" if "not_assessable" in statuses else "pass")
    return out
