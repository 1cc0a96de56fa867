"""collection.services.contacts: every contact logged, the conduct rules refusing (with why)
contact at night, beyond the daily caps across all staff, and with third parties."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collection.case_models import ContactAttempt
from collection.services.contacts import contact_log
from microloan.errors import NotAllowed
from microloan.models import AuditEvent, Role

from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
SH = ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, day=22):
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    "hour,minute,refused", [(7, 59, True), (8, 0, False), (21, 59, False), (22, 0, True), (23, 30, True)]
)
def test_no_contact_between_22_and_8_local_time(case, collectors, hour, minute, refused):
    a = contact_log(actor=collectors[0], case=case, channel="call", at=at(hour, minute))
    assert a.refused is refused
    if refused:
        assert "22:00" in a.refusal_reason
    assert ContactAttempt.objects.count() == 1  # refused or not, every attempt is logged
    logged = AuditEvent.objects.get(entity="loan", action__in=["contact", "contact_refused"])
    assert logged.action == ("contact_refused" if refused else "contact")


def test_daily_caps_across_all_staff(case, collectors, branch):
    officer2 = UserFactory(role=Role.OFFICER, branch=branch)
    staff = [collectors[0], collectors[1], officer2]
    results = [
        contact_log(actor=staff[i % 3], case=case, channel="call", connected=False, at=at(9, i)) for i in range(7)
    ]
    assert [r.refused for r in results] == [False] * 6 + [True]
    assert "6" in results[-1].refusal_reason
    # the next day the count starts again
    assert not contact_log(actor=collectors[0], case=case, channel="call", at=at(9, day=23)).refused


def test_at_most_three_connected_calls_a_day(case, collectors):
    for i in range(3):
        assert not contact_log(actor=collectors[i % 2], case=case, channel="call", connected=True, at=at(10, i)).refused
    fourth = contact_log(actor=collectors[0], case=case, channel="call", connected=True, at=at(11))
    assert fourth.refused and "3" in fourth.refusal_reason
    assert not contact_log(actor=collectors[0], case=case, channel="visit", at=at(12)).refused


def test_no_third_parties_other_than_guarantors(case, collectors, loan):
    app = loan.application
    app.guarantors = [{"name": "王五", "mobile": "13900000009"}]
    app.save(update_fields=["guarantors"])
    assert contact_log(
        actor=collectors[0], case=case, channel="call", party="third_party", party_name="neighbour", at=at(10)
    ).refused
    assert contact_log(
        actor=collectors[0], case=case, channel="call", party="guarantor", party_name="李四", at=at(10, 5)
    ).refused
    assert not contact_log(
        actor=collectors[0], case=case, channel="call", party="guarantor", party_name="王五", at=at(10, 10)
    ).refused


def test_auditors_do_not_contact_borrowers(case, branch):
    with pytest.raises(NotAllowed):
        contact_log(actor=UserFactory(role=Role.AUDITOR, branch=branch), case=case, channel="call", at=at(10))
    assert not ContactAttempt.objects.exists()


def test_a_refusal_is_stored_as_a_code_and_read_in_each_readers_language(case, collectors):
    from django.utils import translation

    with translation.override("en"):
        a = contact_log(actor=collectors[0], case=case, channel="call", at=at(23, 10))
    assert (a.refusal_code, a.refusal_params) == ("quiet_hours", {"start": "08:00", "end": "22:00", "now": "23:10"})
    assert a.refusal_reason.startswith("No contact between 22:00 and 08:00")  # what its actor saw
    a = ContactAttempt.objects.get(pk=a.pk)
    with translation.override("zh-hans"):
        chinese = a.refusal
    with translation.override("en"):
        english = a.refusal
    assert english == a.refusal_reason and "23:10" in chinese and "No contact" not in chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
