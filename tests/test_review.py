"""``extract review``: which reports the page lists (against the fixtures' truth), the failing equations
written with their printed numbers, the highlighted cells, the source beside them (pictures for PDFs,
the source table's rows for HTML, Word and text), the correction lines, and the CLI.

The dataset is built once from fixtures that break in each input kind: broken_arithmetic.html
(failing checks), chromium_landscape_kangxi.pdf (failing checks), chromium_typical_three_line.pdf (a
row placed by position), a copy of report_2021.docx with one number changed, the seed text with a row
that lost two cells (unreadable) — and clean reports of each kind that must not be listed."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from extractor import extract_many
from extractor.checks import run_checks
from extractor.ocr import ocr_available
from extractor.cli.main import main
from extractor.review import PAGE_NAME, review_html, write_review
from extractor.review.data import LOW_CONFIDENCE, select
from extractor.schema import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
FX = ROOT / "fixtures"
SEED = FX / "seed" / "000_3a7ed7c9ae9b3af5.txt"
BROKEN_HTML = FX / "html" / "broken_arithmetic.html"
PDF_FAIL = FX / "pdf" / "chromium_landscape_kangxi.pdf"
PDF_POSITION = FX / "pdf" / "chromium_typical_three_line.pdf"
CLEAN = [FX / "series" / "yunling_zrzyj_2023.html", FX / "docx" / "report_2021.docx",
         FX / "text" / "flattened_rows.txt", FX / "pdf" / "chromium_typical_ruled.pdf"]
# The seed's 一、本年新收 row: seven zeros, two dropped as flattening does with empty cells (test_mapper).
SEED_ROW = "一、本年新收政府信息公开申请数量\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n|\n0\n"
SEED_BROKEN_ROW = "一、本年新收政府信息公开申请数量\n|\n3\n|\n1\n|\n4\n|\n0\n|\n8\n"


def truth(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def make_docx_with_changed_number(dest: Path) -> Path:
    """report_2021.docx with （一）予以公开 of natural persons printed 30 instead of 29."""
    import docx

    d = docx.Document(str(FX / "docx" / "report_2021.docx"))
    cell = d.tables[1].rows[5].cells[3]
    assert d.tables[1].rows[5].cells[1].text.startswith("（一）予以公开") and cell.text == "29"
    runs = cell.paragraphs[0].runs
    runs[0].text = "30"
    for r in runs[1:]:
        r.text = ""
    d.save(str(dest))
    return dest


def make_text_with_broken_row(dest: Path) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert SEED_ROW in text
    dest.write_text(text.replace(SEED_ROW, SEED_BROKEN_ROW, 1), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("review")
    docx_bad = make_docx_with_changed_number(work / "changed_number.docx")
    text_bad = make_text_with_broken_row(work / "broken_row.txt")
    flagged = [BROKEN_HTML, PDF_FAIL, PDF_POSITION, docx_bad, text_bad]
    out = work / "dataset"
    extract_many([*flagged, *CLEAN]).write(out)
    page = write_review(out)
    return {"out": out, "page": page, "docx": docx_bad, "text": text_bad, "flagged": flagged,
            "soup": BeautifulSoup(page.read_text(encoding="utf-8"), "lxml"),
            "cells": pd.read_parquet(out / "cells.parquet"), "reports": pd.read_parquet(out / "reports.parquet")}


def section(built: dict, path: Path):
    found = built["soup"].select(f'section.report[data-source="{path}"]')
    assert len(found) == 1, f"{path} listed {len(found)} times"
    return found[0]


def test_every_flagged_report_is_listed_and_no_clean_one(built):
    listed = [s["data-source"] for s in built["soup"].select("section.report")]
    assert sorted(listed) == sorted(str(p) for p in built["flagged"])
    # The clean reports are clean by their own truth: every check passes as printed.
    for p in CLEAN:
        assert set(truth(p)["checks"].values()) == {"pass"}, p
    assert "fail" in truth(BROKEN_HTML)["checks"].values() and "fail" in truth(PDF_FAIL)["checks"].values()


def test_worst_first(built):
    scores = [int(s["data-score"]) for s in built["soup"].select("section.report")]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    ranks = [s.select_one(".rank").get_text() for s in built["soup"].select("section.report")]
    assert ranks == [f"#{i}" for i in range(1, len(ranks) + 1)]


def test_report_facts(built):
    sec = section(built, BROKEN_HTML)
    md = truth(BROKEN_HTML)["metadata"]
    assert md["agency"] in sec.select_one("h2").get_text() and str(md["year"]) in sec.select_one("h2").get_text()
    assert sec["data-agency"] == md["agency"] and sec["data-year"] == str(md["year"])
    facts = sec.select_one("dl.facts").get_text(" ")
    assert str(BROKEN_HTML) in facts and "2021" in facts
    sec = section(built, PDF_POSITION)
    warnings = [li.get_text() for li in sec.select("details.warnings li")]
    assert any("matched by position" in w for w in warnings)


def _truth_equations(path: Path) -> dict[tuple[str, str], tuple[list, list, float, float]]:
    """(check, key) -> (left addresses, right addresses, lhs, rhs) of the truth's failing equations,
    computed on the truth's own cells."""
    t = truth(path)
    cells = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in t["cells"]}
    out = {}
    for r in run_checks(TEMPLATES[t["template"]], cells):
        if r.status != "fail":
            continue
        table = r.check.split(".")[0]

        def addrs(terms: str, r=r, table=table) -> list:
            names = [x.strip() for x in terms.split("+")]
            return [(table, r.key, n) if r.scope == "row" else (table, n, r.key) for n in names]
        out[(r.check, r.key)] = (addrs(r.lhs_terms), addrs(r.rhs_terms), r.lhs, r.rhs)
    return out


