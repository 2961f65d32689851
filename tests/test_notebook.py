"""notebooks/example.ipynb runs from top to bottom (offline, in a fresh kernel), is committed with its
outputs cleared, and its outcomes-by-year table equals the series' truth (expected.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat, nbclient and ipykernel")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbformat, nbclient and ipykernel")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel")
pytest.importorskip("matplotlib", reason="the notebook plots with matplotlib (summary extra)")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "example.ipynb"
SERIES = ROOT / "fixtures" / "series"
GROUP_PREFIXES = ("granted", "partially_granted", "denied", "unable", "not_processed", "other")
# Run after the notebook: its outcomes table, as JSON on stdout.
PROBE = 'import json as _j; print("OUTCOMES=" + _j.dumps({str(k): v for k, v in outcomes.to_dict("index").items()}))'


def test_committed_with_outputs_cleared():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def _truth_outcomes() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for path in sorted(SERIES.glob("yunling_zrzyj_*.expected.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        sums = dict.fromkeys(GROUP_PREFIXES, 0.0)
        for c in truth["cells"]:
            if c["table"] != "requests" or c["column"] != "total":
                continue
            group = next((g for g in GROUP_PREFIXES if c["row"] == g or c["row"].startswith(g + "_")), None)
            if group:
                sums[group] += c["value"]
        out[str(truth["metadata"]["year"])] = sums
    return out


def test_notebook_runs_and_plots_outcomes_by_year(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the outcomes-by-year plot
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 6  # reports, errors, cells, requests pivot, wide, checks, failures, outcomes
    probe = next(o.text for o in nb.cells[-1].outputs if o.output_type == "stream")
    got = json.loads(probe.split("OUTCOMES=", 1)[1])
    expected = _truth_outcomes()
    assert sorted(expected) == [str(y) for y in range(2019, 2025)]
    assert got == {y: pytest.approx(v) for y, v in expected.items()}
