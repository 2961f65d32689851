from extractor.checks import run_checks, summarise
from extractor.schema import TEMPLATE_2019, TEMPLATE_2021


def _zeros(template, state="number"):
    return {a: (0, state) for a in template.addresses()}


def test_all_zero_passes():
    results = run_checks(TEMPLATE_2021, _zeros(TEMPLATE_2021))
    assert summarise(results) == {"requests.balance": "pass", "requests.outcomes_sum": "pass",
                                  "requests.row_total": "pass", "review_litigation.row_total": "pass"}
    # 7 columns x 2 column checks, 25 rows, 3 rows of part 四
    assert len(results) == 7 + 7 + 25 + 3


def test_failure_names_both_sides():
    cells = _zeros(TEMPLATE_2021)
    cells[("requests", "granted", "natural_person")] = (26, "number")
    cells[("requests", "granted", "total")] = (26, "number")
    cells[("requests", "total_processed", "natural_person")] = (20, "number")
    cells[("requests", "total_processed", "total")] = (20, "number")
    cells[("requests", "new_requests", "natural_person")] = (20, "number")
    cells[("requests", "new_requests", "total")] = (20, "number")
    results = run_checks(TEMPLATE_2021, cells)
    bad = [r for r in results if r.status == "fail"]
    assert [(r.check, r.key, r.lhs, r.rhs) for r in bad] == [
        ("requests.outcomes_sum", "natural_person", 20, 26), ("requests.outcomes_sum", "total", 20, 26)]
    assert bad[0].passed is False and bad[0].to_dict()["passed"] is False


def test_blank_total_over_nonzero_parts_is_not_assessable():
    cells = _zeros(TEMPLATE_2019)
    for row in ("new_requests", "granted", "total_processed"):
        cells[("requests", row, "natural_person")] = (3, "number")
        cells[("requests", row, "total")] = (0, "blank")
    results = {(r.check, r.key): r for r in run_checks(TEMPLATE_2019, cells)}
    r = results[("requests.row_total", "granted")]
    assert (r.status, r.reason, r.passed) == ("not_assessable", "left blank", None)
    assert results[("requests.balance", "natural_person")].status == "pass"
    assert summarise(results.values())["requests.row_total"] == "not_assessable"


def test_missing_value_is_not_assessable():
    cells = _zeros(TEMPLATE_2021)
    cells[("review_litigation", "administrative_review", "total")] = (None, "unreadable")
    results = {(r.check, r.key): r for r in run_checks(TEMPLATE_2021, cells)}
    assert results[("review_litigation.row_total", "administrative_review")].status == "not_assessable"
