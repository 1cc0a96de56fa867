"""reporting.selectors: portfolio at risk, classification and provisions (against the ledger),
disbursements and collections, officer performance, approval turnaround; as of the last close;
branch scoping (the book: tests/reporting/conftest.py)."""

from datetime import date

import pytest

from applications.models import ApplicationStatus
from applications.services import application_submit
from microloan.ledger import Acct, trial_balance
from reporting import selectors
from reporting.selectors import ReportScope

from ..conftest import client_for
from ..underwriting.conftest import submitted_app, to_pending
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
        ("current", 1, M("10000.00")), ("1-30", 2, M("19600.00")), ("31-60", 1, M("10000.00")),
        ("61-90", 0, M("0.00")), ("91-180", 1, M("10000.00")), ("180+", 2, M("20000.00"))]
    assert pct(data["buckets"][5]["share"]) == M("28.74")  # 20,000 / 69,600
    # by branch: A (l0, l1, l2, l3, l6) and A1 (l4, l5)
    rows = {r["code"]: r for r in data["by_branch"]}
    assert list(rows) == ["BR-A", "BR-A1"]
    assert (rows["BR-A"]["loans"], rows["BR-A"]["principal"], rows["BR-A"]["par30_principal"]) == (
        5, M("49600.00"), M("20000.00"))
    assert pct(rows["BR-A"]["par30"]) == M("40.32") and pct(rows["BR-A1"]["par30"]) == M("100.00")
    # by product: SV (l0, l1, l2, l5, l6), P2 (l3, l4)
    products = {r["code"]: r for r in data["by_product"]}
    assert (products["SV"]["loans"], products["SV"]["principal"], products["SV"]["par90_principal"]) == (
        5, M("49600.00"), M("20000.00"))
    assert (products["P2"]["loans"], products["P2"]["principal"], pct(products["P2"]["par1"])) == (
        2, M("20000.00"), M("100.00"))


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
        (1, M("10000.00"), M("1.00"), M("10000.00"))]
    assert all(r["required"] == r["held"] and r["shortfall"] == 0 for r in data["rows"])
    assert (data["total"]["loans"], data["total"]["principal"], data["total"]["held"]) == (
        7, M("69600.00"), M("18192.00"))
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
    before = (selectors.portfolio_at_risk(scope=scope, as_of=D),
              selectors.classification_provisions(scope=scope, as_of=D))
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


# --- 3. disbursements and collections ----------------------------------------------------


def test_disbursements_and_collections_per_day_without_the_reversed_posting(book, manager, officer, approver):
    the_day_after(book, officer, approver)
    data = selectors.disbursements_collections(scope=ReportScope(user=manager), date_from=date(2026, 11, 1),
                                             date_to=D1, period="day")
    rows = {r["period"]: r for r in data["rows"]}
    assert len(data["rows"]) == 32 and data["rows"][0]["period"] == date(2026, 11, 1)
    # disbursed: five loans on 11-20, two on 11-21 (B's loan is not A's)
    assert (rows[date(2026, 11, 20)]["loans"], rows[date(2026, 11, 20)]["principal"],
            rows[date(2026, 11, 20)]["paid_out"], rows[date(2026, 11, 20)]["fees"]) == (
        5, M("50000.00"), M("49500.00"), M("500.00"))
    assert (rows[date(2026, 11, 21)]["loans"], rows[date(2026, 11, 21)]["principal"]) == (2, M("20000.00"))
    # collected on 11-28: the 500.00 on l1 (interest 100.00, principal 400.00); the reversed 300.00 is out
    day = rows[date(2026, 11, 28)]
    assert (day["repayments"], day["collected"], day["interest"], day["collected_principal"]) == (
        1, M("500.00"), M("100.00"), M("400.00"))
    assert (day["reversed"], day["reversed_amount"]) == (1, M("300.00"))
    # on D+1: l3's 888.88 (penalty 0.39, interest 100.00, principal 788.49) and the recovery
    day = rows[D1]
    assert (day["collected"], day["penalty"], day["interest"], day["collected_principal"]) == (
        M("888.88"), M("0.39"), M("100.00"), M("788.49"))
    assert (day["recoveries"], day["recovered"]) == (1, M("1234.00"))
    total = data["total"]
    assert (total["loans"], total["principal"], total["repayments"], total["collected"]) == (
        7, M("70000.00"), 2, M("1388.88"))
    assert total["collected_principal"] + total["interest"] + total["penalty"] + total["fee"] + total["credit"] \
        == total["collected"]
    assert data["written_off"] == {"loans": 1, "principal": M("10000.00")}


def test_disbursements_and_collections_per_month_and_for_branch_b(book, manager, manager_b, officer, approver):
    the_day_after(book, officer, approver)
    data = selectors.disbursements_collections(scope=ReportScope(user=manager), date_from=date(2026, 11, 15),
                                             date_to=D1, period="month")
    assert [(r["period"], r["loans"], r["principal"], r["collected"], r["recovered"]) for r in data["rows"]] == [
        (date(2026, 11, 1), 7, M("70000.00"), M("500.00"), M("0.00")),
        (date(2026, 12, 1), 0, M("0.00"), M("888.88"), M("1234.00"))]
    theirs = selectors.disbursements_collections(scope=ReportScope(user=manager_b), date_from=date(2026, 11, 1),
                                               date_to=D1, period="month")
    assert (theirs["total"]["loans"], theirs["total"]["principal"], theirs["total"]["collected"],
            theirs["total"]["recovered"]) == (1, M("10000.00"), M("0.00"), M("0.00"))


