"""Fetch against a local stand-in for government sites (127.0.0.1 only): end state on disk and in
the manifest for article pages, listings, attachments, images and every way a site misbehaves."""

from __future__ import annotations

import io

import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extractor.fetch import choose_reports, fetch, read_manifest, report_files
from extractor.readers.detect import detect_format

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "fixtures" / "web"
EXPECTED = json.loads((WEB / "expected.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("fetch_fixture_server", WEB / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)
Response = server.Response
FAST = dict(delay=0.0, backoff=0.05, timeout=2.0, retries=2)


@pytest.fixture
def site():
    with server.Site() as s:
        yield s


def rows_by_url(out: Path) -> dict[str, dict]:
    rows = read_manifest(out / "manifest.jsonl")
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), "a URL got two manifest rows in one run"
    return {r["url"]: r for r in rows}


def assert_stored(out: Path, row: dict, data: bytes) -> None:
    """The row's file exists in OUT, is named by its hash, and holds exactly ``data``."""
    digest = hashlib.sha256(data).hexdigest()
    assert row["status"] in ("fetched", "images_only") and row["error"] is None
    assert row["sha256"] == digest and row["size"] == len(data)
    assert row["path"].startswith(digest + ".") and "/" not in row["path"]
    assert (out / row["path"]).read_bytes() == data


def site_bytes(path: str) -> bytes:
    return (WEB / "site" / path.lstrip("/")).read_bytes()


def test_discover_listing_pages_attachments_images(site, tmp_path: Path) -> None:
    out = tmp_path / "raw"
    want = EXPECTED["listing"]
    run = fetch([site.url(want["start"])], out, discover=True, max_pages=3, **FAST)
    rows = rows_by_url(out)
    u = site.url
    # three listing pages, each the child of the one before
    for i, p in enumerate(want["pages"]):
        assert rows[u(p)]["role"] == "listing"
        assert rows[u(p)]["parent"] == (None if i == 0 else u(want["pages"][i - 1]))
        assert_stored(out, rows[u(p)], site_bytes(p))
    # every report page found, with its metadata, charset and status; attachments and images fetched
    expected_urls = set(map(u, want["pages"]))
    for p in want["reports"]:
        page, row = EXPECTED["pages"][p], rows[u(p)]
        expected_urls.add(u(p))
        assert row["role"] == "page" and row["status"] == page["status"]
        assert row["source"] == u(want["start"])
        assert row["charset"] == ("gb2312" if page["charset"] == "gb2312" else "utf-8")
        assert row["page"]["title"] == page["title"] and row["page"]["metadata"] == page["metadata"]
        assert row["meta"]["listing_title"] == page["title"]
        assert_stored(out, row, site_bytes(p))
        for a in page["report_attachments"]:
            expected_urls.add(u(a))
            assert rows[u(a)]["role"] == "attachment" and rows[u(a)]["parent"] == u(p)
            assert_stored(out, rows[u(a)], site_bytes(a))
        for img in page["images"]:
            expected_urls.add(u(img))
            assert rows[u(img)]["role"] == "image" and rows[u(img)]["parent"] == u(p)
            assert_stored(out, rows[u(img)], site_bytes(img))
        assert row["page"]["images"] == [u(i) for i in page["images"]]
    assert set(rows) == expected_urls  # nothing else: not the 通知, 指南, 解读 links nor the 申请表.doc
    assert site.hits["/xxgk/sqb.doc"] == 0 and site.hits["/xxgk/zfxxgkzn/index.html"] == 0
    assert all(ua.startswith("gov-disclosure-extractor/") for _, _, ua in site.log)
    assert run.summary() == {"fetched": len(expected_urls) - 1, "images_only": 1, "skipped": 0, "failed": {}}
    # the file that holds each report (format check: no PDF reader needed)
    def by_format(path: Path, url: str) -> bool:
        return detect_format(path.read_bytes()) in ("pdf", "docx", "html")
    entries = {e["url"]: e for e in choose_reports(out, check=by_format)}
    for p in want["reports"]:
        page, e = EXPECTED["pages"][p], entries[u(p)]
        if page["status"] == "images_only":
            continue
        assert e["file_url"] == (u(page["report_file"]) if page["report_file"] else None)
        assert e["role"] == page["report_role"]
        if e["path"] is not None:
            assert e["path"].read_bytes() == site_bytes(page["report_file"])
    assert entries[u(want["reports"][0])]["alternatives"] == [u(want["reports"][0])]  # the page too
    # an image-only report: its pictures, in page order, as one multi-page TIFF for OCR
    images_page = EXPECTED["pages"][want["reports"][2]]
    e = entries[u(want["reports"][2])]
    assert (e["role"], e["file_url"]) == ("images", u(want["reports"][2]))
    assert e["reason"].startswith("images only")
    from PIL import Image, ImageChops, ImageSequence

    with Image.open(e["path"]) as tiff:
        frames = [f.convert("RGB") for f in ImageSequence.Iterator(tiff)]
    assert len(frames) == len(images_page["images"])
    for frame, img in zip(frames, images_page["images"]):
        with Image.open(io.BytesIO(site_bytes(img))) as original:
            assert ImageChops.difference(frame, original.convert("RGB")).getbbox() is None
    assert report_files(out, check=by_format) == [(e["path"], e["file_url"]) for e in entries.values() if e["path"]]
    assert not list((out / ".partial").glob("*"))


def test_max_pages_stops_pagination(site, tmp_path: Path) -> None:
    fetch([site.url("/xxgk/ndbg/index.html")], tmp_path, discover=True, max_pages=2, **FAST)
    rows = rows_by_url(tmp_path)
    assert site.url("/xxgk/ndbg/index_1.html") in rows
    assert site.url("/xxgk/ndbg/index_2.html") not in rows and site.hits["/xxgk/ndbg/index_2.html"] == 0


def test_redirect_chain_and_meta_refresh_shell(site, tmp_path: Path) -> None:
    pdf = "/xxgk/ndbg/202401/P020240126552817468309.pdf"
    site.routes["/r/1"] = Response(302, headers={"Location": "/r/2"})
    site.routes["/r/2"] = Response(301, headers={"Location": site.url("/r/3")})
    site.routes["/r/3"] = Response(307, headers={"Location": pdf})
    shell, target = next(iter(EXPECTED["redirect_shell"].items()))
    run = fetch([site.url("/r/1"), site.url(shell)], tmp_path, **FAST)
    rows = rows_by_url(tmp_path)
    r = rows[site.url("/r/1")]
    assert r["final_url"] == site.url(pdf) and r["http_status"] == 200
    assert r["redirects"] == [site.url("/r/1"), site.url("/r/2"), site.url("/r/3")]
    assert r["filename"] == pdf.rsplit("/", 1)[1]
    assert_stored(tmp_path, r, site_bytes(pdf))
    s = rows[site.url(shell)]
    assert s["page"]["redirect_to"] == site.url(target)
    t = rows[site.url(target)]
    assert t["parent"] == site.url(shell) and t["role"] == "page" and t["page"]["body_tables"] == 3
    entries = {e["url"]: e for e in choose_reports(run)}
    assert entries[site.url(shell)]["file_url"] == site.url(target)
    assert entries[site.url("/r/1")]["reason"] == "document"
    assert site.url(target) not in entries  # the shell's target is the same report, listed once


def test_retries_503_then_ok_and_429_retry_after(site, tmp_path: Path) -> None:
    site.routes["/flaky.pdf"] = lambda n: Response(503) if n <= 2 else Response(200, b"%PDF-1.4 flaky")
    site.routes["/limited.pdf"] = lambda n: (Response(429, headers={"Retry-After": "1"}) if n == 1
                                             else Response(200, b"%PDF-1.4 limited"))
    site.routes["/down.pdf"] = Response(500)
    fetch([site.url("/flaky.pdf"), site.url("/limited.pdf"), site.url("/down.pdf")], tmp_path, **FAST)
    rows = rows_by_url(tmp_path)
    flaky = rows[site.url("/flaky.pdf")]
    assert flaky["attempts"] == 3 and site.hits["/flaky.pdf"] == 3
    assert_stored(tmp_path, flaky, b"%PDF-1.4 flaky")
    limited = rows[site.url("/limited.pdf")]
    assert limited["attempts"] == 2
    assert_stored(tmp_path, limited, b"%PDF-1.4 limited")
    times = [t for p, t, _ in site.log if p == "/limited.pdf"]
    assert times[1] - times[0] >= 0.95  # Retry-After: 1 honoured
    down = rows[site.url("/down.pdf")]
    assert down["status"] == "failed" and down["reason"] == "http_5xx" and down["http_status"] == 500
    assert down["attempts"] == 3 and site.hits["/down.pdf"] == 3 and down["path"] is None


def test_timeout_robots_size_cap_scheme_404(site, tmp_path: Path) -> None:
    site.routes["/hang.pdf"] = Response(200, b"%PDF late", sleep=1.5)
    site.routes["/private/report.pdf"] = Response(200, b"%PDF-1.4 private")
    site.routes["/big-declared.pdf"] = Response(200, b"%PDF" + b"0" * 300_000)
    site.routes["/big-chunked.pdf"] = Response(200, b"x" * 65536, chunks=8)  # 512 KiB, no Content-Length
    urls = ["/hang.pdf", "/private/report.pdf", "/big-declared.pdf", "/big-chunked.pdf", "/missing.html"]
    run = fetch([site.url(p) for p in urls] + ["ftp://127.0.0.1/x.pdf", "file:///etc/passwd"], tmp_path,
                delay=0.0, backoff=0.05, timeout=0.4, retries=1, max_bytes=200_000)
    rows = rows_by_url(tmp_path)
    reasons = {url: r["reason"] for url, r in rows.items()}
    assert reasons == {site.url("/hang.pdf"): "timeout", site.url("/private/report.pdf"): "robots",
                       site.url("/big-declared.pdf"): "too_large", site.url("/big-chunked.pdf"): "too_large",
                       site.url("/missing.html"): "http_404", "ftp://127.0.0.1/x.pdf": "bad_scheme",
                       "file:///etc/passwd": "bad_scheme"}
    assert all(r["status"] == "failed" and r["path"] is None and r["error"] for r in rows.values())
    assert rows[site.url("/hang.pdf")]["attempts"] == 2
    assert site.hits["/private/report.pdf"] == 0 and site.hits["/robots.txt"] == 1
    assert run.summary()["failed"] == {"bad_scheme": 2, "http_404": 1, "robots": 1, "timeout": 1, "too_large": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".partial", "manifest.jsonl"]
    assert not list((tmp_path / ".partial").iterdir())  # the cut-off download was removed
    # --ignore-robots fetches it; the failed rows are retried on a re-run, the others stay failed
    fetch([site.url("/private/report.pdf")], tmp_path, respect_robots=False, **FAST)
    assert_stored(tmp_path, rows_by_url_last(tmp_path)[site.url("/private/report.pdf")], b"%PDF-1.4 private")


def rows_by_url_last(out: Path) -> dict[str, dict]:
    return {r["url"]: r for r in read_manifest(out / "manifest.jsonl")}


def test_content_disposition_cannot_escape(site, tmp_path: Path) -> None:
    name = "../../../../tmp/evil/2023年政府信息公开工作年度报告.pdf".encode("gbk").decode("latin-1")
    site.routes["/download.jsp"] = Response(200, b"%PDF-1.4 cd", {"Content-Disposition": f'attachment; filename="{name}"',
                                                                   "Content-Type": "application/octet-stream"})
    out = tmp_path / "out"
    fetch([site.url("/download.jsp?id=7")], out, **FAST)
    row = rows_by_url(out)[site.url("/download.jsp?id=7")]
    assert row["filename"] == "2023年政府信息公开工作年度报告.pdf"
    assert_stored(out, row, b"%PDF-1.4 cd")
    assert row["path"].endswith(".pdf")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(["manifest.jsonl", row["path"]])


def test_per_host_limit_and_delay(site, tmp_path: Path) -> None:
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(n: int) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        return Response(200, b"%PDF-1.4 slow " + os.urandom(8).hex().encode())

    for i in range(6):
        site.routes[f"/s/{i}.pdf"] = slow
    fetch([site.url(f"/s/{i}.pdf") for i in range(6)], tmp_path, concurrency=8, per_host=2, delay=0.2,
          backoff=0.05, timeout=2, retries=0)
    assert state["max"] == 2
    starts = sorted(t for p, t, _ in site.log if p.startswith("/s/"))
    # the client spaces its starts by 0.2 s; the server sees them through connection set-up and a
    # loaded machine's scheduling (a new connection against a kept-alive one): 50 ms of slack
    assert all(b - a >= 0.15 for a, b in zip(starts, starts[1:])), [round(b - a, 3) for a, b in zip(starts, starts[1:])]
    assert len(rows_by_url(tmp_path)) == 6


def test_resume_skips_and_refresh_refetches(site, tmp_path: Path) -> None:
    start = site.url("/xxgk/ndbg/index.html")
    fetch([start], tmp_path, discover=True, **FAST)
    first = dict(site.hits)
    again = fetch([start], tmp_path, discover=True, **FAST)
    assert dict(site.hits) == first  # nothing fetched twice
    assert again.summary()["skipped"] == len(again.results) and again.summary()["fetched"] == 0
    assert len(read_manifest(tmp_path / "manifest.jsonl")) == len(again.results)
    # a file that went missing is fetched again
    doc = rows_by_url_last(tmp_path)[site.url("/xxgk/ndbg/202401/P020240118390612258471.docx")]
    (tmp_path / doc["path"]).unlink()
    fetch([start], tmp_path, discover=True, **FAST)
    assert site.hits["/xxgk/ndbg/202401/P020240118390612258471.docx"] == 2
    refreshed = fetch([start], tmp_path, discover=True, refresh=True, **FAST)
    assert refreshed.summary()["skipped"] == 0
    assert site.hits["/xxgk/ndbg/index.html"] == 2


KILL_SCRIPT = """
import sys
from extractor.fetch import fetch
fetch(sys.argv[2:], sys.argv[1], concurrency=1, delay=0, timeout=5, retries=0)
"""


def test_kill_half_way_and_resume(site, tmp_path: Path) -> None:
    n = 12
    for i in range(n):
        site.routes[f"/k/{i}.pdf"] = Response(200, b"%%PDF-1.4 report %d" % i + b" " * 2000, sleep=0.15)
    urls = [site.url(f"/k/{i}.pdf") for i in range(n)]
    manifest = tmp_path / "manifest.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), *urls], env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(read_manifest(manifest)) < 4:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = {r["url"] for r in read_manifest(manifest)}
    assert 4 <= len(done_before) < n
    hits_before = dict(site.hits)
    run = fetch(urls, tmp_path, concurrency=1, delay=0, timeout=5, retries=0)
    rows = read_manifest(manifest)
    assert sorted(r["url"] for r in rows) == sorted(urls)  # complete, one row each
    for i, url in enumerate(urls):
        row = next(r for r in rows if r["url"] == url)
        assert_stored(tmp_path, row, b"%%PDF-1.4 report %d" % i + b" " * 2000)
        if url in done_before:
            assert site.hits[f"/k/{i}.pdf"] == hits_before[f"/k/{i}.pdf"] == 1  # not fetched twice
    assert run.summary()["skipped"] == len(done_before)
    assert not list((tmp_path / ".partial").iterdir())
