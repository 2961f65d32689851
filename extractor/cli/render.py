"""Show one Report on the terminal with rich: metadata, the three tables, checks, warnings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable

from ..report import Report
from ..schema import TEMPLATES, Column, Row

_STATE_STYLE = {"blank": "dim", "dash": "dim", "unreadable": "bold red", "missing": "red", "derived": "cyan",
                "corrected": "magenta"}
_STATUS_STYLE = {"pass": "green", "fail": "bold red", "not_assessable": "yellow"}


def _fmt(cell: dict | None) -> str:
    if cell is None:
        return ""
    if cell["state"] in ("missing", "unreadable"):
        return "?" if cell["state"] == "unreadable" else "·"
    v = cell["value"]
    text = f"{v:g}" if isinstance(v, float) else str(v)
    if cell["state"] in ("blank", "dash"):
        text += "*"
    elif cell["state"] in ("derived", "corrected") or cell.get("how") == "position":
        text += {"derived": "ᵈ", "corrected": "ᶜ"}.get(cell["state"], "ᵖ")
    style = _STATE_STYLE.get(cell["state"]) or ("yellow" if cell.get("how") == "position" else None)
    return f"[{style}]{text}[/]" if style else text


def render_report(report: Report, console: Console, *, keys: bool = False) -> None:
    """The report as tables with the template's Chinese row and column labels (short forms that fit
    a terminal; ``keys`` shows the schema keys instead)."""
    md = report.metadata
    meta = RichTable(show_header=False, box=None)
    for k in ("title", "agency", "agency_id", "year", "published", "template", "source", "sha256"):
        meta.add_row(f"[bold]{k}[/]", "" if md.get(k) is None else str(md.get(k)))
    console.print(meta)
    if report.template in TEMPLATES:
        template = TEMPLATES[report.template]
        by = {(c["table"], c["row"], c["column"]): c for c in report.cells}

        def label_of(item: Row | Column) -> str:
            return item.key if keys else item.display

        for spec in template.tables:
            if spec.columns:
                t = RichTable(title=spec.title, title_justify="left")
                t.add_column("row" if keys else "")
                for col in spec.columns:
                    t.add_column(label_of(col), justify="right")
                rows = list(spec.rows)
                if spec.key == "requests" and any(k[1] == "other_handling" for k in by):
                    rows.insert(next(i for i, r in enumerate(rows) if r.key == "total_processed"),
                                TEMPLATES["2019"].table("requests").row("other_handling"))
                for row in rows:
                    t.add_row(label_of(row), *[_fmt(by.get((spec.key, row.key, c.key))) for c in spec.columns])
            else:
                t = RichTable(title=spec.title, title_justify="left")
                for head in ("row", "column", "value", "unit"):
                    t.add_column(head if keys or head in ("value", "unit") else "",
                                 justify="right" if head == "value" else "left")
                for row in spec.rows:
                    for col in spec.columns_of(row):
                        c = by[(spec.key, row.key, col.key)]
                        t.add_row(label_of(row), label_of(col), _fmt(c), c.get("unit") or "")
            console.print(t)
        console.print("[dim]* printed blank or as a dash; counted as 0 by the template's convention · "
                      "? unreadable · · missing · ᵖ row placed by the template's order · ᵈ derived · "
                      "ᶜ corrected on record[/]")
    checks = RichTable(title="checks", title_justify="left")
    checks.add_column("check")
    checks.add_column("status")
    checks.add_column("details")
    for name, status in report.check_summary.items():
        bad = [c for c in report.checks if c.check == name and c.status != "pass"]
        detail = "; ".join(f"{c.key}: {c.lhs_terms}={c.lhs} vs {c.rhs}" + (f" ({c.reason})" if c.reason else "")
                           for c in bad[:4])
        if len(bad) > 4:
            detail += f"; … {len(bad) - 4} more"
        checks.add_row(name, f"[{_STATUS_STYLE[status]}]{status}[/]", detail)
    console.print(checks)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
