"""The borrower's messages about a complaint: written in the event's own transaction, in the
borrower's language."""

import pytest
from django.db import transaction

from care import services
from care.models import Complaint
from microloan.notifications import Notification

from .factories import file_complaint, move

pytestmark = pytest.mark.django_db


def test_the_receipt_is_written_in_the_filings_own_transaction(
    today, borrower, borrower_user, django_capture_on_commit_callbacks
):
    # given a filing that fails after the complaint was written: its message goes with it
    with pytest.raises(RuntimeError), transaction.atomic():
        c = services.complaint_file(
            actor=borrower_user, borrower=borrower, category="service", channel="app", description="Nobody called back."
        )
        assert Notification.objects.filter(reference=f"complaint:{c.pk}").count() == 2
        raise RuntimeError("the request failed later")
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    # when the filing commits, the message rows are there and the broker hears after the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        c = services.complaint_file(
            actor=borrower_user,
            borrower=borrower,
            category="service",
            channel="phone",
            description="Nobody called back.",
            handler=None,
        )
    rows = {n.channel: n for n in Notification.objects.filter(reference=f"complaint:{c.pk}")}
    assert set(rows) == {"sms", "inapp"}
    assert rows["sms"].to_address == borrower.mobile and rows["inapp"].user == borrower_user
    assert c.reference in rows["inapp"].body and "我们已收到您的投诉" in rows["inapp"].body
    assert c.channel == "app"  # a borrower's own filing is always from the app
    assert len(callbacks) == (1 if any(n.enqueued_at for n in rows.values()) else 0)


def test_messages_follow_the_borrowers_language_and_resolution(today, officer, borrower, borrower_user):
    borrower.language = "en"
    borrower.save(update_fields=["language"])
    c = file_complaint(officer, borrower)
    assert (
        "we have received your complaint"
        in Notification.objects.get(dedupe_key=f"complaint:{c.pk}:received:inapp").body
    )
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="The fee was refunded.")
    resolved = Notification.objects.get(dedupe_key=f"complaint:{c.pk}:resolved:0:inapp")
    assert "The fee was refunded." in resolved.body
    assert Notification.objects.filter(kind="complaint_resolved", reference=f"complaint:{c.pk}").count() == 2


def test_messages_are_written_in_the_readers_language_from_the_catalog(today, officer, borrower, borrower_user):
    from microloan.notifications import reader_language

    # a language the product does not speak falls back to the installation's
    assert reader_language("fr") == reader_language(None) == "zh-hans"
    assert reader_language("en") == "en"
    borrower.language = "fr"
    borrower.save(update_fields=["language"])
    c = file_complaint(officer, borrower)
    rows = {n.channel: n for n in Notification.objects.filter(reference=f"complaint:{c.pk}")}
    assert {n.language for n in rows.values()} == {"zh-hans"}
    assert rows["inapp"].subject == "投诉已受理"
    assert rows["inapp"].body == (
        f"{borrower.full_name}您好，我们已收到您的投诉（编号{c.reference}），"
        f"将于{c.ack_due_on}前与您联系，并于{c.resolve_due_on}前告知处理结果。"
    )
    # the SMS carries the lender's signature, in the reader's language too
    assert rows["sms"].body == "【示范小额贷款有限公司】" + rows["inapp"].body
    borrower.language = "en"
    borrower.save(update_fields=["language"])
    c = file_complaint(officer, borrower)
    sms = Notification.objects.get(reference=f"complaint:{c.pk}", channel="sms")
    assert (sms.language, sms.subject) == ("en", "Complaint received")
    assert sms.body.startswith("[Demo Microcredit Co., Ltd.] Dear ")


def test_a_long_resolution_is_shortened_in_the_sms_only(today, officer, borrower, borrower_user):
    c = file_complaint(officer, borrower)
    services.complaint_acknowledge(actor=officer, complaint=c)
    services.complaint_investigate(actor=officer, complaint=c)
    services.complaint_resolve(actor=officer, complaint=c, resolution="退" * 200)
    rows = {n.channel: n for n in Notification.objects.filter(kind="complaint_resolved", reference=f"complaint:{c.pk}")}
    assert "退" * 200 in rows["inapp"].body
    assert "退" * 120 + "…" in rows["sms"].body and "退" * 121 not in rows["sms"].body
