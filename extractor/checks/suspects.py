"""Flag likely OCR misreads: cells whose correction alone would make every failing check pass,
and cells the recogniser was unsure of. Reported as warnings; values are never changed."""

from __future__ import annotations

from typing import Iterable

from . import CheckResult, run_checks
from ..model import LOW_CONFIDENCE
from ..schema import Template

Address = tuple[str, str, str]


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def suspect_cells(template: Template, cells: list[dict], checks: Iterable[CheckResult]) -> list[tuple[Address, object, object]]:
    """(address, printed value, value the arithmetic suggests) for every single cell whose change
    alone turns every failing equation into a pass without failing another."""
    failing = [c for c in checks if c.status == "fail"]
    if not failing:
        return []
    values = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in cells}
    deltas = {abs(c.lhs - c.rhs) for c in failing if c.lhs is not None and c.rhs is not None}
    out = []
    for addr, (value, _state) in values.items():
        if value is None or addr[0] not in ("requests", "review_litigation"):
            continue
        for d in sorted(deltas):
            for new in (value + d, value - d):
                if new < 0 or new == value:
                    continue
                trial = dict(values)
                trial[addr] = (new, "number")
                if not any(r.status == "fail" for r in run_checks(template, trial)):
                    out.append((addr, value, new))
    return out


def ocr_warnings(template: Template | None, cells: list[dict], checks: list[CheckResult],
                 threshold: float = LOW_CONFIDENCE) -> list[str]:
    """Warnings for an OCR'd report: likely misreads, then low-confidence cells."""
    out = []
    if template is not None:
        for (t, r, c), printed, suggested in suspect_cells(template, cells, checks):
            out.append(f"likely misread: {t}.{r}.{c} printed {_fmt(printed)}, arithmetic suggests {_fmt(suggested)}")
    for cell in cells:
        conf = cell.get("confidence")
        if conf is not None and conf < threshold:
            shown = (cell.get("raw") or "").replace("\n", " ")
            out.append(f"low OCR confidence {conf:.2f}: {cell['table']}.{cell['row']}.{cell['column']} "
                       f"read {shown!r}" + (" (ink in the cell, nothing recognised)" if not shown else ""))
    return out
