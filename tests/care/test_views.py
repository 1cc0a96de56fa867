"""Customer-service screens: the worklist, complaint, visit and review pages render in both
languages for the user's branch tree only, show only the buttons the transition table
allows, flag SLA breaches, and cost a constant number of queries as their lists grow."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care import services
from care.models import Complaint, CreditReview, FollowUpVisit
from microloan.business_date import business_date_set
from microloan.models import Role

from ..applications.factories import BorrowerFactory
from ..kernel.factories import UserFactory
from .conftest import FRIDAY
from .factories import file_complaint, reopened_after_a_late_resolution

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]  # every test on FRIDAY


def file(actor, borrower, **kw):
    return file_complaint(
        actor, borrower, **{"category": "collection_conduct", "description": "Called at night.", **kw}
    )


@pytest.fixture
def desk(officer, borrower, loan):
    """One of everything: a complaint, a visit due, an open review."""
    c = file(officer, borrower)
    visit = services.visit_schedule(
        actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan, scheduled_on=FRIDAY
    )
    services.care_daily(business_date=date(2027, 6, 1))
    return {"complaint": c, "visit": visit, "review": CreditReview.objects.get(loan=loan)}


def urls(desk):
    return [
        "/care/",
        "/care/complaints/new/",
        f"/care/complaints/{desk['complaint'].pk}/",
        f"/care/visits/{desk['visit'].pk}/",
        f"/care/reviews/{desk['review'].pk}/",
    ]


ENGLISH_HEADINGS = [
    "Customer service",
    "Complaints",
    "Follow-up visits due",
    "Credit reviews",
    "Service level",
    "Register a complaint",
    "Record the visit",
    "Complete the review",
    "Next step",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_care_page_renders_in_both_languages(client, desk, officer, manager, language):
    for user in (officer, manager):
        client.force_login(user)
        for url in urls(desk):
            r = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert r.status_code == 200, (user.username, url, r.status_code)
            html = r.content.decode()
            assert f'lang="{language}"' in html
            assert 'id="nav-care"' in html
            text = re.sub(r"<[^>]+>", "\n", html)
            lines = {line.strip() for line in text.splitlines()}
            if language == "zh-hans":
                assert "客户服务" in html
                assert not lines & set(ENGLISH_HEADINGS), (url, lines & set(ENGLISH_HEADINGS))
            else:
                assert "Customer service" in html
    client.force_login(manager)
    r = client.get("/care/", HTTP_ACCEPT_LANGUAGE=language)
    assert ("投诉" if language == "zh-hans" else "Complaints") in r.content.decode()


# --- behaviour on the pages ---------------------------------------------------------------------


def test_the_complaint_page_offers_only_the_allowed_moves(client, officer, borrower):
    c = file(officer, borrower)
    client.force_login(officer)
    html = client.get(f"/care/complaints/{c.pk}/").content.decode()
    assert 'id="action-acknowledge"' in html and 'id="action-escalate"' in html
    assert 'id="action-resolve"' not in html and 'id="action-close"' not in html
    assert 'id="take-form"' in html  # an officer may take up an unassigned complaint
    auditor = UserFactory(role=Role.AUDITOR, branch=officer.branch)
    client.force_login(auditor)
    html = client.get(f"/care/complaints/{c.pk}/").content.decode()
    assert 'id="actions"' not in html and 'id="visit-form"' not in html


def test_the_pages_offer_no_move_the_four_eyes_or_assignment_rules_refuse(client, officer, manager, borrower, loan):
    # the resolver is offered no close; somebody else is
    c = file(officer, borrower)
    for service in (services.complaint_acknowledge, services.complaint_investigate):
        service(actor=officer, complaint=c)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded.")
    client.force_login(officer)
    html = client.get(f"/care/complaints/{c.pk}/").content.decode()
    assert 'id="action-reopen"' in html and 'id="action-close"' not in html
    client.force_login(manager)
    assert 'id="action-close"' in client.get(f"/care/complaints/{c.pk}/").content.decode()
    # a post-disbursement check: its officer records it, only a manager cancels it
    visit = services.visit_schedule(
        actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan, scheduled_on=FRIDAY
    )
    client.force_login(officer)
    html = client.get(f"/care/visits/{visit.pk}/").content.decode()
    assert 'id="complete-form"' in html and 'id="cancel-form"' not in html
    client.force_login(manager)
    html = client.get(f"/care/visits/{visit.pk}/").content.decode()
    assert 'id="complete-form"' in html and 'id="cancel-form"' in html
    # another officer's visit: nothing to do for a colleague
    client.force_login(UserFactory(role=Role.OFFICER, branch=officer.branch))
    html = client.get(f"/care/visits/{visit.pk}/").content.decode()
    assert 'id="complete-form"' not in html and 'id="cancel-form"' not in html


def test_moving_a_complaint_from_its_page(client, officer, borrower):
    c = file(officer, borrower)
    client.force_login(officer)
    r = client.post(f"/care/complaints/{c.pk}/", {"step": "transition", "action": "acknowledge", "reason": "Called."})
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.handler) == ("acknowledged", officer)
    # the same move again: refused with the API's status and the reason on the page
    r = client.post(f"/care/complaints/{c.pk}/", {"step": "transition", "action": "acknowledge"})
    assert r.status_code == 409 and "acknowledged" in r.content.decode()
    r = client.post(f"/care/complaints/{c.pk}/", {"step": "transition", "action": "escalate", "reason": ""})
    assert r.status_code == 400
    r = client.post(
        f"/care/complaints/{c.pk}/",
        {"step": "visit", "scheduled_on": "2026-11-27", "officer": officer.pk, "note": "Call back"},
    )
    assert r.status_code == 302 and FollowUpVisit.objects.filter(complaint=c, kind="complaint").exists()


def test_the_worklist_flags_breaches_and_keeps_to_the_branch(client, officer, other_officer, borrower):
    late = file(officer, borrower, received_on=date(2026, 11, 2))
    fresh = file(officer, borrower)
    client.force_login(officer)
    html = client.get("/care/").content.decode()
    late_row = re.search(rf'<tr class="([^"]*)" data-complaint="{late.pk}">(.*?)</tr>', html, re.S)
    fresh_row = re.search(rf'<tr class="([^"]*)" data-complaint="{fresh.pk}">(.*?)</tr>', html, re.S)
    assert late_row.group(1) == "breach" and "resolve-breach" in late_row.group(2)
    assert fresh_row.group(1) == "" and "breach" not in fresh_row.group(2)
    client.force_login(other_officer)
    html = client.get("/care/").content.decode()
    assert f'data-complaint="{late.pk}"' not in html
    assert client.get(f"/care/complaints/{late.pk}/").status_code == 404


def test_registering_a_complaint_on_the_page(client, officer, borrower, other_officer):
    client.force_login(officer)
    r = client.post(
        "/care/complaints/new/",
        {
            "borrower": borrower.id_number,
            "channel": "letter",
            "category": "fees",
            "received_on": "2026-11-19",
            "description": "Fee not in contract.",
        },
    )
    assert r.status_code == 302
    c = Complaint.objects.get()
    assert (c.borrower, c.channel, c.received_on, c.filed_by) == (borrower, "letter", date(2026, 11, 19), officer)
    outsider = BorrowerFactory(branch=other_officer.branch)
    r = client.post(
        "/care/complaints/new/",
        {
            "borrower": outsider.id_number,
            "channel": "phone",
            "category": "fees",
            "received_on": "2026-11-20",
            "description": "x",
        },
    )
    assert r.status_code == 200 and Complaint.objects.count() == 1
    assert client.get("/care/complaints/new/").status_code == 200


@pytest.mark.parametrize("value", ["²", "１２", "٣"])
def test_a_borrower_number_in_other_digits_is_not_found_rather_than_an_error(client, officer, borrower, value):
    client.force_login(officer)
    r = client.post(
        "/care/complaints/new/",
        {
            "borrower": value,
            "channel": "phone",
            "category": "fees",
            "received_on": "2026-11-20",
            "description": "Fee not in contract.",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200
    assert "No such borrower in your branches." in r.content.decode()
    assert not Complaint.objects.exists()


def test_the_worklist_flags_a_deadline_missed_before_a_reopening(client, officer, manager, borrower):
    c = reopened_after_a_late_resolution(
        officer=officer, manager=manager, borrower=borrower, category="collection_conduct"
    )
    client.force_login(officer)
    html = client.get("/care/").content.decode()
    row = re.search(rf'<tr class="([^"]*)" data-complaint="{c.pk}">(.*?)</tr>', html, re.S)
    assert row.group(1) == "breach" and "resolve-breach" in row.group(2)
    assert 'id="resolve-breach"' in client.get(f"/care/complaints/{c.pk}/").content.decode()


def test_recording_a_visit_and_a_review_on_their_pages(client, desk, officer):
    client.force_login(officer)
    v, r = desk["visit"], desk["review"]
    resp = client.post(
        f"/care/visits/{v.pk}/",
        {
            "step": "complete",
            "visited_on": "2026-11-20",
            "method": "on_site",
            "purpose_verified": "true",
            "findings": "Stock in the shop.",
        },
    )
    assert resp.status_code == 302
    v.refresh_from_db()
    assert (v.status, v.purpose_verified) == ("done", True)
    resp = client.post(f"/care/reviews/{r.pk}/", {"step": "complete", "recommendation": "recall", "findings": ""})
    assert resp.status_code == 200
    resp = client.post(
        f"/care/reviews/{r.pk}/", {"step": "complete", "recommendation": "recall", "findings": "Business closed."}
    )
    assert resp.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.recommendation) == ("done", "recall")


def test_managers_run_the_periodic_job_from_the_worklist(client, officer, manager, loan):
    business_date_set(value=date(2027, 6, 1))
    client.force_login(officer)
    assert client.post("/care/run-periodic-reviews/").status_code == 403
    client.force_login(manager)
    assert client.post("/care/run-periodic-reviews/").status_code == 302
    assert CreditReview.objects.filter(loan=loan, business_date=date(2027, 6, 1)).count() == 1
    assert client.post("/care/run-periodic-reviews/").status_code == 302
    assert CreditReview.objects.count() == 1


def test_pages_cost_the_same_whatever_the_length_of_their_lists(client, officer, manager, borrower, loan):
    from ..collection.conftest import clone_loan

    def grow(n):
        for _ in range(n):
            b = BorrowerFactory(branch=borrower.branch)
            c = file(officer, b, received_on=FRIDAY - timedelta(days=20))
            services.complaint_acknowledge(actor=officer, complaint=c)
            services.visit_schedule(actor=officer, borrower=b, kind="other", scheduled_on=FRIDAY)
            clone_loan(loan)
        services.care_daily(business_date=date(2027, 6, 1))

    def measure(url):
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        return len(q)

    client.force_login(manager)
    grow(1)
    first = Complaint.objects.order_by("id").first()
    # (in a status whose moves include a four-eyes rule, as after the growth: one look at the trail)
    services.complaint_investigate(actor=manager, complaint=first)
    small = {url: measure(url) for url in ("/care/", f"/care/complaints/{first.pk}/")}
    grow(6)
    services.complaint_escalate(actor=manager, complaint=first, reason="more history")
    services.visit_schedule(
        actor=manager, borrower=first.borrower, kind="complaint", complaint=first, scheduled_on=FRIDAY, officer=officer
    )
    assert Complaint.objects.count() == 7 and CreditReview.objects.count() >= 7
    assert {url: measure(url) for url in small} == small


def test_the_complaint_and_visit_pages_mask_the_borrowers_mobile_and_address(client, desk, officer, manager):
    """PIPL (#11 point 4, microloan/pii.py): masked for every role, the officer's too."""
    from microloan.pii import mask

    b = desk["visit"].borrower
    b.address = "北京市朝阳区建国路88号"
    b.save(update_fields=["address"])
    for user in (officer, manager):
        client.force_login(user)
        for url in (f"/care/complaints/{desk['complaint'].pk}/", f"/care/visits/{desk['visit'].pk}/"):
            html = client.get(url).content.decode()
            borrower = desk["complaint"].borrower if "complaints" in url else b
            assert borrower.mobile not in html and mask("mobile", borrower.mobile) in html, url
        visit = client.get(f"/care/visits/{desk['visit'].pk}/").content.decode()
        assert "建国路" not in visit and "北京市朝阳区***" in visit
