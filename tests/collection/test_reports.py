"""Reports: portfolio at risk, classification and provisions (against the ledger),
disbursements and collections, officer performance, approval turnaround; as of the last close;
branch scoping and roles; CSV; charts; a constant number of queries; both languages.

The book (``book``), closed on D = 2026-12-01, every loan 10,000.00 like the fixture loan, its
first instalment moved back so that it is the given days past due at the close:

    loan  branch  product officer   DPD  bucket   class            principal  provision
    l0    A       SV      officer_a   0  current  normal           10,000.00     100.00
    l1    A       SV      officer_a   5  1-30     special mention   9,600.00     192.00  (500 paid)
    l2    A       SV      officer_a  30  1-30     special mention  10,000.00     200.00
    l3    A       P2      officer_a  45  31-60    special mention  10,000.00     200.00
    l4    A1      P2      officer2  100  91-180   substandard      10,000.00   2,500.00
    l5    A1      SV      officer2  300  180+     doubtful         10,000.00   5,000.00
    l6    A       SV      officer_a 400  180+     loss             10,000.00  10,000.00
    lb    B       SV      officer_b  50  31-60    special mention  10,000.00     200.00

A1 is a child of A. l4 and l5 were disbursed on 11-21, the others on 11-20. A 300.00 payment
on l0 (11-28) was reversed before the close.
"""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationStatus
from applications.services import application_submit
from collection import report_views, reports
from collection.cases import recovery_post, writeoff_decide, writeoff_request
from collection.close import close_day
from collection.reports import ReportScope
from microloan.business_date import business_date_set
from microloan.ledger import Acct, trial_balance
from microloan.models import AuditEvent, Role
from servicing.models import Installment, Loan
from servicing.repayments import repayment_post, repayment_reverse

from ..conftest import client_for
from ..factories import ApplicationFactory, BranchFactory, ProductFactory, UserFactory
from ..underwriting.conftest import submitted_app, to_pending
from .conftest import clone_loan

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
M = Decimal
D = date(2026, 12, 1)
D1 = date(2026, 12, 2)
SH = ZoneInfo("Asia/Shanghai")
REPORT_URLS = ["/reports/", "/reports/par/", "/reports/classification/", "/reports/flows/", "/reports/officers/",
               "/reports/turnaround/"]


def overdue(loan, days: int, on: date = D) -> None:
    """Moves the first instalment back so that it is ``days`` past due at the close of ``on``."""
    Installment.objects.filter(loan=loan, number=1, is_current=True).update(due_date=on - timedelta(days=days))


def close(day: date) -> None:
    business_date_set(value=day)
    close_day(business_date=day)


def pct(value) -> Decimal:
    return (value * 100).quantize(M("0.01"))


@pytest.fixture
def child_branch(branch):
    return BranchFactory(code="BR-A1", name="Branch A1", parent=branch)


@pytest.fixture
def officer2(child_branch):
    return UserFactory(username="officer_a1", role=Role.OFFICER, branch=child_branch, first_name="二",
                       last_name="王")


@pytest.fixture
def cashier(branch):
    return UserFactory(username="cashier_a", role=Role.OFFICER, branch=branch)


@pytest.fixture
def p2(db):
    return ProductFactory(code="P2", name="经营贷", name_en="Business loan")


@pytest.fixture
def book(loan, officer, officer2, child_branch, other_branch, other_officer, approver, cashier, p2):
    l0 = loan
    l1, l2, l3, l4, l5, l6, lb = (clone_loan(loan) for _ in range(7))
    for one, days in ((l1, 5), (l2, 30), (l3, 45), (l4, 100), (l5, 300), (l6, 400), (lb, 50)):
        overdue(one, days)
    Loan.objects.filter(pk=l3.pk).update(product=p2)
    Loan.objects.filter(pk=l4.pk).update(product=p2)
    Loan.objects.filter(pk__in=[l4.pk, l5.pk]).update(branch=child_branch, officer=officer2,
                                                      disbursed_on=date(2026, 11, 21))
    Loan.objects.filter(pk=lb.pk).update(branch=other_branch, officer=other_officer)
    business_date_set(value=D)
    # 500.00 on l1's overdue instalment: 100.00 interest, then 400.00 principal.
    repayment_post(actor=cashier, loan=l1, amount=M("500.00"), paid_on=date(2026, 11, 28), channel="cash")
    wrong = repayment_post(actor=cashier, loan=l0, amount=M("300.00"), paid_on=date(2026, 11, 28), channel="cash")
    repayment_reverse(actor=approver, repayment=wrong, reason="posted to the wrong loan")
    close(D)
    return SimpleNamespace(l0=l0, l1=l1, l2=l2, l3=l3, l4=l4, l5=l5, l6=l6, lb=lb)


