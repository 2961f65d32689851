"""Faults and hostile sites while fetching (issue 16), against servers on 127.0.0.1 started here (and an
httpx mock transport for the public-to-private cases): every URL ends in one manifest row whatever
fails, nothing hangs, every loop is capped, and two runs never share a folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import httpx
import pytest

from extractor.errors import InputError
from extractor.fetch import fetch, read_manifest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "000_3a7ed7c9ae9b3af5.txt"
FAST = dict(delay=0.0, backoff=0.05, retries=0)
PDF = b"%PDF-1.4 report " + b"x" * 200


class Server:
    """A site whose routes are ``path -> fn(handler, hit_number)``; ``fn`` writes the whole response.
    Unknown paths (robots.txt included) are 404. Every loop a route runs is bounded."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler, int], None]] = {}
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[str, float]] = []
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    site.hits[self.path] += 1
                    n = site.hits[self.path]
                    site.log.append((self.path, time.monotonic()))
                route = site.routes.get(self.path)
                try:
                    if route is None:
                        send(self, 404, b"not found", "text/plain")
                    else:
                        route(self, n)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes, ctype: str = "application/pdf", sleep: float = 0.0) -> None:
        def route(h: BaseHTTPRequestHandler, n: int) -> None:
            time.sleep(sleep)
            send(h, 200, body, ctype)
        self.routes[path] = route

    def __enter__(self) -> "Server":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def trickle(total: int, every: float) -> Callable[[BaseHTTPRequestHandler, int], None]:
    """A body of ``total`` bytes, one byte every ``every`` seconds (never more than ``total``)."""
    def route(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        for _ in range(total):
            h.wfile.write(b"#")
            h.wfile.flush()
            time.sleep(every)
    return route


def chunked(body: bytes, ctype: str, pieces: int) -> Callable[[BaseHTTPRequestHandler, int], None]:
    """``body`` sent ``pieces`` times with no Content-Length (chunked)."""
    def route(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(pieces):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
        h.wfile.write(b"0\r\n\r\n")
    return route


def page(title: str, links: list[tuple[str, str]] = (), extra: str = "") -> bytes:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{extra}</head><body><h1>{title}</h1>"
            f"<div id='zoom'><p>正文</p><ul>{items}</ul></div></body></html>").encode()


def rows_of(out: Path) -> dict[str, dict]:
    rows = read_manifest(out / "manifest.jsonl")
    assert len(rows) == len({r["url"] for r in rows}), "a URL got two rows"
    return {r["url"]: r for r in rows}


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor.cli.main", *args], cwd=ROOT, capture_output=True,
                          text=True, **kw)


def _small_files(limit: int) -> Callable[[], None]:
    def setup() -> None:  # every file the child writes stops at ``limit`` bytes, as on a full disk
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


needs_rlimit = pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")


@pytest.fixture
def site():
    with Server() as s:
        yield s


# --- storage faults: one row per URL always, never a hang -------------------------------------------

@needs_rlimit
def test_an_oserror_while_saving_gives_that_url_its_row_and_the_crawl_goes_on(site, tmp_path: Path) -> None:
    site.add("/a.pdf", PDF)
    site.add("/big.pdf", b"%PDF-1.4 " + b"0" * 300_000)
    site.add("/c.pdf", PDF + b"c")
    out = tmp_path / "raw"
    urls = [site.url(p) for p in ("/a.pdf", "/big.pdf", "/c.pdf")]
    res = _cli("fetch", *urls, "--out", str(out), "--concurrency", "1", "--delay", "0", "--retries", "0",
               "--no-progress", timeout=60, preexec_fn=_small_files(100_000))
    assert res.returncode == 1, res.stderr
    assert "fetched 2, images only 0, skipped 0 (done before), failed 1 (storage_error 1)" in res.stderr
    assert f"failed: {urls[1]}: cannot save the download ([Errno 27] File too large)" in res.stderr
    assert "Traceback" not in res.stderr
    rows = rows_of(out)
    assert set(rows) == set(urls)
    assert rows[urls[1]]["status"] == "failed" and rows[urls[1]]["reason"] == "storage_error"
    assert rows[urls[0]]["status"] == rows[urls[2]]["status"] == "fetched"
    assert not list((out / ".partial").iterdir())


