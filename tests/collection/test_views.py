"""collection.views: the worklist (own cases first, a constant number of queries), the case
page (contacts refused with the reason, the borrower's complaints, only the write-off buttons
the table allows), posting to it."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.case_models import ContactAttempt, PromiseToPay, WriteOff
from microloan.business_date import business_date_set
from microloan.models import Role

from ..kernel.factories import UserFactory
from .factories import loss_class, write_off_proposed

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


def test_worklist_and_case_pages(client, case, collectors, portfolio):
    client.force_login(collectors[0])
    with CaptureQueriesContext(connection) as q:
        r = client.get("/collections/")
    assert r.status_code == 200
    mine_first = [c.assigned_to_id for c in r.context["page"]]
    assert mine_first == sorted(mine_first, key=lambda a: a != collectors[0].pk)
    assert len(q) < 15
    r = client.get(f"/collections/{case.pk}/")
    assert r.status_code == 200 and "overdue_notice" in r.content.decode()
    r = client.post(
        f"/collections/{case.pk}/",
        {"step": "contact", "channel": "call", "party": "third_party", "party_name": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 403 and "third parties" in r.content.decode()
    assert ContactAttempt.objects.filter(refused=True).count() == 1


def test_a_promise_posted_on_the_case_page(client, case, collectors):
    business_date_set(value=date(2026, 12, 22))
    client.force_login(collectors[0])
    r = client.post(f"/collections/{case.pk}/", {"step": "promise", "amount": "250.00", "promised_on": "2026-12-24"})
    assert r.status_code == 302
    assert PromiseToPay.objects.get(case=case).amount == 250
    r = client.post(
        f"/collections/{case.pk}/",
        {"step": "promise", "amount": "250.00", "promised_on": "2026-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "today or later" in r.content.decode()


def test_the_case_page_shows_the_borrowers_complaints_conduct_first(client, case, collectors, loan, officer):
    from care import services as care

    service = care.complaint_file(
        actor=officer,
        borrower=loan.borrower,
        category="service",
        channel="phone",
        description="Queue too long.",
        loan=loan,
    )
    conduct = care.complaint_file(
        actor=officer,
        borrower=loan.borrower,
        category="collection_conduct",
        channel="phone",
        description="Called at 23:00.",
        loan=loan,
    )
    client.force_login(collectors[0])
    r = client.get(f"/collections/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert r.status_code == 200
    assert [c.pk for c in r.context["complaints"]] == [conduct.pk, service.pk]
    html = r.content.decode()
    assert f"#{conduct.pk}" in html and 'class="breach"' in html
    assert f'href="/care/complaints/{conduct.pk}/"' not in html  # collectors do not work complaints


def test_write_off_buttons_are_the_ones_the_table_allows(client, case, collectors, approver, loan):
    # given a write-off proposed by the branch manager
    r = client.post(f"/collections/{case.pk}/", {"step": "write_off", "reason": "absconded"})
    assert r.status_code == 302  # anonymous: to the login page
    w = write_off_proposed(loan, by=approver)
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    buttons = 'name="action" value="approve"'
    # then neither the proposer nor a collector sees the decision buttons; another manager does
    for user, shown in ((approver, False), (collectors[0], False), (boss, True)):
        client.force_login(user)
        html = client.get(f"/collections/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert (buttons in html) is shown, user.username
    # when the other manager approves it from the page
    r = client.post(f"/collections/{case.pk}/", {"step": "write_off_decision", "write_off": w.pk, "action": "approve"})
    assert r.status_code == 302
    assert WriteOff.objects.get(pk=w.pk).status == "approved"


def test_proposing_a_write_off_from_the_case_page(client, case, collectors, loan):
    loss_class(loan)
    client.force_login(collectors[0])
    r = client.post(f"/collections/{case.pk}/", {"step": "write_off", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Say why." in r.content.decode()
    r = client.post(f"/collections/{case.pk}/", {"step": "write_off", "reason": "absconded"})
    assert r.status_code == 302
    assert WriteOff.objects.get(loan=loan).requested_by == collectors[0]


def test_the_case_page_masks_the_borrowers_mobile(client, case, collectors):
    """PIPL (#11 point 4, microloan/pii.py): the collector sees the mobile masked."""
    from microloan.pii import mask

    client.force_login(collectors[0])
    html = client.get(f"/collections/{case.pk}/").content.decode()
    mobile = case.loan.borrower.mobile
    assert mobile and mobile not in html and mask("mobile", mobile) in html
