"""The summary's plots as PNG bytes (matplotlib, Agg; no pyplot state), labelled through ``Labels``."""

from __future__ import annotations

import contextlib
import io
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from .data import REVIEW_OUTCOMES, SummaryData
from .labels import Labels

DPI = 110
COLORS = {"fail": "#c0392b", "not_assessable": "#f0b429", "pass": "#2e8b57"}
TEMPLATE_COLORS = {"2021": "#2b6cb0", "2019": "#63b3ed", "legacy": "#a0aec0"}
OUTCOME_COLORS = ("#2e8b57", "#c0392b", "#805ad5", "#a0aec0")


@contextlib.contextmanager
def plot_style(font: str | None) -> Iterator[None]:
    """matplotlib settings for every plot: the CJK font first (when there is one), DejaVu after it."""
    import matplotlib

    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": family,
                                "axes.unicode_minus": False, "axes.spines.top": False,
                                "axes.spines.right": False, "figure.dpi": DPI, "font.size": 9}):
        yield


def _png(draw: Callable, size: tuple[float, float] = (7.0, 3.4)) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _whole(axis) -> None:
    """Ticks at whole numbers only: the axis counts reports or files."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _stacked_bars(fig, table: pd.DataFrame, title: str, xlabel: str, ylabel: str, lab: Labels,
                  colors: dict[str, str]) -> None:
    ax = fig.add_subplot()
    bottom = np.zeros(len(table))
    x = np.arange(len(table))
    for col in table.columns:
        values = table[col].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, label=lab.template(str(col)), color=colors.get(str(col)))
        bottom += values
    for xi, total in zip(x, bottom):
        ax.annotate(f"{total:g}", (xi, total), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [str(i) for i in table.index], rotation=0 if len(table) < 10 else 45)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(bottom.max() * 1.15, 1))
    _whole(ax.yaxis)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def counts_by(data: SummaryData, by: str, lab: Labels) -> bytes | None:
    """Stacked bars: ok reports per year (``by="year"``) or per format, split by template."""
    table = data.by_year if by == "year" else data.by_format
    if table.empty:
        return None
    return _png(lambda fig: _stacked_bars(fig, table, lab("by_year" if by == "year" else "by_format"),
                                          lab(by), lab("reports"), lab, TEMPLATE_COLORS))


def failures(data: SummaryData, lab: Labels) -> bytes | None:
    """Horizontal bars: failed files per error type."""
    df = data.failures
    if df.empty:
        return None

    def draw(fig) -> None:
        ax = fig.add_subplot()
        y = np.arange(len(df))[::-1]
        ax.barh(y, df["files"], color="#c0392b")
        ax.set_yticks(y, df["error_type"])
        for yi, n in zip(y, df["files"]):
            ax.annotate(f"{n}", (n, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_xlim(0, df["files"].max() * 1.15)
        _whole(ax.xaxis)
        ax.set_title(lab("failures"))
        ax.set_xlabel(lab("files"))

    return _png(draw, (7.0, max(2.0, 0.9 + 0.35 * len(df))))


def checks(data: SummaryData, lab: Labels) -> bytes | None:
    """Stacked horizontal bars: per check, the share of reports that fail / cannot be assessed / pass."""
    df = data.check_rates
    if df.empty:
        return None

    def draw(fig) -> None:
        ax = fig.add_subplot()
        y = np.arange(len(df))[::-1]
        total = df[["fail", "not_assessable", "pass"]].sum(axis=1).to_numpy(dtype=float)
        left = np.zeros(len(df))
        for status in ("fail", "not_assessable", "pass"):
            share = df[status].to_numpy(dtype=float) / np.where(total > 0, total, 1)
            ax.barh(y, share, left=left, color=COLORS[status], label=lab(status))
            for yi, lft, s, n in zip(y, left, share, df[status]):
                if s >= 0.06:
                    ax.annotate(f"{n}", (lft + s / 2, yi), ha="center", va="center", fontsize=8, color="white")
            left += share
        ax.set_yticks(y, df["check"])
        ax.set_xlim(0, 1)
        ax.set_title(lab("checks"))
        ax.set_xlabel(lab("share_reports"))
        ax.legend(frameon=False, fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.25))

    return _png(draw, (7.0, 1.6 + 0.4 * len(df)))


def new_requests(data: SummaryData, lab: Labels) -> bytes | None:
    """Histogram of requests received per report (log-spaced bins when the range is wide)."""
    values = data.headline["new_requests"].dropna().to_numpy(dtype=float) if len(data.headline) else np.array([])
    if not len(values):
        return None

    def draw(fig) -> None:
        ax = fig.add_subplot()
        hi = max(values.max(), 1.0)
        if hi > 200:
            bins = np.concatenate([[0], np.logspace(0, np.log10(hi + 1), 20)])
            ax.set_xscale("symlog", linthresh=1)
        else:
            bins = np.linspace(0, hi + 1, min(20, int(hi) + 2))
        ax.hist(values, bins=bins, color="#2b6cb0", edgecolor="white")
        _whole(ax.yaxis)
        ax.set_title(lab("new_requests"))
        ax.set_xlabel(lab("per_report"))
        ax.set_ylabel(lab("reports"))

    return _png(draw)


def shares(data: SummaryData, lab: Labels) -> bytes | None:
    """Histograms of the share granted and the share denied per report."""
    h = data.headline
    if h.empty or h[["share_granted", "share_denied"]].dropna(how="all").empty:
        return None

    def draw(fig) -> None:
        axes = fig.subplots(1, 2, sharey=True)
        bins = np.linspace(0, 1, 11)
        for ax, col, color in zip(axes, ("share_granted", "share_denied"), ("#2e8b57", "#c0392b")):
            ax.hist(h[col].dropna().clip(0, 1), bins=bins, color=color, edgecolor="white")
            ax.set_title(lab(col))
            ax.set_xlabel(lab("share"))
        axes[0].set_ylabel(lab("reports"))
        _whole(axes[0].yaxis)
        fig.suptitle(lab("shares"))

    return _png(draw)


def review(data: SummaryData, lab: Labels) -> bytes | None:
    """Stacked horizontal bars: review and litigation cases by outcome, summed over all reports."""
    df = data.review
    if df.empty or not df.to_numpy().sum():
        return None

    def draw(fig) -> None:
        ax = fig.add_subplot()
        y = np.arange(len(df))[::-1]
        left = np.zeros(len(df))
        for outcome, color in zip(REVIEW_OUTCOMES, OUTCOME_COLORS):
            values = df[outcome].to_numpy(dtype=float)
            ax.barh(y, values, left=left, color=color, label=lab.column("review_litigation", outcome))
            left += values
        for yi, total in zip(y, left):
            ax.annotate(f"{total:g}", (total, yi), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8)
        ax.set_yticks(y, [lab.row("review_litigation", r) for r in df.index])
        ax.set_xlim(0, max(left.max() * 1.12, 1))
        ax.set_title(lab("review"))
        ax.set_xlabel(lab("cases"))
        ax.legend(frameon=False, fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.22))

    return _png(draw, (7.0, 2.8))


PLOTS: dict[str, Callable[[SummaryData, Labels], bytes | None]] = {
    "by_year": lambda d, lab: counts_by(d, "year", lab),
    "by_format": lambda d, lab: counts_by(d, "format", lab),
    "failures": failures,
    "checks": checks,
    "new_requests": new_requests,
    "shares": shares,
    "review": review,
}


def render_plots(data: SummaryData, font: str | None) -> dict[str, bytes | None]:
    """Every plot of the page, by name (None where there is nothing to plot)."""
    lab = Labels(chinese=font is not None)
    with plot_style(font):
        return {name: draw(data, lab) for name, draw in PLOTS.items()}
