"""Every tolerance of the PDF/OFD table builder in one place (after pdfplumber's ``TableSettings``).

Distances are in points (1/72 in, the unit of a PDF page and of the OFD reader's chars), y
growing downwards; a few are multiples of the font size ("x size") or shares. The builder's
functions (``pdf_tables``, ``pdf_grid``, ``pdf_text``) take ``settings=DEFAULT_SETTINGS``; to try
another value build one with ``dataclasses.replace(DEFAULT_SETTINGS, name=value)``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class PdfTableSettings:
    # --- rules (``rulings``, ``_merge``) -----------------------------------------------------------
    rule_thickness: float = 1.5  # pt: a line object less than this across is a rule (horizontal or vertical)
    frame_share: float = 0.8  # a rectangle wider and taller than this share of the page is a frame, no rule
    bar_thickness: float = 2.5  # pt: a rectangle at most this thick is a rule drawn as a filled bar
    bar_min_length: float = 2.0  # pt: ... and longer than this (shorter: a dot or a glyph's stroke)
    h_rule_min_length: float = 5.0  # pt: a horizontal rule shorter than this, once joined, is dropped
    v_rule_min_length: float = 3.0  # pt: a vertical rule shorter than this, once joined, is dropped
    collinear_tol: float = 1.2  # pt: rule segments this near in position lie on one line
    rule_join_gap: float = 2.0  # pt: collinear segments with at most this gap between them are one rule

    # --- table regions (``find_regions``, ``_numeric_runs``, ``_is_separator``) ----------------------
    run_line_gap: float = 2.0  # x line height: lines of one rule-less run are less than this apart
    wrap_line_gap: float = 0.6  # x line height: a wrapped label line under a run's last row is at most this below
    max_header_lines: int = 4  # header lines looked for right above a rule-less run's first row
    prose_width_share: float = 0.6  # a one-chunk line wider than this share of the page is prose (ends a table)
    prose_min_chars: int = 20  # ... when it holds at least this many characters
    min_region_height: float = 3.0  # pt: a cluster of horizontal rules lower than this is no table
    run_attach_distance: float = 40.0  # pt: a rule-less run this near a ruled region is part of its table

    # --- column and row boundaries (``_column_bounds``, ``_row_bounds``, ``infer_*``) ----------------
    region_rule_slack: float = 2.0  # pt: a rule this far outside a region's edges still bounds it
    rule_cluster_tol: float = 2.0  # pt: rule positions within this of the first are one boundary
    edge_margin: float = 1.0  # pt: a boundary set by text edges lies this far outside them (a region's outer bounds, the first value column's left)
    column_bound_merge: float = 3.0  # pt: column boundaries (rules, region edges) within this are one
    row_bound_merge: float = 2.0  # pt: row boundaries (rules, region edges) within this are one
    box_slack: float = 1.0  # pt: a text box lies in an interval when its edges are at most this outside
    inferred_bound_min_gap: float = 2.0  # pt: an inferred column boundary nearer a rule than this is that rule
    row_bound_min_gap: float = 1.0  # pt: an inferred row boundary nearer a rule than this is that rule
    rule_reach: float = 2.0  # pt: a rule segment this near a boundary lies on it
    rule_cover_share: float = 0.5  # a cell side is ruled when rule segments cover this share of it
    value_column_lead: float = 3.0  # pt: with no inferred value columns, they start this far left of the first number
    value_start_slack: float = 0.5  # pt: the first value column is the first whose left edge is at most this left of there
    ruled_side_reach: float = 3.0  # pt: a column boundary with a vertical rule this near is a ruled side

    # --- inferred columns (``pdf_grid``) ---------------------------------------------------------
    digit_join_gap: float = 1.3  # x size: number chunks this near on a line are one number (wide letter spacing)
    column_centre_tol: float = 3.0  # pt: boxes whose centres are this near are in one column ...
    column_centre_share: float = 0.3  # x size: ... or this near, when the font is larger
    column_right_tol: float = 1.2  # pt: boxes whose right edges are this near are in one (right-aligned) column
    leaf_bucket: float = 4.0  # pt: header boxes below a header whose centres round alike (this wide) are one
    below_slack: float = 1.0  # pt: a box counts as below (or above) a line when it overlaps it by at most this
    head_left_slack: float = 2.0  # pt: a header box of the value columns is centred at most this left of the first number
    label_clearance: float = 0.5  # pt: the first value column starts this far right of a label running into it
    prev_bound_slack: float = 2.0  # pt: the previous page's value bounds used here lie at most this outside the interval
    label_bound_lead: float = 1.5  # pt: a label column's boundary lies this far left of its labels' left edges
    label_bound_min_gap: float = 3.0  # pt: label column boundaries at most this near each other or an edge are dropped
    value_bound_left_slack: float = 0.5  # pt: a value bound at most this left of the interval still counts
    stack_gap: float = 0.45  # x the smaller size: two text boxes with less gap than this are lines of one cell
    row_overlap_slack: float = 0.5  # pt: rows (text blocks) overlapping by at most this do not overlap

    # --- spanning header cells (``_header_spans``, ``_claims``) ------------------------------------
    same_x: float = 0.01  # pt: a box starting this near a chunk's left edge is that chunk's box ...
    same_top: float = 1.5  # pt: ... when its top is this near the chunk's
    header_rule_slack: float = 3.0  # pt: a spanning header stays within the rule under it, give or take this
    header_centre_tol: float = 3.0  # pt: a spanning header is centred over its columns within this ...
    header_centre_share: float = 0.25  # ... or this share of the narrowest of them, when that is more
    claim_overlap: float = 1.0  # pt: a header chunk claims a column when it overlaps it by more than this

    # --- text (``pdf_text``) ---------------------------------------------------------------------
    chunk_gap: float = 0.35  # x size: a line splits into chunks (cells) at a gap wider than this
    word_gap: float = 0.5  # x size: Latin words with a gap wider than this get a space between them
    stacked_column_share: float = 0.3  # x size: a 无 has letters stacked over it when their centres are this near
    stacked_line_gap: float = 0.6  # x size: ... and they are less than this above and below it

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"PdfTableSettings.{f.name} cannot be negative")


DEFAULT_SETTINGS = PdfTableSettings()
