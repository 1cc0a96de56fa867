"""Money on report pages is shown to the cent and grouped in threes in both languages, whatever
the database's sum returned (SQLite sums decimals as "943.600000000000", #14 point 3)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from reporting.tables import Cell


def test_a_money_cell_is_kept_to_the_cent():
    assert Cell(Decimal("943.600000000000"), "money").value == Decimal("943.60")
    assert Cell(1013.3300000000002, "money").value == Decimal("1013.33")
    assert Cell(None, "money").value is None
    assert Cell(Decimal("0.123456"), "percent").value == Decimal("0.123456")  # not money: untouched


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_money_is_grouped_in_threes_in_both_languages(language):
    template = Template("{% load microloan_tags %}{{ v|money }}|{{ none|money }}")
    with translation.override(language):
        assert template.render(Context({"v": Decimal("3013.33000000000"), "none": None})) == "3,013.33|—"
        assert template.render(Context({"v": Decimal("1234567.5")})).startswith("1,234,567.50")


@pytest.mark.parametrize(("n", "en", "zh"), [(1, "1 loan", "1 笔贷款"), (2, "2 loans", "2 笔贷款")])
def test_counts_take_the_plural_of_their_number(n, en, zh):
    template = Template(
        "{% load i18n %}{% blocktrans count n=n %}{{ n }} loan{% plural %}{{ n }} loans{% endblocktrans %}"
    )
    with translation.override("en"):
        assert template.render(Context({"n": n})) == en
    with translation.override("zh-hans"):
        assert template.render(Context({"n": n})) == zh
