"""reporting.charts: the SVG charts drawn on the server."""

from decimal import Decimal

from reporting import charts

M = Decimal


def test_column_chart_scales_to_a_round_axis():
    chart = charts.column_chart(
        chart_id="c",
        title="t",
        desc="d",
        labels=["a", "b"],
        series=[("x", "disbursed", [M("900"), M("0")]), ("y", "collected", [M("450"), M("100")])],
    )
    # 900 → an axis of 1,000 over a 198-pixel plot: 178.2 and 89.1 pixels high
    assert [c["h"] for c in chart["columns"]] == ["178.2", "0.0", "89.1", "19.8"]
    assert [t["text"] for t in chart["ticks"]] == ["0", "250", "500", "750", "1,000"]
    assert chart["columns"][0]["tip"] == "a · x: 900.00"
