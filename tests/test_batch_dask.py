"""``--engine dask``: a run on a LocalCluster (two worker processes on 127.0.0.1) gives exactly the
dataset of a local run; without dask installed, one clear error line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.batch import run_batch
from extractor.ocr import ocr_available
from test_batch_run import ROOT, assert_same_dataset, hang_or_extract, make_inputs, read_dataset

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=50) as c:
        yield c


def test_dask_run_equals_local_run(cluster, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 12)
    (inputs / "sub").mkdir()
    (inputs / "sub" / "copy.txt").write_bytes((inputs / "r0003.txt").read_bytes())
    local = run_batch([inputs], tmp_path / "local", jobs=2, progress=False)
    remote = run_batch([inputs], tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address,
                       progress=False)
    assert (remote.total, remote.ok, remote.failed, remote.processed) == (14, 13, 1, 13)
    assert (local.total, local.ok, local.failed) == (14, 13, 1)
    assert_same_dataset(read_dataset(tmp_path / "dask"), read_dataset(tmp_path / "local"))


def test_dask_run_records_a_timeout(cluster, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    make_inputs(inputs, 3, bad=False)
    (inputs / "r0001.txt").rename(inputs / "hang.txt")
    result = run_batch([inputs], tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address,
                       timeout=1, task=hang_or_extract, progress=False)
    assert (result.ok, result.failed) == (2, 1)
    assert result.errors[["error_type", "message"]].values.tolist() == [
        ["Timeout", f"{inputs / 'hang.txt'}: timed out after 1 s"]]


def test_without_dask_one_error_line(tmp_path: Path) -> None:
    make_inputs(tmp_path / "in", 1)
    code = ("import sys; sys.modules['distributed'] = None; from extractor.cli.main import main; "
            f"main([{str(tmp_path / 'in')!r}, '--out', {str(tmp_path / 'out')!r}, '--engine', 'dask', "
            "'--scheduler', 'tcp://127.0.0.1:1'])")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stderr) == (
        5, "error: --engine dask needs the dask extra: pip install 'gov-disclosure-extractor[dask]'\n")


@pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")
def test_a_saved_page_travels_with_its_pictures(cluster, tmp_path: Path) -> None:
    """A Word "Save as Web Page" export whose part 三 is a picture in report.files/: the worker has
    no shared folder, the picture goes with the page, and the dataset is the local run's."""
    import shutil

    page = ROOT / "fixtures" / "html" / "word_export_table_picture.htm"
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(page, inputs / page.name)
    shutil.copytree(page.with_name("word_export_table_picture.files"), inputs / "word_export_table_picture.files")
    local = run_batch([inputs], tmp_path / "local", jobs=1, progress=False)
    remote = run_batch([inputs], tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address,
                       progress=False)
    assert (local.total, local.ok) == (remote.total, remote.ok) == (1, 1)
    dask_data, local_data = read_dataset(tmp_path / "dask"), read_dataset(tmp_path / "local")
    assert_same_dataset(dask_data, local_data)
    cells = local_data["cells"]
    requests = cells[cells["table"] == "requests"]
    assert len(requests) and (requests["how"] == "ocr").all()  # read from the picture, not left missing
