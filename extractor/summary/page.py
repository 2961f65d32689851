"""One self-contained HTML page (inline CSS, plots as base64 PNG, no scripts, nothing fetched)."""

from __future__ import annotations

import base64
import math
from html import escape
from typing import Iterable, Sequence

import pandas as pd

from ..version import __version__
from .data import MAX_FILES_PER_REASON, SummaryData
from .labels import Labels

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
 sans-serif;margin:0;background:#f7f8fa;color:#1a202c;font-size:14px;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #e2e8f0;
 padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
.meta{color:#4a5568;margin:0 0 16px}.note{background:#fffbea;border-left:4px solid #f0b429;padding:6px 10px}
.stats{display:flex;flex-wrap:wrap;gap:10px}.stat{flex:1 1 130px;border:1px solid #e2e8f0;border-radius:6px;
 padding:8px 12px}.stat .n{display:block;font-size:22px;font-weight:700}.stat .k{color:#4a5568;font-size:12px}
figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid #edf2f7}
figcaption{color:#4a5568;font-size:12px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #e2e8f0;padding:3px 8px;
 text-align:left;vertical-align:top}th{background:#edf2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.files{margin:0;padding-left:18px;font-size:12px}code{font-size:12px}
"""


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return '<td class="num">—</td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{value:,.0f}</td>' if float(value).is_integer() else \
            f'<td class="num">{value:,.3g}</td>'
    text = str(value)
    return f"<td>{escape(text) if text else '—'}</td>"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], raw: Sequence[bool] = ()) -> str:
    """An HTML table; a cell is escaped text or a number, or raw HTML where ``raw[i]`` is true."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = [f"<td>{v}</td>" if i < len(raw) and raw[i] else _cell(v) for i, v in enumerate(row)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure(png: bytes | None, alt: str, caption: str, empty: str) -> str:
    """The plot as an embedded PNG with its caption, or a line saying there is nothing to plot."""
    if png is None:
        return f'<p class="note">{escape(empty)}</p>'
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _crosstab_table(df: pd.DataFrame, first: str) -> str:
    if df.empty:
        return '<p class="note">No report was extracted.</p>'
    headers = [first, *[f"template {c}" for c in df.columns], "total"]
    rows = [[idx, *[int(v) for v in r], int(sum(r))] for idx, r in zip(df.index, df.to_numpy())]
    rows.append(["total", *[int(v) for v in df.sum().to_numpy()], int(df.to_numpy().sum())])
    return table(headers, rows)


def _stats(data: SummaryData) -> str:
    o = data.overview
    items = [(o["files"], "input files"), (o["ok"], "reports extracted"), (o["failed"], "files failed"),
             (o["agencies"], "agencies"), (o["years"], "report years"),
             (o["reports_failing_checks"], "reports failing a check")]
    boxes = "".join(f'<div class="stat"><span class="n">{escape(str(n))}</span><span class="k">{escape(k)}</span>'
                    "</div>" for n, k in items)
    return f'<section id="overview"><div class="stats">{boxes}</div></section>'


def _unnamed(message: str, source: str) -> str:
    """The message without the file name in front (the list shows it already)."""
    return message[len(source) + 2:] if message.startswith(source + ": ") else message


def _failures(data: SummaryData, plots: dict) -> str:
    out = ['<section id="failures"><h2>2. Failures by reason</h2>',
           figure(plots.get("failures"), "failures by reason", "Files that could not be extracted, per error type.",
                  "Every input file was extracted: no failures.")]
    if not data.failures.empty:
        rows = []
        for row in data.failures.itertuples(index=False):
            files = data.failure_files.get(row.error_type, [])
            items = "".join(f"<li><code>{escape(src)}</code> — {escape(_unnamed(msg, src)) or '—'}</li>"
                            for src, msg in files[:MAX_FILES_PER_REASON])
            if len(files) > MAX_FILES_PER_REASON:
                items += f"<li>… and {len(files) - MAX_FILES_PER_REASON} more (see errors.parquet)</li>"
            rows.append([row.error_type, int(row.files), f'<ul class="files">{items}</ul>'])
        out.append(table(["reason (error type)", "files", "files and messages"], rows, raw=(False, False, True)))
    out.append("</section>")
    return "".join(out)


def _checks(data: SummaryData, plots: dict) -> str:
    out = ['<section id="checks"><h2>3. Consistency checks</h2>',
           "<p>Each check is an equation of the template's own arithmetic (SCHEMA.md); a report fails a check "
           "when any of its equations fails as printed.</p>",
           figure(plots.get("checks"), "check results", "Share of reports per check result.",
                  "No report had tables to check.")]
    rates = data.check_rates
    if not rates.empty:
        rows = [[r.check, r.fail, r.not_assessable, r["pass"], f"{r.failure_rate:.1%}" if r.failure_rate == r.failure_rate
                 else "—", f"{r.equations_failed} of {r.equations}"] for _, r in rates.iterrows()]
        out.append(table(["check", "reports failing", "not assessable", "passing", "failure rate (of assessed)",
                          "equations failing"], rows))
    out.append("<h3>Worst offenders</h3>")
    if data.worst.empty:
        out.append('<p class="note">No report breaks its own arithmetic.</p>')
    else:
        top = data.worst.head(20)
        out.append(table(["file", "agency", "year", "equations failing", "largest gap", "failing equations (lhs≠rhs)"],
                         top.itertuples(index=False)))
        if len(data.worst) > len(top):
            out.append(f"<p>… and {len(data.worst) - len(top)} more reports with failing equations "
                       "(checks.parquet, status = fail).</p>")
    out.append("</section>")
    return "".join(out)


def _headline(data: SummaryData, plots: dict) -> str:
    out = ['<section id="headline"><h2>4. Headline figures</h2>',
           figure(plots.get("new_requests"), "requests received", "Requests received per report "
                  "(requests.new_requests.total).", "No report has a requests table."),
           figure(plots.get("shares"), "share granted and denied", "Share of requests processed that were granted "
                  "(（一）予以公开) and denied (（三）不予公开, all eight reasons), per report.",
                  "No report has requests processed."),
           figure(plots.get("review"), "review and litigation outcomes", "Administrative review and litigation "
                  "cases by outcome, summed over all reports.", "No review or litigation case in any report.")]
    h = data.headline
    if not h.empty:
        rows = []
        for col, name in (("new_requests", "requests received"), ("total_processed", "requests processed"),
                          ("share_granted", "share granted"), ("share_denied", "share denied")):
            s = h[col].dropna()
            fmt = (lambda v: f"{v:.1%}") if col.startswith("share") else (lambda v: f"{v:,.0f}")
            rows.append([name, len(s), *(fmt(f(s)) if len(s) else "—" for f in
                                         (pd.Series.min, pd.Series.median, pd.Series.mean, pd.Series.max))])
        out.append(table(["figure", "reports", "min", "median", "mean", "max"], rows))
    rv = data.review
    if rv.to_numpy().sum():
        lab = Labels(chinese=True)
        rows = [[f"{lab.row('review_litigation', r)} ({r})", *[float(v) for v in rv.loc[r]], float(rv.loc[r].sum())]
                for r in rv.index]
        out.append(table(["case type", *[f"{lab.column('review_litigation', c)} ({c})" for c in rv.columns],
                          "total"], rows))
    out.append("</section>")
    return "".join(out)


def render_page(data: SummaryData, plots: dict[str, bytes | None], *, font: str | None, where: str) -> str:
    """The whole page as a string."""
    parts = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>Dataset summary — '
             f"{escape(where)}</title><style>{CSS}</style></head><body><main>",
             "<h1>Dataset summary · 数据概览</h1>",
             f'<p class="meta">Dataset <code>{escape(where)}</code> · gov-disclosure-extractor {__version__}</p>']
    if font is None:
        parts.append('<p class="note">No font that draws Chinese was found when this page was made: plot labels '
                     "use the English keys.</p>")
    parts.append(_stats(data))
    parts += ['<section id="counts"><h2>1. What was extracted</h2>',
              figure(plots.get("by_year"), "reports by year", "Reports extracted per report year, by template.",
                     "No report was extracted."),
              _crosstab_table(data.by_year, "year"),
              figure(plots.get("by_format"), "reports by format", "Reports extracted per file format, by template.",
                     "No report was extracted."),
              _crosstab_table(data.by_format, "format"), "</section>"]
    parts += [_failures(data, plots), _checks(data, plots), _headline(data, plots)]
    parts.append("</main></body></html>\n")
    return "".join(parts)
