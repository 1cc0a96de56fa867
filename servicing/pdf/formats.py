"""Numbers, amounts and dates as our documents print them.

The money and rate formatters are pure (no Django, no locale): the same value always prints
the same way. The date formatters read their pattern through gettext, so they print in the
language active at the call (the renderers activate the reader's language with
``translation.override``): "2026年1月15日" in Chinese, "15 January 2026" in English.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from django.utils import dateformat
from django.utils.translation import pgettext

from microloan.lending.money import ZERO, money
from microloan.lending.money import rate as round_rate


def format_money(value: Decimal) -> str:
    """5000 -> "5,000.00": thousands separators, 2 places, half-up."""
    return format(money(value) + ZERO, ",.2f")


def format_percent(rate: Decimal, *, min_places: int = 2, max_places: int = 4) -> str:
    """A fraction as a percentage: 0.18 -> "18.00%", 0.00075 -> "0.075%" (half-up at
    ``max_places``, trailing zeros dropped down to ``min_places``)."""
    value = round_rate(rate * 100, max_places)
    text = format(value + Decimal(0).scaleb(-max_places), "f")
    whole, _, places = text.partition(".")
    places = places.rstrip("0").ljust(min_places, "0")
    return f"{whole}.{places}%" if places else f"{whole}%"


def format_apr(apr: Decimal) -> str:
    """The APR as the documents show it: a percentage with exactly 2 places ("18.00%")."""
    return format_percent(apr, min_places=2, max_places=2)


_DIGITS_ZH: Final = "零壹贰叁肆伍陆柒捌玖"
_PLACES_ZH: Final = ("", "拾", "佰", "仟")
_GROUPS_ZH: Final = ("", "万", "亿", "万亿")


def rmb_in_words(amount: Decimal) -> str:
    """An amount of yuan in the capital numerals of Chinese financial documents (大写):
    5000 -> "伍仟元整", 100005.30 -> "壹拾万零伍元叁角整", 1000.05 -> "壹仟元零伍分"."""
    cents = int(money(amount) * 100)
    if cents < 0 or cents >= 10**18:
        raise ValueError(f"amount out of range: {amount}")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"

    words: list[str] = []
    if yuan:
        groups = []
        while yuan:
            yuan, group = divmod(yuan, 10000)
            groups.append(group)
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                pending_zero = bool(words)
                continue
            for place in range(3, -1, -1):
                digit = group // 10**place % 10
                if digit == 0:
                    pending_zero = pending_zero or bool(words)
                    continue
                if pending_zero:
                    words.append("零")
                    pending_zero = False
                words.append(_DIGITS_ZH[digit] + _PLACES_ZH[place])
            words.append(_GROUPS_ZH[index])
        words.append("元")
    if jiao:
        words.append(_DIGITS_ZH[jiao] + "角")
    elif fen and words:
        words.append("零")
    if fen:
        words.append(_DIGITS_ZH[fen] + "分")
    else:
        words.append("整")
    return "".join(words)


def long_date(value: date) -> str:
    """The date written out in the active language: "2026年1月15日", "15 January 2026"."""
    # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date).
    return dateformat.format(value, pgettext("document", "j F Y"))


def _utc_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def date_time(value: datetime) -> str:
    """The date and time as given (the caller converts to local time); an aware datetime
    also shows its UTC offset, so the moment is unambiguous."""
    text = f"{long_date(value.date())} {value:%H:%M}"
    offset = value.utcoffset()
    if offset is None:
        return text
    return pgettext("document", "%(date_time)s (%(utc_offset)s)") % {
        "date_time": text,
        "utc_offset": _utc_offset(offset),
    }
