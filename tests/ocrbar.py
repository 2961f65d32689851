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


def assert_at_ocr_bar(report, expected: dict) -> tuple[dict, set]:
    """Hold ``report`` to ``expected`` (an ``*.ocr-expected.json``): its template and metadata, the
    same cells; the cells of the tables in ``expected["ocr_tables"]`` (every table when absent: a
    scan) at the bar, >= 99 % right and every wrong one flagged, the others exactly; the checks
    as expected when no cell is wrong. Returns the report's cells by address and the OCR'd ones."""
    assert report.template == expected["template"]
    for key, value in expected["metadata"].items():
        assert report.metadata[key] == value, key
    got = {address(c): c for c in report.cells}
    want = {address(c): c for c in expected["cells"]}
    assert set(got) == set(want)
    tables = expected.get("ocr_tables")
    ocr = {a for a in want if tables is None or a[0] in tables}

    def right(a: tuple[str, str, str]) -> bool:
        w = want[a]
        return got[a]["value"] == w["value"] and got[a]["state"] == w["state"] \
            and ("page" not in w or got[a]["page"] == w["page"])

    exact = [(a, want[a]["value"], got[a]["raw"]) for a in set(want) - ocr if not right(a)]
    assert not exact  # the document's real tables: every cell
    wrong = [a for a in ocr if not right(a)]
    shown = [(a, want[a]["value"], got[a]["raw"], got[a].get("confidence")) for a in wrong]
    assert len(wrong) <= 0.01 * len(ocr), shown
    assert not [s for a, s in zip(wrong, shown) if not flagged(report, got[a])], shown
    if not wrong:
        assert report.check_summary == expected["checks"]
    return got, ocr
