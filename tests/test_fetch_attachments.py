"""Workbook and OFD attachments fetched from the local test site (127.0.0.1): downloaded, stored by
their content's kind (also past 64 KB), and read; a page holding the report's prose with its
tables only in a workbook attachment is one report, the two joined."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import extractor
from extractor.api import extract_document
from extractor.fetch import choose_reports, fetch, read_manifest, report_files
from extractor.fetch.joined import join_documents
from extractor.fetch.storage import detect_stored, extension_for
from extractor.reading import read_document
from extractor.hints import Hints

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "fixtures" / "web"
EXPECTED = json.loads((WEB / "expected.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("fetch_fixture_server_attachments", WEB / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)
FAST = dict(delay=0.0, backoff=0.05, timeout=5.0, retries=1)
BOOK_PAGE = "/xxgk/ndbg/202401/t20240124_87702.html"
OFD_PAGE = "/xxgk/ndbg/202401/t20240129_88150.html"


@pytest.fixture
def site():
    with server.Site() as s:
        yield s


def site_bytes(path: str) -> bytes:
    return (WEB / "site" / path.lstrip("/")).read_bytes()


def truth_cells(key: str) -> dict[tuple[str, str, str], str]:
    return {(c["table"], c["row"], c["column"]): c["value"] for c in EXPECTED["reports"][key]["cells"]}


def rows_by_url(out: Path) -> dict[str, dict]:
    return {r["url"]: r for r in read_manifest(out / "manifest.jsonl")}


def test_fixture_attachments_are_zips_larger_than_64_kb() -> None:
    """The test site's workbook and OFD keep their zip directory past the first 64 KB."""
    for page in (BOOK_PAGE, OFD_PAGE):
        data = site_bytes(EXPECTED["pages"][page]["report_file"])
        assert len(data) > 65536 and zipfile.is_zipfile(__import__("io").BytesIO(data))


def test_workbook_page_and_its_attachment_are_one_report(site, tmp_path: Path) -> None:
    want = EXPECTED["pages"][BOOK_PAGE]
    out = tmp_path / "raw"
    fetch([site.url(BOOK_PAGE)], out, **FAST)
    rows = rows_by_url(out)
    page, book = rows[site.url(BOOK_PAGE)], rows[site.url(want["report_file"])]
    assert page["page"]["metadata"] == want["metadata"] and page["page"]["body_tables"] == 0
    assert [a["url"] for a in page["page"]["attachments"] if a["report"]] == [site.url(want["report_file"])]
    data = site_bytes(want["report_file"])
    assert book["role"] == "attachment" and book["parent"] == site.url(BOOK_PAGE)
    assert book["path"] == hashlib.sha256(data).hexdigest() + ".xlsx" and (out / book["path"]).read_bytes() == data
    [entry] = choose_reports(out)
    assert entry["role"] == want["report_role"] == "page+attachment"
    assert (entry["page_url"], entry["file_url"]) == (site.url(BOOK_PAGE), site.url(want["report_file"]))
    assert entry["parts"] == [out / page["path"], out / book["path"]]
    assert entry["path"].name.endswith(".joined.html") and entry["path"].parent == out
    assert report_files(out) == [(entry["path"], entry["file_url"])]
    # the joined file reads as the two documents joined: the same report, cell for cell
    page_doc = read_document((out / page["path"]).read_bytes(), hints=Hints(encoding=page["charset"]))
    book_doc = read_document(data)
    direct = extract_document(join_documents(page_doc, book_doc))
    stored = extractor.extract(entry["path"])
    assert [(c["table"], c["row"], c["column"], c["raw"], c["value"], c["state"]) for c in stored.cells] == \
        [(c["table"], c["row"], c["column"], c["raw"], c["value"], c["state"]) for c in direct.cells]
    for key in ("agency", "year", "published", "title", "template"):
        assert stored.metadata[key] == direct.metadata[key]
    # choosing again (a resumed run) keeps the same file, byte for byte
    before = entry["path"].read_bytes()
    assert choose_reports(out)[0]["path"] == entry["path"] and entry["path"].read_bytes() == before


