"""The report's charts as PNG images, drawn with matplotlib without a display."""

from __future__ import annotations

import io
from datetime import datetime

from nex_assets.reports.model import Chart

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 3.0, 110


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    return plt, fig, ax


def _png(plt, fig, title: str) -> Chart:
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return Chart(title, buf.getvalue())


def line(
    title: str, points: list[tuple[datetime, float]], ylabel: str, *, ymin: float | None = None
) -> Chart:
    plt, fig, ax = _figure()
    xs, ys = zip(*points, strict=True)
    ax.plot(xs, ys, marker="o", color="#2b6cb0")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if ymin is not None:
        ax.set_ylim(bottom=ymin)
    fig.autofmt_xdate()
    return _png(plt, fig, title)


def bars(title: str, labels: list[str], values: list[float], xlabel: str) -> Chart:
    plt, fig, ax = _figure()
    fig.set_size_inches(WIDTH_IN, max(HEIGHT_IN, 0.25 * len(labels) + 1))
    ax.barh(labels[::-1], values[::-1], color="#2b6cb0")
    ax.set_xlim(0, max([*values, 0.05]) * 1.05)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _png(plt, fig, title)
