"""The OCR bar, as the tests judge it (issue 13): at least 99 % of cells right, and every wrong
cell flagged in a way a researcher can act on. Kept here once for every OCR'd fixture's test,
written from what the reader of a report sees, not from the product's own code."""

from __future__ import annotations

LOW_CONFIDENCE = 0.9  # the README's promise: a confidence under 0.9 marks a value to check


def address(cell: dict) -> tuple[str, str, str]:
    return cell["table"], cell["row"], cell["column"]


def flagged(report, cell: dict) -> bool:
    """Whether the report warns about this cell: unreadable or missing, low confidence, named as a
    likely misread, or inside a failing check of its row or column."""
    t, r, c = address(cell)
    if cell["value"] is None or cell["state"] == "unreadable":
        return True
    if cell.get("confidence") is not None and cell["confidence"] < LOW_CONFIDENCE:
        return True
    if any(w.startswith("likely misread: ") and f" {t}.{r}.{c} " in w for w in report.warnings):
        return True
    return any(ch.status == "fail" and ch.check.startswith(t + ".") and ch.key in (r, c) for ch in report.checks)
