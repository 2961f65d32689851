"""Every bad input in docs/bad-inputs.md, through the CLI: the exact one-line message and exit code.

The table in docs/bad-inputs.md is the expected output: each row's case is built here, run
through ``extract`` (in-process, plus a few real subprocesses), and compared with the row.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Callable

import pytest


ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures"
DOC = ROOT / "docs" / "bad-inputs.md"
REPORT_HTML = FIX / "html" / "utf8_bom.html"
REPORT_PDF = FIX / "pdf" / "report_2019.pdf"
REPORT_DOCX = FIX / "docx" / "report_2021.docx"
REPORT_XLSX = FIX / "xlsx" / "annex_one_sheet.xlsx"
REPORT_XLS = FIX / "xls" / "annex_2021.xls"
REPORT_OFD = FIX / "ofd" / "report_2021.ofd"
sys.path.insert(0, str(ROOT / "fuzz"))


# --- builders: bytes of each bad input --------------------------------------------------------

def _docx_with(document_xml: Callable[[bytes], bytes] | None = None, extra: dict[str, bytes] | None = None,
               src: Path = REPORT_DOCX) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml" and document_xml:
                data = document_xml(data)
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return buf.getvalue()


def _declared_size(data: bytes, part: str, size: int) -> bytes:
    """The zip with ``part``'s uncompressed size in the central directory set to ``size`` (a bomb
    as the zip directory declares it: the check must refuse it before anything is inflated)."""
    out = bytearray(data)
    at = 0
    while True:
        at = out.index(b"PK\x01\x02", at)
        name_len = int.from_bytes(out[at + 28:at + 30], "little")
        if out[at + 46:at + 46 + name_len] == part.encode():
            out[at + 24:at + 28] = size.to_bytes(4, "little")
            return bytes(out)
        at += 4


LAUGHS = b'<!DOCTYPE w:document [<!ENTITY lol "lollollollollollollollollollol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"


def _billion_laughs(xml: bytes) -> bytes:
    return xml.replace(b"?>", b"?>" + LAUGHS, 1).replace(b"<w:t>", b"<w:t>&lol9;", 1)


def _pdf(user: str, owner: str) -> bytes:
    pikepdf = pytest.importorskip("pikepdf")
    pdf = pikepdf.open(REPORT_PDF)
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(user=user, owner=owner, R=6))
    return buf.getvalue()


def _pdf_rc4_locked() -> bytes:
    pypdf = pytest.importorskip("pypdf")
    w = pypdf.PdfWriter(clone_from=str(REPORT_PDF))
    w.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _pdf_self_drawing_xobject() -> bytes:
    """The report with a Form XObject on page 1 that draws itself (an infinitely recursive stream)."""
    pikepdf = pytest.importorskip("pikepdf")
    pdf = pikepdf.open(REPORT_PDF)
    xo = pdf.make_stream(b"/Loop Do")
    xo.Type, xo.Subtype, xo.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 10, 10]
    xo.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Loop=xo))
    page = pdf.pages[0]
    page.Resources.XObject = page.Resources.get("/XObject", pikepdf.Dictionary())
    page.Resources.XObject.Loop = xo
    page.contents_add(pdf.make_stream(b"q /Loop Do Q"), prepend=False)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _pdf_page_tree_loop() -> bytes:
    from build_corpus import tiny_pdf  # fuzz/build_corpus.py: a hand-written one-page PDF

    return tiny_pdf().replace(b"/Kids [3 0 R]", b"/Kids [3 0 R 2 0 R]")


def _zip_with(src: Path, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, edit(data) if info.filename == part else data)
    return buf.getvalue()


def _xlsx_understated() -> bytes:
    """The sheet part inflates to twice what the zip directory declares (a bomb in disguise)."""
    part = "xl/worksheets/sheet1.xml"
    return _declared_size(REPORT_XLSX.read_bytes(), part, zipfile.ZipFile(REPORT_XLSX).getinfo(part).file_size // 2)


def _xlsx_far_cells() -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "某局2023年政府信息公开工作年度报告附表"
    wb.active["XFD1048576"] = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xls_far_cell() -> bytes:
    data = bytearray(REPORT_XLS.read_bytes())
    at = data.index(b"\xfd\x00\x0a\x00")  # a LABELSST record: moved to row 65535, column 255
    data[at + 4:at + 8] = b"\xff\xff\xff\x00"
    return bytes(data)


def _ofd_page(edit: Callable[[bytes], bytes], page: str = "Doc_0/Pages/Page_1/Content.xml") -> bytes:
    return _zip_with(REPORT_OFD, page, edit)


def _ofd_doc(edit: Callable[[bytes], bytes]) -> bytes:
    return _zip_with(REPORT_OFD, "Doc_0/Document.xml", edit)


def _ofd_laughs(xml: bytes) -> bytes:
    laughs = LAUGHS.replace(b"w:document", b"ofd:Page")
    return xml.replace(b"?>", b"?>" + laughs, 1).replace(b"<ofd:TextCode", b"<ofd:TextCode>&lol9;</ofd:TextCode><ofd:TextCode", 1)


def _ofd_xxe(xml: bytes) -> bytes:
    xml = xml.replace(b"?>", b'?><!DOCTYPE ofd:Page [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)
    at = xml.index(b"</ofd:TextCode>")
    return xml[:at] + b"&xxe;" + xml[at:]


def _png() -> bytes:
    return (FIX / "web/site/picture/0/23013015361.png").read_bytes()


def _zip_not_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("附件/2023年报.txt", "政府信息公开工作年度报告")
    return buf.getvalue()


def _many_parts() -> bytes:
    return _docx_with(extra={f"customXml/extra{i}.xml": b"<a/>" for i in range(10_001)})


def _deep_html() -> bytes:
    return ("<html><body>" + "<div>" * 5000 + "政府信息公开" + "</div>" * 5000 + "</body></html>").encode()


def _deep_cell_html() -> bytes:
    return ("<html><body><table><tr><td>" + "<span>" * 3000 + "1" + "</span>" * 3000
            + "</td></tr></table></body></html>").encode()


def _span_bomb_html() -> bytes:
    row = "<tr>" + '<td colspan="500" rowspan="500">0</td>' * 200 + "</tr>"
    return ("<html><body><table>" + row * 30 + "</table></body></html>").encode()


def _pipe_bomb_text() -> bytes:
    return ("|x" * 200_000 + "|\n" + "|a|\n" * 1000).encode()  # pads to 1001 x 200000


def _docx_blocks(inner: bytes) -> bytes:
    """The report .docx with ``inner`` put at the start of its body (a tiny file once compressed)."""
    return _docx_with(lambda x: x.replace(b"<w:body>", b"<w:body>" + inner, 1))


def _many_cells_html() -> bytes:  # 60,000 rows of 2 cells: under the per-table limit, over max_blocks
    return ("<html><body><table>" + "<tr><td>1</td><td>2</td></tr>" * 60_000 + "</table></body></html>").encode()


def _long_cell_html() -> bytes:
    html = REPORT_HTML.read_text(encoding="utf-8-sig")
    return html.replace("<td>", "<td>" + "长" * 25_000, 1).encode()


# id -> (file name, builder, extra CLI args); the expected message and exit code are in the doc.
CASES: dict[str, tuple[str, Callable[[], bytes], list[str]]] = {
    "empty": ("empty.pdf", lambda: b"", []),
    "noise": ("noise.pdf", lambda: random.Random(7).randbytes(8192), []),
    "byte-ramp": ("ramp.docx", lambda: bytes(range(256)) * 16, []),
    "image": ("scan.pdf", _png, []),
    "zip-not-docx": ("report.docx", _zip_not_docx, []),
    "truncated-docx": ("report.docx", lambda: REPORT_DOCX.read_bytes()[:20_000], []),
    "docx-bad-xml": ("report.docx", lambda: _docx_with(lambda x: x[: len(x) // 2]), []),
    "docx-zip-bomb": ("bomb.docx", lambda: _declared_size(_docx_with(), "word/document.xml", 300 * 2**20), []),
    "docx-many-parts": ("parts.docx", _many_parts, []),
    "docx-billion-laughs": ("laughs.docx", lambda: _docx_with(_billion_laughs), []),
    "pdf-encrypted-aes": ("locked.pdf", lambda: _pdf("secret", "owner"), []),
    "pdf-encrypted-rc4": ("locked.pdf", _pdf_rc4_locked, []),
    "pdf-truncated": ("cut.pdf", lambda: REPORT_PDF.read_bytes()[:60_000], []),
    "pdf-header-only": ("cut.pdf", lambda: b"%PDF-1.7\n", []),
    "pdf-damaged": ("bad.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", []),
    "pdf-page-tree-loop": ("loop.pdf", _pdf_page_tree_loop, []),
    "pdf-too-many-pages": ("report.pdf", REPORT_PDF.read_bytes, ["--max-pages", "1"]),
    "pdf-scanned": ("scanned.pdf", (FIX / "pdf/scanned.pdf").read_bytes, []),
    "file-too-large": ("report.html", REPORT_HTML.read_bytes, ["--max-file-mb", "0.01"]),
    "html-deep": ("deep.html", _deep_html, []),
    "html-deep-in-cell": ("deep.html", _deep_cell_html, []),
    "html-span-bomb": ("spans.html", _span_bomb_html, []),
    "text-pipe-bomb": ("pipes.txt", _pipe_bomb_text, []),
    "xlsx-truncated": ("附表.xlsx", lambda: REPORT_XLSX.read_bytes()[:3000], []),
    "xlsx-bad-xml": ("附表.xlsx", lambda: _zip_with(REPORT_XLSX, "xl/worksheets/sheet1.xml", lambda x: x[: len(x) // 2]), []),
    "xlsx-zip-bomb": ("bomb.xlsx", lambda: _declared_size(REPORT_XLSX.read_bytes(), "xl/worksheets/sheet1.xml",
                                                          300 * 2**20), []),
    "xlsx-understated-size": ("bomb.xlsx", _xlsx_understated, []),
    "xlsx-far-cells": ("far.xlsx", _xlsx_far_cells, []),
    "xlsx-encrypted": ("附表.xlsx", (FIX / "broken" / "encrypted_workbook.xlsx").read_bytes, []),
    "xls-truncated": ("附表.xls", lambda: REPORT_XLS.read_bytes()[:5000], []),
    "xls-far-cell": ("far.xls", _xls_far_cell, []),
    "ofd-truncated": ("report.ofd", lambda: REPORT_OFD.read_bytes()[:4000], []),
    "ofd-bad-xml": ("report.ofd", lambda: _ofd_page(lambda x: x[: len(x) // 2]), []),
    "ofd-no-doc-root": ("report.ofd", lambda: _zip_with(REPORT_OFD, "OFD.xml", lambda x: x.replace(
        b"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>", b"")), []),
    "ofd-zip-bomb": ("bomb.ofd", lambda: _declared_size(REPORT_OFD.read_bytes(), "Doc_0/Pages/Page_1/Content.xml",
                                                        300 * 2**20), []),
    "ofd-part-outside": ("report.ofd", lambda: _ofd_doc(lambda x: x.replace(b"Pages/Page_1/", b"../../../../etc/", 1)), []),
    "ofd-billion-laughs": ("laughs.ofd", lambda: _ofd_page(_ofd_laughs), []),
    "ofd-too-many-pages": ("report.ofd", REPORT_OFD.read_bytes, ["--max-pages", "2"]),
    "docx-empty-paragraphs": ("paras.docx", lambda: _docx_blocks(b"<w:p/>" * 570_000), []),
    "docx-many-runs": ("runs.docx", lambda: _docx_blocks(b"<w:p>" + b"<w:r/>" * 2_000_001 + b"</w:p>"), []),
    "html-many-cells": ("cells.html", _many_cells_html, []),
    "not-a-report": ("notice.txt", lambda: "关于做好春节期间安全生产工作的通知\n各有关单位：\n请做好值班值守。\n".encode(), []),
}
NEEDS_NO_OCR = {"image", "pdf-scanned"}  # their message names the missing OCR extra
# Inputs that are read (type by content, or protections that need no password): exit 0.
READ_OK: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "html-saved-as-pdf": ("report.pdf", REPORT_HTML.read_bytes, "html"),
    "pdf-saved-as-html": ("report.html", REPORT_PDF.read_bytes, "pdf"),
    "docx-saved-as-pdf": ("report.pdf", REPORT_DOCX.read_bytes, "docx"),
    "pdf-owner-password-only": ("report.pdf", lambda: _pdf("", "owner"), "pdf"),
    "pdf-self-drawing-xobject": ("report.pdf", _pdf_self_drawing_xobject, "pdf"),
    "docx-xxe": ("report.docx", lambda: _docx_with(lambda x: x.replace(
        b"?>", b'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1).replace(
        b"<w:t>", b"<w:t>&xxe;", 1)), "docx"),
    "xlsx-saved-as-pdf": ("report.pdf", REPORT_XLSX.read_bytes, "xlsx"),
    "xls-saved-as-et": ("附表.et", REPORT_XLS.read_bytes, "xls"),
    "ofd-saved-as-pdf": ("report.pdf", REPORT_OFD.read_bytes, "ofd"),
    "ofd-xxe": ("report.ofd", lambda: _ofd_page(_ofd_xxe, "Doc_0/Pages/Page_0/Content.xml"), "ofd"),
    "docx-huge-gridspan": ("report.docx", lambda: _docx_with(lambda x: x.replace(
        b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="100000000"/>', 5)), "docx"),
}


def _doc_rows() -> dict[str, tuple[str, int]]:
    """``case -> (message, exit code)`` from the table in docs/bad-inputs.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([\w-]+)`\s*\|.*\|\s*`(.*)`\s*\|\s*(\d+)\s*\|$", line)
        if m:
            rows[m.group(1)] = (m.group(2).replace("\\|", "|"), int(m.group(3)))
    return rows


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    from extractor.cli.main import main

    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


# Paths that are not regular files: reading one would hang (a FIFO) or never end (/dev/zero).
NOT_FILES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "fifo": ("pipe.pdf", _fifo),
    "dev-zero": ("zero.pdf", _dev_zero),
}


def test_every_case_is_documented() -> None:
    rows = _doc_rows()
    assert set(rows) == set(CASES) | set(READ_OK) | set(NOT_FILES)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX special files")
@pytest.mark.parametrize("case", sorted(NOT_FILES))
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(case: str, tmp_path: Path) -> None:
    name, make = NOT_FILES[case]
    path = tmp_path / name
    make(path)
    proc = subprocess.run([sys.executable, "-m", "extractor.cli.main", str(path)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)  # a real process: a read that hangs fails the test, not the suite
    message, exit_code = _doc_rows()[case]
    assert proc.stderr == f"error: {message.replace('<file>', str(path))}\n"
    assert proc.returncode == exit_code


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_its_documented_line(case: str, tmp_path: Path, capsys) -> None:
    if case in NEEDS_NO_OCR:
        from extractor.ocr import ocr_available

        if ocr_available():
            pytest.skip("the OCR extra is installed: images and scans are read, not refused (tests/test_ocr.py)")
    name, build, args = CASES[case]
    path = tmp_path / name
    path.write_bytes(build())
    message, exit_code = _doc_rows()[case]
    started = time.monotonic()
    code, _, err = _cli(capsys, str(path), *args)
    assert time.monotonic() - started < 30
    assert err == f"error: {message.replace('<file>', str(path))}\n"
    assert code == exit_code


@pytest.mark.parametrize("case", sorted(READ_OK))
def test_misnamed_or_harmless_input_is_read(case: str, tmp_path: Path, capsys) -> None:
    name, build, fmt = READ_OK[case]
    path = tmp_path / name
    path.write_bytes(build())
    code, out, err = _cli(capsys, str(path), "--json")
    assert code == 0, err
    import json

    report = json.loads(out)
    assert report["metadata"]["format"] == fmt
    assert report["template"] in ("2019", "2021")
    assert sum(1 for c in report["cells"] if c["state"] == "number") > 50
    assert "root:" not in out  # docx-xxe: /etc/passwd is never read into the report
    assert _doc_rows()[case] == (f"read as {fmt}", 0)


def test_long_cell_is_cut_and_flagged(tmp_path: Path, capsys) -> None:
    path = tmp_path / "long.html"
    path.write_bytes(_long_cell_html())
    code, out, err = _cli(capsys, str(path), "--json")
    import json

    report = json.loads(out)
    assert code == 0, err
    cut = [w for w in report["warnings"] if "characters cut to" in w]
    assert len(cut) == 1 and re.fullmatch(r"cell \S+: text of 25\d{3} characters cut to 20000", cut[0])


@pytest.mark.parametrize("case", ["empty", "pdf-encrypted-aes", "html-deep", "docx-zip-bomb"])
def test_real_process_prints_one_line_and_no_traceback(case: str, tmp_path: Path) -> None:
    name, build, args = CASES[case]
    path = tmp_path / name
    path.write_bytes(build())
    proc = subprocess.run([sys.executable, "-m", "extractor.cli.main", str(path), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    message, exit_code = _doc_rows()[case]
    assert proc.stderr == f"error: {message.replace('<file>', str(path))}\n"
    assert proc.returncode == exit_code and proc.stdout == ""