# --- 4. officer performance --------------------------------------------------------------


def test_officer_performance(book, manager, officer, officer2, child_branch):
    data = selectors.officer_performance(scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 1),
                                       date_to=D)
    rows = {r["officer"]: r for r in data["rows"]}
    assert set(rows) == {officer.pk, officer2.pk}  # B's officer is not A's
    mine = rows[officer.pk]
    # l0, l1, l2, l3, l6: 50,000.00 disbursed; 49,600.00 active; PAR30 l3 + l6 = 20,000.00; 500.00 collected
    assert (mine["disbursed_loans"], mine["disbursed"], mine["active_loans"], mine["portfolio"],
            mine["par30_principal"], mine["collected"]) == (
        5, M("50000.00"), 5, M("49600.00"), M("20000.00"), M("500.00"))
    assert pct(mine["par30"]) == M("40.32")
    theirs = rows[officer2.pk]
    assert (theirs["name"], theirs["branch"], theirs["disbursed_loans"], theirs["portfolio"], pct(theirs["par30"]),
            theirs["collected"]) == ("王二", "Branch A1", 2, M("20000.00"), M("100.00"), M("0.00"))
    assert data["rows"][0]["officer"] == officer.pk  # the larger portfolio first
    # only November 21: officer2's two loans were disbursed then, none of officer_a's
    day = selectors.officer_performance(scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 21),
                                      date_to=date(2026, 11, 21))
    assert {r["officer"]: r["disbursed_loans"] for r in day["rows"]} == {officer.pk: 0, officer2.pk: 2}
    # the child branch alone
    narrow = selectors.officer_performance(scope=ReportScope(user=manager, branch=child_branch), as_of=D,
                                         date_from=date(2026, 11, 1), date_to=D)
    assert [r["officer"] for r in narrow["rows"]] == [officer2.pk]


# --- 5. approval turnaround --------------------------------------------------------------


def test_approval_turnaround_per_branch_and_approver(decisions, manager, branch):
    data = selectors.approval_turnaround(scope=ReportScope(user=manager), date_from=date(2026, 10, 1),
                                       date_to=date(2026, 10, 10))
    total = data["total"]
    # four decisions in A: turnarounds 20, 74, 5, 10 → median (10 + 20) / 2 = 15, mean 27.25;
    # queue 10, 50, 4, 9 → mean 18.25; one over the 48-hour SLA
    assert (total["decisions"], total["approved"], total["rejected"], total["returned"]) == (4, 2, 1, 1)
    assert (total["median_hours"], total["avg_hours"], total["avg_queue_hours"], total["breaches"]) == (
        M("15.00"), M("27.25"), M("18.25"), 1)
    assert data["sla_hours"] == 48
    [row] = data["by_branch"]
    assert (row["key"], row["decisions"], row["median_hours"]) == (branch.pk, 4, M("15.00"))
    approvers = {r["key"]: r for r in data["by_approver"]}
    assert set(approvers) == {decisions.x.pk, decisions.y.pk}
    x, y = approvers[decisions.x.pk], approvers[decisions.y.pk]
    assert (x["decisions"], x["median_hours"], x["avg_hours"], x["breaches"], pct(x["breach_share"])) == (
        2, M("47.00"), M("47.00"), 1, M("50.00"))
    assert (y["decisions"], y["returned"], y["median_hours"], y["avg_queue_hours"], y["breaches"]) == (
        2, 1, M("7.50"), M("6.50"), 0)
    # an odd count takes the middle one: x alone from October 2 to 4 has 20h and 74h; add y's 10h
    three = selectors.approval_turnaround(scope=ReportScope(user=manager), date_from=date(2026, 10, 2),
                                        date_to=date(2026, 10, 4))
    assert (three["total"]["decisions"], three["total"]["median_hours"]) == (3, M("20.00"))


def test_turnaround_reads_the_events_the_services_write(biz_date, officer, reviewer, approver, manager, product):
    # given an application taken from draft through submission, review and approval
    app = submitted_app(officer, product)
    app.status = ApplicationStatus.DRAFT
    app.save(update_fields=["status"])
    application_submit(actor=officer, application=app)
    to_pending(app, officer, reviewer)
    r = client_for(approver).post(f"/api/v1/applications/{app.pk}/decision/",
                                  {"decision": "reject", "reason_code": "capacity"}, format="json")
    assert r.status_code == 200, r.content
    # when the report covers today
    from django.utils import timezone
    today = timezone.localdate()
    data = selectors.approval_turnaround(scope=ReportScope(user=manager), date_from=today, date_to=today)
    # then it counts the decision, timed from the submission and the review it just made
    assert (data["total"]["decisions"], data["total"]["rejected"], data["total"]["breaches"]) == (1, 1, 0)
    assert M("0") <= data["total"]["median_hours"] < M("1") and data["total"]["avg_queue_hours"] is not None
    assert [r["key"] for r in data["by_approver"]] == [approver.pk]