def test_extract_urls_gives_the_pages_metadata_and_every_workbook_cell(site, tmp_path: Path) -> None:
    from extractor.cli import extract_cmd, fetch_cmd

    want, truth = EXPECTED["pages"][BOOK_PAGE], EXPECTED["reports"][EXPECTED["pages"][BOOK_PAGE]["report"]]
    urls = tmp_path / "urls.csv"
    with open(urls, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["url"], [site.url(BOOK_PAGE)]])
    runner = CliRunner()
    out = tmp_path / "dataset"
    res = runner.invoke(extract_cmd.app, [str(urls), "--out", str(out)])
    assert res.exit_code == 0, res.output
    reports = pd.read_parquet(out / "reports.parquet")
    assert len(reports) == 1
    rep = reports.iloc[0]
    # metadata from the page: the workbook has no date, the page's 发文日期 is the publication date
    assert (rep["agency"], int(rep["year"]), rep["published"], rep["title"]) == \
        (truth["agency"], truth["year"], truth["published"], truth["title"])
    assert want["metadata"]["发文日期"] == truth["published"]
    cells = pd.read_parquet(out / "cells.parquet")
    got = {(r.table, r.row, r.column): r.raw for r in cells.itertuples()}
    assert got == truth_cells(want["report"])  # every cell, and nothing else
    # `extract fetch` names the pair in reports.csv: the joined file and the two downloads
    raw = tmp_path / "raw"
    res = runner.invoke(fetch_cmd.app, [str(urls), "--out", str(raw), "--delay", "0", "--no-progress"])
    assert res.exit_code == 0, res.output
    with open(raw / "reports.csv", encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    m = rows_by_url(raw)
    assert row["role"] == "page+attachment" and row["page_url"] == site.url(BOOK_PAGE)
    assert row["file_url"] == site.url(want["report_file"]) and row["path"].endswith(".joined.html")
    assert row["parts"].split() == [m[site.url(BOOK_PAGE)]["path"], m[site.url(want["report_file"])]["path"]]
    # and `extract raw/manifest.jsonl` reads the same pair
    again = tmp_path / "again"
    res = runner.invoke(extract_cmd.app, [str(raw / "manifest.jsonl"), "--out", str(again)])
    assert res.exit_code == 0, res.output
    cells2 = pd.read_parquet(again / "cells.parquet")
    assert {(r.table, r.row, r.column): r.raw for r in cells2.itertuples()} == got


def test_ofd_attachment_is_fetched_and_read(site, tmp_path: Path) -> None:
    want = EXPECTED["pages"][OFD_PAGE]
    truth = EXPECTED["reports"][want["report"]]
    run = fetch([site.url(OFD_PAGE)], tmp_path, **FAST)
    rows = rows_by_url(tmp_path)
    row = rows[site.url(want["report_file"])]
    data = site_bytes(want["report_file"])
    assert row["role"] == "attachment" and row["path"] == hashlib.sha256(data).hexdigest() + ".ofd"
    assert detect_stored(tmp_path / row["path"]) == "ofd"
    [entry] = choose_reports(run)
    assert (entry["role"], entry["file_url"]) == ("attachment", site.url(want["report_file"]))
    report = extractor.extract(entry["path"])
    assert {(c["table"], c["row"], c["column"]): c["raw"] for c in report.cells} == truth_cells(want["report"])
    assert (report.metadata["agency"], report.metadata["year"], report.metadata["published"]) == \
        (truth["agency"], truth["year"], truth["published"])


@pytest.mark.parametrize("page", [BOOK_PAGE, OFD_PAGE])
def test_a_large_zip_under_a_name_without_extension_is_stored_by_its_kind(site, tmp_path: Path, page: str) -> None:
    """download.jsp?id=… with no Content-Disposition: the kind comes from the whole file."""
    data = site_bytes(EXPECTED["pages"][page]["report_file"])
    site.routes["/download.jsp"] = server.Response(200, data, {"Content-Type": "application/octet-stream"})
    fetch([site.url("/download.jsp?id=9")], tmp_path, **FAST)
    row = rows_by_url(tmp_path)[site.url("/download.jsp?id=9")]
    kind = "xlsx" if page == BOOK_PAGE else "ofd"
    assert row["path"] == f"{hashlib.sha256(data).hexdigest()}.{kind}"
    assert extension_for(data[:4096], "download.jsp", None) == "bin"  # the head alone cannot tell


def test_extension_for_office_families() -> None:
    assert extension_for(b"", "附表.et", None, "xls") == "et"
    assert extension_for(b"", "附表.xls", None, "xls") == "xls"
    assert extension_for(b"", "report.pdf", None, "xls") == "xls"  # the name lies: the content decides
    assert extension_for(b"", "报告.wps", None, "doc") == "wps"
    assert extension_for(b"", "附表.zip", None, "xlsx") == "xlsx"


def test_an_attachment_is_dated_by_its_page_when_it_prints_no_date(site, tmp_path: Path) -> None:
    """The page's 发文日期 travels with a fetched attachment into the batch (``Hints.published``),
    and dates a file that prints no signature date of its own."""
    from extractor.batch.inputs import collect_inputs
    from extractor.batch.task import extract_rows
    from extractor.limits import Limits

    pages = [p for p, w in EXPECTED["pages"].items() if w.get("report_role") == "attachment"]
    out = tmp_path / "raw"
    fetch([site.url(p) for p in pages], out, **FAST)
    entries = {e["page_url"]: e for e in choose_reports(out)}
    inputs = {x.source: x for x in collect_inputs([out / "manifest.jsonl"])}
    for p in pages:
        date = EXPECTED["pages"][p]["metadata"]["发文日期"]
        entry = entries[site.url(p)]
        assert entry["page_date"] == date
        assert inputs[entry["file_url"]].hints == Hints(published=date)
    # a file without a signature date: the page's date, said in a warning; a printed date wins
    lines = (ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "2025年1月10日"
    undated = tmp_path / "undated.txt"
    undated.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    rows = extract_rows(str(undated), "undated.txt", Limits(), Hints(published="2025-01-12"))
    assert rows["report"]["published"] == "2025-01-12"
    assert "taken from the page it was posted on (2025-01-12)" in rows["report"]["warnings"]
    assert extract_rows(str(undated), "undated.txt", Limits(), Hints())["report"]["published"] is None
    dated = (ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt")
    assert extract_rows(str(dated), "d.txt", Limits(), Hints(published="2025-01-12"))["report"]["published"] == "2025-01-10"
