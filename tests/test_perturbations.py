"""No silent errors: perturbed fixtures must come back right or flagged, never silently wrong.

The rule (README "Numbers are never guessed"; SCHEMA.md "Values"): every cell the extractor
returns is either right, or flagged, or sits in an equation of the template's arithmetic that
fails or cannot be assessed. A cell is *flagged* when its state is ``missing`` or ``unreadable``,
its ``how`` is ``"position"`` (its row was placed by the template's row order, not by its label),
or a warning names its row (``"{table}.{row}"``). A report that raises an ``ExtractorError`` is
flagged as a whole (and counted).

Every fixture with an expected file full of cells (no error fixtures, no OCR scans, no ``.doc``:
nothing that needs the OCR extra or LibreOffice) is read once into the document model; each
perturbation then edits a deep copy of that ``Document`` -- so the same edit hits HTML, DOCX,
PDF and flattened text alike -- and maps it with ``extract_document``:

``label_typo``         one character of a row's own label cell replaced (a look-alike where
                       there is one: 予->矛, 公->分 ...), for rows of tables 二, 三 and 四;
``label_blank``        a row's own label cell emptied, its numbers kept;
``row_split``          the table split into two at that row, the row itself split as Word/WPS
                       PDFs print it over a page break: page N ends with the first half of the
                       label over blank value cells, page N+1 starts with the rest of the label
                       and the numbers (every other case with a "— N —" page-number paragraph
                       between the two tables);
``row_split_reverse``  the other way round: the numbers with the label's first half on page N,
                       the rest of the label over blank value cells on page N+1;
``value_blank``        one printed value emptied: the truth of that cell becomes 0 / ``blank``;
``value_x``            one printed value replaced by ``x``: the truth becomes null / ``unreadable``;
``unperturbed``        the control: the document as read.

Rows and values are picked per fixture with a seeded ``random.Random`` (deterministic, varied
between fixtures; ``PERTURB_ALL=1`` tries every row and value instead). Targets are found
without trusting the mapper on the perturbed document: every printed value of the unperturbed
document is replaced by a unique sentinel number once, mapped, and each sentinel's address
located -- that ties each schema address to the ``Cell`` object printing it, whatever the
format. A row's own label is the label cell in its grid row (or, for tables printed the other
way round, the header cell over exactly its columns) that belongs to that row alone.

Run with ``-s`` for a summary per perturbation: documents tried, cells right, cells flagged,
and silent wrong cells (which must be zero). Hypothesis is not used: the choice of rows is
already a seeded sample, and shrinking buys nothing when a failure names one row of one file.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import os
import random
import re
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from extractor.api import extract_document
from extractor.checks import CheckResult, run_checks
from extractor.errors import ExtractorError
from extractor.mapping.labels import normalise
from extractor.mapping.mapper import map_document
from extractor.mapping.numbers import looks_like_value, parse_value
from extractor.model import Cell, Document, Paragraph, Table
from extractor.reading import read_document
from extractor.schema import TEMPLATES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NEEDS_TOOLS = {".doc", ".wps"}  # LibreOffice
ALL = os.environ.get("PERTURB_ALL", "") not in ("", "0")
# How many rows (label and split kinds) or values (value kinds) to try per table and fixture.
PER_TABLE = {"active_disclosure": 1, "requests": 3, "review_litigation": 1}

KINDS = ("unperturbed", "label_typo", "label_blank", "row_split", "row_split_reverse", "value_blank", "value_x")

Address = tuple[str, str, str]


# --- fixtures -----------------------------------------------------------------------------------

def _cases() -> list[tuple[Path, Path]]:
    cases = []
    for exp in sorted(FIXTURES.rglob("*.expected.json")):
        expected = json.loads(exp.read_text(encoding="utf-8"))
        if "error" in expected or not expected.get("cells"):
            continue
        stem = exp.name[: -len(".expected.json")]
        inputs = [p for p in exp.parent.iterdir()
                  if p.is_file() and p.name != exp.name and not p.name.endswith(".json")
                  and p.name.startswith(stem + ".") and p.name[len(stem) + 1:].count(".") == 0]
        if inputs and inputs[0].suffix.lower() not in NEEDS_TOOLS:
            cases.append((inputs[0], exp))
    return cases


CASES = _cases()
CASE_IDS = [str(p.relative_to(FIXTURES)) for p, _ in CASES]


@functools.lru_cache(maxsize=None)
def _fixture(path: Path, expected_path: Path) -> tuple[Document, dict]:
    """The fixture read ONCE into the document model, and its expected file."""
    doc = read_document(path.read_bytes(), source=str(path))
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    return doc, expected


def _truth(expected: dict) -> dict[Address, tuple]:
    return {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in expected["cells"]}


# --- the predicate ------------------------------------------------------------------------------

def schema_check_addresses(template: str, check: str, key: str) -> set[Address] | None:
    """The addresses of one equation, rebuilt from SCHEMA.md's definitions (None: unknown check)."""
    tpl = TEMPLATES[template]
    if check.startswith("requests."):
        spec = tpl.table("requests")
        rows = [r.key for r in spec.rows]
        cols = [c.key for c in spec.columns]
        if check == "requests.balance":
            return {("requests", r, key) for r in ("new_requests", "carried_over", "total_processed",
                                                   "carried_forward")}
        if check == "requests.outcomes_sum":
            outcomes = rows[rows.index("granted"):rows.index("total_processed")]
            return {("requests", r, key) for r in ["total_processed", *outcomes]}
        if check == "requests.row_total":
            return {("requests", key, c) for c in cols}
    if check == "review_litigation.row_total":
        return {("review_litigation", key, c.key) for c in tpl.table("review_litigation").columns}
    return None


