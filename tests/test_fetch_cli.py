"""`extract fetch …` and `extract urls.csv --out dataset/` against the local test site."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from extractor.cli import fetch_cmd
from extractor.fetch import read_manifest, report_files

WEB = Path(__file__).resolve().parent.parent / "fixtures" / "web"
EXPECTED = json.loads((WEB / "expected.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("fetch_fixture_server_cli", WEB / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)


@pytest.fixture
def site():
    with server.Site() as s:
        yield s


def test_fetch_command_summary_reports_csv_and_exit_codes(site, tmp_path: Path) -> None:
    urls = tmp_path / "urls.csv"
    page = "/xxgk/ndbg/202401/t20240118_87521.html"
    with open(urls, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["agency", "year", "url"], ["青山市商务局", "2023", site.url(page)]])
    out = tmp_path / "raw"
    runner = CliRunner()
    res = runner.invoke(fetch_cmd.app, [str(urls), "--out", str(out), "--delay", "0", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "fetched 2, images only 0, skipped 0 (done before), failed 0" in res.output  # robots.txt is not a row
    rows = read_manifest(out / "manifest.jsonl")
    assert [r["url"] for r in rows] == [site.url(page), site.url(EXPECTED["pages"][page]["report_attachments"][0])]
    assert rows[0]["meta"] == {"agency": "青山市商务局", "year": "2023"}
    with open(out / "reports.csv", encoding="utf-8") as fh:
        rep = list(csv.DictReader(fh))
    assert len(rep) == 1 and rep[0]["url"] == site.url(page) and rep[0]["role"] == "attachment"
    assert rep[0]["file_url"] == site.url(EXPECTED["pages"][page]["report_file"])
    assert rep[0]["agency"] == "青山市商务局" and (out / rep[0]["path"]).is_file()
    # again: everything skipped; a failing URL makes the exit status 1 and is named
    res = runner.invoke(fetch_cmd.app, [str(urls), site.url("/gone.pdf"), "--out", str(out), "--delay", "0",
                                        "--retries", "0", "--no-progress"])
    assert res.exit_code == 1
    assert "fetched 0, images only 0, skipped 2 (done before), failed 1 (http_404 1)" in res.output
    assert f"failed: {site.url('/gone.pdf')}: HTTP 404" in res.output
    res = runner.invoke(fetch_cmd.app, [str(tmp_path / "none.csv"), "--out", str(out)])
    assert res.exit_code == 2
    assert res.output == f"error: {tmp_path / 'none.csv'}: not a URL and no such file\n"


def test_extract_urls_csv_equals_extracting_the_downloads(site, tmp_path: Path) -> None:
    from extractor.cli import extract_cmd

    pages = ["/xxgk/ndbg/202401/t20240126_87885.html", "/xxgk/ndbg/202401/t20240118_87521.html",
             "/xxgk/ndbg/202401/t20240122_88001.html"]
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(site.url(p) + "\n" for p in pages), encoding="utf-8")
    runner = CliRunner()
    a = tmp_path / "a"
    res = runner.invoke(extract_cmd.app, [str(urls), "--out", str(a)])
    assert res.exit_code == 0, res.output
    files = report_files(a / "raw")
    assert len(files) == 3
    b = tmp_path / "b"
    res = runner.invoke(extract_cmd.app, [str(p) for p, _ in files] + ["--out", str(b)])
    assert res.exit_code == 0, res.output
    written = sorted(p.relative_to(a) for p in a.rglob("*.parquet") if "raw" not in p.parts)
    assert written and written == sorted(p.relative_to(b) for p in b.rglob("*.parquet"))
    for rel in written:
        pd.testing.assert_frame_equal(pd.read_parquet(a / rel), pd.read_parquet(b / rel))
    reports = pd.read_parquet(a / "reports.parquet") if (a / "reports.parquet").exists() else None
    if reports is not None:
        assert len(reports) == 3


def test_fetched_reports_yield_the_values_they_were_built_from(site, tmp_path: Path) -> None:
    import extractor
    from extractor.fetch import choose_reports, fetch

    keys = {"/xxgk/ndbg/202401/t20240126_87885.html": "jkq", "/xxgk/ndbg/202401/t20240118_87521.html": "swj",
            "/xxgk/ndbg/202401/t20240122_88001.html": "tj"}
    run = fetch([site.url(p) for p in keys], tmp_path, delay=0)
    entries = choose_reports(run)
    assert sorted(e["url"] for e in entries) == sorted(site.url(p) for p in keys)
    for e in entries:
        truth = EXPECTED["reports"][keys[e["url"].removeprefix(site.base)]]
        report = extractor.extract(e["path"])
        got = {(c["table"], c["row"], c["column"]): c["raw"] for c in report.cells}
        want = {(c["table"], c["row"], c["column"]): c["value"] for c in truth["cells"]}
        assert {a: got.get(a) for a in want} == want
        assert report.metadata["agency"] == truth["agency"] and report.metadata["year"] == truth["year"]