@pytest.fixture
def manager_b(other_branch):
    return UserFactory(username="manager_b", role=Role.MANAGER, branch=other_branch)


@pytest.fixture
def head_office(db):
    """An administrator who sees the whole book (a superuser without a branch)."""
    return UserFactory(username="head", role=Role.ADMIN, branch=None, is_superuser=True)


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def the_day_after(book, officer, approver):
    """On D+1: l3's overdue instalment paid in full (0.39 penalty accrued at the close, 100.00
    interest, 788.49 principal = 888.88), l6 written off and 1,234.00 recovered on it."""
    business_date_set(value=D1)
    repayment_post(actor=officer, loan=Loan.objects.get(pk=book.l3.pk), amount=M("888.88"), paid_on=D1,
                   channel="cash")
    w = writeoff_request(actor=officer, loan=Loan.objects.get(pk=book.l6.pk), reason="absconded")
    writeoff_decide(actor=approver, write_off=w, approve=True)
    recovery_post(actor=officer, loan=Loan.objects.get(pk=book.l6.pk), amount=M("1234.00"), received_on=D1,
                  channel="cash")


# --- 1. portfolio at risk ----------------------------------------------------------------


def test_par_ratios_buckets_branches_and_products(book, manager):
    # when branch A's manager asks (A and its child A1; not B)
    data = reports.portfolio_at_risk(scope=ReportScope(user=manager), as_of=D)
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
        return reports.portfolio_at_risk(scope=ReportScope(user=manager, **filters), as_of=D)["total"]

    assert (total(branch=child_branch)["loans"], total(branch=child_branch)["principal"]) == (2, M("20000.00"))
    assert (total(product=p2)["loans"], total(product=p2)["par30_principal"]) == (2, M("20000.00"))
    mine = total(officer=officer)
    assert (mine["loans"], mine["principal"], mine["par90_principal"]) == (5, M("49600.00"), M("10000.00"))


