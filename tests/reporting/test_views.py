"""reporting.views: the report pages, who sees what, bad filters, CSV, a constant number of
queries, both languages (the book: tests/reporting/conftest.py)."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan.business_date import business_date_set
from microloan.ledger import Acct
from microloan.models import Role
from reporting import selectors
from reporting.selectors import ReportScope
from servicing.models import Loan
from servicing.repayments import repayment_post

from ..applications.factories import ApplicationFactory, ProductFactory
from ..collection.conftest import clone_loan
from ..kernel.factories import BranchFactory, UserFactory
from .conftest import D1, REPORT_URLS, D, M, at, close, event, overdue, pct, the_day_after

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


def test_par_page_shows_ratios_tables_and_a_chart(book, manager, web):
    r = web(manager).get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert re.search(r'id="par30">57\.47%<', html) and re.search(r'id="par1">85\.63%<', html)
    assert 'id="total-principal">69,600.00<' in html
    svg = re.search(
        r'<svg id="chart-buckets" role="img" aria-labelledby="chart-buckets-title chart-buckets-desc"'
        r".*?</svg>",
        html,
        re.S,
    ).group(0)
    assert '<title id="chart-buckets-title">Outstanding principal by overdue bucket</title>' in svg
    # bars in proportion: 180+ (20,000) is the longest (320 px), current (10,000) half of it
    widths = [float(w) for w in re.findall(r'<rect x="190" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths == [160.0, 313.6, 160.0, 0.0, 160.0, 320.0]


def test_classification_page_says_whether_provisions_agree_with_the_ledger(book, manager, web):
    r = web(manager).get("/reports/classification/", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="held-total">18,192.00<' in html and 'id="ledger-balance">18,192.00<' in html
    assert "agree with the ledger" in html and 'class="ok" id="ledger-status"' in html
    # a provision booked outside the close shows up as a difference
    from microloan.ledger import Line, journal_post

    journal_post(
        kind="adjustment",
        business_date=D,
        reference="test",
        lines=[
            Line(Acct.PROVISION_EXPENSE, debit=M("5.00"), loan_id=book.l0.pk),
            Line(Acct.LOAN_LOSS_PROVISION, credit=M("5.00"), loan_id=book.l0.pk),
        ],
    )
    html = web(manager).get("/reports/classification/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="ledger-difference">-5.00<' in html and "do not agree with the ledger" in html


def test_before_the_first_close_stock_reports_say_so(loan, manager, web):
    assert selectors.report_date() == {"as_of": None, "close_running": False}
    assert selectors.portfolio_at_risk(scope=ReportScope(user=manager), as_of=None)["total"]["loans"] == 0
    r = web(manager).get("/reports/par/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and 'id="no-close"' in r.content.decode()


# --- who sees what -----------------------------------------------------------------------


def test_another_branch_sees_nothing_of_this_one(book, manager_b, web, branch):
    mine = selectors.portfolio_at_risk(scope=ReportScope(user=manager_b), as_of=D)
    assert (mine["total"]["loans"], mine["total"]["principal"], pct(mine["total"]["par30"])) == (
        1,
        M("10000.00"),
        M("100.00"),
    )
    assert [r["code"] for r in mine["by_branch"]] == ["BR-B"]
    classes = selectors.classification_provisions(scope=ReportScope(user=manager_b), as_of=D)
    assert (classes["total"]["held"], classes["ledger_balance"]) == (M("200.00"), M("200.00"))
    client = web(manager_b)
    # asking for branch A by its id is a branch they cannot see: 404, as for any object
    for url in (
        "/reports/par/",
        "/reports/classification/",
        "/reports/flows/",
        "/reports/officers/",
        "/reports/turnaround/",
    ):
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
    client = web(borrower_user)  # a borrower on the staff site is sent to the app
    assert all(client.get(url)["Location"] == "/app/" for url in REPORT_URLS)
    client.logout()
    assert client.get("/reports/par/").status_code == 302
    # the selectors check the role too
    from microloan.errors import NotAllowed

    with pytest.raises(NotAllowed):
        selectors.classification_provisions(scope=ReportScope(user=officer), as_of=D)
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
    # the last representable dates: a clear 400 (business dates keep to 1900-2100), not an
    # overflow stepping past them
    for url in (
        "/reports/turnaround/?date_from=9999-12-01&date_to=9999-12-31",
        "/reports/flows/?date_from=9999-12-01&date_to=9999-12-31&period=month",
        "/reports/officers/?date_to=9999-12-31",
    ):
        r = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 400 and "between 1900-01-01 and 2100-12-31" in r.content.decode(), url


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
    assert [r[1:3] for r in buckets[1:7]] == [
        ["1", "10000.00"],
        ["2", "19600.00"],
        ["1", "10000.00"],
        ["0", "0.00"],
        ["1", "10000.00"],
        ["2", "20000.00"],
    ]
    classes = read_csv(client.get("/reports/classification/?format=csv", HTTP_ACCEPT_LANGUAGE="en"))
    assert [r[6] for r in classes[1:]] == ["100.00", "592.00", "2500.00", "5000.00", "10000.00", "18192.00"]
    the_day_after(book, officer, approver)
    flows = read_csv(
        client.get(
            "/reports/flows/?format=csv&date_from=2026-11-01&date_to=2026-12-02&period=month", HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert flows[0][:3] == ["Period", "Loans disbursed", "Principal disbursed"]
    assert [r[:3] + [r[6]] for r in flows[1:]] == [
        ["2026-11", "7", "70000.00", "500.00"],
        ["2026-12", "0", "0.00", "888.88"],
        ["Total", "7", "70000.00", "1388.88"],
    ]
    officers = read_csv(client.get("/reports/officers/?format=csv&date_from=2026-11-01&date_to=2026-12-01"))
    assert officers[1][0] == "officer_a" and officers[1][5] == "49600.00"
    # in Chinese, headers and names are Chinese, the numbers the same plain decimals
    zh = read_csv(
        client.get(
            "/reports/officers/?format=csv&date_from=2026-11-01&date_to=2026-12-01", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )
    assert zh[0][0] == "客户经理" and zh[2][0] == "王二" and zh[2][5] == "20000.00"


# --- cost: a constant number of queries --------------------------------------------------


PAGES = [
    "/reports/par/",
    "/reports/classification/",
    "/reports/flows/?date_from=2026-10-01&date_to=2026-12-31",
    "/reports/flows/?date_from=2026-10-01&date_to=2026-12-31&period=month",
    "/reports/officers/?date_from=2026-10-01&date_to=2026-12-31",
    "/reports/turnaround/?date_from=2026-10-01&date_to=2026-12-31",
    "/reports/par/?format=csv&table=products",
    "/reports/turnaround/?format=csv&table=approvers",
]


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
        Loan.objects.filter(pk=extra.pk).update(
            branch=[branch, branch2][i % 2],
            officer=[officer, officer3][i % 2],
            product=[p2, product3][i % 2],
            disbursed_on=date(2026, 11, 1 + i),
        )
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


@pytest.mark.parametrize(
    "language,expected",
    [
        ("en", ["Portfolio at risk", "Outstanding principal", "As of the close of 2026-12-01.", "Reports"]),
        ("zh-hans", ["风险贷款组合", "剩余本金", "截至 2026-12-01 日终", "报表"]),
    ],
)
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
        html = client.get(
            "/reports/turnaround/?date_from=2026-10-01&date_to=2026-10-10", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert "审批时效" in html and "超过 48 小时时效" in html


def test_no_report_page_or_csv_holds_a_borrowers_clear_personal_data(book, manager, web):
    """PIPL (#11 point 4, microloan/pii.py): the reports show portfolios, not people — neither
    a page nor any table's CSV carries a borrower's ID number, mobile or address in clear."""
    from applications.models import Borrower

    client = web(manager)
    borrowers = list(Borrower.objects.all())
    assert borrowers
    values = {v for b in borrowers for v in (b.id_number, b.mobile, b.address) if v}
    checked = 0
    for url in REPORT_URLS[1:]:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, url
        html = page.content.decode()
        assert not [v for v in values if v in html], url
        for name in re.findall(r'id="csv-([\w-]+)"', html):
            body = client.get(url, {"format": "csv", "table": name}).content.decode("utf-8-sig")
            assert not [v for v in values if v in body], (url, name)
            checked += 1
    assert checked >= 5
