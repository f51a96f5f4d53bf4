from datetime import date

from nex_assets.studio.logic import charts


def test_a_time_column_and_a_measure_make_a_line():
    rows = [[date(2024, 1, d), d * 10] for d in range(1, 8)]
    chart = charts.propose(["day", "units"], rows)
    assert chart == charts.Chart("line", "day", "units", "units over day")
    svg = charts.render(chart, ["day", "units"], rows)
    assert svg.startswith("<svg") and "<polyline" in svg and "2024-01-01" in svg and "<script" not in svg


def test_iso_dates_as_text_still_make_a_line():
    rows = [["2024-01-01", 3.5], ["2024-01-08", 4.0], ["2024-01-15", None]]
    assert charts.propose(["week", "price"], rows).kind == "line"


def test_category_totals_make_bars_and_too_many_categories_stay_a_table():
    rows = [["snacks", 120], ["drinks", 80], ["dairy", 40]]
    chart = charts.propose(["category", "revenue"], rows)
    assert chart.kind == "bar" and chart.x == "category"
    svg = charts.render(chart, ["category", "revenue"], rows)
    assert svg.count("<rect") == 3 and "snacks" in svg
    many = [[f"c{i}", i] for i in range(charts.MAX_BARS + 1)]
    assert charts.propose(["c", "n"], many) is None
    repeated = [["a", 1], ["a", 2], ["b", 3]]  # not totals per category
    assert charts.propose(["c", "n"], repeated) is None


def test_two_measures_make_a_scatter():
    rows = [[1.0, 2.0], [2.0, 3.5], [3.0, 2.5]]
    chart = charts.propose(["price", "units"], rows)
    assert chart.kind == "scatter"
    assert charts.render(chart, ["price", "units"], rows).count("<circle") == 3


def test_what_suits_no_chart_stays_a_table():
    assert charts.propose(["name"], [["a"], ["b"]]) is None
    assert charts.propose(["name", "note"], [["a", "x"], ["b", "y"]]) is None
    assert charts.propose(["day", "n"], [[date(2024, 1, 1), 1]]) is None  # one row


def test_text_is_escaped_and_points_are_thinned():
    rows = [["<b>x</b>", 1], ["y", 2]]
    svg = charts.render(charts.Chart("bar", "c", "n", "n by <c>"), ["c", "n"], rows)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    many = [[float(i), float(i % 7)] for i in range(5000)]
    svg = charts.render(charts.Chart("scatter", "a", "b", "b"), ["a", "b"], many, max_points=100)
    assert svg.count("<circle") == 100


def test_a_flat_series_and_negative_bars_draw():
    flat = [[date(2024, 1, d), 5] for d in range(1, 4)]
    assert "<polyline" in charts.render(charts.Chart("line", "d", "v", "v"), ["d", "v"], flat)
    bars = charts.render(charts.Chart("bar", "c", "v", "v"), ["c", "v"], [["a", -3], ["b", 4]])
    assert bars.count("<rect") == 2
