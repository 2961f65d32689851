"""The fixture files themselves: every expected file is well-formed, names its input, covers its
template exactly once, and the core generator reproduces the committed files byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.schema import DASH_TOKENS, TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GENERATOR = FIXTURES / "build" / "make_core_fixtures.py"
EXPECTED = sorted(FIXTURES.rglob("*.expected.json"))
CHECKS = ("requests.balance", "requests.outcomes_sum", "requests.row_total", "review_litigation.row_total")
STATES = {"number", "blank", "dash", "unreadable", "missing", "derived"}


def _stem(path: Path) -> str:
    return path.name[: -len(".expected.json")]


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(FIXTURES)) for p in paths]


def test_there_are_expected_files() -> None:
    names = {str(p.relative_to(FIXTURES)) for p in EXPECTED}
    for core in ("html/trs_article_utf8.expected.json", "html/not_a_report.expected.json",
                 "text/flattened_rows.expected.json", "seed/000_3a7ed7c9ae9b3af5.expected.json"):
        assert core in names


@pytest.mark.parametrize("exp", EXPECTED, ids=_ids(EXPECTED))
def test_expected_file_is_valid(exp: Path) -> None:
    doc = json.loads(exp.read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and doc
    if "error" in doc:
        assert isinstance(doc["error"], str) and doc["error"]
    if "error" in doc or "cells" in doc:  # a per-report expectation names its input
        inputs = [p for p in exp.parent.iterdir() if p.is_file() and p != exp
                  and p.name.startswith(_stem(exp) + ".") and not p.name.endswith(".json")]
        assert inputs, f"no input file named {_stem(exp)}.* next to {exp.name}"
    if "cells" not in doc:
        return
    assert set(doc) >= {"template", "metadata", "cells", "checks", "failures"}
    meta = doc["metadata"]
    assert {"agency", "year", "published"} <= set(meta)
    assert isinstance(meta["year"], int) and 1990 < meta["year"] < 2100
    assert meta["published"] is None or (len(meta["published"]) == 10 and meta["published"][4] == "-")
    seen = [(c["table"], c["row"], c["column"]) for c in doc["cells"]]
    assert len(seen) == len(set(seen)), "a cell is listed twice"
    template = TEMPLATES.get(doc["template"])
    if template is None:  # legacy reports have no template cells
        assert doc["cells"] == []
        return
    # a 2021 report printing （六）其他处理 as one 2019-style row also lists that row's cells
    extra = [a for a in seen if a[:2] == ("requests", "other_handling") and doc["template"] == "2021"]
    assert sorted(a for a in seen if a not in extra) == sorted(template.addresses())
    assert not extra or len(extra) == 7
    kinds = {(t.key, r.key, c.key): c.kind for t in template.tables for r in t.rows for c in t.columns_of(r)}
    kinds.update({("requests", "other_handling", c): "count" for _, _, c in extra})
    for cell in doc["cells"]:
        assert cell["state"] in STATES, cell
        if cell["state"] in ("blank", "dash"):
            assert cell["value"] == 0, cell
        if cell["state"] == "number":
            expected_type = float if kinds[(cell["table"], cell["row"], cell["column"])] == "money" else int
            assert isinstance(cell["value"], expected_type) and not isinstance(cell["value"], bool), cell
    for name in CHECKS:
        assert doc["checks"].get(name) in ("pass", "fail", "not_assessable"), name
    failing = {f["check"] for f in doc["failures"]}
    assert failing == {n for n, s in doc["checks"].items() if s == "fail"}


def test_core_generator_reproduces_committed_files(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) >= 30
    for new in written:
        rel = new.relative_to(tmp_path)
        committed = FIXTURES / rel
        assert committed.is_file(), f"{rel} is generated but not in fixtures/"
        assert committed.read_bytes() == new.read_bytes(), f"{rel} differs from what the generator writes"


def test_core_oracle_states_and_checks() -> None:
    """The generator's own oracle on hand-made cases (blank/dash states, not_assessable, fail)."""
    sys.path.insert(0, str(GENERATOR.parent))
    try:
        from core.truth import build_truth, expected, state_of
    finally:
        sys.path.remove(str(GENERATOR.parent))
    assert state_of("") == state_of("\u00a0") == "blank"
    assert all(state_of(d) == "dash" for d in ("—", "-", "/", "无"))
    assert state_of(" 0") == state_of("\u00a00") == state_of(("12", "3")) == "number"
    assert "—" in DASH_TOKENS
    active = {"regulations": (0, 0, 0), "normative_documents": (0, 0, 0), "administrative_licensing": 0,
              "administrative_penalty": 0, "administrative_coercion": 0, "administrative_fees": "0"}
    t = build_truth(active, {"new_requests": [2, 0, 0, 0, 0, 0], "granted": [2, 0, 0, 0, 0, 0]}, {})
    t.set(("requests", "granted", "total"), 0, "")  # 总计 blank over a non-zero part
    t.set(("review_litigation", "administrative_review", "total"), 1)  # 0+0+0+0 printed as 1
    doc = expected(t, agency="x", year=2023, published=None)
    assert doc["checks"] == {"requests.balance": "pass", "requests.outcomes_sum": "fail",
                             "requests.row_total": "not_assessable", "review_litigation.row_total": "fail"}
    assert {"check": "requests.outcomes_sum", "key": "total"} in doc["failures"]
    assert {"check": "review_litigation.row_total", "key": "administrative_review"} in doc["failures"]
    with pytest.raises(ValueError):
        t.set(("requests", "granted", "natural_person"), 2, "—")  # a dash over a non-zero truth
        t.validate()