def terms_check_addresses(result: CheckResult) -> set[Address]:
    """The addresses of one equation as its CheckResult names them (lhs/rhs terms, scope, key)."""
    table = result.check.split(".")[0]
    terms = [t.strip() for side in (result.lhs_terms, result.rhs_terms) for t in side.split("+") if t.strip()]
    if result.scope == "column":
        return {(table, t, result.key) for t in terms}
    return {(table, result.key, t) for t in terms}


def check_addresses(template: str, result: CheckResult) -> set[Address]:
    found = schema_check_addresses(template, result.check, result.key)
    return found if found is not None else terms_check_addresses(result)


def _names(warning: str, table: str, row: str) -> bool:
    return re.search(re.escape(f"{table}.{row}") + r"(?![A-Za-z0-9_])", warning) is not None


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def classify(template: str, cells: list[dict], checks: list[CheckResult], warnings: list[str],
             truth: dict[Address, tuple], *, use_checks: bool = True) -> tuple[int, int, list[dict]]:
    """(right, flagged, silent wrong cells) of one extraction against ``truth``."""
    got = {(c["table"], c["row"], c["column"]): c for c in cells}
    unsure: set[Address] = set()
    if use_checks:
        for res in checks:
            if res.status in ("fail", "not_assessable"):
                unsure |= check_addresses(template, res)
    right = flagged = 0
    silent = []
    for addr, (value, state) in truth.items():
        g = got.get(addr)
        if g is not None and _same(g["value"], value) and g["state"] == state:
            right += 1
            continue
        if g is not None and (g["state"] in ("missing", "unreadable") or g.get("how") == "position"
                              or any(_names(w, addr[0], addr[1]) for w in warnings) or addr in unsure):
            flagged += 1
            continue
        silent.append({"address": ".".join(addr), "expected": (value, state),
                       "got": None if g is None else (g["value"], g["state"], g.get("raw"), g.get("how")),
                       "state_only": g is not None and _same(g["value"], value)})
    return right, flagged, silent


# --- locating rows, labels and values in the document model -------------------------------------

@dataclasses.dataclass(frozen=True)
class Located:
    """Where the unperturbed document prints each schema address and each row's own label."""
    values: dict  # address -> (block index, row, col) of its value cell (one grid position of it)
    labels: dict  # (table, row) -> (block index, row, col, layout) of its own label cell; layout "row"/"column"