def _n(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def test_failing_equations_written_with_the_printed_numbers(built):
    t = truth(BROKEN_HTML)
    values = {(c["table"], c["row"], c["column"]): c["value"] for c in t["cells"]}
    eqs = _truth_equations(BROKEN_HTML)
    assert set(eqs) == {(f["check"], f["key"]) for f in t["failures"]}
    sec = section(built, BROKEN_HTML)
    shown = {(li["data-check"], li["data-key"]): li.select_one(".math").get_text() for li in sec.select("ul.eqs li")}
    assert set(shown) == set(eqs)
    for k, (left, right, lhs, rhs) in eqs.items():
        assert len(left) == 1  # every failing check here is a printed total against its parts
        want = f"{'+'.join(_n(values[a]) for a in right)} = {_n(rhs)} ≠ {_n(lhs)} printed"
        assert shown[k] == want, k
    # The fixture's own words (fixtures/README.md): 行政复议 total 6 over 3+1+0+1.
    assert shown[("review_litigation.row_total", "administrative_review")] == "3+1+0+1 = 5 ≠ 6 printed"


def test_highlighted_cells_are_exactly_the_failing_equations_cells(built):
    eqs = _truth_equations(BROKEN_HTML)
    want = {".".join(a) for left, right, _, _ in eqs.values() for a in (*left, *right)}
    sec = section(built, BROKEN_HTML)
    highlighted = {td["data-key"] for td in sec.select("table.grid td.fail")}
    assert highlighted == want
    # Each equation names exactly its own cells (hovering it lights them).
    for li in sec.select("ul.eqs li"):
        left, right, _, _ = eqs[(li["data-check"], li["data-key"])]
        cells = {td["data-key"] for td in sec.select("table.grid td[data-eq]") if li["data-eq"] in td["data-eq"].split()}
        assert cells == {".".join(a) for a in (*left, *right)}
    # Nothing is flagged in this report, and the grids carry the template's Chinese labels.
    assert not sec.select("table.grid td.flag")
    grid_text = sec.select_one('table.grid[data-table="requests"]').get_text()
    for label in ("一、本年新收政府信息公开申请数量", "（七）总计", "自然人", "总计", "1.本机关不掌握相关政府信息"):
        assert label in grid_text


def test_html_source_rows_with_the_failing_cells_marked(built):
    sec = section(built, BROKEN_HTML)
    tables = sec.select(".pane.source table.src")
    assert tables and not sec.select(".pane.source img")
    cells = built["cells"]
    mine = cells[cells["source"] == str(BROKEN_HTML)]
    eqs = _truth_equations(BROKEN_HTML)
    addrs = {a for left, right, _, _ in eqs.values() for a in (*left, *right)}
    want_paths = {p for p, t, r, c in zip(mine["path"], mine["table"], mine["row"], mine["column"]) if (t, r, c) in addrs}
    marked = {td["title"] for t in tables for td in t.select("td.fail")}
    assert marked == want_paths
    # The source's own rows: the printed label and its numbers, e.g. the 不掌握 row printing 9 over 7+1.
    rows = [[td.get_text() for td in tr.select("td")] for t in tables for tr in t.select("tr")]
    assert any(r and r[-1] == "9" and any("本机关不掌握" in x for x in r) for r in rows)


def test_docx_source_rows(built):
    sec = section(built, built["docx"])
    eqs = {(li["data-check"], li["data-key"]): li.select_one(".math").get_text() for li in sec.select("ul.eqs li")}
    assert set(eqs) == {("requests.outcomes_sum", "natural_person"), ("requests.row_total", "granted")}
    assert eqs[("requests.row_total", "granted")] == "30+2+0+0+0+0 = 32 ≠ 31 printed"
    src = sec.select(".pane.source table.src")
    assert src and not sec.select(".pane.source img")
    changed = [td for t in src for td in t.select("td.fail") if td.get_text() == "30"]
    assert len(changed) == 1 and changed[0]["title"].startswith("body/tbl[2]/")
    assert len(src[0].select("tr")) >= 10


def test_text_source_rows_with_the_broken_row(built):
    sec = section(built, built["text"])
    assert "flag:unreadable" in sec["data-kinds"].split()
    flagged = {td["data-key"] for td in sec.select("table.grid td.flag-unreadable")}
    assert flagged == {f"requests.new_requests.{c.key}" for c in TEMPLATES["2021"].table("requests").columns}
    src = sec.select(".pane.source table.src")
    assert src and not sec.select(".pane.source img")
    hot = [[td.get_text() for td in tr.select("td") if "pad" not in td.get("class", [])]
           for t in src for tr in t.select("tr.hot")]
    assert ["一、本年新收政府信息公开申请数量", "3", "1", "4", "0", "8"] in hot


def _pictures(sec) -> list:
    from PIL import Image

    out = []
    for img in sec.select(".pane.source img"):
        head, data = img["src"].split(",", 1)
        assert head in ("data:image/png;base64", "data:image/jpeg;base64")
        pic = Image.open(io.BytesIO(base64.b64decode(data)))
        pic.load()
        assert pic.size == (int(img["width"]), int(img["height"]))
        assert 300 <= pic.width <= 1000 and 60 <= pic.height <= 1600
        out.append((int(img["data-page"]), pic))
    return out


def test_pdf_reports_carry_a_picture_of_the_page_region(built):
    cells = built["cells"]
    for path in (PDF_FAIL, PDF_POSITION):
        sec = section(built, path)
        pics = _pictures(sec)
        assert pics, path
        mine = cells[cells["source"] == str(path)]
        keys = {td["data-key"] for td in sec.select("table.grid td.fail, table.grid td.flag")}
        pages = {int(p) for p, k in zip(mine["page"], mine["table"] + "." + mine["row"] + "." + mine["column"])
                 if k in keys and not pd.isna(p)}
        assert {p for p, _ in pics} <= pages and len(pics) <= 3
        assert not sec.select(".pane.source table.src")
    # The position-placed row of chromium_typical_three_line is on page 5, drawn in orange.
    pics = dict(_pictures(section(built, PDF_POSITION)))
    assert 5 in pics
    rgb = pics[5].convert("RGB")
    orange = sum(1 for px in rgb.getdata() if abs(px[0] - 217) < 30 and abs(px[1] - 119) < 35 and px[2] < 60)
    assert orange > 200


def test_copy_buttons_carry_correction_lines(built):
    cells = built["cells"]
    by = {(s, f"{t}.{r}.{c}"): (v, st) for s, t, r, c, v, st in
          zip(cells["sha256"], cells["table"], cells["row"], cells["column"], cells["value"], cells["state"])}
    buttons = built["soup"].select("button.copy")
    assert len(buttons) >= 20
    for b in buttons:
        sec = b.find_parent("section")
        sha, key, value, note = b["data-line"].split(",")
        assert sha == sec["data-sha256"] and len(sha) == 64
        v, state = by[(sha, key)]
        assert value == (_n(v) if state == "number" and not pd.isna(v) else "")
        assert note == ""
    # Every flagged or failing-equation cell of the grids has its line, once.
    for sec in built["soup"].select("section.report"):
        lines = [b["data-line"].split(",")[1] for b in sec.select("button.copy")]
        marked = {td["data-key"] for td in sec.select("table.grid td.fail, table.grid td.flag")}
        assert sorted(lines) == sorted(marked)
    # The changed Word cell: the printed 30 prefilled.
    sec = section(built, built["docx"])
    sha = sec["data-sha256"]
    assert f"{sha},requests.granted.natural_person,30," in [b["data-line"] for b in sec.select("button.copy")]


def test_filters_offer_what_is_on_the_page(built):
    soup = built["soup"]
    kinds = {o["value"] for o in soup.select("#f-check option") if o["value"]}
    on_page = {k for s in soup.select("section.report") for k in s["data-kinds"].split()}
    assert kinds == on_page and "requests.outcomes_sum" in kinds and "flag:position" in kinds
    years = {o["value"] for o in soup.select("#f-year option") if o["value"]}
    assert years == {s["data-year"] for s in soup.select("section.report")}
    assert soup.select_one("#shown").get_text() == str(len(soup.select("section.report")))
    assert soup.select_one("#f-agency") is not None


def test_page_is_self_contained(built):
    html = built["page"].read_text(encoding="utf-8")
    soup = built["soup"]
    assert not soup.select("link, script[src], iframe, object, embed")
    for tag in soup.select("[src]"):
        assert tag["src"].startswith("data:")
    assert "http://" not in html and "https://" not in html
    assert built["page"].stat().st_size < 3_000_000


def test_missing_source_is_one_line_on_the_page(tmp_path):
    src = tmp_path / "moved.html"
    shutil.copy(BROKEN_HTML, src)
    out = tmp_path / "dataset"
    extract_many([src]).write(out)
    src.unlink()
    soup = BeautifulSoup(review_html(out), "lxml")
    sec = soup.select_one("section.report")
    notes = sec.select(".source-note")
    assert len(notes) == 1 and "not found" in notes[0].get_text() and str(src) in notes[0].get_text()
    assert sec.select("table.grid td.fail") and not sec.select("table.src, img")


def test_changed_source_is_not_shown(tmp_path):
    src = tmp_path / "changed.html"
    shutil.copy(BROKEN_HTML, src)
    out = tmp_path / "dataset"
    extract_many([src]).write(out)
    src.write_bytes(src.read_bytes() + b"<!-- edited -->")
    sec = BeautifulSoup(review_html(out), "lxml").select_one("section.report")
    assert "changed since it was extracted" in sec.select_one(".source-note").get_text()


def test_nothing_to_review(tmp_path):
    out = tmp_path / "dataset"
    extract_many(CLEAN[:2]).write(out)
    soup = BeautifulSoup(write_review(out).read_text(encoding="utf-8"), "lxml")
    assert not soup.select("section.report") and soup.select_one("#nothing")


def test_low_confidence_and_position_are_flagged():
    """The selection itself, on a two-report dataset: low OCR confidence (below the OCR warnings'
    threshold) and a row placed by position list a report; a confident OCR value does not."""
    def cell(source, row, how, conf):
        return {"source": source, "sha256": source * 8, "table": "review_litigation", "row": row, "column": "total",
                "value": 1.0, "raw": "1", "state": "number", "unit": None, "how": how, "confidence": conf,
                "page": 1, "path": None, "bbox": "1,2,3,4"}
    reports = pd.DataFrame([{"source": s, "sha256": s * 8, "status": "ok", "template": "2021", "agency": "某局",
                             "year": 2023, "format": "pdf", "warnings": ""} for s in ("a", "b", "c")])
    cells = pd.DataFrame([cell("a", "administrative_review", "ocr", LOW_CONFIDENCE - 0.01),
                          cell("b", "administrative_review", "ocr", LOW_CONFIDENCE + 0.01),
                          cell("c", "litigation_direct", "position", None)])
    checks = pd.DataFrame(columns=["source", "sha256", "check", "status", "scope", "key", "lhs", "rhs",
                                   "lhs_terms", "rhs_terms"])
    items, n = select({"reports": reports, "cells": cells, "checks": checks})
    assert n == 3
    assert {i.source: [c.flags for c in i.flagged] for i in items} == {"a": [["low_confidence"]], "c": [["position"]]}


def test_correction_value_is_the_printed_number():
    from extractor.review.data import CellInfo

    def value(state, raw, v):
        return CellInfo(("requests", "granted", "total"), v, raw, state, "text", None, None, None, None).correction_value()
    assert value("number", "1,093", 1093.0) == "1093" and value("number", "12.5", 12.5) == "12.5"
    assert value("corrected", "12", 13.0) == "12"  # what was printed, not the correction on record
    assert value("blank", "", 0.0) == value("dash", "—", 0.0) == value("unreadable", "见附件", None) == ""
    assert value("missing", "", None) == ""


# --- the CLI ------------------------------------------------------------------------------------------


def test_cli_writes_the_page_and_prints_its_path(built, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["review", str(built["out"])])
    assert exc.value.code in (0, None)
    out = capsys.readouterr()
    assert out.out.strip() == str(built["out"] / PAGE_NAME)
    assert "5 reports to review" in out.err


def test_cli_missing_or_empty_folder_is_one_line(tmp_path):
    for target in (tmp_path / "nowhere", tmp_path):
        proc = subprocess.run([sys.executable, "-c", "from extractor.cli.main import main; main()", "review",
                               str(target)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr
        assert not (target / PAGE_NAME).exists()


@pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")
def test_a_table_pasted_as_a_picture_is_shown_as_the_picture_without_ocr_again(tmp_path, monkeypatch):
    """A Word report whose part 三 is a screenshot: its flagged cells (low OCR confidence) are shown
    on the picture itself, boxes drawn, and the page is built without running OCR a second time."""
    import extractor.ocr.picture as picture

    doc = FX / "docx" / "report_2022_table_picture.docx"
    out = tmp_path / "dataset"
    extract_many([doc]).write(out)

    def no_second_ocr(*args, **kwargs):
        raise AssertionError("the review page ran OCR again")

    monkeypatch.setattr(picture, "ocr_picture", no_second_ocr)
    soup = BeautifulSoup(write_review(out).read_text(encoding="utf-8"), "lxml")
    [sec] = soup.select(f'section.report[data-source="{doc}"]')
    flagged = {td["data-key"] for td in sec.select("table.grid td.flag, table.grid td.fail")}
    assert flagged and all(k.startswith("requests.") for k in flagged)  # the pictured table's cells
    [figure] = sec.select(".pane.source figure")
    # the fixture's two right cells read at confidence 0.62 and 0.76 (tests/test_docx_pictures.py)
    assert figure.figcaption.get_text().startswith("The picture at body/p[13]/drawing[1] (part 三): 2 cell boxes drawn")
    head, _, payload = figure.img["src"].partition(",")
    assert head in ("data:image/png;base64", "data:image/jpeg;base64")
    from PIL import Image
    rgb = Image.open(io.BytesIO(base64.b64decode(payload))).convert("RGB")
    orange = sum(1 for px in rgb.getdata() if abs(px[0] - 217) < 30 and abs(px[1] - 119) < 35 and px[2] < 60)
    assert orange > 50  # the flagged cells' boxes
