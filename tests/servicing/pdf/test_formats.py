"""Tests of servicing.pdf.formats: amounts, rates, capital numerals and dates as our documents
print them."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils import translation

from servicing.pdf.formats import date_time, format_apr, format_money, format_percent, long_date, rmb_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("5000", "伍仟元整"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("100005.30", "壹拾万零伍元叁角整"),
        ("1000.05", "壹仟元零伍分"),
        ("1010", "壹仟零壹拾元整"),
        ("10010000", "壹仟零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("200000000.10", "贰亿元壹角整"),
        ("0.05", "伍分"),
        ("10", "壹拾元整"),
        ("0", "零元整"),
    ],
)
def test_rmb_in_words(amount: str, words: str) -> None:
    assert rmb_in_words(Decimal(amount)) == words


@pytest.mark.parametrize("amount", ["-0.01", "1000000000000000000"])
def test_rmb_in_words_refuses_what_it_cannot_write(amount: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        rmb_in_words(Decimal(amount))


def test_formatters() -> None:
    assert format_money(Decimal("5000")) == "5,000.00"
    assert format_money(Decimal("1234567.895")) == "1,234,567.90"
    assert format_money(Decimal("0")) == "0.00"
    assert format_percent(Decimal("0.18")) == "18.00%"
    assert format_percent(Decimal("0.123456")) == "12.3456%"
    assert format_percent(Decimal("0.27") / 360) == "0.075%"
    assert format_percent(Decimal("0.24") / 360) == "0.0667%"
    assert format_apr(Decimal("0.1895")) == "18.95%"
    assert format_apr(Decimal("0")) == "0.00%"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "2026年1月5日"), ("en", "5 January 2026")],
)
def test_long_date_in_the_active_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert long_date(date(2026, 1, 5)) == expected


@pytest.mark.parametrize(
    ("language", "offset", "expected"),
    [
        ("zh-hans", timedelta(hours=8), "2026年12月1日 09:05（UTC+08:00）"),
        ("en", timedelta(hours=8), "1 December 2026 09:05 (UTC+08:00)"),
        ("en", -timedelta(hours=5, minutes=30), "1 December 2026 09:05 (UTC-05:30)"),
        ("zh-hans", None, "2026年12月1日 09:05"),
        ("en", None, "1 December 2026 09:05"),
    ],
)
def test_date_time_shows_the_offset_of_an_aware_moment(language: str, offset, expected: str) -> None:
    moment = datetime(2026, 12, 1, 9, 5, tzinfo=None if offset is None else timezone(offset))

    with translation.override(language):
        assert date_time(moment) == expected