def _table(doc: Document, b: int) -> Table:
    block = doc.blocks[b]
    assert isinstance(block, Table), (b, block)
    return block


def _cell(doc: Document, b: int, r: int, c: int) -> Cell:
    cell = _table(doc, b).grid[r][c]
    assert cell is not None, (b, r, c)
    return cell


def _positions(table: Table) -> dict[int, list[tuple[int, int]]]:
    pos: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r, line in enumerate(table.grid):
        for c, cell in enumerate(line):
            if cell is not None:
                pos[id(cell)].append((r, c))
    return pos


def _is_label(cell: Cell | None) -> bool:
    return cell is not None and bool(cell.text.strip()) and not looks_like_value(cell.text)


def _row_keys(template: str, table: str, row: str) -> set[str]:
    r = TEMPLATES[template].table(table).row(row)
    return {k for k in {normalise(r.label), *(normalise(a) for a in r.aliases)} if k}


@functools.lru_cache(maxsize=None)
def _locate(path: Path, expected_path: Path) -> Located:
    doc, expected = _fixture(path, expected_path)
    template = expected["template"]
    truth = _truth(expected)
    probe = copy.deepcopy(doc)
    sentinel: dict[int, tuple[int, int, int]] = {}
    original: dict[int, str] = {}
    n = 0
    for b, block in enumerate(probe.blocks):
        if not isinstance(block, Table):
            continue
        seen: set[int] = set()
        for r, line in enumerate(block.grid):
            for c, cell in enumerate(line):
                if cell is None or id(cell) in seen:
                    continue
                seen.add(id(cell))
                if looks_like_value(cell.text):
                    n += 1
                    value = 900_000 + n
                    sentinel[value] = (b, r, c)
                    original[value] = cell.text
                    cell.text = str(value)
    mapped = map_document(probe, template)
    hits: dict[int, list[Address]] = defaultdict(list)
    for mc in mapped.cells:
        if mc.state == "number" and isinstance(mc.value, int) and mc.value in sentinel:
            hits[mc.value].append((mc.table, mc.row, mc.column))
    values: dict[Address, tuple[int, int, int]] = {}
    for value, addrs in hits.items():
        if len(addrs) != 1 or addrs[0] not in truth:
            continue
        addr = addrs[0]
        col_kind = "money" if truth[addr][0] is not None and isinstance(truth[addr][0], float) else "signed"
        p = parse_value(original[value], kind=col_kind)
        if p.state == truth[addr][1] and _same(p.value, truth[addr][0]):  # it prints the truth
            values[addr] = sentinel[value]

    labels: dict[tuple[str, str], tuple[int, int, int, str]] = {}
    by_row: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
    for (t, row, _col), where in values.items():
        by_row[(t, row)].append(where)
    for (t, row), wheres in by_row.items():
        blocks = {w[0] for w in wheres}
        if len(blocks) != 1:
            continue
        b = blocks.pop()
        table = _table(doc, b)
        pos = _positions(table)
        rows_of = {w[1] for w in wheres}
        cols_of = {c for _b, r, c0 in wheres for (rr, c) in pos[id(table.grid[r][c0])]}
        found = None
        if len(rows_of) == 1:  # printed across one grid row: its own label is to the left
            r = next(iter(rows_of))
            first = min(cols_of)
            for c in range(first - 1, -1, -1):
                cell = table.grid[r][c]
                if _is_label(cell):
                    if {rr for rr, _ in pos[id(cell)]} == {r}:
                        found = (b, r, c, "row")
                    break
        if found is None:  # printed down the columns (transposed, or table 四's one line)
            top = min(w[1] for w in wheres)
            for r in range(top - 1, -1, -1):
                cells = {id(table.grid[r][c]): table.grid[r][c] for c in cols_of if c < len(table.grid[r])}
                if len(cells) == 1:
                    cell = next(iter(cells.values()))
                    if _is_label(cell) and {c for _, c in pos[id(cell)]} == cols_of:
                        found = (b, pos[id(cell)][0][0], pos[id(cell)][0][1], "column")
                        break
        if found is None:  # one cell that prints exactly this row's label, here or in a table above
            keys = _row_keys(template, t, row)
            tables_back = [i for i in range(b, -1, -1) if isinstance(doc.blocks[i], Table)][:3]
            for i in tables_back:
                tpos = _positions(_table(doc, i))
                hits_here = [(cid, where) for cid, where in tpos.items()
                             if normalise(_cell(doc, i, *where[0]).text) in keys]
                if len(hits_here) == 1:
                    (r0, c0) = hits_here[0][1][0]
                    found = (i, r0, c0, "column")
                    break
                if hits_here:
                    break
        if found is not None:
            labels[(t, row)] = found
    return Located(values, labels)


