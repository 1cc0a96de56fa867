"""Hypothesis strategies for the lending engine's properties: random loans of every method,
frequency and grace, disbursed on days that need clamping."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from microloan.lending.schedule import FREQUENCIES, METHODS

principals = st.integers(min_value=10_000, max_value=100_000_000).map(lambda c: Decimal(c).scaleb(-2))
annual_rates = st.integers(min_value=0, max_value=3600).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def disbursement_dates(draw: st.DrawFn) -> date:
    year = draw(st.integers(min_value=2000, max_value=2099))
    month = draw(st.integers(min_value=1, max_value=12))
    # Favour the days that need clamping in shorter months.
    day = draw(st.one_of(st.sampled_from([28, 29, 30, 31]), st.integers(min_value=1, max_value=31)))
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@st.composite
def loans(
    draw: st.DrawFn,
    methods: tuple[str, ...] = METHODS,
    principal: st.SearchStrategy[Decimal] = principals,
) -> dict[str, Any]:
    term = draw(st.integers(min_value=1, max_value=60))
    return {
        "principal": draw(principal),
        "annual_rate": draw(annual_rates),
        "term": term,
        "frequency": draw(st.sampled_from(sorted(FREQUENCIES))),
        "method": draw(st.sampled_from(methods)),
        "disbursement_date": draw(disbursement_dates()),
        "grace_periods": draw(st.integers(min_value=0, max_value=term - 1)),
    }


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
