"""A chart for a result table, chosen from the shape of its columns and drawn as SVG on the server, so a
page needs no chart library: a time column and a measure make a line, a category and a measure make bars,
two measures make a scatter. Anything else stays a table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape

MAX_BARS = 30
WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56


@dataclass(frozen=True)
class Chart:
    kind: str  # line | bar | scatter
    x: str
    y: str
    reason: str


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


def _moment(value: object) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).timestamp()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return datetime.fromisoformat(value[:19]).timestamp()
        except ValueError:
            return None
    return None


def _kinds(columns: list[str], rows: list[list]) -> dict[str, str]:
    """Each column's kind over its non-null values: time, number, category or other."""
    kinds = {}
    for i, name in enumerate(columns):
        values = [r[i] for r in rows if r[i] is not None]
        if not values:
            kinds[name] = "other"
        elif all(_number(v) is not None for v in values):
            kinds[name] = "number"
        elif all(_moment(v) is not None for v in values):
            kinds[name] = "time"
        elif all(isinstance(v, str) for v in values):
            kinds[name] = "category"
        else:
            kinds[name] = "other"
    return kinds


def propose(columns: list[str], rows: list[list]) -> Chart | None:
    """The chart that suits this result, or None when a table says it better."""
    if len(rows) < 2 or len(columns) < 2:
        return None
    kinds = _kinds(columns, rows)
    times = [c for c in columns if kinds[c] == "time"]
    numbers = [c for c in columns if kinds[c] == "number"]
    categories = [c for c in columns if kinds[c] == "category"]
    if times and numbers:
        return Chart("line", times[0], numbers[0], f"{numbers[0]} over {times[0]}")
    if categories and numbers:
        distinct = {r[columns.index(categories[0])] for r in rows}
        if len(distinct) == len(rows) and len(rows) <= MAX_BARS:
            return Chart("bar", categories[0], numbers[0], f"{numbers[0]} by {categories[0]}")
        return None
    if len(numbers) >= 2:
        return Chart("scatter", numbers[0], numbers[1], f"{numbers[1]} against {numbers[0]}")
    return None


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(low / step) * step
    out, value = [], first
    while value <= high + step * 1e-9:
        out.append(round(value, 10))
        value += step
    return out


def _label(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:.4g}"


def _thin(points: list, limit: int) -> list:
    if len(points) <= limit:
        return points
    step = len(points) / limit
    return [points[int(i * step)] for i in range(limit)]


def render(chart: Chart, columns: list[str], rows: list[list], max_points: int = 500) -> str:
    """The chart as an SVG element (escaped text, no script)."""
    xi, yi = columns.index(chart.x), columns.index(chart.y)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{chart.kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
        f"<title>{escape(chart.reason)}</title>",
    ]
    if chart.kind == "bar":
        pairs = [(str(r[xi]), _number(r[yi]) or 0.0) for r in rows][:MAX_BARS]
        low, high = min(0.0, *(v for _, v in pairs)), max(0.0, *(v for _, v in pairs))
    else:
        to_x = _moment if chart.kind == "line" else _number
        pairs = [(to_x(r[xi]), _number(r[yi])) for r in rows]
        pairs = _thin(sorted(p for p in pairs if p[0] is not None and p[1] is not None), max_points)
        if not pairs:
            return ""
        low, high = min(p[1] for p in pairs), max(p[1] for p in pairs)
        x_low, x_high = pairs[0][0], pairs[-1][0]
        if chart.kind == "scatter":
            x_low, x_high = min(p[0] for p in pairs), max(p[0] for p in pairs)
    if high == low:
        high, low = high + 1, low - (1 if low else 0)

    def y_at(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    for t in _ticks(low, high):
        y = y_at(t)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_label(t)}</text>'
        )
    if chart.kind == "bar":
        slot = plot_w / max(len(pairs), 1)
        zero = y_at(0.0)
        for i, (name, v) in enumerate(pairs):
            x, y = LEFT + i * slot + slot * 0.1, y_at(v)
            parts.append(
                f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{slot * 0.8:.1f}" '
                f'height="{abs(zero - y):.1f}" class="mark"><title>{escape(name)}: {_label(v)}</title></rect>'
            )
            if len(pairs) <= 12:
                parts.append(
                    f'<text x="{x + slot * 0.4:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                    f'class="tick">{escape(name[:12])}</text>'
                )
    else:
        span = (x_high - x_low) or 1.0

        def x_at(v: float) -> float:
            return LEFT + plot_w * (v - x_low) / span

        if chart.kind == "line":
            path = " ".join(f"{x_at(x):.1f},{y_at(y):.1f}" for x, y in pairs)
            parts.append(f'<polyline points="{path}" class="line"/>')
            for edge in (x_low, x_high):
                when = datetime.fromtimestamp(edge).date().isoformat()
                parts.append(
                    f'<text x="{x_at(edge):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                    f'class="tick">{when}</text>'
                )
        else:
            parts += [
                f'<circle cx="{x_at(x):.1f}" cy="{y_at(y):.1f}" r="2.5" class="mark"/>' for x, y in pairs
            ]
            for edge in (x_low, x_high):
                parts.append(
                    f'<text x="{x_at(edge):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                    f'class="tick">{_label(edge)}</text>'
                )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="axis">'
        f"{escape(chart.x)}</text>"
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">{escape(chart.y)}</text></svg>'
    )
    return "".join(parts)


def bars(pairs: list[tuple[str, float]], title: str) -> str:
    """A small bar chart of labelled values (a column's most frequent values, say)."""
    if not pairs:
        return ""
    return render(Chart("bar", "value", "count", title), ["value", "count"], [list(p) for p in pairs])
