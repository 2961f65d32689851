"""The real report we were given: the acceptance case of the core issue, via the CLI."""

import json
import subprocess
import sys

from extractor.schema import TEMPLATE_2021


def test_seed_json_via_cli(seed_path):
    out = subprocess.run([sys.executable, "-m", "extractor.cli.main", str(seed_path), "--json"],
                         capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)  # exactly one JSON object
    assert doc["template"] == "2021"
    md = doc["metadata"]
    assert (md["agency"], md["year"], md["published"]) == ("巴彦淖尔市商务局", 2024, "2025-01-10")
    assert len(md["sha256"]) == 64
    cells = {(c["table"], c["row"], c["column"]): c for c in doc["cells"]}
    assert set(cells) == set(TEMPLATE_2021.addresses())
    for addr, c in cells.items():
        want = 56 if addr == ("active_disclosure", "administrative_licensing", "decisions") else 0
        assert (c["value"], c["state"]) == (want, "number"), addr
    assert doc["check_summary"] == {"requests.balance": "pass", "requests.outcomes_sum": "pass",
                                    "requests.row_total": "pass", "review_litigation.row_total": "pass"}
    assert all(c["status"] == "pass" and c["passed"] is True for c in doc["checks"])
    assert set(doc["sections"]) == {"overview", "active_disclosure", "requests", "review_litigation",
                                    "problems", "other_matters"}
    assert doc["sections"]["overview"].startswith("2024年,巴彦淖尔市商务局")
    # the signature closes the report: it is metadata, not part 六's text
    assert doc["sections"]["other_matters"] == "本年度巴彦淖尔市商务局未收取政府信息公开信息处理费。"
    assert doc["sections"]["active_disclosure"] == ""  # part 二 is only its table
    assert md["scope"] == "body"
    assert doc["warnings"] == []
    assert out.stderr == ""
