"""reporting.selectors.flows: disbursements and collections, officer performance (the book:
tests/reporting/conftest.py)."""

from datetime import date

import pytest

from reporting import selectors
from reporting.selectors import ReportScope

from .conftest import D1, D, M, pct, the_day_after

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


# --- 3. disbursements and collections ----------------------------------------------------


def test_disbursements_and_collections_per_day_without_the_reversed_posting(book, manager, officer, approver):
    the_day_after(book, officer, approver)
    data = selectors.disbursements_collections(
        scope=ReportScope(user=manager), date_from=date(2026, 11, 1), date_to=D1, period="day"
    )
    rows = {r["period"]: r for r in data["rows"]}
    assert len(data["rows"]) == 32 and data["rows"][0]["period"] == date(2026, 11, 1)
    # disbursed: five loans on 11-20, two on 11-21 (B's loan is not A's)
    assert (
        rows[date(2026, 11, 20)]["loans"],
        rows[date(2026, 11, 20)]["principal"],
        rows[date(2026, 11, 20)]["paid_out"],
        rows[date(2026, 11, 20)]["fees"],
    ) == (5, M("50000.00"), M("49500.00"), M("500.00"))
    assert (rows[date(2026, 11, 21)]["loans"], rows[date(2026, 11, 21)]["principal"]) == (2, M("20000.00"))
    # collected on 11-28: the 500.00 on l1 (interest 100.00, principal 400.00); the reversed 300.00 is out
    day = rows[date(2026, 11, 28)]
    assert (day["repayments"], day["collected"], day["interest"], day["collected_principal"]) == (
        1,
        M("500.00"),
        M("100.00"),
        M("400.00"),
    )
    assert (day["reversed"], day["reversed_amount"]) == (1, M("300.00"))
    # on D+1: l3's 888.88 (penalty 0.39, interest 100.00, principal 788.49) and the recovery
    day = rows[D1]
    assert (day["collected"], day["penalty"], day["interest"], day["collected_principal"]) == (
        M("888.88"),
        M("0.39"),
        M("100.00"),
        M("788.49"),
    )
    assert (day["recoveries"], day["recovered"]) == (1, M("1234.00"))
    total = data["total"]
    assert (total["loans"], total["principal"], total["repayments"], total["collected"]) == (
        7,
        M("70000.00"),
        2,
        M("1388.88"),
    )
    assert (
        total["collected_principal"] + total["interest"] + total["penalty"] + total["fee"] + total["credit"]
        == total["collected"]
    )
    assert data["written_off"] == {"loans": 1, "principal": M("10000.00")}


def test_disbursements_and_collections_per_month_and_for_branch_b(book, manager, manager_b, officer, approver):
    the_day_after(book, officer, approver)
    data = selectors.disbursements_collections(
        scope=ReportScope(user=manager), date_from=date(2026, 11, 15), date_to=D1, period="month"
    )
    assert [(r["period"], r["loans"], r["principal"], r["collected"], r["recovered"]) for r in data["rows"]] == [
        (date(2026, 11, 1), 7, M("70000.00"), M("500.00"), M("0.00")),
        (date(2026, 12, 1), 0, M("0.00"), M("888.88"), M("1234.00")),
    ]
    theirs = selectors.disbursements_collections(
        scope=ReportScope(user=manager_b), date_from=date(2026, 11, 1), date_to=D1, period="month"
    )
    assert (
        theirs["total"]["loans"],
        theirs["total"]["principal"],
        theirs["total"]["collected"],
        theirs["total"]["recovered"],
    ) == (1, M("10000.00"), M("0.00"), M("0.00"))


# --- 4. officer performance --------------------------------------------------------------


def test_officer_performance(book, manager, officer, officer2, child_branch):
    data = selectors.officer_performance(
        scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 1), date_to=D
    )
    rows = {r["officer"]: r for r in data["rows"]}
    assert set(rows) == {officer.pk, officer2.pk}  # B's officer is not A's
    mine = rows[officer.pk]
    # l0, l1, l2, l3, l6: 50,000.00 disbursed; 49,600.00 active; PAR30 l3 + l6 = 20,000.00; 500.00 collected
    assert (
        mine["disbursed_loans"],
        mine["disbursed"],
        mine["active_loans"],
        mine["portfolio"],
        mine["par30_principal"],
        mine["collected"],
    ) == (5, M("50000.00"), 5, M("49600.00"), M("20000.00"), M("500.00"))
    assert pct(mine["par30"]) == M("40.32")
    theirs = rows[officer2.pk]
    assert (
        theirs["name"],
        theirs["branch"],
        theirs["disbursed_loans"],
        theirs["portfolio"],
        pct(theirs["par30"]),
        theirs["collected"],
    ) == ("王二", "Branch A1", 2, M("20000.00"), M("100.00"), M("0.00"))
    assert data["rows"][0]["officer"] == officer.pk  # the larger portfolio first
    # only November 21: officer2's two loans were disbursed then, none of officer_a's
    day = selectors.officer_performance(
        scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 21), date_to=date(2026, 11, 21)
    )
    assert {r["officer"]: r["disbursed_loans"] for r in day["rows"]} == {officer.pk: 0, officer2.pk: 2}
    # the child branch alone
    narrow = selectors.officer_performance(
        scope=ReportScope(user=manager, branch=child_branch), as_of=D, date_from=date(2026, 11, 1), date_to=D
    )
    assert [r["officer"] for r in narrow["rows"]] == [officer2.pk]
