"""Tests of servicing.documents: receipts and statements built from the books, each line
described in the reader's language."""

from datetime import date
from decimal import Decimal

import pytest

from microloan.business_date import business_date_set
from microloan.ledger import Acct, Line, journal_post
from servicing.documents import receipt_pdf, statement_pdf
from servicing.repayments import repayment_post

from .pdf.reading import needs_poppler, pdf_text

pytestmark = [needs_poppler, pytest.mark.django_db]

DUE1 = date(2026, 12, 20)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["放款", "第1期利息", "罚息", "罚息减免", "还款 {receipt}"]),
        ("en", ["Disbursement", "Interest, instalment 1", "Penalty interest", "Penalty waived", "Repayment {receipt}"]),
    ],
)
def test_statement_lines_are_described_in_the_readers_language(officer, loan, language, words):
    # given a repayment, a penalty and its waiver on the books
    business_date_set(value=DUE1)
    repayment = repayment_post(actor=officer, loan=loan, amount=Decimal("900.00"), paid_on=DUE1, channel="cash")
    journal_post(
        kind="penalty",
        business_date=DUE1,
        source_key="t-pen",
        lines=[
            Line(Acct.PENALTY_RECEIVABLE, debit=Decimal("12.34"), loan_id=loan.pk),
            Line(Acct.PENALTY_INCOME, credit=Decimal("12.34"), loan_id=loan.pk),
        ],
    )
    journal_post(
        kind="waiver",
        business_date=DUE1,
        source_key="t-waive",
        lines=[
            Line(Acct.PENALTY_INCOME, debit=Decimal("12.34"), loan_id=loan.pk),
            Line(Acct.PENALTY_RECEIVABLE, credit=Decimal("12.34"), loan_id=loan.pk),
        ],
    )

    loan.refresh_from_db()  # the figures as the books keep them

    # when
    text = pdf_text(statement_pdf(loan=loan, start=date(2026, 11, 1), end=date(2026, 12, 31), language=language))

    # then
    for word in words:
        assert word.format(receipt=repayment.receipt_number) in text
    other = "Disbursement" if language == "zh-hans" else "放款"
    assert other not in text


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "还款凭证"), ("en", "Repayment Receipt")])
def test_receipt_in_the_readers_language(officer, loan, language, title):
    business_date_set(value=DUE1)
    repayment = repayment_post(actor=officer, loan=loan, amount=Decimal("900.00"), paid_on=DUE1, channel="cash")

    text = pdf_text(receipt_pdf(repayment=repayment, language=language))

    assert title in text and repayment.receipt_number in text and "900.00" in text


def test_statement_schedule_is_net_of_waivers(officer, loan, monkeypatch):
    # given instalment 1 part paid, with a penalty charged and then waived in full
    from servicing import documents
    from servicing.models import Installment

    business_date_set(value=DUE1)
    repayment_post(actor=officer, loan=loan, amount=Decimal("100.00"), paid_on=DUE1, channel="cash")
    Installment.objects.filter(loan=loan, number=1, is_current=True).update(
        penalty_due=Decimal("12.34"), penalty_waived=Decimal("12.34")
    )
    seen = []
    real = documents.render_statement_pdf
    monkeypatch.setattr(documents, "render_statement_pdf", lambda data, **kw: seen.append(data) or real(data, **kw))

    # when
    pdf = statement_pdf(loan=loan, start=date(2026, 11, 1), end=date(2026, 12, 31), language="en")

    # then the schedule's "due less paid" is what each instalment still owes: the waived
    # penalty is neither due nor unpaid
    assert pdf.startswith(b"%PDF")
    installments = {i.number: i for i in Installment.objects.filter(loan=loan, is_current=True)}
    rows = seen[0].schedule_rows
    assert len(rows) == len(installments)
    for number, _due_date, due, paid, _status in rows:
        assert due - paid == installments[number].unpaid
    first = installments[1]
    assert rows[0][2] == first.principal_due + first.interest_due + first.fee_due
    assert first.unpaid == rows[0][2] - Decimal("100.00")
