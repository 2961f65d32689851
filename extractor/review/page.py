"""The review page: one self-contained HTML file (inline CSS and JS, pictures as data: URIs, nothing
fetched), one section per report to look at, worst first."""

from __future__ import annotations

from html import escape
from typing import Sequence

from ..version import __version__
from .data import FLAG_WORDS, CellInfo, Equation, ReviewItem, fmt_number
from .labels import TABLE_ORDER, cell_label, column_label, layout, row_label, table_title
from .source import SourceView

MAX_LISTED_CELLS = 80  # per report, in the "cells to look at" list
MAX_WARNINGS = 30
OPEN_CELLS = 12  # a longer list of cells starts folded
MARKS = {"unreadable": "?", "missing": "∅", "position": "P", "low_confidence": "~"}
CORRECTIONS_HEADER = "sha256,key,value,note"

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
 sans-serif;margin:0;background:#f4f5f7;color:#1a202c;font-size:14px;line-height:1.45}
main{max-width:1500px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:23px;margin:0 0 4px}h2{font-size:18px;margin:0}h3{font-size:14px;margin:14px 0 6px;color:#2d3748}
code{font-size:12px}.meta{color:#4a5568;margin:0 0 12px}.note{background:#fffbea;border-left:4px solid #f0b429;
 padding:6px 10px;margin:8px 0}
.bar{position:sticky;top:0;z-index:5;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px;
 display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:10px 0 16px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.bar label{font-size:13px;color:#4a5568}.bar select,.bar input{font:inherit;font-size:13px;padding:2px 4px}
.bar .count{margin-left:auto;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px;color:#4a5568;margin:4px 0 0}
.legend span{display:inline-flex;align-items:center;gap:4px}
.sw{display:inline-block;width:14px;height:14px;border:2px solid;border-radius:2px}
.sw.fail{background:#fde2e2;border-color:#dc2626}.sw.flag{background:#fdebc8;border-color:#d97706}
section.report{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:0 0 18px;padding:14px 18px}
section.report>header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}
.rank{color:#718096;font-weight:400;margin-right:4px}
.badge{display:inline-block;white-space:nowrap;font-size:12px;padding:1px 8px;border-radius:10px;margin-right:4px}
.badge.fail{background:#fde2e2;color:#9b1c1c}.badge.flag{background:#fdebc8;color:#8a4b08}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:1px 10px;margin:8px 0 0;font-size:13px}
dl.facts dt{color:#718096}dl.facts dd{margin:0;word-break:break-all}
details.warnings{margin:8px 0;font-size:13px}details.warnings ul{margin:4px 0;padding-left:20px}
ul.eqs{margin:0;padding-left:0;list-style:none}ul.eqs li{border-left:4px solid #dc2626;background:#fef6f6;
 padding:4px 10px;margin:4px 0;cursor:default}ul.eqs li .math{font-size:14px;font-weight:600;color:#9b1c1c}
ul.eqs li .what{color:#4a5568;font-size:13px}
.panes{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px;margin-top:6px}
@media (max-width:1000px){.panes{grid-template-columns:minmax(0,1fr)}}
.pane{overflow-x:auto}
table{border-collapse:collapse;font-size:12px;margin:4px 0 10px}th,td{border:1px solid #d9dee5;padding:2px 5px;
 vertical-align:top}
table.grid caption{text-align:left;font-weight:600;padding:2px 0;font-size:13px}
table.grid th{background:#edf2f7;font-weight:500;text-align:center}table.grid th.row{text-align:left;
 max-width:260px;font-weight:400;background:#f7fafc}table.grid th.row .grp{color:#718096;font-size:11px}
table.grid td{text-align:right;min-width:34px;font-variant-numeric:tabular-nums}
td.none{background:#f1f1f1}td.blank{color:#a0aec0}td.corrected{background:#e6fffa;color:#046c4e}
td.flag{background:#fdebc8;outline:2px solid #d97706;outline-offset:-2px}
td.fail{background:#fde2e2;outline:2px solid #dc2626;outline-offset:-2px}
td.focus{background:#fca5a5 !important}
td sup.mk{color:#b45309;font-weight:700;margin-left:2px}
table.src td{text-align:left;max-width:220px}table.src td.pad{background:#fafafa}
table.src tr.hot td:not(.fail):not(.flag){background:#fffbea}
figure{margin:0 0 12px}figure img{max-width:100%;height:auto;border:1px solid #cbd5e0;display:block}
figcaption{font-size:12px;color:#4a5568}
table.cells td{text-align:left}table.cells td.num{text-align:right}
details.cells{margin-top:10px}details.cells>summary{cursor:pointer;font-weight:600;font-size:14px;color:#2d3748}
table.cells td.where,table.cells td.act{white-space:nowrap}
figure img{cursor:zoom-in}.panes.big{grid-template-columns:minmax(0,1fr)}.panes.big figure img{cursor:zoom-out}
input.line{display:block;font-size:11px;margin-top:2px}
button.copy{white-space:nowrap;font:inherit;font-size:12px;padding:1px 8px;cursor:pointer;border:1px solid #a0aec0;border-radius:4px;
 background:#f7fafc}button.copy.done{background:#c6f6d5;border-color:#38a169}
details.more summary{cursor:pointer;color:#2b6cb0;font-size:13px}
"""

JS = r"""
(function () {
  'use strict';
  var reports = Array.prototype.slice.call(document.querySelectorAll('section.report'));
  var fCheck = document.getElementById('f-check');
  var fAgency = document.getElementById('f-agency');
  var fYear = document.getElementById('f-year');
  var shown = document.getElementById('shown');
  function apply() {
    var kind = fCheck.value, agency = fAgency.value.trim().toLowerCase(), year = fYear.value, n = 0;
    reports.forEach(function (r) {
      var ok = (!kind || (' ' + r.dataset.kinds + ' ').indexOf(' ' + kind + ' ') >= 0) &&
               (!agency || r.dataset.agency.toLowerCase().indexOf(agency) >= 0) &&
               (!year || r.dataset.year === year);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  [fCheck, fYear].forEach(function (el) { el.addEventListener('change', apply); });
  fAgency.addEventListener('input', apply);

  function fallbackCopy(text) {
    var t = document.createElement('textarea');
    t.value = text;
    t.setAttribute('readonly', '');
    t.style.position = 'fixed';
    t.style.top = '0';
    t.style.opacity = '0';
    document.body.appendChild(t);
    t.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(t);
    return ok;
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; },
                                                      function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button.copy') : null;
    if (!b) { return; }
    copy(b.dataset.line).then(function (ok) {
      if (!ok) {  // no clipboard at all: show the line, selected, to copy by hand
        var box = b.parentNode.querySelector('input.line') || document.createElement('input');
        box.className = 'line';
        box.readOnly = true;
        box.value = b.dataset.line;
        box.size = Math.min(b.dataset.line.length, 60);
        b.parentNode.appendChild(box);
        box.select();
        return;
      }
      b.classList.add('done');
      b.textContent = 'copied';
      window.setTimeout(function () { b.classList.remove('done'); b.textContent = b.dataset.label; }, 1500);
    });
  });

  function focus(eq, on) {
    var sec = eq.closest('section.report');
    sec.querySelectorAll('td[data-eq]').forEach(function (td) {
      if ((' ' + td.dataset.eq + ' ').indexOf(' ' + eq.dataset.eq + ' ') >= 0) { td.classList.toggle('focus', on); }
    });
  }
  document.querySelectorAll('.pane.source img').forEach(function (img) {
    img.addEventListener('click', function () { img.closest('.panes').classList.toggle('big'); });
  });
  document.querySelectorAll('li[data-eq]').forEach(function (li) {
    li.addEventListener('mouseenter', function () { focus(li, true); });
    li.addEventListener('mouseleave', function () { focus(li, false); });
  });
  apply();
})();
"""


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def correction_line(item: ReviewItem, cell: CellInfo) -> str:
    """``sha256,table.row.column,value,`` — a line of a corrections CSV (note left empty)."""
    return f"{item.sha256},{cell.key},{cell.correction_value()},"


def _cell_td(item: ReviewItem, cell: CellInfo | None, eqs: dict[tuple, list[str]]) -> str:
    if cell is None:
        return '<td class="none" title="not in the dataset"></td>'
    classes = []
    if cell.address in eqs:
        classes.append("fail")
    if cell.flags:
        classes.append("flag")
        classes += [f"flag-{f}" for f in cell.flags]
    if cell.state in ("blank", "corrected"):
        classes.append(cell.state)
    text = cell.raw
    if cell.state == "missing":
        text = ""
    elif len(text) > 24:
        text = text[:24] + "…"
    marks = "".join(MARKS[f] for f in cell.flags)
    tip = [cell.key, cell_label(item.template, cell.address), f"state {cell.state}"]
    if cell.how:
        tip.append(f"read by {cell.how}")
    if cell.confidence is not None:
        tip.append(f"confidence {cell.confidence:.2f}")
    if cell.flags:
        tip.append("flagged: " + ", ".join(FLAG_WORDS[f] for f in cell.flags))
    eq_attr = f' data-eq="{" ".join(eqs[cell.address])}"' if cell.address in eqs else ""
    return (f'<td class="{" ".join(classes)}" data-key="{_attr(cell.key)}"{eq_attr} title="{_attr(" · ".join(tip))}">'
            f"{escape(text)}{f'<sup class=mk>{escape(marks)}</sup>' if marks else ''}</td>")


def _grid(item: ReviewItem, table: str, eqs: dict[tuple, list[str]]) -> str:
    present = [(a[1], a[2]) for a in item.cells if a[0] == table]
    out = [f'<table class="grid" data-table="{table}"><caption>{escape(table_title(item.template, table))}'
           "</caption><tbody>"]
    for seg in layout(item.template, table, present):
        heads = "".join(f"<th>{escape(c.label)}</th>" for c in seg.columns)
        out.append(f'<tr class="head"><th class="row"></th>{heads}</tr>')
        for r in seg.rows:
            grp = f'<span class="grp">{escape(r.group)}</span><br>' if r.group else ""
            tds = "".join(_cell_td(item, item.cells.get((table, r.key, c.key)), eqs) for c in seg.columns)
            out.append(f'<tr><th class="row" title="{_attr(r.key)}">{grp}{escape(r.label)}</th>{tds}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _extracted(item: ReviewItem) -> str:
    eqs: dict[tuple, list[str]] = {}
    for e in item.equations:
        for a in e.addresses:
            if a in item.cells and e.id not in eqs.setdefault(a, []):
                eqs[a].append(e.id)
    tables = [t for t in TABLE_ORDER if any(a[0] == t for a in item.cells)]
    tables += sorted({a[0] for a in item.cells} - set(tables))
    marked = {a[0] for a in eqs} | {c.address[0] for c in item.flagged}
    out = ['<div class="pane extracted"><h3>Extracted tables</h3>']
    for t in tables:
        grid = _grid(item, t, eqs)
        if t in marked:
            out.append(grid)
        else:
            out.append(f'<details class="more"><summary>{escape(table_title(item.template, t))} — nothing flagged'
                       f"</summary>{grid}</details>")
    if not tables:
        out.append('<p class="note">No cells were extracted.</p>')
    out.append("</div>")
    return "".join(out)


def _source(view: SourceView, template: str | None) -> str:
    out = ['<div class="pane source"><h3>Source</h3>']
    if view.note:
        out.append(f'<p class="note source-note">{escape(view.note)}</p>')
    for p in view.pictures:
        tables = "、".join(table_title(template, t).split("、", 1)[0] for t in p.tables)
        what = f"The picture at {escape(p.where)}" if p.where else f"Page {p.page}"
        out.append(f'<figure><img src="{p.uri}" width="{p.width}" height="{p.height}" alt="{what} of the source"'
                   f' data-page="{p.page}" loading="eager"><figcaption>{what}'
                   f'{f" (part {escape(tables)})" if tables else ""}: {p.marked} cell box'
                   f'{"" if p.marked == 1 else "es"} drawn (red: terms of a failing equation; orange: flagged); '
                   "click to enlarge</figcaption></figure>")
    out += view.tables
    out.append("</div>")
    return "".join(out)


def _equation(item: ReviewItem, e: Equation) -> str:
    terms = e.left + e.right
    if e.scope == "column":
        key_label = column_label(item.template, e.table, terms[0][1] if terms else "", e.key)
    else:
        key_label = row_label(item.template, e.table, e.key)
    names = " + ".join(row_label(item.template, a[0], a[1]) if e.scope == "column" else
                       column_label(item.template, a[0], a[1], a[2]) for a in e.right)
    left = " + ".join(row_label(item.template, a[0], a[1]) if e.scope == "column" else
                      column_label(item.template, a[0], a[1], a[2]) for a in e.left)
    return (f'<li data-eq="{e.id}" data-check="{_attr(e.check)}" data-key="{_attr(e.key)}">'
            f'<span class="what"><b>{escape(e.check)}</b> · {e.scope} {escape(key_label)} (<code>{escape(e.key)}'
            f'</code>)</span><br><span class="math" title="{_attr(left + " = " + names)}">{escape(e.text)}</span></li>')


def _why(item: ReviewItem, cell: CellInfo) -> str:
    parts = []
    for f in cell.flags:
        word = FLAG_WORDS[f]
        if f == "low_confidence" and cell.confidence is not None:
            word = f"low OCR confidence {cell.confidence:.2f}"
        parts.append(f'<span class="badge flag">{escape(word)}</span>')
    for e in item.equations:
        if cell.address in e.addresses:
            parts.append(f'<span class="badge fail">{escape(e.check)}[{escape(e.key)}]</span>')
    return "".join(parts)


def _cells_list(item: ReviewItem) -> str:
    failing = item.failing_addresses
    cells = [c for c in item.cells.values() if c.flags or c.address in failing]
    if not cells:
        return ""
    rows = []
    for c in cells[:MAX_LISTED_CELLS]:
        where = " · ".join(x for x in (f"page {c.page}" if c.page is not None else "", c.path or "") if x) or "—"
        line = correction_line(item, c)
        label = "copy as a correction line"
        rows.append(f'<tr><td><code>{escape(c.key)}</code></td><td>{escape(cell_label(item.template, c.address))}</td>'
                    f'<td class="num">{escape(c.raw) or "<i>(nothing printed)</i>"}</td>'
                    f'<td class="num">{escape(fmt_number(c.value))}</td><td>{_why(item, c)}</td>'
                    f'<td class="where"><code>{escape(where)}</code></td>'
                    f'<td class="act"><button type="button" class="copy" data-line="{_attr(line)}" data-label="{label}" '
                    f'title="{_attr(line)}">{label}</button></td></tr>')
    more = (f"<p>… and {len(cells) - MAX_LISTED_CELLS} more cells (cells.parquet).</p>"
            if len(cells) > MAX_LISTED_CELLS else "")
    n = len(cells)
    return (f'<details class="cells"{" open" if n <= OPEN_CELLS else ""}><summary>Cells to look at ({n}): flagged '
            "cells and the terms of the failing equations, each with a correction line</summary>"
            '<table class="cells"><thead><tr><th>key</th><th>label</th>'
            "<th>printed</th><th>value</th><th>why</th><th>where</th><th>correction</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>" + more + "</details>")


def _badges(item: ReviewItem) -> str:
    counts = item.counts()
    out = []
    if counts["fail"]:
        out.append(f'<span class="badge fail">{counts["fail"]} failing equation{"" if counts["fail"] == 1 else "s"}'
                   "</span>")
    for k, word in FLAG_WORDS.items():
        if counts[k]:
            out.append(f'<span class="badge flag">{counts[k]} {escape(word)}</span>')
    return "".join(out)


def _report(rank: int, item: ReviewItem, view: SourceView) -> str:
    year = str(item.year) if item.year is not None else "unknown"
    title = f"{item.agency or '(agency unknown)'} · {year if item.year is not None else 'year unknown'}"
    anchor = f"r{rank}-{item.sha256[:12]}"
    facts = [("file", f"<code>{escape(item.source)}</code>"), ("template", escape(item.template or "—")),
             ("format", escape(item.format or "—")), ("sha256", f"<code>{escape(item.sha256)}</code>")]
    out = [f'<section class="report" id="{anchor}" data-kinds="{_attr(" ".join(item.kinds))}" '
           f'data-agency="{_attr(item.agency or "")}" data-year="{_attr(year)}" data-source="{_attr(item.source)}" '
           f'data-sha256="{_attr(item.sha256)}" data-score="{item.score}">',
           f'<header><h2><span class="rank">#{rank}</span>{escape(title)}</h2><div>{_badges(item)}</div></header>',
           '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"]
    if item.warnings:
        ws = "".join(f"<li>{escape(w)}</li>" for w in item.warnings[:MAX_WARNINGS])
        if len(item.warnings) > MAX_WARNINGS:
            ws += f"<li>… and {len(item.warnings) - MAX_WARNINGS} more (reports.warnings)</li>"
        n = len(item.warnings)
        out.append(f'<details class="warnings"{" open" if n <= 5 else ""}><summary>{n} warning{"" if n == 1 else "s"}'
                   f"</summary><ul>{ws}</ul></details>")
    if item.equations:
        out.append('<h3>Failing equations</h3><ul class="eqs">'
                   + "".join(_equation(item, e) for e in item.equations) + "</ul>")
    out.append(f'<div class="panes">{_extracted(item)}{_source(view, item.template)}</div>')
    out.append(_cells_list(item))
    out.append("</section>")
    return "".join(out)


def _filters(items: Sequence[ReviewItem]) -> str:
    checks: dict[str, int] = {}
    flags: dict[str, int] = {}
    for i in items:
        for k in i.kinds:
            (flags if k.startswith("flag:") else checks)[k] = (flags if k.startswith("flag:") else checks).get(k, 0) + 1
    opts = ['<option value="">all reasons</option>']
    opts += [f'<option value="{_attr(k)}">failing {escape(k)} ({n})</option>' for k, n in sorted(checks.items())]
    opts += [f'<option value="{_attr(k)}">{escape(FLAG_WORDS[k[5:]])} cells ({n})</option>'
             for k, n in flags.items()]
    years = sorted({str(i.year) for i in items if i.year is not None}, reverse=True)
    if any(i.year is None for i in items):
        years.append("unknown")
    yopts = ['<option value="">all years</option>'] + [f'<option value="{y}">{y}</option>' for y in years]
    return ('<div class="bar" id="filters">'
            f'<label>Reason <select id="f-check">{"".join(opts)}</select></label>'
            '<label>Agency <input id="f-agency" type="search" placeholder="part of the name" size="18"></label>'
            f'<label>Year <select id="f-year">{"".join(yopts)}</select></label>'
            f'<span class="count"><span id="shown">{len(items)}</span> of {len(items)} reports shown</span></div>')


def _legend() -> str:
    marks = "".join(f"<span><b>{escape(m)}</b> {escape(FLAG_WORDS[k])}</span>" for k, m in MARKS.items())
    return ('<div class="legend"><span><i class="sw fail"></i> term of a failing equation (hover an equation to see '
            'its cells)</span><span><i class="sw flag"></i> flagged cell:</span>' + marks + "</div>")


def render_page(items: Sequence[ReviewItem], views: Sequence[SourceView], *, where: str, extracted: int,
                total_to_review: int) -> str:
    """The whole page as a string."""
    eqs = sum(len(i.equations) for i in items)
    flagged = sum(len(i.flagged) for i in items)
    parts = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>Reports to review — '
             f"{escape(where)}</title><style>{CSS}</style></head><body><main>",
             "<h1>Reports to review · 待核查报告</h1>",
             f'<p class="meta">Dataset <code>{escape(where)}</code> · gov-disclosure-extractor {__version__} · '
             f"{total_to_review} of {extracted} extracted reports need a look (a failing check, or a cell that is "
             f"unreadable, missing, placed by position or read by OCR with low confidence); worst first.</p>"]
    if len(items) < total_to_review:
        parts.append(f'<p class="note">This page shows the {len(items)} worst; the other '
                     f"{total_to_review - len(items)} are left off (extract review --max-reports N, 0 for all).</p>")
    if not items:
        parts.append('<p class="note" id="nothing">Nothing to review: every check passes and every cell was read '
                     "by its label.</p>")
    parts.append(_filters(items))
    parts.append(_legend())
    parts.append(f'<p class="meta">{eqs} failing equations and {flagged} flagged cells on this page. '
                 f'“copy as a correction line” copies <code>{CORRECTIONS_HEADER}</code> for that cell (the printed '
                 "number as the value, the note empty): paste it under that header in a corrections.csv, set the "
                 "right value and a note, and extract again with <code>--corrections corrections.csv</code>.</p>")
    for rank, (item, view) in enumerate(zip(items, views), 1):
        parts.append(_report(rank, item, view))
    parts.append(f"</main><script>{JS}</script></body></html>\n")
    return "".join(parts)
