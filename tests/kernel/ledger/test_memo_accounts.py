"""Off-balance (memo) accounts: listed apart from the balance sheet and income accounts, in
the trial balance, its API (``memo_rows``) and its page; out of the totals."""

import pytest

from microloan.ledger import Acct, EntryKind, Line, journal_post, trial_balance
from microloan.models import Role

from ..factories import UserFactory
from .helpers import JAN_10, JAN_15, D, disburse

pytestmark = pytest.mark.django_db


def memo_posted():
    disburse("1000.00")
    journal_post(
        kind=EntryKind.NON_ACCRUAL,
        business_date=JAN_15,
        lines=[
            Line(Acct.MEMO_INTEREST_RECEIVABLE, debit=D("12.34"), loan_id=1),
            Line(Acct.MEMO_CONTRA, credit=D("12.34"), loan_id=1),
        ],
    )


def test_memo_accounts_are_apart_and_out_of_the_totals():
    memo_posted()
    tb = trial_balance()
    codes = {r["code"] for r in tb["rows"]}
    memo = {r["code"]: r for r in tb["memo_rows"]}
    assert Acct.MEMO_INTEREST_RECEIVABLE not in codes and Acct.MEMO_CONTRA not in codes
    assert memo[Acct.MEMO_INTEREST_RECEIVABLE]["balance"] == D("12.34")
    assert memo[Acct.MEMO_CONTRA]["balance"] == D("12.34")  # a credit-side account
    assert (tb["total_debit"], tb["total_credit"], tb["balanced"]) == (D("1000.00"), D("1000.00"), True)
    assert (tb["memo_total_debit"], tb["memo_total_credit"], tb["memo_balanced"]) == (D("12.34"), D("12.34"), True)
    assert [b["debit"] for b in tb["branches"]] == [D("1000.00")]
    # as of a date before the memo entry: nothing off balance
    assert all(r["balance"] == 0 for r in trial_balance(as_of=JAN_10)["memo_rows"])


def test_the_api_lists_memo_rows_apart(client):
    memo_posted()
    client.force_login(UserFactory(role=Role.AUDITOR))
    r = client.get("/api/v1/ledger/trial-balance/?date=2026-01-15")
    assert r.status_code == 200
    body = r.json()
    assert body["date"] == "2026-01-15"
    assert {"account", "name", "debit", "credit", "balance"} == set(body["rows"][0])
    assert (body["total_debit"], body["total_credit"]) == ("1000.00", "1000.00")
    memo = {row["account"]: row for row in body["memo_rows"]}
    assert memo[Acct.MEMO_INTEREST_RECEIVABLE] == {
        "account": Acct.MEMO_INTEREST_RECEIVABLE,
        "name": "表外应收未收利息",
        "debit": "12.34",
        "credit": "0.00",
        "balance": "12.34",
    }
    assert Acct.MEMO_INTEREST_RECEIVABLE not in {row["account"] for row in body["rows"]}


def test_the_api_refuses_a_bad_date_and_strangers(client):
    client.force_login(UserFactory(role=Role.AUDITOR))
    r = client.get("/api/v1/ledger/trial-balance/?date=15/01/2026")
    assert r.status_code == 400 and "date" in r.json()
    client.force_login(UserFactory(username="b1", role=Role.BORROWER))
    assert client.get("/api/v1/ledger/trial-balance/").status_code == 403


def test_the_page_shows_memo_accounts_apart(client):
    memo_posted()
    client.force_login(UserFactory(role=Role.AUDITOR))
    r = client.get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200
    memo_table = html[html.index('id="tb-memo"') :]
    assert "Off-balance interest receivable" in memo_table and "12.34" in memo_table
    main_table = html[html.index('id="trial-balance"') : html.index('id="tb-memo"')]
    assert "Off-balance interest receivable" not in main_table


def test_memo_lines_balance_among_themselves():
    from microloan.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        journal_post(
            kind=EntryKind.ADJUSTMENT,
            business_date=JAN_10,
            lines=[Line(Acct.CASH, debit=D("1.00")), Line(Acct.MEMO_CONTRA, credit=D("1.00"))],
        )
    assert "lines" in exc.value.errors