# --- perturbations ------------------------------------------------------------------------------

LOOKALIKE = {"予": "矛", "公": "分", "开": "幵", "申": "甲", "请": "清", "处": "外", "理": "埋", "政": "正",
             "信": "言", "息": "恳", "年": "午", "收": "牧", "转": "传", "办": "力", "结": "洁", "数": "教",
             "量": "最", "行": "衍", "规": "观", "章": "竟", "许": "评", "可": "司", "罚": "罪",
             "强": "弹", "制": "刷", "费": "废", "复": "夏", "议": "仪", "诉": "沂", "讼": "松", "审": "宙",
             "国": "图", "家": "冢", "秘": "私", "密": "蜜", "法": "去", "律": "津", "内": "肉", "部": "剖",
             "事": "争", "务": "条", "过": "讨", "程": "桯",
             "案": "桉", "卷": "券", "查": "杳", "询": "洵", "掌": "撑", "握": "幄", "相": "柤", "关": "美",
             "没": "设", "有": "育", "现": "见", "成": "戍", "补": "朴", "正": "止", "明": "朋", "确": "硝",
             "访": "仿", "举": "誉", "报": "服", "投": "设", "重": "垂", "出": "山", "版": "板", "物": "吻",
             "大": "太", "反": "友", "他": "也", "其": "共", "总": "忠", "计": "讦", "下": "卞", "度": "席",
             "继": "断", "续": "读", "上": "土", "新": "薪", "本": "木", "文": "丈", "件": "伴"}
FILLERS = "甲乙丙丁戊己庚辛壬癸"


