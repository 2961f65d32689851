"""Legacy .doc/.wps: converted by LibreOffice when present, one clear line when not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import extractor
from extractor.errors import MissingDependencyError
from extractor.reading import read_document
from extractor.readers import legacy_office
from extractor.readers.docx import read_docx

FIX = Path(__file__).resolve().parents[1] / "fixtures"
DOC = FIX / "doc" / "report_2021.doc"
needs_soffice = pytest.mark.skipif(legacy_office.find_soffice() is None, reason="LibreOffice not installed")


def test_fixture_is_ole2_whatever_its_name() -> None:
    assert DOC.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_without_libreoffice_one_clear_line(monkeypatch) -> None:
    monkeypatch.setattr(legacy_office.shutil, "which", lambda name: None)
    with pytest.raises(MissingDependencyError) as info:
        read_document(DOC.read_bytes(), source="report_2021.wps")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("report_2021.wps: ") and "LibreOffice" in msg and "apt-get install libreoffice-writer" in msg


def test_cli_without_libreoffice_exits_non_zero_without_traceback(tmp_path) -> None:
    # PATH is an empty folder, so there is no soffice; the CLI must print one line and exit with the
    # error's code. The test's own interpreter is run by its path: a copy or symlink of a venv's
    # python outside the venv no longer finds the venv (pyvenv.cfg) and so none of its packages.
    empty = tmp_path / "bin"
    empty.mkdir()
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PATH=str(empty), HOME=str(tmp_path),
               PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", "from extractor.cli.main import main; main()", str(DOC)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == MissingDependencyError.exit_code, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "LibreOffice" in lines[0], proc.stderr


def test_failed_conversion_is_an_extractor_error(monkeypatch, tmp_path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(legacy_office, "find_soffice", lambda: str(fake))
    with pytest.raises(extractor.UnsupportedFormatError, match="source file could not be loaded"):
        legacy_office.read_legacy_office(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, source="x.doc")


@needs_soffice
def test_doc_converted_reads_like_its_docx() -> None:
    doc = read_document(DOC.read_bytes(), source="report_2021.doc")
    assert doc.format == "doc" and doc.meta["converted_by"] == "soffice"
    original = read_docx((FIX / "docx" / "report_2021.docx").read_bytes())

    def grids(d):  # each merged cell once: LibreOffice may lay the same table on a finer grid
        return [[[c.text for c in t.distinct_row(r)] for r in range(t.n_rows)] for t in d.tables()]

    assert grids(doc) == grids(original)
    assert [p.text for p in doc.paragraphs()] == [p.text for p in original.paragraphs()]
    # merges survive the round trip through the .doc format
    req = list(doc.tables())[1].grid
    assert req[5][0] is req[26][0] and req[5][0].text == "三、本年度办理结果"


@needs_soffice
def test_doc_end_to_end_matches_expected() -> None:
    report = extractor.extract(DOC)
    expected = json.loads((FIX / "doc" / "report_2021.expected.json").read_text("utf-8"))
    assert report.template == "2021"
    got = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in report.cells}
    want = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in expected["cells"]}
    assert got == want


def test_soffice_is_looked_up_on_path(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/lo/soffice" if name == "soffice" else None)
    assert legacy_office.find_soffice() == "/opt/lo/soffice"


def test_pre_2019_report_is_legacy_with_sections_and_no_cells() -> None:
    report = extractor.extract(FIX / "legacy" / "report_2017.html")
    assert report.template == "legacy"
    assert report.cells == [] and report.checks == []
    assert any("legacy" in w for w in report.warnings)
    assert report.metadata["year"] == 2017 and report.metadata["published"] == "2018-03-28"
    # the free-form outline (概述 / 主动公开 / 依申请公开 / 复议诉讼 / 问题和改进) still yields section texts
    assert report.sections["overview"].startswith("2017年，我局按照市政府统一部署")
    assert "主动公开政府信息1326条" in report.sections["active_disclosure"]
    assert "受理政府信息公开申请41件" in report.sections["requests"]
    assert "未发生因政府信息公开申请提起的行政复议和行政诉讼案件" in report.sections["review_litigation"]
    assert report.sections["problems"].startswith("我局政府信息公开工作虽取得一定成效")
