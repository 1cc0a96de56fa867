"""Migration of an existing book (servicing.book_import), by hand. tests/servicing/books/valid.csv:
L1 — 1,200.00 at 12% in 3 monthly instalments of 400.00 principal from 2026-09-15 (interest
12.00, 8.00, 4.00), the first paid (412.00); L2 — 600.00 at 6% in 2 (interest 3.00, 1.50),
the first paid (303.00). On 2026-11-20 L1 owes 800.00 principal and 8.00 interest due
(instalment 2, 2026-11-15, unpaid); L2 owes 300.00 principal and no interest due yet: the
opening entries are 808.00 and 300.00 against the migration suspense account."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications.models import Borrower
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed
from microloan.ledger import Acct, JournalEntry, balances_by_loan
from microloan.models import Role
from servicing.book_import import book_apply, book_check
from servicing.models import BookImport, Installment, Loan, Repayment
from servicing.repayments import repayment_post

from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db
BOOKS = Path(__file__).parent / "books"
DAY = date(2026, 11, 20)
D = Decimal


@pytest.fixture
def admins(branch, sv_product):
    business_date_set(value=DAY)
    return UserFactory(username="admin_a", role=Role.ADMIN, branch=branch), UserFactory(
        username="admin_b", role=Role.ADMIN, branch=branch
    )


def check(user, name):
    return book_check(actor=user, file_name=name, content=(BOOKS / name).read_bytes(), business_date=DAY)


def test_the_dry_run_of_a_valid_book_finds_nothing_and_writes_nothing(admins):
    imp = check(admins[0], "valid.csv")
    assert (imp.status, imp.problems, imp.counts) == ("checked", [], {"borrowers": 2, "loans": 2})
    assert not Loan.objects.exists() and not Borrower.objects.exists()


def test_the_dry_run_reports_every_problem_by_row(admins):
    imp = check(admins[0], "errors.csv")
    assert imp.status == "failed"
    got = {(p["file"], p["row"], p["field"]) for p in imp.problems}
    assert {
        ("errors.csv", 2, "id_number"),  # wrong check digit
        ("errors.csv", 3, "branch"),  # no branch NOPE
        ("errors.csv", 4, "full_name"),  # required
        ("errors.csv", 6, "record"),  # "lease"
        ("errors.csv", 7, "principal"),  # the instalments' principal is 900.00, not 1,000.00
        ("errors.csv", 10, "paid_on"),  # before the disbursement
    } <= got
    assert all(p["reason"] for p in imp.problems)
    assert not Loan.objects.exists() and not Borrower.objects.exists()
    with pytest.raises(Exception):  # noqa: B017,PT011 - a failed import is not applied
        book_apply(actor=admins[1], book_import=imp)


def test_apply_by_another_administrator_writes_the_book_and_balanced_opening_entries(admins, sv_product):
    imp = check(admins[0], "valid.csv")
    with pytest.raises(NotAllowed, match="Four eyes"):
        book_apply(actor=admins[0], book_import=imp)
    imp = book_apply(actor=admins[1], book_import=imp)
    assert (imp.status, imp.counts["loans_made"], imp.counts["opening_total"]) == ("applied", 2, "1108.00")

    l1, l2 = Loan.objects.order_by("principal").reverse()
    assert (l1.principal, l1.outstanding_principal, l1.status, l1.maturity_date) == (
        D("1200.00"),
        D("800.00"),
        "active",
        date(2026, 12, 15),
    )
    assert l1.borrower.id_number == "11010519491231002X" and l1.borrower.date_of_birth == date(1949, 12, 31)
    assert l2.borrower.mobile == "13900002222"
    rows = list(Installment.objects.filter(loan=l1).order_by("number").values_list("status", "balance_after"))
    assert rows == [("paid", D("800.00")), ("overdue", D("400.00")), ("due", D("0.00"))]
    assert list(Repayment.objects.filter(loan=l1).values_list("amount", "paid_on")) == [
        (D("412.00"), date(2026, 10, 15))
    ]
    books = balances_by_loan(
        loan_ids=[l1.pk, l2.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.INTEREST_RECEIVABLE, Acct.MIGRATION_SUSPENSE]
    )
    assert books[l1.pk] == {
        Acct.LOAN_PRINCIPAL: D("800.00"),
        Acct.INTEREST_RECEIVABLE: D("8.00"),
        Acct.MIGRATION_SUSPENSE: D("808.00"),
    }
    assert books[l2.pk] == {
        Acct.LOAN_PRINCIPAL: D("300.00"),
        Acct.INTEREST_RECEIVABLE: D("0"),
        Acct.MIGRATION_SUSPENSE: D("300.00"),
    }
    for entry in JournalEntry.objects.filter(source_key__startswith=f"book-import:{imp.pk}:"):
        lines = list(entry.lines.values_list("debit", "credit"))
        assert sum(d for d, _c in lines) == sum(c for _d, c in lines)
    # the same file again: every borrower is already there, and nothing is written
    again = check(admins[0], "valid.csv")
    assert again.status == "failed" and {p["field"] for p in again.problems} >= {"id_number"}


def test_a_migrated_loan_closes_and_repays_like_any_other(admins):
    from collection.close import close_day

    book_apply(actor=admins[1], book_import=check(admins[0], "valid.csv"))
    l1 = Loan.objects.get(principal=D("1200.00"))
    business_date_set(value=date(2026, 11, 21))
    close_day(business_date=date(2026, 11, 21))
    l1.refresh_from_db()
    assert l1.days_past_due > 0 and l1.overdue_amount >= D("408.00")
    officer = UserFactory(role=Role.OFFICER, branch=l1.branch)
    amount = D("408.00") + l1.penalty_outstanding  # penalty first, as for any loan
    r = repayment_post(actor=officer, loan=l1, amount=amount, paid_on=date(2026, 11, 21), channel="cash")
    assert r.status == "posted"
    second = Installment.objects.get(loan=l1, number=2, is_current=True)
    assert (second.principal_paid, second.interest_paid) == (D("400.00"), D("8.00"))


def test_the_command_dry_runs_and_applies(admins, capsys):
    path = str(BOOKS / "errors.csv")
    with pytest.raises(CommandError, match="problem"):
        call_command("import_book", path, "--dry-run", "--business-date", "2026-11-20", "--user", "admin_a")
    assert "errors.csv:2: id_number:" in capsys.readouterr().out
    call_command(
        "import_book", str(BOOKS / "valid.csv"), "--dry-run", "--business-date", "2026-11-20", "--user", "admin_a"
    )
    assert not Loan.objects.exists()
    call_command(
        "import_book",
        str(BOOKS / "valid.csv"),
        "--apply",
        "--business-date",
        "2026-11-20",
        "--user",
        "admin_b",
        "--checked-by",
        "admin_a",
    )
    assert Loan.objects.count() == 2 and BookImport.objects.filter(status="applied").count() == 1


def test_the_page_uploads_reports_and_another_administrator_applies(admins):
    a, b = Client(), Client()
    a.force_login(admins[0])
    b.force_login(admins[1])
    with open(BOOKS / "errors.csv", "rb") as f:
        r = a.post("/book-imports/upload/", {"file": f, "business_date": "2026-11-20"})
    assert r.status_code == 302
    report = a.get(r["Location"])
    assert report.status_code == 200 and b'id="problems"' in report.content and "errors.csv" in report.content.decode()
    with open(BOOKS / "valid.csv", "rb") as f:
        r = a.post("/book-imports/upload/", {"file": f, "business_date": "2026-11-20"})
    imp = BookImport.objects.get(status="checked")
    assert b'value="apply"' not in a.get("/book-imports/").content
    assert b'value="apply"' in b.get("/book-imports/").content
    assert b.post(f"/book-imports/{imp.pk}/decision/", {"action": "apply"}).status_code == 302
    assert Loan.objects.count() == 2


def test_a_file_that_is_not_utf8_is_400_on_the_file(admins):
    with pytest.raises(InvalidInput) as exc:
        book_check(actor=admins[0], file_name="x.csv", content=b"\xff\xfe\x00", business_date=DAY)
    assert "file" in exc.value.errors


def test_an_xlsx_workbook_is_read_as_its_first_sheet(admins):
    import csv
    import io
    from datetime import date as date_type

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for n, row in enumerate(csv.reader(io.StringIO((BOOKS / "valid.csv").read_text(encoding="utf-8")))):
        cells = []
        for v in row:
            if n and len(v) == 10 and v[4] == "-" and v[:4].isdigit():
                cells.append(date_type.fromisoformat(v))  # a date cell, as a sheet holds it
            elif n and v.replace(".", "", 1).isdigit() and "." in v:
                cells.append(float(v))  # a number cell
            else:
                cells.append(v or None)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    imp = book_check(actor=admins[0], file_name="book.xlsx", content=buf.getvalue(), business_date=DAY)
    assert (imp.status, imp.problems, imp.counts) == ("checked", [], {"borrowers": 2, "loans": 2})
    book_apply(actor=admins[1], book_import=imp)
    assert Loan.objects.get(principal=D("1200.00")).outstanding_principal == D("800.00")


def test_a_broken_xlsx_is_400_on_the_file(admins):
    with pytest.raises(InvalidInput) as exc:
        book_check(actor=admins[0], file_name="x.xlsx", content=b"PK\x03\x04broken", business_date=DAY)
    assert "file" in exc.value.errors


def test_the_import_page_makes_the_same_queries_for_one_import_as_for_four(admins):
    c = Client()
    c.force_login(admins[1])
    check(admins[0], "valid.csv")
    c.get("/book-imports/")
    with CaptureQueriesContext(connection) as one:
        assert c.get("/book-imports/").status_code == 200
    for _ in range(3):
        check(admins[0], "errors.csv")
    with CaptureQueriesContext(connection) as four:
        assert c.get("/book-imports/").status_code == 200
    assert len(four) == len(one)
