"""Credit records need the borrower's credit-inquiry consent (授权书) in force on their date:
entered by hand, through the assessment, or imported (reported per row)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications import services as intake
from applications.models import Borrower, Consent
from microloan import scenarios
from microloan.errors import InvalidInput
from underwriting import services as uw
from underwriting.models import CreditRecord

from ..applications.factories import BorrowerFactory
from .factories import CONSENTED_ON, FIGURES, VISIT, submitted_app

# The day these tests run on, whatever the machine's clock or MICROLOAN_TEST_NOW says: the
# consents are granted on CONSENTED_ON only while it is not after the business date.
DAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REVOKED_AT = datetime(2026, 9, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def credit_day():
    with time_machine.travel(DAY, tick=False) as traveller:
        yield traveller


CSV = (
    "id_number,as_of,overdue_count_24m,worst_status_24m,current_debt,current_installments,inquiries_6m\n"
    "{a},2026-10-01,0,none,0.00,0.00,1\n"
    "{b},2026-10-01,0,none,0.00,0.00,1\n"
)


def _enter(officer, borrower, on):
    return uw.credit_record_create(
        actor=officer, borrower=borrower, as_of=on, overdue_count_24m=0, worst_status_24m="none"
    )


def test_a_credit_record_without_consent_is_refused_naming_the_borrower(officer, borrower):
    with pytest.raises(InvalidInput) as exc:
        _enter(officer, borrower, date(2026, 10, 1))
    assert borrower.full_name in str(exc.value.errors["borrower"][0])
    assert CreditRecord.objects.count() == 0


def test_a_credit_record_within_the_consent_is_entered(officer, borrower):
    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    record = _enter(officer, borrower, date(2026, 10, 1))
    assert record.borrower == borrower


@pytest.mark.parametrize("case", ["before_granted", "expired", "revoked", "other_purpose"])
def test_a_consent_not_in_force_on_the_date_does_not_count(officer, borrower, case):
    # given
    purposes = ("data_processing",) if case == "other_purpose" else ("credit_inquiry",)
    (consent,) = scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON, purposes=purposes)
    on = date(2026, 10, 1)
    if case == "before_granted":
        on = date(2026, 8, 31)
    elif case == "expired":
        Consent.objects.filter(pk=consent.pk).update(expires_on=date(2026, 9, 30))
    elif case == "revoked":
        intake.consent_revoke(actor=officer, consent=consent, reason="客户撤回授权")
    # when / then
    with pytest.raises(InvalidInput):
        _enter(officer, borrower, on)


def test_the_import_reports_each_row_without_consent_and_writes_nothing(officer, borrower, branch):
    consented = BorrowerFactory(branch=branch)
    scenarios.consent_recorded(consented, officer=officer, on=CONSENTED_ON)
    text = CSV.format(a=consented.id_number, b=borrower.id_number)
    with pytest.raises(InvalidInput) as exc:
        uw.credit_records_import(actor=officer, text=text, borrowers=Borrower.objects.all())
    (error,) = exc.value.errors["file"]
    assert error.startswith("line 3:") and borrower.full_name in error
    assert CreditRecord.objects.count() == 0
    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    assert len(uw.credit_records_import(actor=officer, text=text, borrowers=Borrower.objects.all())) == 2


def test_the_assessment_without_consent_is_refused(officer, uw_product):
    app = submitted_app(officer, uw_product)
    Consent.objects.filter(borrower=app.borrower).update(status="revoked", revoked_at=REVOKED_AT)
    uw.application_investigate(actor=officer, application=app, **VISIT)
    with pytest.raises(InvalidInput) as exc:
        uw.application_assess(actor=officer, application=app, **FIGURES)
    assert "borrower" in exc.value.errors
