"""reporting.selectors.stock: portfolio at risk and classification and provisions (against the
ledger), as of the last close; branch scoping (the book: tests/reporting/conftest.py)."""

import pytest

from microloan.ledger import Acct, trial_balance
from reporting import selectors
from reporting.selectors import ReportScope

from .conftest import D1, D, M, close, pct, the_day_after

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


# --- 1. portfolio at risk ----------------------------------------------------------------


def test_par_ratios_buckets_branches_and_products(book, manager):
    # when branch A's manager asks (A and its child A1; not B)
    data = selectors.portfolio_at_risk(scope=ReportScope(user=manager), as_of=D)
    # then 7 loans, 69,600.00 outstanding (l1 paid 400.00 of principal)
    total = data["total"]
    assert (total["loans"], total["principal"]) == (7, M("69600.00"))
    # PAR1 (1 day or more): l1..l6 = 59,600.00 → 85.63%
    assert (total["par1_loans"], total["par1_principal"], pct(total["par1"])) == (6, M("59600.00"), M("85.63"))
    # PAR30 (more than 30 days): l3..l6 = 40,000.00 → 57.47%; l2 at exactly 30 days is not in it
    assert (total["par30_loans"], total["par30_principal"], pct(total["par30"])) == (4, M("40000.00"), M("57.47"))
    # PAR90: l4, l5, l6 = 30,000.00 → 43.10%
    assert (total["par90_loans"], total["par90_principal"], pct(total["par90"])) == (3, M("30000.00"), M("43.10"))
    # the buckets
    assert [(b["bucket"], b["loans"], b["principal"]) for b in data["buckets"]] == [
        ("current", 1, M("10000.00")),
        ("1-30", 2, M("19600.00")),
        ("31-60", 1, M("10000.00")),
        ("61-90", 0, M("0.00")),
        ("91-180", 1, M("10000.00")),
        ("180+", 2, M("20000.00")),
    ]
    assert pct(data["buckets"][5]["share"]) == M("28.74")  # 20,000 / 69,600
    # by branch: A (l0, l1, l2, l3, l6) and A1 (l4, l5)
    rows = {r["code"]: r for r in data["by_branch"]}
    assert list(rows) == ["BR-A", "BR-A1"]
    assert (rows["BR-A"]["loans"], rows["BR-A"]["principal"], rows["BR-A"]["par30_principal"]) == (
        5,
        M("49600.00"),
        M("20000.00"),
    )
    assert pct(rows["BR-A"]["par30"]) == M("40.32") and pct(rows["BR-A1"]["par30"]) == M("100.00")
    # by product: SV (l0, l1, l2, l5, l6), P2 (l3, l4)
    products = {r["code"]: r for r in data["by_product"]}
    assert (products["SV"]["loans"], products["SV"]["principal"], products["SV"]["par90_principal"]) == (
        5,
        M("49600.00"),
        M("20000.00"),
    )
    assert (products["P2"]["loans"], products["P2"]["principal"], pct(products["P2"]["par1"])) == (
        2,
        M("20000.00"),
        M("100.00"),
    )


def test_par_filters_narrow_to_a_branch_subtree_a_product_an_officer(book, manager, child_branch, p2, officer):
    def total(**filters):
        return selectors.portfolio_at_risk(scope=ReportScope(user=manager, **filters), as_of=D)["total"]

    assert (total(branch=child_branch)["loans"], total(branch=child_branch)["principal"]) == (2, M("20000.00"))
    assert (total(product=p2)["loans"], total(product=p2)["par30_principal"]) == (2, M("20000.00"))
    mine = total(officer=officer)
    assert (mine["loans"], mine["principal"], mine["par90_principal"]) == (5, M("49600.00"), M("10000.00"))


# --- 2. classification and provisions ----------------------------------------------------


def test_classification_and_provisions_agree_with_the_ledger(book, manager, head_office):
    data = selectors.classification_provisions(scope=ReportScope(user=manager), as_of=D)
    rows = {r["classification"]: r for r in data["rows"]}
    assert list(rows) == ["normal", "special_mention", "substandard", "doubtful", "loss"]
    assert [(r["loans"], r["principal"], r["rate"], r["held"]) for r in data["rows"]] == [
        (1, M("10000.00"), M("0.01"), M("100.00")),
        (3, M("29600.00"), M("0.02"), M("592.00")),  # 192.00 + 200.00 + 200.00
        (1, M("10000.00"), M("0.25"), M("2500.00")),
        (1, M("10000.00"), M("0.50"), M("5000.00")),
        (1, M("10000.00"), M("1.00"), M("10000.00")),
    ]
    assert all(r["required"] == r["held"] and r["shortfall"] == 0 for r in data["rows"])
    assert (data["total"]["loans"], data["total"]["principal"], data["total"]["held"]) == (
        7,
        M("69600.00"),
        M("18192.00"),
    )
    # branch A's loans' lines on 1231 hold exactly that
    assert (data["ledger_balance"], data["ledger_difference"]) == (M("18192.00"), M("0.00"))
    # the whole book (B's 200.00 too) is the balance of 1231 in the trial balance as of the close
    whole = selectors.classification_provisions(scope=ReportScope(user=head_office), as_of=D)
    tb = {row["code"]: row["balance"] for row in trial_balance(as_of=D)["rows"]}
    assert whole["total"]["held"] == tb[Acct.LOAN_LOSS_PROVISION] == M("18392.00")
    assert whole["ledger_difference"] == 0


# --- as of the close ---------------------------------------------------------------------


def test_stock_reports_stay_as_of_the_close_until_the_next_close(book, manager, officer, approver, head_office):
    scope = ReportScope(user=manager)
    before = (
        selectors.portfolio_at_risk(scope=scope, as_of=D),
        selectors.classification_provisions(scope=scope, as_of=D),
    )
    # when on D+1 l3 is paid up, l6 written off and a recovery received on it
    the_day_after(book, officer, approver)
    # then the report as of D has not moved
    assert selectors.portfolio_at_risk(scope=scope, as_of=D) == before[0]
    assert selectors.classification_provisions(scope=scope, as_of=D) == before[1]
    assert selectors.report_date()["as_of"] == D

    # when D+1 is closed
    close(D1)
    assert selectors.report_date()["as_of"] == D1
    par = selectors.portfolio_at_risk(scope=scope, as_of=D1)["total"]
    # then l6 is gone, l3 is current with 10,000.00 − 788.49 = 9,211.51 and l2 is 31 days past due
    assert (par["loans"], par["principal"]) == (6, M("58811.51"))
    assert (par["par30_loans"], par["par30_principal"]) == (3, M("30000.00"))  # l2, l4, l5
    classes = selectors.classification_provisions(scope=scope, as_of=D1)
    # 100.00 + 192.00 + 200.00 + 92.12 (1% of 9,211.51) + 2,500.00 + 5,000.00
    assert classes["total"]["held"] == M("8084.12") and classes["ledger_difference"] == 0
    tb = {row["code"]: row["balance"] for row in trial_balance(as_of=D1)["rows"]}
    whole = selectors.classification_provisions(scope=ReportScope(user=head_office), as_of=D1)
    assert whole["total"]["held"] == tb[Acct.LOAN_LOSS_PROVISION] == M("8284.12")
