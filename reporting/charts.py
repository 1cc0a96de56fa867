"""Charts as inline SVG drawn on the server: no chart library and no CDN, the app runs offline."""

from __future__ import annotations

import math
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma


def money_text(value) -> str:
    return intcomma(Decimal(value or 0).quantize(Decimal("0.01")))


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _n(value: float) -> str:
    """An SVG coordinate: written here, so the template's number localisation never touches it."""
    return f"{value:.1f}"


def hbar_chart(*, chart_id: str, title: str, desc: str, bars: list[tuple], css: str = "") -> dict:
    """Horizontal bars, one per (label, value, text shown at the end of the bar[, tone]): the
    tone (0 good … 4 bad) colours the bar."""
    width, label_w, text_w, row_h, top = 720, 190, 210, 26, 6
    bar_max = width - label_w - text_w
    top_value = max((float(bar[1] or 0) for bar in bars), default=0) or 1.0
    items = []
    for i, (label, value, text, *tone) in enumerate(bars):
        w = max(0.0, float(value or 0)) / top_value * bar_max
        y = top + i * row_h
        items.append(
            {
                "label": label,
                "text": text,
                "tone": f"tone-{tone[0]}" if tone else "",
                "w": _n(w),
                "h": _n(row_h - 8),
                "by": _n(y + 4),
                "ty": _n(y + row_h / 2 + 4),
                "tx": _n(label_w + w + 6),
            }
        )
    return {
        "kind": "hbar",
        "id": chart_id,
        "title": title,
        "desc": desc,
        "width": width,
        "height": top * 2 + max(1, len(bars)) * row_h,
        "label_w": label_w,
        "label_x": label_w - 8,
        "bars": items,
        "css": css,
    }


def column_chart(
    *, chart_id: str, title: str, desc: str, labels: list[str], series: list[tuple[str, str, list]]
) -> dict:
    """Columns per period, one per series (name, css class, values), side by side, over a value
    axis with five grid lines."""
    width, height, left, right, top, bottom = 760, 260, 90, 10, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((float(v or 0) for _n_, _c, values in series for v in values), default=0)
    axis_top = _nice_ceiling(peak)
    n = max(1, len(labels))
    group_w = plot_w / n
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    every = max(1, math.ceil(n / 12))
    columns = []
    for s, (name, css, values) in enumerate(series):
        for i, value in enumerate(values):
            h = float(value or 0) / axis_top * plot_h
            columns.append(
                {
                    "x": _n(left + i * group_w + group_w * 0.1 + s * bar_w),
                    "w": _n(bar_w),
                    "y": _n(top + plot_h - h),
                    "h": _n(h),
                    "css": css,
                    "tip": f"{labels[i]} · {name}: {money_text(value)}",
                }
            )
    ticks = []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        ticks.append({"y": _n(y), "ty": _n(y + 4), "text": intcomma(_tick(axis_top * k / 4))})
    xlabels = [
        {"x": _n(left + i * group_w + group_w / 2), "text": label} for i, label in enumerate(labels) if i % every == 0
    ]
    legend = [
        {"x": left + 8 + s * 200, "tx": left + 24 + s * 200, "name": name, "css": css}
        for s, (name, css, _v) in enumerate(series)
    ]
    return {
        "kind": "columns",
        "id": chart_id,
        "title": title,
        "desc": desc,
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "tick_x": left - 6,
        "label_y": top + plot_h + 18,
        "columns": columns,
        "ticks": ticks,
        "xlabels": xlabels,
        "legend": legend,
        "css": "flows",
    }


def _tick(value: float):
    return int(value) if float(value).is_integer() else round(value, 2)