def _typo(text: str, rng: random.Random) -> str:
    idx = [i for i, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    if not idx:
        return text + "甲"
    i = rng.choice(idx)
    new = LOOKALIKE.get(text[i]) or next(f for f in FILLERS if f != text[i])
    return text[:i] + new + text[i + 1:]


def _halves(text: str) -> tuple[str, str]:
    cut = max(1, len(text) // 2)
    return text[:cut], text[cut:]


def _split_row(doc: Document, b: int, r: int, c: int, *, reverse: bool, page_number: bool) -> None:
    """Split table ``b`` at grid row ``r`` as a page break prints it (see the module docstring)."""
    table = _table(doc, b)
    grid = table.grid
    label = _cell(doc, b, r, c)
    label_cols = [cc for cc, x in enumerate(grid[r]) if x is label]
    first, rest = _halves(label.text)
    head_label = dataclasses.replace(label, text=first)
    tail_label = dataclasses.replace(label, text=rest)
    copies: dict[int, Cell] = {}  # cells that go on printing on page N+1 are new cells there

    def again(cell: Cell | None) -> Cell | None:
        if cell is None:
            return None
        if id(cell) not in copies:
            copies[id(cell)] = dataclasses.replace(cell)
        return copies[id(cell)]

    blanks: dict[int, Cell] = {}

    def blank(cell: Cell | None) -> Cell | None:
        if cell is None:
            return None
        if id(cell) not in blanks:
            blanks[id(cell)] = dataclasses.replace(cell, text="")
        return blanks[id(cell)]

    head: list[Cell | None] = []
    tail: list[Cell | None] = []
    for cc, cell in enumerate(grid[r]):
        if cc in label_cols:
            head.append(head_label)
            tail.append(tail_label)
        elif cc < min(label_cols):  # group labels to the left: continue on N, printed again on N+1
            head.append(cell)
            tail.append(again(cell))
        else:  # the value cells
            head.append(cell if reverse else blank(cell))
            tail.append(blank(cell) if reverse else again(cell))
    after = [[again(x) if x is not None and any(x is y for line in grid[:r + 1] for y in line) else x
              for x in line] for line in grid[r + 1:]]
    page = table.provenance.page
    t1 = Table(grid=[*grid[:r], head], provenance=table.provenance, aligned=table.aligned)
    t2 = Table(grid=[tail, *after], aligned=table.aligned,
               provenance=dataclasses.replace(table.provenance, page=page + 1 if page else None, bbox=None))
    middle = [Paragraph(f"— {(page or 2) + 1} —")] if page_number else []
    doc.blocks[b:b + 1] = [t1, *middle, t2]


@dataclasses.dataclass
class Perturbed:
    what: str
    doc: Document
    truth: dict[Address, tuple]


def _sample(rng: random.Random, items: list, table_of) -> list:
    if ALL:
        return items
    out = []
    for table, k in PER_TABLE.items():
        mine = [x for x in items if table_of(x) == table]
        out.extend(rng.sample(mine, min(k, len(mine))))
    return out


def perturbations(path: Path, expected_path: Path, kind: str) -> list[Perturbed]:
    doc, expected = _fixture(path, expected_path)
    truth = _truth(expected)
    located = _locate(path, expected_path)
    rng = random.Random(zlib.crc32(f"{path.relative_to(FIXTURES)}:{kind}".encode()))
    out: list[Perturbed] = []
    if kind == "unperturbed":
        return [Perturbed("as read", copy.deepcopy(doc), truth)]
    if kind in ("label_typo", "label_blank", "row_split", "row_split_reverse"):
        rows = sorted(located.labels)
        if kind.startswith("row_split"):
            rows = [k for k in rows if located.labels[k][3] == "row"]
        for n, (t, row) in enumerate(_sample(rng, rows, lambda k: k[0])):
            b, r, c, _layout = located.labels[(t, row)]
            d = copy.deepcopy(doc)
            cell = _cell(d, b, r, c)
            before = cell.text
            if kind == "label_typo":
                cell.text = _typo(before, rng)
                what = f"{t}.{row}: label {before!r} -> {cell.text!r}"
            elif kind == "label_blank":
                cell.text = ""
                what = f"{t}.{row}: label {before!r} -> ''"
            else:
                reverse = kind == "row_split_reverse"
                _split_row(d, b, r, c, reverse=reverse, page_number=n % 2 == 0)
                a, z = _halves(before)
                what = (f"{t}.{row}: split over a page break, {a!r}{' + numbers' if reverse else ' + blanks'}"
                        f" | {'— N — | ' if n % 2 == 0 else ''}{z!r}{' + blanks' if reverse else ' + numbers'}")
            out.append(Perturbed(what, d, truth))
        return out
    if kind in ("value_blank", "value_x"):
        addrs = sorted(located.values)
        nonzero = [a for a in addrs if truth[a][0]]
        zero = [a for a in addrs if not truth[a][0]]
        picks = _sample(rng, nonzero, lambda a: a[0])
        if zero:  # a printed 0 or dash: emptied it is still 0, in state blank
            picks.extend(zero if ALL else [rng.choice(zero)])
        for addr in picks:
            b, r, c = located.values[addr]
            d = copy.deepcopy(doc)
            cell = _cell(d, b, r, c)
            before = cell.text
            cell.text = "" if kind == "value_blank" else "x"
            new_truth = dict(truth)
            new_truth[addr] = (0, "blank") if kind == "value_blank" else (None, "unreadable")
            out.append(Perturbed(f"{'.'.join(addr)}: value {before!r} -> {cell.text!r}", d, new_truth))
        return out
    raise ValueError(kind)


# --- the test -----------------------------------------------------------------------------------

STATS: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if not STATS:
        return
    print("\n\nperturbations: documents tried, cells right, cells flagged, SILENT WRONG cells "
          "(reports refused with an ExtractorError count as flagged)")
    total: Counter = Counter()
    for kind in KINDS:
        s = STATS.get(kind)
        if not s:
            continue
        total.update(s)
        _line(kind, s)
    _line("all", total)


def _line(name: str, s: Counter) -> None:
    print(f"  {name:18} tried {s['tried']:4}  right {s['right']:6}  flagged {s['flagged']:5}  "
          f"SILENT WRONG {s['silent']:4} ({s['state_only']} state only; in {s['silent_docs']} documents)  "
          f"refused {s['errors']}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("path,expected_path", CASES, ids=CASE_IDS)
def test_no_silent_errors(path: Path, expected_path: Path, kind: str) -> None:
    doc, expected = _fixture(path, expected_path)
    if doc.meta.get("ocr"):
        pytest.skip("read by OCR: tests/test_ocr.py")
    template = expected["template"]
    cases = perturbations(path, expected_path, kind)
    if not cases:
        pytest.skip(f"no row or value of this fixture could be located for {kind}")
    stats = STATS[kind]
    problems = []
    for case in cases:
        stats["tried"] += 1
        try:
            report = extract_document(case.doc, source=str(path))
        except ExtractorError as exc:
            stats["errors"] += 1
            stats["flagged"] += len(case.truth)
            print(f"\n{path.relative_to(FIXTURES)} [{kind}] {case.what}: refused ({type(exc).__name__}: {exc})")
            continue
        right, flagged, silent = classify(template, report.cells, report.checks, report.warnings, case.truth)
        stats["right"] += right
        stats["flagged"] += flagged
        stats["silent"] += len(silent)
        stats["state_only"] += sum(1 for s in silent if s["state_only"])
        if silent:
            stats["silent_docs"] += 1
            rows = {s["address"].rsplit(".", 1)[0] for s in silent}
            named = [w for w in report.warnings if any(r.split(".")[0] in w for r in rows)]
            problems.append(f"{case.what}\n    silently wrong ({len(silent)}, "
                            f"{sum(1 for s in silent if s['state_only'])} of them the right value in the wrong "
                            "state): " + "; ".join(f"{s['address']} expected {s['expected']} got {s['got']}"
                                                   for s in silent[:12])
                            + (" ..." if len(silent) > 12 else "")
                            + f"\n    warnings about these tables: {named[:6]}")
    assert not problems, (f"{path.relative_to(FIXTURES)} [{kind}]: {len(problems)} of {len(cases)} perturbed "
                          "documents have cells that are wrong and not flagged:\n  " + "\n  ".join(problems))


# --- the predicate can fail -----------------------------------------------------------------------

SEED_CASE = next(c for c in CASES if c[0].name == "report_2021.docx" and c[0].parent.name == "docx")


def _checks_of(template: str, cells: list[dict]) -> list[CheckResult]:
    return run_checks(TEMPLATES[template], {(c["table"], c["row"], c["column"]): (c["value"], c["state"])
                                            for c in cells})


def test_check_addresses_agree_with_the_check_results() -> None:
    """The equations rebuilt from SCHEMA.md are the ones each CheckResult names in its terms."""
    for template in TEMPLATES:
        cells = [{"table": t, "row": r, "column": c, "value": 0, "state": "number"}
                 for t, r, c in TEMPLATES[template].addresses()]
        results = _checks_of(template, cells)
        assert {r.check for r in results} == {"requests.balance", "requests.outcomes_sum", "requests.row_total",
                                              "review_litigation.row_total"}
        for res in results:
            assert schema_check_addresses(template, res.check, res.key) == terms_check_addresses(res), res


def test_predicate_reports_a_wrong_unflagged_value_and_accepts_each_flag() -> None:
    doc, expected = _fixture(*SEED_CASE)
    truth = _truth(expected)
    report = extract_document(copy.deepcopy(doc))
    cells = copy.deepcopy(report.cells)
    assert classify("2021", cells, report.checks, report.warnings, truth)[2] == []
    # one fabricated wrong value, with checks computed from the fabricated cells: it breaks
    # requests.row_total for 'granted', so the check flags it ...
    target = next(c for c in cells if (c["table"], c["row"], c["column"]) == ("requests", "granted", "natural_person"))
    target["value"] += 1
    assert classify("2021", cells, _checks_of("2021", cells), [], truth)[2] == []
    # ... and with the checks the document printed (all pass) and no warning, it is silent
    silent = classify("2021", cells, report.checks, [], truth)[2]
    assert [s["address"] for s in silent] == ["requests.granted.natural_person"]
    assert silent[0]["expected"] == (29, "number") and silent[0]["got"][:2] == (30, "number")
    # each flag clears it
    assert classify("2021", cells, report.checks, ["requests.granted: matched by position"], truth)[2] == []
    assert classify("2021", cells, report.checks, ["requests.granted_x: something"], truth)[2] != []
    target["how"] = "position"
    assert classify("2021", cells, report.checks, [], truth)[2] == []
    target.pop("how")
    target["state"], target["value"] = "unreadable", None
    assert classify("2021", cells, report.checks, [], truth)[2] == []
    # a right value in the wrong state (a printed 0 read as blank) is wrong too
    zero = next(c for c in cells if c["value"] == 0 and c["state"] == "number" and c["table"] == "requests")
    zero["state"] = "blank"
    assert [s["address"] for s in classify("2021", cells, report.checks, [], truth)[2]] == \
        [f"requests.{zero['row']}.{zero['column']}"]


def _swap_rows(doc: Document, located: Located, a: str, b: str) -> None:
    """Swap the printed values of two rows of table 三 in the document, labels left in place."""
    cols = [c.key for c in TEMPLATES["2021"].table("requests").columns]
    for col in cols:
        pa, pb = located.values[("requests", a, col)], located.values[("requests", b, col)]
        ca, cb = _cell(doc, *pa), _cell(doc, *pb)
        ca.text, cb.text = cb.text, ca.text


def test_a_swap_the_checks_catch_is_flagged_and_one_they_cannot_see_is_reported() -> None:
    """End to end through a perturbed Document: the predicate fails when it should."""
    doc, expected = _fixture(*SEED_CASE)
    truth = _truth(expected)
    located = _locate(*SEED_CASE)
    # new_requests <-> carried_forward: the document now contradicts requests.balance, so every
    # wrong cell sits in a failing equation; without the checks the predicate reports them all
    d = copy.deepcopy(doc)
    _swap_rows(d, located, "new_requests", "carried_forward")
    report = extract_document(d)
    assert classify("2021", report.cells, report.checks, report.warnings, truth)[2] == []
    wrong = classify("2021", report.cells, report.checks, report.warnings, truth, use_checks=False)[2]
    assert {s["address"].split(".")[1] for s in wrong} == {"new_requests", "carried_forward"}
    # granted <-> partially_granted: every equation still holds, so the wrong cells are silent
    d = copy.deepcopy(doc)
    _swap_rows(d, located, "granted", "partially_granted")
    report = extract_document(d)
    wrong = classify("2021", report.cells, report.checks, report.warnings, truth)[2]
    differing = {f"requests.{r}.{c}" for r in ("granted", "partially_granted")
                 for c in [c.key for c in TEMPLATES["2021"].table("requests").columns]
                 if truth[("requests", "granted", c)] != truth[("requests", "partially_granted", c)]}
    assert differing and {s["address"] for s in wrong} == differing


def test_every_fixture_has_targets() -> None:
    """Each fixture yields label, split and value targets in every table it prints by rows."""
    lacking = []
    for path, exp in CASES:
        loc = _locate(path, exp)
        tables = {t for t, _ in loc.labels}
        if not {"active_disclosure", "requests"} <= tables or not loc.values:
            lacking.append((str(path.relative_to(FIXTURES)), sorted(tables), len(loc.values)))
    assert not lacking, lacking
