"""The table builders' shared helpers: union-find, clustering of positions, the tolerance settings
and the one radical table."""

from __future__ import annotations

import dataclasses
import random

import pytest

from extractor.mapping.labels import nfkc
from extractor.readers.geometry import DisjointSet, cluster, connected, firsts, means
from extractor.readers.pdf_settings import DEFAULT_SETTINGS, PdfTableSettings
from extractor.readers.pdf_tables import Segs, _merge, rulings
from extractor.readers.pdf_text import RADICAL_SUPPLEMENT, chunks, fix_radicals


def test_disjoint_set_joins_transitively_and_lists_groups_by_least_member() -> None:
    ds = DisjointSet(7)
    ds.union(5, 1)
    ds.union(1, 3)
    ds.union(6, 4)
    assert ds.find(5) == ds.find(3) == ds.find(1)
    assert ds.find(0) == 0 and ds.find(2) == 2
    assert ds.find(6) == ds.find(4) != ds.find(1)
    assert ds.groups() == [[0], [1, 3, 5], [2], [4, 6]]


def test_disjoint_set_union_keeps_the_second_sets_representative() -> None:
    ds = DisjointSet(4)
    ds.union(0, 1)
    root = ds.find(1)
    ds.union(2, 1)  # the table builder relies on this: a filled cell's representative stays
    assert ds.find(2) == root and ds.find(0) == root


def test_disjoint_set_of_nothing() -> None:
    assert DisjointSet(0).groups() == []


def test_connected_components_keep_the_items_order() -> None:
    items = [10, 3, 11, 4, 30, 12]
    groups = connected(items, lambda a, b: abs(a - b) <= 1)
    assert groups == [[10, 11, 12], [3, 4], [30]]


def test_cluster_chain_and_first_linkage_differ() -> None:
    values = [4.5, 0.0, 10.0, 1.5, 3.0]
    assert cluster(values, 2.0) == [[0.0, 1.5, 3.0, 4.5], [10.0]]  # each within 2 of the previous
    assert cluster(values, 2.0, linkage="first") == [[0.0, 1.5], [3.0, 4.5], [10.0]]  # of the first
    assert firsts(values, 2.0) == [0.0, 3.0, 10.0]
    assert means(values, 2.0) == [2.25, 10.0]
    assert cluster([], 1.0) == [] and firsts([], 1.0) == [] and means([], 1.0) == []


def _old_keep_first(values: list[float], tol: float) -> list[float]:
    """pdf_tables._cluster as it was before geometry.py."""
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _old_means(values: list[float], tol: float) -> list[float]:
    """ocr.grid._cluster as it was before geometry.py."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def test_firsts_and_means_give_what_the_builders_computed_before() -> None:
    rnd = random.Random(5)
    for _ in range(500):
        values = [round(rnd.uniform(0, 60), rnd.choice([0, 1, 2])) for _ in range(rnd.randrange(12))]
        tol = rnd.choice([1.0, 2.0, 3.0, 4.5])
        assert firsts(values, tol) == _old_keep_first(values, tol)
        assert means(values, tol) == _old_means(values, tol)


def test_settings_are_frozen_and_refuse_negative_tolerances() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.chunk_gap = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="rule_reach"):
        PdfTableSettings(rule_reach=-1.0)
    assert dataclasses.replace(DEFAULT_SETTINGS, chunk_gap=2.0).chunk_gap == 2.0


def test_every_setting_has_a_comment() -> None:
    import inspect

    import extractor.readers.pdf_settings as mod

    source = inspect.getsource(mod.PdfTableSettings)
    for f in dataclasses.fields(PdfTableSettings):
        line = next(ln for ln in source.splitlines() if ln.strip().startswith(f.name + ":"))
        assert "#" in line, f.name


def test_settings_reach_the_builder() -> None:
    """Two collinear rule pieces 3pt apart are one rule with the default join gap (2pt) only when
    the gap setting is raised; chars 4pt apart (size 10) split into chunks at the 0.35 x size gap."""
    pieces = [(100.0, 10.0, 50.0), (100.0, 53.0, 90.0)]
    assert _merge(pieces, 5) == pieces
    assert _merge(pieces, 5, dataclasses.replace(DEFAULT_SETTINGS, rule_join_gap=3.0)) == [(100.0, 10.0, 90.0)]
    line = [{"text": t, "x0": x, "x1": x + 10, "top": 0.0, "bottom": 10.0, "size": 10.0}
            for t, x in (("a", 0.0), ("b", 14.0))]
    assert len(chunks(line)) == 2
    assert len(chunks(line, 0.5)) == 1
    objs = {"rect": [{"x0": 10.0, "x1": 90.0, "top": 50.0, "bottom": 52.0}]}  # a 2pt-high bar
    assert rulings(objs, 600, 800).h == [(51.0, 10.0, 90.0)]
    assert rulings(objs, 600, 800, dataclasses.replace(DEFAULT_SETTINGS, bar_thickness=1.0)) == Segs([], [])


def test_one_radical_table_for_the_pdf_reader_and_the_label_normaliser() -> None:
    for form, ideograph in RADICAL_SUPPLEMENT.items():
        assert 0x2E80 <= ord(form) <= 0x2EFF
        assert fix_radicals(form) == ideograph
        assert nfkc(form) == ideograph
    # the Kangxi block: NFKC in the normaliser, the reader's own table in fix_radicals
    assert fix_radicals("\u2F42") == nfkc("\u2F42") == "文"
