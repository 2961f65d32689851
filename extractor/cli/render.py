"""Show one Report on the terminal with rich: metadata, the three tables, checks, warnings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable

from ..report import Report
from ..schema import TEMPLATES

_STATE_STYLE = {"blank": "dim", "dash": "dim", "unreadable": "bold red", "missing": "red"}
_STATUS_STYLE = {"pass": "green", "fail": "bold red", "not_assessable": "yellow"}


def _fmt(cell: dict) -> str:
    if cell["state"] in ("missing", "unreadable"):
        return "?" if cell["state"] == "unreadable" else "·"
    v = cell["value"]
    text = f"{v:g}" if isinstance(v, float) else str(v)
    if cell["state"] in ("blank", "dash"):
        text += "*"
    style = _STATE_STYLE.get(cell["state"])
    return f"[{style}]{text}[/]" if style else text


def render_report(report: Report, console: Console) -> None:
    md = report.metadata
    meta = RichTable(show_header=False, box=None)
    for k in ("title", "agency", "year", "published", "template", "source", "sha256"):
        meta.add_row(f"[bold]{k}[/]", "" if md.get(k) is None else str(md.get(k)))
    console.print(meta)
    if report.template in TEMPLATES:
        template = TEMPLATES[report.template]
        by = {(c["table"], c["row"], c["column"]): c for c in report.cells}
        for spec in template.tables:
            if spec.columns:
                t = RichTable(title=spec.title, title_justify="left")
                t.add_column("row")
                for col in spec.columns:
                    t.add_column(col.label, justify="right")
                for row in spec.rows:
                    t.add_row(row.key, *[_fmt(by[(spec.key, row.key, c.key)]) for c in spec.columns])
            else:
                t = RichTable(title=spec.title, title_justify="left")
                t.add_column("row")
                t.add_column("column")
                t.add_column("value", justify="right")
                t.add_column("unit")
                for row in spec.rows:
                    for col in spec.columns_of(row):
                        c = by[(spec.key, row.key, col.key)]
                        t.add_row(row.key, col.key, _fmt(c), c.get("unit") or "")
            console.print(t)
        console.print("[dim]* printed blank or as a dash; counted as 0 by the template's convention[/]")
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