def test_par_page_shows_ratios_tables_and_a_chart(book, manager, web):
    r = web(manager).get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert re.search(r'id="par30">57\.47%<', html) and re.search(r'id="par1">85\.63%<', html)
    assert 'id="total-principal">69,600.00<' in html
    svg = re.search(r'<svg id="chart-buckets" role="img" aria-labelledby="chart-buckets-title chart-buckets-desc"'
                    r'.*?</svg>', html, re.S).group(0)
    assert '<title id="chart-buckets-title">Outstanding principal by overdue bucket</title>' in svg
    # bars in proportion: 180+ (20,000) is the longest (320 px), current (10,000) half of it
    widths = [float(w) for w in re.findall(r'<rect x="190" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths == [160.0, 313.6, 160.0, 0.0, 160.0, 320.0]


# --- 2. classification and provisions ----------------------------------------------------


def test_classification_and_provisions_agree_with_the_ledger(book, manager, head_office):
    data = reports.classification_provisions(scope=ReportScope(user=manager), as_of=D)
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
    whole = reports.classification_provisions(scope=ReportScope(user=head_office), as_of=D)
    tb = {row["code"]: row["balance"] for row in trial_balance(as_of=D)["rows"]}
    assert whole["total"]["held"] == tb[Acct.LOAN_LOSS_PROVISION] == M("18392.00")
    assert whole["ledger_difference"] == 0


def test_classification_page_says_whether_provisions_agree_with_the_ledger(book, manager, web):
    r = web(manager).get("/reports/classification/", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="held-total">18,192.00<' in html and 'id="ledger-balance">18,192.00<' in html
    assert "agree with the ledger" in html and 'class="ok" id="ledger-status"' in html
    # a provision booked outside the close shows up as a difference
    from microloan.ledger import Line, journal_post
    journal_post(kind="adjustment", business_date=D, reference="test", lines=[
        Line(Acct.PROVISION_EXPENSE, debit=M("5.00"), loan_id=book.l0.pk),
        Line(Acct.LOAN_LOSS_PROVISION, credit=M("5.00"), loan_id=book.l0.pk)])
    html = web(manager).get("/reports/classification/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="ledger-difference">-5.00<' in html and "do not agree with the ledger" in html


# --- as of the close ---------------------------------------------------------------------


def test_stock_reports_stay_as_of_the_close_until_the_next_close(book, manager, officer, approver, head_office):
    scope = ReportScope(user=manager)
    before = (reports.portfolio_at_risk(scope=scope, as_of=D), reports.classification_provisions(scope=scope, as_of=D))
    # when on D+1 l3 is paid up, l6 written off and a recovery received on it
    the_day_after(book, officer, approver)
    # then the report as of D has not moved
    assert reports.portfolio_at_risk(scope=scope, as_of=D) == before[0]
    assert reports.classification_provisions(scope=scope, as_of=D) == before[1]
    assert reports.report_date()["as_of"] == D

    # when D+1 is closed
    close(D1)
    assert reports.report_date()["as_of"] == D1
    par = reports.portfolio_at_risk(scope=scope, as_of=D1)["total"]
    # then l6 is gone, l3 is current with 10,000.00 − 788.49 = 9,211.51 and l2 is 31 days past due
    assert (par["loans"], par["principal"]) == (6, M("58811.51"))
    assert (par["par30_loans"], par["par30_principal"]) == (3, M("30000.00"))  # l2, l4, l5
    classes = reports.classification_provisions(scope=scope, as_of=D1)
    # 100.00 + 192.00 + 200.00 + 92.12 (1% of 9,211.51) + 2,500.00 + 5,000.00
    assert classes["total"]["held"] == M("8084.12") and classes["ledger_difference"] == 0
    tb = {row["code"]: row["balance"] for row in trial_balance(as_of=D1)["rows"]}
    whole = reports.classification_provisions(scope=ReportScope(user=head_office), as_of=D1)
    assert whole["total"]["held"] == tb[Acct.LOAN_LOSS_PROVISION] == M("8284.12")


def test_before_the_first_close_stock_reports_say_so(loan, manager, web):
    assert reports.report_date() == {"as_of": None, "close_running": False}
    assert reports.portfolio_at_risk(scope=ReportScope(user=manager), as_of=None)["total"]["loans"] == 0
    r = web(manager).get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and 'id="no-close"' in r.content.decode()


# --- 3. disbursements and collections ----------------------------------------------------


def test_disbursements_and_collections_per_day_without_the_reversed_posting(book, manager, officer, approver):
    the_day_after(book, officer, approver)
    data = reports.disbursements_collections(scope=ReportScope(user=manager), date_from=date(2026, 11, 1),
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
    data = reports.disbursements_collections(scope=ReportScope(user=manager), date_from=date(2026, 11, 15),
                                             date_to=D1, period="month")
    assert [(r["period"], r["loans"], r["principal"], r["collected"], r["recovered"]) for r in data["rows"]] == [
        (date(2026, 11, 1), 7, M("70000.00"), M("500.00"), M("0.00")),
        (date(2026, 12, 1), 0, M("0.00"), M("888.88"), M("1234.00"))]
    theirs = reports.disbursements_collections(scope=ReportScope(user=manager_b), date_from=date(2026, 11, 1),
                                               date_to=D1, period="month")
    assert (theirs["total"]["loans"], theirs["total"]["principal"], theirs["total"]["collected"],
            theirs["total"]["recovered"]) == (1, M("10000.00"), M("0.00"), M("0.00"))


# --- 4. officer performance --------------------------------------------------------------


def test_officer_performance(book, manager, officer, officer2, child_branch):
    data = reports.officer_performance(scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 1),
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
    day = reports.officer_performance(scope=ReportScope(user=manager), as_of=D, date_from=date(2026, 11, 21),
                                      date_to=date(2026, 11, 21))
    assert {r["officer"]: r["disbursed_loans"] for r in day["rows"]} == {officer.pk: 0, officer2.pk: 2}
    # the child branch alone
    narrow = reports.officer_performance(scope=ReportScope(user=manager, branch=child_branch), as_of=D,
                                         date_from=date(2026, 11, 1), date_to=D)
    assert [r["officer"] for r in narrow["rows"]] == [officer2.pk]


# --- 5. approval turnaround --------------------------------------------------------------


def at(day, hour):
    return datetime(2026, 10, day, hour, tzinfo=SH)


def event(app, action, when, actor=None):
    return AuditEvent.objects.create(entity="application", entity_id=app.pk, action=action, at=when, actor=actor)


@pytest.fixture
def decisions(branch, other_branch, officer, product):
    """Decisions in October, with the hours from submission to decision and in the queue:

        app  branch approver decision  turnaround  queue
        a1   A      x        approve          20h    10h
        a2   A      x        reject           74h    50h  (over the 48-hour SLA)
        a3   A      y        return            5h     4h
        a3   A      y        approve          10h     9h  (resubmitted: counted from then)
        ab   B      z        approve           3h     2h
    """
    x = UserFactory(username="approver_x", role=Role.MANAGER, branch=branch, first_name="X")
    y = UserFactory(username="approver_y", role=Role.MANAGER, branch=branch)
    z = UserFactory(username="approver_z", role=Role.MANAGER, branch=other_branch)
    a1, a2, a3 = (ApplicationFactory(branch=branch, borrower__branch=branch, product=product) for _ in range(3))
    ab = ApplicationFactory(branch=other_branch, borrower__branch=other_branch, product=product)
    event(a1, "submit", at(1, 8), officer)
    event(a1, "review", at(1, 18))
    event(a1, "approve", at(2, 4), x)
    event(a2, "submit", at(1, 8), officer)
    event(a2, "review", at(2, 8))
    event(a2, "reject", at(4, 10), x)
    event(a3, "submit", at(1, 8), officer)
    event(a3, "review", at(1, 9))
    event(a3, "return", at(1, 13), y)
    event(a3, "submit", at(2, 14), officer)
    event(a3, "review", at(2, 15))
    event(a3, "approve", at(3, 0), y)
    event(ab, "submit", at(1, 8))
    event(ab, "review", at(1, 9))
    event(ab, "approve", at(1, 11), z)
    # a decision outside the range is not counted
    event(a1, "approve", at(20, 9), x)
    return SimpleNamespace(x=x, y=y, z=z)


def test_approval_turnaround_per_branch_and_approver(decisions, manager, branch):
    data = reports.approval_turnaround(scope=ReportScope(user=manager), date_from=date(2026, 10, 1),
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
    three = reports.approval_turnaround(scope=ReportScope(user=manager), date_from=date(2026, 10, 2),
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
    data = reports.approval_turnaround(scope=ReportScope(user=manager), date_from=today, date_to=today)
    # then it counts the decision, timed from the submission and the review it just made
    assert (data["total"]["decisions"], data["total"]["rejected"], data["total"]["breaches"]) == (1, 1, 0)
    assert M("0") <= data["total"]["median_hours"] < M("1") and data["total"]["avg_queue_hours"] is not None
    assert [r["key"] for r in data["by_approver"]] == [approver.pk]


# --- who sees what -----------------------------------------------------------------------


def test_another_branch_sees_nothing_of_this_one(book, manager_b, web, branch):
    mine = reports.portfolio_at_risk(scope=ReportScope(user=manager_b), as_of=D)
    assert (mine["total"]["loans"], mine["total"]["principal"], pct(mine["total"]["par30"])) == (
        1, M("10000.00"), M("100.00"))
    assert [r["code"] for r in mine["by_branch"]] == ["BR-B"]
    classes = reports.classification_provisions(scope=ReportScope(user=manager_b), as_of=D)
    assert (classes["total"]["held"], classes["ledger_balance"]) == (M("200.00"), M("200.00"))
    client = web(manager_b)
    # asking for branch A by its id is a branch they cannot see: 404, as for any object
    for url in ("/reports/par/", "/reports/classification/", "/reports/flows/", "/reports/officers/",
                "/reports/turnaround/"):
        assert client.get(f"{url}?branch={branch.pk}").status_code == 404, url
    html = client.get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "BR-A" not in html and 'id="total-principal">10,000.00<' in html


def test_roles(book, officer, borrower_user, web, branch, manager):
    # the officer sees the portfolio at risk of their branch tree, and nothing else
    client = web(officer)
    r = client.get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and 'id="total-principal">69,600.00<' in r.content.decode()
    index = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="link-par"' in index and 'id="link-classification"' not in index and 'id="nav-reports"' in index
    for url in REPORT_URLS[2:]:
        assert client.get(url).status_code == 403, url
    assert client.get("/reports/classification/?format=csv").status_code == 403
    # collectors, reviewers and borrowers see no report; anonymous users are sent to log in
    for role in (Role.COLLECTOR, Role.REVIEWER):
        client = web(UserFactory(role=role, branch=branch))
        assert all(client.get(url).status_code == 403 for url in REPORT_URLS)
        assert 'id="nav-reports"' not in client.get("/").content.decode()
    client = web(borrower_user)
    assert all(client.get(url).status_code == 403 for url in REPORT_URLS)
    client.logout()
    assert client.get("/reports/par/").status_code == 302
    # the selectors check the role too
    from microloan.errors import NotAllowed
    with pytest.raises(NotAllowed):
        reports.classification_provisions(scope=ReportScope(user=officer), as_of=D)
    # auditors and managers read every report
    auditor = UserFactory(role=Role.AUDITOR, branch=branch)
    for user in (auditor, manager):
        client = web(user)
        assert all(client.get(url).status_code == 200 for url in REPORT_URLS), user.role


def test_bad_filters_are_400_with_the_reason(book, manager, web):
    client = web(manager)
    r = client.get("/reports/flows/?date_from=2026-12-10&date_to=2026-12-01", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "before the start date" in r.content.decode()
    r = client.get("/reports/flows/?date_from=2025-01-01&date_to=2026-12-01&period=day", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "choose per month" in r.content.decode()
    assert client.get("/reports/flows/?date_from=2025-01-01&date_to=2026-12-01&period=month").status_code == 200
    assert client.get("/reports/par/?product=999999").status_code == 400
    assert client.get("/reports/par/?format=csv&table=nope").status_code == 404
    # the last representable dates: a clear 400, not an overflow stepping past them
    for url in ("/reports/turnaround/?date_from=9999-12-01&date_to=9999-12-31",
                "/reports/flows/?date_from=9999-12-01&date_to=9999-12-31&period=month",
                "/reports/officers/?date_to=9999-12-31"):
        r = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 400 and "before the year 9999" in r.content.decode(), url


# --- CSV ---------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_exports_parse_back(book, manager, web, officer, approver):
    client = web(manager)
    rows = read_csv(client.get("/reports/par/?format=csv&table=branches", HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[0][:3] == ["Branch", "Loans", "Outstanding principal"] and rows[0][8] == "PAR30 (%)"
    assert rows[1][:3] == ["BR-A Branch A", "5", "49600.00"] and rows[1][8] == "40.32"
    assert rows[-1][0] == "Total" and rows[-1][1:4] == ["7", "69600.00", "6"] and rows[-1][5] == "85.63"
    buckets = read_csv(client.get("/reports/par/?format=csv&table=buckets", HTTP_ACCEPT_LANGUAGE="en"))
    assert [r[1:3] for r in buckets[1:7]] == [["1", "10000.00"], ["2", "19600.00"], ["1", "10000.00"],
                                              ["0", "0.00"], ["1", "10000.00"], ["2", "20000.00"]]
    classes = read_csv(client.get("/reports/classification/?format=csv", HTTP_ACCEPT_LANGUAGE="en"))
    assert [r[6] for r in classes[1:]] == ["100.00", "592.00", "2500.00", "5000.00", "10000.00", "18192.00"]
    the_day_after(book, officer, approver)
    flows = read_csv(client.get("/reports/flows/?format=csv&date_from=2026-11-01&date_to=2026-12-02&period=month",
                                HTTP_ACCEPT_LANGUAGE="en"))
    assert flows[0][:3] == ["Period", "Loans disbursed", "Principal disbursed"]
    assert [r[:3] + [r[6]] for r in flows[1:]] == [["2026-11", "7", "70000.00", "500.00"],
                                                   ["2026-12", "0", "0.00", "888.88"],
                                                   ["Total", "7", "70000.00", "1388.88"]]
    officers = read_csv(client.get("/reports/officers/?format=csv&date_from=2026-11-01&date_to=2026-12-01"))
    assert officers[1][0] == "officer_a" and officers[1][5] == "49600.00"
    # in Chinese, headers and names are Chinese, the numbers the same plain decimals
    zh = read_csv(client.get("/reports/officers/?format=csv&date_from=2026-11-01&date_to=2026-12-01",
                             HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert zh[0][0] == "客户经理" and zh[2][0] == "王二" and zh[2][5] == "20000.00"


# --- cost: a constant number of queries --------------------------------------------------


PAGES = ["/reports/par/", "/reports/classification/", "/reports/flows/?date_from=2026-10-01&date_to=2026-12-31",
         "/reports/flows/?date_from=2026-10-01&date_to=2026-12-31&period=month",
         "/reports/officers/?date_from=2026-10-01&date_to=2026-12-31",
         "/reports/turnaround/?date_from=2026-10-01&date_to=2026-12-31",
         "/reports/par/?format=csv&table=products", "/reports/turnaround/?format=csv&table=approvers"]


def queries(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200, url
        counts[url] = len(q)
    return counts


def test_queries_do_not_grow_with_the_portfolio(book, decisions, manager, web, officer, cashier, branch, p2):
    client = web(manager)
    small = queries(client)
    # when the book triples, with a new branch, product and officer, more payments and decisions
    branch2 = BranchFactory(code="BR-A2", name="Branch A2", parent=branch)
    officer3 = UserFactory(role=Role.OFFICER, branch=branch2)
    product3 = ProductFactory(code="P3")
    for i in range(16):
        extra = clone_loan(book.l0)
        overdue(extra, [0, 3, 40, 70, 120, 200, 280, 370][i % 8], on=D1)
        Loan.objects.filter(pk=extra.pk).update(branch=[branch, branch2][i % 2], officer=[officer, officer3][i % 2],
                                                product=[p2, product3][i % 2], disbursed_on=date(2026, 11, 1 + i))
        business_date_set(value=D1)
        repayment_post(actor=cashier, loan=extra, amount=M("50.00"), paid_on=D1, channel="cash")
    for i in range(6):
        app = ApplicationFactory(branch=branch2, borrower__branch=branch2)
        event(app, "submit", at(5, 8))
        event(app, "review", at(5, 9 + i))
        event(app, "approve" if i % 2 else "reject", at(6, i), officer3)
    close(D1)
    large = queries(client)
    # then every page makes as many queries as before
    assert large == small
    assert max(small.values()) < 30


# --- both languages ----------------------------------------------------------------------


# (Every string the reports mark is checked to have its Chinese by tests/kernel/test_translations.py.)


@pytest.mark.parametrize("language,expected", [
    ("en", ["Portfolio at risk", "Outstanding principal", "As of the close of 2026-12-01.", "Reports"]),
    ("zh-hans", ["风险贷款组合", "剩余本金", "截至 2026-12-01 日终", "报表"]),
])
def test_pages_render_in_both_languages(book, manager, web, language, expected, decisions):
    client = web(manager)
    for url in REPORT_URLS:
        r = client.get(f"{url}?date_from=2026-10-01&date_to=2026-12-01", HTTP_ACCEPT_LANGUAGE=language)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert f'lang="{language}"' in html and 'id="nav-reports"' in html
        if url == "/reports/par/":
            assert all(text in html for text in expected), [t for t in expected if t not in html]
    if language == "zh-hans":
        html = client.get("/reports/classification/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "五级分类与拨备" in html and "关注" in html and "与总账一致" in html
        html = client.get("/reports/turnaround/?date_from=2026-10-01&date_to=2026-10-10",
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "审批时效" in html and "超过 48 小时时效" in html


# --- charts ------------------------------------------------------------------------------


def test_column_chart_scales_to_a_round_axis():
    chart = report_views.column_chart(chart_id="c", title="t", desc="d", labels=["a", "b"],
                                      series=[("x", "disbursed", [M("900"), M("0")]),
                                              ("y", "collected", [M("450"), M("100")])])
    # 900 → an axis of 1,000 over a 198-pixel plot: 178.2 and 89.1 pixels high
    assert [c["h"] for c in chart["columns"]] == ["178.2", "0.0", "89.1", "19.8"]
    assert [t["text"] for t in chart["ticks"]] == ["0", "250", "500", "750", "1,000"]
    assert chart["columns"][0]["tip"] == "a · x: 900.00"
