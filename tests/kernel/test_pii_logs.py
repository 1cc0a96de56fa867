"""No log line carries a clear personal value (#11 point 4, microloan/pii.py): every record
logged through a loan's life — intake, approval, disbursement, a repayment and its SMS, closes
into arrears, a collector's contact and reveals, a gateway that refuses the number — is read
back, message and traceback, and holds none of the borrower's or guarantors' values."""

import logging
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications import services as intake
from collection.case_models import CollectionCase
from collection.services.contacts import contact_log, contact_sheet_reveal
from microloan import scenarios
from microloan.models import Role
from microloan.notifications.channels import SmsBackend
from microloan.notifications.models import Notification
from microloan.notifications.services import notification_deliver
from microloan.pii import scrub
from servicing.repayments import repayment_post

from ..applications.factories import id_number
from ..collection.factories import overdue_case
from ..servicing.conftest import BUSINESS_DATE, approver, biz_date, reviewer, supervisor, sv_product  # noqa: F401
from ..underwriting.factories import submitted_app, to_pending
from .factories import UserFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "id_number": id_number(11, region="110101"),
    "mobile": "13812345678",
    "address": "北京市朝阳区建国路88号院7号楼",
    "spouse_name": "王芳芳",
    "spouse_id_number": id_number(12, region="110101"),
    "marital_status": "married",
}
MORNING = datetime(2026, 12, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
GUARANTOR = {"name": "赵大宝", "mobile": "13900000009", "id_number": id_number(13, region="310101")}


class RefusingSmsBackend(SmsBackend):
    """A gateway whose refusal quotes the number, as real ones do."""

    def send(self, to, text):
        raise ValueError(f"gateway refused {to}: number not in service")


def test_scrub_masks_mobiles_and_id_numbers_in_free_text():
    text = f"refused +8613812345678 and 13900000009 for {PERSON['id_number']}; order 202612010000000001234"
    out = scrub(text)
    assert "13812345678" not in out and "13900000009" not in out and PERSON["id_number"] not in out
    assert "+86138****5678" in out and "139****0009" in out and "202612010000000001234" in out


def test_no_log_line_through_a_loans_life_holds_a_clear_personal_value(
    caplog,
    settings,
    officer,
    reviewer,  # noqa: F811 - the fixture
    approver,  # noqa: F811 - the fixture
    supervisor,  # noqa: F811 - the fixture
    sv_product,  # noqa: F811 - the fixture
    biz_date,  # noqa: F811 - the fixture
):
    caplog.set_level(logging.DEBUG)
    settings.SMS_BACKEND = f"{__name__}.RefusingSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    # intake to disbursement
    app = submitted_app(officer, sv_product, **PERSON)
    app.guarantors = [GUARANTOR]
    app.save(update_fields=["guarantors"])
    intake.borrower_reveal(actor=officer, borrower=app.borrower)
    intake.application_reveal(actor=officer, application=app)
    app = to_pending(app, officer, reviewer)
    app = scenarios.application_approved(
        app,
        officer=officer,
        reviewer=reviewer,
        approver=approver,
        on=biz_date,
        approved_amount=Decimal("10000.00"),
        approved_term=12,
        approved_rate=Decimal("0.1200"),
    )
    loan = scenarios.loan_disbursed(
        app, officer=officer, reviewer=reviewer, approver=approver, releaser=supervisor, on=BUSINESS_DATE
    )
    repayment_post(actor=officer, loan=loan, amount=Decimal("100.00"), paid_on=BUSINESS_DATE, channel="cash")
    # arrears and the overdue notices by SMS, which the gateway refuses quoting the number
    overdue_case(loan)
    sms = Notification.objects.filter(channel="sms", to_address=PERSON["mobile"])
    assert sms.exists()
    for n in sms:
        notification_deliver(notification_id=n.pk, now=max(n.not_before, MORNING))
    # a collector's contact and the numbers to call
    case = CollectionCase.objects.get(loan=loan)
    collector = UserFactory(role=Role.COLLECTOR, branch=loan.branch)
    contact_sheet_reveal(actor=collector, case=case)
    contact_log(
        actor=collector,
        case=case,
        channel="call",
        party="guarantor",
        party_name=GUARANTOR["name"],
        at=MORNING,
    )
    # then: every record of the test, each with its traceback, is free of the values
    records = [r for phase in ("setup", "call") for r in caplog.get_records(phase)]
    handler = logging.Formatter()
    lines = [handler.format(r) for r in records]
    assert any("failed for good" in line for line in lines)  # the gateway's refusal was logged
    assert any("138****5678" in line for line in lines)  # ... masked
    values = [v for v in (*PERSON.values(), *GUARANTOR.values()) if v not in ("married",)]
    leaked = [(line, v) for line in lines for v in values if v in line]
    assert not leaked, leaked
