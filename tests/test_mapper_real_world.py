"""What real WPS/Word reports do to rows and titles, on the real seed report and on its model:
label slips, blank labels, rows broken over a page, the 2019-style （六） row, labels that
cannot be read at all, and the body named above the title. Each case: right or flagged."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import extractor
from extractor.api import extract_document
from extractor.model import Cell, Document, Paragraph, Table
from extractor.reading import read_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ZEROS = "\n|\n0" * 7 + "\n"


def _row(values) -> str:
    return "".join(f"\n|\n{v}" for v in values) + "\n"


def _seed(seed_path: Path, *replacements: tuple[str, str]) -> bytes:
    text = seed_path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def _cells(report, row: str) -> list[dict]:
    return [c for c in report.cells if c["table"] == "requests" and c["row"] == row]


@pytest.mark.parametrize("printed,row", [
    ("2.其他法律行政止公开", "denied_prohibited_by_law"),
    ("1.本机关不撑握相关政府信息", "unable_not_held"),
    ("4.无正当理由大量反复申清", "not_processed_excessive"),
    ("", "denied_three_safeties"),
])
def test_row_with_a_label_slip_or_no_label_is_placed_by_position_and_flagged(seed_path, printed, row):
    labels = {"denied_prohibited_by_law": "2.其他法律行政法规禁止公开", "unable_not_held": "1.本机关不掌握相关政府信息",
              "not_processed_excessive": "4.无正当理由大量反复申请", "denied_three_safeties": "3.危及“三安全一稳定”"}
    values = [3, 1, 0, 0, 0, 0, 4]
    data = _seed(seed_path, (labels[row] + ZEROS, printed + _row(values)))
    report = extractor.extract(data)
    got = _cells(report, row)
    assert [c["value"] for c in got] == values
    assert {c["how"] for c in got} == {"position"}
    assert any(w.startswith(f"requests.{row}: matched by position") for w in report.warnings)
    # the other rows keep their labels
    assert all(c["how"] == "text" for c in report.cells if c["row"] != row)


def test_a_label_unlike_the_expected_one_is_not_placed(seed_path):
    data = _seed(seed_path, ("2.其他法律行政法规禁止公开" + ZEROS, "附注：见下文说明" + _row([3, 1, 0, 0, 0, 0, 4])))
    report = extractor.extract(data)
    got = _cells(report, "denied_prohibited_by_law")
    assert all(c["value"] is None and c["state"] == "missing" for c in got)
    assert any("matches no row; not read" in w for w in report.warnings)


OTHER_ROWS = ("(六)其他处理\n|\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" + ZEROS
              + "|\n|\n2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" + ZEROS
              + "|\n|\n3.其他" + ZEROS)


def test_2019_style_other_handling_row_of_zeros_derives_the_three_rows(seed_path):
    report = extractor.extract(_seed(seed_path, (OTHER_ROWS, "(六)其他处理" + ZEROS)))
    for row in ("other_overdue_correction", "other_unpaid_fees", "other_other"):
        assert [(c["value"], c["state"]) for c in _cells(report, row)] == [(0, "derived")] * 7
    aggregate = _cells(report, "other_handling")
    assert [(c["value"], c["state"]) for c in aggregate] == [(0, "number")] * 7
    assert any("derived as 0" in w for w in report.warnings)
    assert set(report.check_summary.values()) == {"pass"}


def test_2019_style_other_handling_row_with_numbers_is_the_aggregate(seed_path):
    ones = _row([2, 0, 0, 0, 0, 0, 2])
    report = extractor.extract(_seed(
        seed_path,
        (OTHER_ROWS, "(六)其他处理" + ones),
        ("一、本年新收政府信息公开申请数量" + ZEROS, "一、本年新收政府信息公开申请数量" + ones),
        ("(七)总计" + ZEROS, "(七)总计" + ones),
    ))
    for row in ("other_overdue_correction", "other_unpaid_fees", "other_other"):
        assert [(c["value"], c["state"]) for c in _cells(report, row)] == [(None, "missing")] * 7
    assert [c["value"] for c in _cells(report, "other_handling")] == [2, 0, 0, 0, 0, 0, 2]
    assert any("the aggregate is reported as requests.other_handling" in w for w in report.warnings)
    outcomes = [c for c in report.checks if c.check == "requests.outcomes_sum"]
    assert all(c.status == "pass" and "other_handling" in c.rhs_terms for c in outcomes)
    # and a wrong aggregate is caught by the same check
    bad = extractor.extract(_seed(seed_path, (OTHER_ROWS, "(六)其他处理" + ones)))
    assert bad.check_summary["requests.outcomes_sum"] == "fail"


# --- the model of a ruled report: rows broken over a page, unreadable labels ------------------

@pytest.fixture(scope="module")
def ruled() -> Document:
    path = FIXTURES / "html" / "trs_article_utf8.html"
    return read_document(path.read_bytes(), source=str(path))


def _requests_table(doc: Document) -> Table:
    return next(t for t in doc.tables() if "勾稽关系" in t.text())


def _find_row(table: Table, label: str) -> int:
    return next(r for r in range(table.n_rows) if any(c is not None and label in c.text for c in table.grid[r]))


def _break_over_page(doc: Document, label: str, *, numbers_first: bool, cut: int) -> Document:
    """Split table 三 at row ``label`` as Word does at a page break: one piece of the row per page."""
    doc = copy.deepcopy(doc)
    table = _requests_table(doc)
    r = _find_row(table, label)
    row = table.grid[r]
    label_col = max(c for c, cell in enumerate(row) if cell is not None and label in cell.text)
    first, second = [], []
    for c, cell in enumerate(row):
        if c == label_col:
            head, tail = cell.text[:cut], cell.text[cut:]
            first.append(Cell(head))
            second.append(Cell(tail))
        elif c > label_col:  # a value cell: its number on one page, blank on the other
            first.append(Cell(cell.text if numbers_first else ""))
            second.append(Cell("" if numbers_first else cell.text))
        else:  # the group labels to the left: repeated on both pages
            first.append(cell)
            second.append(cell)
    page1 = Table(table.grid[:r] + [first])
    page2 = Table([second] + table.grid[r + 1:])
    i = doc.blocks.index(table)
    doc.blocks[i:i + 1] = [page1, Paragraph("— 3 —"), page2]
    return doc


def _expected(path: Path) -> dict:
    import json
    exp = json.loads(path.read_text(encoding="utf-8"))
    return {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in exp["cells"]}


@pytest.mark.parametrize("label,cut,numbers_first", [
    ("5.要求行政机关确认或重新出具已获取信息", 10, False),
    ("5.要求行政机关确认或重新出具已获取信息", 10, True),
    ("1.申请人无正当理由逾期不补正", 16, True),
    ("1.申请人无正当理由逾期不补正", 16, False),
    ("（二）部分公开", 6, False),
    ("3.其他", 4, False),  # the whole label on page N, the numbers alone on N+1
])
def test_row_broken_over_a_page_is_joined(ruled, label, cut, numbers_first):
    doc = _break_over_page(ruled, label, numbers_first=numbers_first, cut=cut)
    report = extract_document(doc)
    want = _expected(FIXTURES / "html" / "trs_article_utf8.expected.json")
    got = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in report.cells}
    wrong = {k: (want[k], got[k]) for k in want if got[k] != want[k]}
    assert not wrong
    assert any("printed in pieces" in w for w in report.warnings) or "部分公开" in label


def test_labels_that_cannot_be_read_are_read_by_position_only_when_the_checks_pass(ruled):
    doc = copy.deepcopy(ruled)
    table = _requests_table(doc)
    first = _find_row(table, "一、本年新收")
    for r in range(first, table.n_rows):
        for cell in table.distinct_row(r):
            if not cell.text.strip().isdigit():
                cell.text = ""  # labels drawn as outlines: no text
    report = extract_document(doc)
    want = _expected(FIXTURES / "html" / "trs_article_utf8.expected.json")
    req = [c for c in report.cells if c["table"] == "requests"]
    assert all((c["value"], c["state"]) == want[(c["table"], c["row"], c["column"])] for c in req)
    assert {c["how"] for c in req} == {"position"}
    assert any("all 25 rows read by position" in w for w in report.warnings)
    assert any("confirmed by the table's checks" in w for w in report.warnings)

    # one number changed: the checks fail, nothing read by position stands
    cell = next(c for c in table.distinct_row(first) if c.text.strip().isdigit())
    cell.text = str(int(cell.text) + 7)
    refused = extract_document(doc)
    req = [c for c in refused.cells if c["table"] == "requests"]
    assert all(c["value"] is None and c["state"] == "unreadable" for c in req)
    assert any("not confirmed by the table's checks" in w for w in refused.warnings)


# --- the body named above the title, or only in the signature ---------------------------------

def _with_head(seed_path: Path, head: str, tail: str | None = None) -> bytes:
    text = seed_path.read_text(encoding="utf-8")
    text = text.replace("巴彦淖尔市商务局2024年政府信息公开\n工作年度报告\n", head, 1)
    if tail is not None:
        assert text.endswith("巴彦淖尔市商务局\n2025年1月10日")
        text = text[: -len("巴彦淖尔市商务局\n2025年1月10日")] + tail
    return text.encode("utf-8")


def test_body_on_its_own_line_above_the_title(seed_path):
    report = extractor.extract(_with_head(seed_path, "徐州市铜山区交通运输局\n2024 年政府信息公开工作年度报告\n",
                                          tail=""))
    assert report.metadata["agency"] == "徐州市铜山区交通运输局"
    assert report.metadata["year"] == 2024


def test_body_named_only_in_the_signature_not_the_compiling_office(seed_path):
    head = ("2024年政府信息公开工作年度报告\n本报告由宿迁市宿豫区水务局办公室根据《中华人民共和国政府信息公开条例》编制。\n")
    report = extractor.extract(_with_head(seed_path, head, tail="宿迁市宿豫区水务局\n2025年1月20日\n"))
    assert report.metadata["agency"] == "宿迁市宿豫区水务局"
    assert report.metadata["published"] == "2025-01-20"


def test_a_document_banner_is_not_the_body(seed_path):
    report = extractor.extract(_with_head(seed_path, "宿迁市人民政府办公室文件\n2024年政府信息公开工作年度报告\n",
                                          tail=""))
    assert report.metadata["agency"] is None
    assert any(w.startswith("agency: the report names no body") for w in report.warnings)
