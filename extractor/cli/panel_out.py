"""``extract … --panel``: the panel across years and its carry-over check, for the terminal or a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..corrections import Corrections
from ..limits import Limits
from ..csvsafe import safe_frame  # CSV text cells never run as formulas
from ..mapping.agency import AgencyTable
from ..panel import build_panel, carry_chain, chain_warnings


def _report(panel: pd.DataFrame, chain: pd.DataFrame) -> None:
    for line in chain_warnings(chain):
        print(f"warning: {line}", file=sys.stderr)
    n_fail = int((chain["status"] == "fail").sum())
    print(f"panel: {len(panel)} rows (agency × year); panel.carry_chain: {len(chain)} links checked, "
          f"{n_fail} failed", file=sys.stderr)


def panel_to_terminal(files: list[Path], corrections: Corrections | None = None,
                      agencies: AgencyTable | None = None, limits: Limits | None = None) -> int:
    """Extract ``files``, print the panel as CSV on stdout; one line per failure on stderr."""
    from ..api import extract_many

    ds = extract_many(files, corrections=corrections, agencies=agencies, limits=limits)
    for line in ds.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for row in ds.errors.itertuples():
        print(f"error: {row.message}", file=sys.stderr)
    panel = ds.panel()
    chain = carry_chain(panel)
    sys.stdout.write(safe_frame(panel).to_csv(index=False))
    _report(panel, chain)
    return 0 if len(panel) else 1


def panel_to_dir(out: Path) -> int:
    """Build the panel from a dataset folder's reports/cells and write panel.* and carry_chain.csv there."""
    reports = pd.read_parquet(out / "reports.parquet")
    cells = pd.read_parquet(out / "cells.parquet")
    panel = build_panel(reports, cells)
    chain = carry_chain(panel)
    panel.attrs = {}  # parquet metadata need not carry the attrs; the dictionary is written beside it
    panel.to_parquet(out / "panel.parquet", index=False)
    safe_frame(panel).to_csv(out / "panel.csv", index=False)
    safe_frame(chain).to_csv(out / "carry_chain.csv", index=False)
    from ..panel import panel_dictionary

    panel_dictionary().to_csv(out / "panel_columns.csv", index=False)
    _report(panel, chain)
    return 0
