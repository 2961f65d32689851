"""The product's schema prints the national templates' wording: extractor/schema.py against the
fixture builders' own copy (fixtures/build/official.py), which is typed from docs/SCHEMA.md and
the seed report and imports nothing from extractor/. A wrong label in the schema fails here, with
the key and both wordings, instead of hiding behind fixtures that print the same wrong label."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from extractor import schema

BUILD = Path(__file__).resolve().parent.parent / "fixtures" / "build"


def _import(name: str):
    sys.path.insert(0, str(BUILD))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BUILD))


official = _import("official")


def _differences(ours, theirs) -> list[str]:
    """Every printed label where the schema's template and the official one disagree, one line each."""
    key = theirs.key
    out: list[str] = []

    def same(what: str, got: object, want: object) -> None:
        if got != want:
            out.append(f"{key} {what}: schema prints {got!r}, the template prints {want!r}")

    same("document", ours.document, theirs.document)
    same("tables", [t.key for t in ours.tables], [t.key for t in theirs.tables])
    for spec in theirs.tables:
        mine = next((t for t in ours.tables if t.key == spec.key), None)
        if mine is None:
            continue
        same(f"{spec.key} title", mine.title, spec.title)
        same(f"{spec.key} rows", [r.key for r in mine.rows], [r.key for r in spec.rows])
        for row in spec.rows:
            got = next((r for r in mine.rows if r.key == row.key), None)
            if got is None:
                continue
            same(f"{spec.key}.{row.key} label", got.label, row.label)
            same(f"{spec.key}.{row.key} group", got.group, row.group)
            cols, want_cols = mine.columns_of(got), spec.columns_of(row)
            same(f"{spec.key}.{row.key} columns", [c.key for c in cols], [c.key for c in want_cols])
            for col, want in zip(cols, want_cols):
                if col.key == want.key:
                    same(f"{spec.key}.{row.key}.{col.key} column label", col.label, want.label)
                    same(f"{spec.key}.{row.key}.{col.key} kind", col.kind, want.kind)
    return out


@pytest.mark.parametrize("key", ["2021", "2019"])
def test_schema_prints_the_official_wording(key: str) -> None:
    differences = _differences(schema.TEMPLATES[key], official.TEMPLATES[key])
    assert not differences, "extractor/schema.py differs from the national template:\n" + "\n".join(differences)


def test_schema_prints_the_official_headers_and_headings() -> None:
    assert schema.APPLICANT_GROUP_LABELS == official.APPLICANT_GROUP_LABELS
    assert schema.SUBTOTAL_LABEL == official.SUBTOTAL_LABEL
    headings = {s.key: s.heading for s in schema.SECTIONS}
    wrong = [f"section {k}: schema prints {headings.get(k)!r}, the template prints {h!r}"
             for k, h in official.HEADINGS if headings.get(k) != h]
    assert not wrong, "\n".join(wrong)
    assert set(headings) == set(official.TITLES)


def test_the_comparison_names_a_wrong_label() -> None:
    """A label typed with half-width quotes in the schema is reported with its key and both wordings."""
    tpl = schema.TEMPLATE_2021
    req = tpl.table("requests")
    rows = tuple(dataclasses.replace(r, label='3.危及"三安全一稳定"') if r.key == "denied_three_safeties" else r
                 for r in req.rows)
    tables = tuple(dataclasses.replace(t, rows=rows) if t.key == "requests" else t for t in tpl.tables)
    broken = dataclasses.replace(tpl, tables=tables)
    assert _differences(broken, official.TEMPLATE_2021) == [
        "2021 requests.denied_three_safeties label: schema prints '3.危及\"三安全一稳定\"', "
        "the template prints '3.危及“三安全一稳定”'"]


def test_official_wording_agrees_with_the_wps_family_copy() -> None:
    """fixtures/build/wps_wording.py is another independent copy of the 2021 wording: the two agree."""
    wps = _import("wps_wording")
    t = official.TEMPLATE_2021
    req, act, rev = t.table("requests"), t.table("active_disclosure"), t.table("review_litigation")
    assert [(r.key, r.label, r.group) for r in req.rows] == [tuple(r) for r in wps.REQUEST_ROWS]
    assert [(c.key, c.label) for c in req.columns] == [tuple(c) for c in wps.REQUEST_COLUMNS]
    assert [(r.key, [(c.key, c.label) for c in act.columns_of(r)]) for r in act.rows] == \
        [(k, [tuple(c) for c in wps.ACTIVE_COLUMNS[k]]) for _, rows in wps.ACTIVE_BLOCKS for k, _ in rows]
    assert [(official.ARTICLE_HEADER.format(item), [(k, label) for k, label in rows])
            for item, _, rows in official.ACTIVE_BLOCKS_2021] == [(h, list(rows)) for h, rows in wps.ACTIVE_BLOCKS]
    assert [(c.key, c.label) for c in rev.columns] == [tuple(c) for c in wps.REVIEW_COLUMNS]
    assert [r.key for r in rev.rows] == list(wps.REVIEW_ROWS)
    assert (official.REVIEW_HEADER, official.LITIGATION_HEADER, rev.rows[1].label, rev.rows[2].label) == \
        tuple(wps.REVIEW_HEADER)
    assert official.CORNER_NOTE == wps.CORNER_NOTE and official.RESULTS_GROUP == wps.OUTCOMES_GROUP
    assert official.APPLICANT_GROUP_LABELS == (wps.APPLICANTS_HEADER, wps.LEGAL_PERSONS_HEADER)
    assert dict(official.HEADINGS) == wps.HEADINGS


def test_fixture_builders_import_nothing_from_extractor() -> None:
    """The builders print official.py's wording, never the schema's (a wrong label would not show)."""
    for src in sorted(BUILD.rglob("*.py")):
        text = src.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+extractor\b", text, re.M), src.relative_to(BUILD)
        assert "extractor.schema" not in text, src.relative_to(BUILD)