def test_a_saving_error_inside_the_crawl_never_kills_a_worker(site, tmp_path: Path, monkeypatch) -> None:
    from extractor.fetch import run as run_module

    for i in range(4):
        site.add(f"/p{i}.html", page("2023年政府信息公开工作年度报告"))

    def broken(data, url, charset=None):
        if url.endswith("/p1.html"):
            raise OSError(28, "No space left on device")
        raise RuntimeError("a parser bug")

    monkeypatch.setattr(run_module, "analyse_page", broken)
    started = time.monotonic()
    run = fetch([site.url(f"/p{i}.html") for i in range(4)], tmp_path, concurrency=1, **FAST)
    assert time.monotonic() - started < 20
    rows = rows_of(tmp_path)
    assert len(rows) == 4 and all(r["status"] == "failed" for r in rows.values())
    assert {r["reason"] for r in rows.values()} == {"analysis_error"}
    assert rows[site.url("/p1.html")]["error"].startswith("the page could not be analysed (OSError:")
    assert run.summary()["failed"] == {"analysis_error": 4}


@needs_rlimit
def test_a_manifest_that_cannot_be_written_stops_the_crawl_with_one_line(site, tmp_path: Path) -> None:
    for i in range(10):
        site.add(f"/{i}.pdf", PDF + bytes([65 + i]))
    out = tmp_path / "raw"
    urls = [site.url(f"/{i}.pdf") for i in range(10)]
    res = _cli("fetch", *urls, "--out", str(out), "--concurrency", "1", "--delay", "0", "--retries", "0",
               "--no-progress", timeout=60, preexec_fn=_small_files(2_500))
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {out / 'manifest.jsonl'}: cannot write the manifest (")
    assert lines[0].endswith("the rows written before are kept: free space and rerun to resume")
    kept = read_manifest(out / "manifest.jsonl")
    assert 1 <= len(kept) < 10
    again = fetch(urls, out, **FAST)  # with room again: resumes, each URL once
    assert again.summary()["skipped"] == len(kept) and len(rows_of(out)) == 10


# --- deadlines ----------------------------------------------------------------------------------------

def test_a_trickling_server_is_cut_off_by_the_total_deadline(site, tmp_path: Path) -> None:
    site.routes["/slow.pdf"] = trickle(200, 0.1)  # 20 s in all, a byte every 0.1 s: no read ever times out
    site.add("/ok.pdf", PDF)
    started = time.monotonic()
    fetch([site.url("/slow.pdf"), site.url("/ok.pdf")], tmp_path, timeout=2.0, deadline=1.0, **FAST)
    assert time.monotonic() - started < 6
    rows = rows_of(tmp_path)
    slow = rows[site.url("/slow.pdf")]
    assert (slow["status"], slow["reason"]) == ("failed", "deadline")
    assert slow["error"] == "no complete answer within the 1-second deadline (--deadline)"
    assert rows[site.url("/ok.pdf")]["status"] == "fetched"
    assert not list((tmp_path / ".partial").iterdir())


def test_a_slow_robots_txt_does_not_hold_its_host(site, tmp_path: Path) -> None:
    site.routes["/robots.txt"] = trickle(300, 0.1)  # 30 s
    for i in range(3):
        site.add(f"/{i}.pdf", PDF + bytes([65 + i]))
    started = time.monotonic()
    fetch([site.url(f"/{i}.pdf") for i in range(3)], tmp_path, timeout=1.0, **FAST)
    assert time.monotonic() - started < 8
    assert all(r["status"] == "fetched" for r in rows_of(tmp_path).values())
    assert site.hits["/robots.txt"] == 1


# --- caps: redirects of every kind, listing pages, links per page, page size ----------------------------

def test_meta_refresh_chains_are_capped(site, tmp_path: Path) -> None:
    for n in range(60):  # 60 shells in a row (the test's own bound)
        site.add(f"/m/{n}.html", page("跳转", extra=f'<meta http-equiv="refresh" content="0;url=/m/{n + 1}.html">'),
                 "text/html; charset=utf-8")
    fetch([site.url("/m/0.html")], tmp_path, **FAST)
    rows = rows_of(tmp_path)
    assert sum(site.hits[f"/m/{n}.html"] for n in range(60)) == 11  # the start page and 10 redirects
    last = rows[site.url("/m/11.html")]
    assert (last["status"], last["reason"]) == ("failed", "redirect_limit")
    assert last["error"] == "more than 10 meta-refresh or JavaScript redirect pages in a row; not followed"
    assert len(rows) == 12


def test_http_redirect_chains_are_capped(site, tmp_path: Path) -> None:
    def hop(n: int) -> Callable[[BaseHTTPRequestHandler, int], None]:
        return lambda h, _: send(h, 302, b"", headers={"Location": f"/h/{n + 1}"})

    for n in range(60):
        site.routes[f"/h/{n}"] = hop(n)
    fetch([site.url("/h/0")], tmp_path, **FAST)
    row = rows_of(tmp_path)[site.url("/h/0")]
    assert (row["status"], row["reason"]) == ("failed", "redirect_loop")
    assert sum(site.hits.values()) <= 11 + 1  # 11 requests and robots.txt


def test_max_pages_counts_listing_pages_not_depth(site, tmp_path: Path) -> None:
    def listing(name: str) -> bytes:  # every listing page has three "next page" links: a tree
        return page("年报", [(f"/l/{name}{c}.html", "下一页") for c in "abc"])

    for name in ["", "a", "b", "c", "aa", "ab", "ac", "ba", "bb", "bc", "ca", "cb", "cc"]:
        site.add(f"/l/{name}.html", listing(name), "text/html; charset=utf-8")
    run = fetch([site.url("/l/.html")], tmp_path, discover=True, max_pages=3, **FAST)
    assert len(rows_of(tmp_path)) == 3 and sum(site.hits.values()) == 3 + 1
    assert any("more listing pages than --max-pages 3" in n for n in run.notes)


def test_links_per_page_are_capped(site, tmp_path: Path) -> None:
    links = [(f"/r/{i}.html", f"青山市{2000 + i % 24}年政府信息公开工作年度报告（{i}）") for i in range(300)]
    site.add("/list.html", page("年报专栏", links), "text/html; charset=utf-8")
    for i in range(300):
        site.add(f"/r/{i}.html", page("2023年政府信息公开工作年度报告"), "text/html; charset=utf-8")
    run = fetch([site.url("/list.html")], tmp_path, discover=True, max_links=5, **FAST)
    rows = rows_of(tmp_path)
    assert len(rows) == 6 and rows[site.url("/list.html")]["links_dropped"] == 295
    assert sum(site.hits[f"/r/{i}.html"] for i in range(300)) == 5
    assert run.notes == [f"{site.url('/list.html')}: 300 report links; the first 5 followed (--max-links)"]


def test_a_page_over_the_page_cap_is_cut_off_while_streaming(site, tmp_path: Path) -> None:
    site.routes["/huge.html"] = chunked(b"<p>" + "政".encode() * 20_000 + b"</p>", "text/html", 100)  # ~6 MB
    site.routes["/big.pdf"] = chunked(b"%PDF-1.4 " + b"0" * 60_000, "application/pdf", 50)  # a document: kept
    fetch([site.url("/huge.html"), site.url("/big.pdf")], tmp_path, max_page_bytes=1_000_000, **FAST)
    rows = rows_of(tmp_path)
    huge = rows[site.url("/huge.html")]
    assert (huge["status"], huge["reason"], huge["path"]) == ("failed", "too_large", None)
    assert huge["error"] == "HTML page exceeds the 1000000-byte cap for pages (--max-page-size)"
    assert rows[site.url("/big.pdf")]["status"] == "fetched" and rows[site.url("/big.pdf")]["size"] > 1_000_000


def test_pages_are_analysed_off_the_event_loop(site, tmp_path: Path, monkeypatch) -> None:
    from extractor.fetch import run as run_module

    real = run_module.analyse_page
    spans: list[tuple[float, float]] = []

    def slow_analysis(data, url, charset=None):  # a 10 MB page takes seconds to parse
        start = time.monotonic()
        time.sleep(1.5)
        spans.append((start, time.monotonic()))
        return real(data, url, charset)

    monkeypatch.setattr(run_module, "analyse_page", slow_analysis)
    site.add("/page.html", page("2023年政府信息公开工作年度报告"), "text/html; charset=utf-8")
    for i in range(8):
        site.add(f"/{i}.pdf", PDF + bytes([65 + i]), sleep=0.1)
    fetch([site.url("/page.html")] + [site.url(f"/{i}.pdf") for i in range(8)], tmp_path, concurrency=4,
          per_host=4, **FAST)
    (start, end), = spans
    during = [t for p, t in site.log if p.endswith(".pdf") and start + 0.05 < t < end]
    assert len(during) >= 3, "downloads stalled while a page was parsed"


# --- private addresses ------------------------------------------------------------------------------

PUBLIC = "http://93.184.216.34"  # a global address, served by the mock transport: nothing leaves this machine
PRIVATE_LINKS = ["http://127.0.0.1/2023年度报告.pdf", "http://169.254.169.254/latest/2023年度报告.pdf",
                 "http://10.1.2.3/2023年度报告.pdf", "http://[::ffff:127.0.0.1]/2023年度报告.pdf",
                 "http://0.0.0.0/2023年度报告.pdf"]


def _mock_site(start: str) -> tuple[httpx.MockTransport, list[str]]:
    requested: list[str] = []
    links = [(u, "2023年政府信息公开工作年度报告") for u in PRIVATE_LINKS + ["http://8.8.8.8/2023年度报告.pdf"]]

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        if url == start + "/report.html":
            return httpx.Response(200, content=page("2023年政府信息公开工作年度报告", links),
                                  headers={"Content-Type": "text/html; charset=utf-8"})
        if url == start + "/r.pdf":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/meta.pdf"})
        return httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"})

    return httpx.MockTransport(handler), requested


def _private(url: str) -> bool:
    return any(h in url for h in ("127.0.0.1", "169.254.169.254", "10.1.2.3", "0.0.0.0"))


def test_redirects_and_links_from_a_public_site_to_private_addresses_are_refused(tmp_path: Path) -> None:
    transport, requested = _mock_site(PUBLIC)
    fetch([PUBLIC + "/report.html", PUBLIC + "/r.pdf"], tmp_path / "a", transport=transport, **FAST)
    assert not [u for u in requested if _private(u)]
    rows = rows_of(tmp_path / "a")
    refused = {u: r for u, r in rows.items() if r["reason"] == "private_address"}
    assert set(refused) == set(PRIVATE_LINKS) | {PUBLIC + "/r.pdf"}
    assert rows[PUBLIC + "/r.pdf"]["error"] == ("169.254.169.254 is a private, loopback or link-local address, "
                                                "reached from the public site 93.184.216.34; not followed "
                                                "(--allow-private to follow)")
    assert rows["http://8.8.8.8/2023年度报告.pdf"]["status"] == "fetched"  # public to public is fine
    # --allow-private follows them
    transport, requested = _mock_site(PUBLIC)
    fetch([PUBLIC + "/report.html", PUBLIC + "/r.pdf"], tmp_path / "b", transport=transport, allow_private=True,
          **FAST)
    assert len({u for u in requested if _private(u) and not u.endswith("/robots.txt")}) == len(PRIVATE_LINKS) + 1
    assert not [r for r in rows_of(tmp_path / "b").values() if r["status"] == "failed"]


def test_a_crawl_that_starts_on_a_private_host_may_go_anywhere(tmp_path: Path) -> None:
    start = "http://10.9.9.9"
    transport, requested = _mock_site(start)
    fetch([start + "/report.html"], tmp_path, transport=transport, **FAST)
    assert "http://169.254.169.254/latest/2023%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf" in requested
    assert not [r for r in rows_of(tmp_path).values() if r["status"] == "failed"]


# --- two runs, leftovers, CSV ----------------------------------------------------------------------------

FETCH_SCRIPT = """
import sys
from extractor.fetch import fetch
fetch(sys.argv[2:], sys.argv[1], concurrency=1, delay=0, retries=0)
"""


def test_a_second_fetch_into_the_same_folder_refuses_naming_the_holder(site, tmp_path: Path) -> None:
    for i in range(6):
        site.add(f"/s/{i}.pdf", PDF + bytes([65 + i]), sleep=0.4)
    out = tmp_path / "raw"
    urls = [site.url(f"/s/{i}.pdf") for i in range(6)]
    proc = subprocess.Popen([sys.executable, "-c", FETCH_SCRIPT, str(out), *urls],
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not site.hits["/s/0.pdf"]:
            time.sleep(0.02)
        res = _cli("fetch", site.url("/s/0.pdf"), "--out", str(out), "--no-progress", timeout=60)
        assert res.returncode == 2
        assert res.stderr.startswith(f"error: {out}: in use by another run (pid {proc.pid} on ")
        assert res.stderr.endswith("; wait for it to finish or choose another --out\n")
        assert len(res.stderr.splitlines()) == 1
        with pytest.raises(InputError, match="in use by another run"):
            fetch(urls, out, **FAST)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 0
    rows = rows_of(out)
    assert set(rows) == set(urls) and all(r["status"] == "fetched" for r in rows.values())
    assert sum(site.hits[f"/s/{i}.pdf"] for i in range(6)) == 6  # the refused run fetched nothing
    assert not (out / ".extract.lock").exists()


def test_extract_url_without_out_leaves_no_temporary_folder(site, tmp_path: Path) -> None:
    site.add("/report.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    res = _cli(site.url("/report.txt"), "--json", timeout=120, env={**os.environ, "TMPDIR": str(tmp)})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["metadata"]["agency"] == "巴彦淖尔市商务局"
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("extract-fetch-")]


def test_stale_temp_files_are_removed_and_reports_csv_cells_never_run_as_formulas(site, tmp_path: Path) -> None:
    site.add("/report.pdf", PDF)
    out = tmp_path / "raw"
    (out / ".partial").mkdir(parents=True)
    (out / ".partial" / "0123.part").write_bytes(b"half a download")
    (out / f"{'0' * 64}.images.tmp").write_bytes(b"half a tiff")
    (out / ".reports.csv.tmp").write_bytes(b"half a csv")
    urls = tmp_path / "urls.csv"
    urls.write_text('agency,year,url\n"=HYPERLINK(""http://evil.example"",""报告"")",2023,'
                    f"{site.url('/report.pdf')}\n", encoding="utf-8")
    res = _cli("fetch", str(urls), "--out", str(out), "--delay", "0", "--no-progress", timeout=60)
    assert res.returncode == 0, res.stderr
    assert not list((out / ".partial").iterdir())
    assert not list(out.glob("*.tmp")) and not (out / ".reports.csv.tmp").exists()
    import csv

    with open(out / "reports.csv", encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["agency"] == "'=HYPERLINK(\"http://evil.example\",\"报告\")"
    assert row["year"] == "2023" and row["url"] == site.url("/report.pdf")
