"""Customer service over the REST API: borrowers file and see only their own complaints and
feedback, staff see their branch tree only, bad input is a 400 naming the field, a wrong
state a 409, somebody else's object a 404; lists cost a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care import services
from care.models import Complaint, CreditReview, Feedback, FollowUpVisit
from microloan.business_date import business_date_set
from microloan.models import Role
from microloan.notifications import Notification
from servicing.models import Loan

from ..applications.factories import BorrowerFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from .conftest import FRIDAY
from .factories import file_complaint, move, reopened_after_a_late_resolution

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]  # every test on FRIDAY
file = file_complaint


def resolved(officer, borrower) -> Complaint:
    c = file(officer, borrower)
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded.")
    return c


@pytest.fixture
def other_borrower_user(borrower):
    b = BorrowerFactory(branch=borrower.branch)
    b.user = UserFactory(role=Role.BORROWER, branch=borrower.branch)
    b.save(update_fields=["user"])
    return b.user


# --- the borrower's app ---------------------------------------------------------------------


def test_a_borrower_files_a_complaint_and_gets_a_receipt(borrower, borrower_user):
    r = client_for(borrower_user).post(
        "/api/v1/me/complaints/",
        {"category": "collection_conduct", "description": "A collector called me at 23:00."},
        format="json",
    )
    assert r.status_code == 201, r.content
    c = Complaint.objects.get(pk=r.data["id"])
    assert (c.borrower, c.channel, c.received_on, c.filed_by) == (borrower, "app", FRIDAY, borrower_user)
    assert r.data["status"] == "received" and r.data["reference"] == c.reference
    assert (r.data["ack_due_on"], r.data["resolve_due_on"]) == ("2026-11-23", "2026-12-05")
    assert Notification.objects.filter(reference=f"complaint:{c.pk}", kind="complaint_received").count() == 2


def test_a_borrower_sees_only_their_own_complaints(officer, borrower, borrower_user, other_borrower_user):
    mine = file(officer, borrower)
    theirs = file(officer, other_borrower_user.borrower_profile)
    me = client_for(borrower_user)
    r = me.get("/api/v1/me/complaints/")
    assert r.status_code == 200 and [x["id"] for x in r.data["results"]] == [mine.pk]
    assert me.get(f"/api/v1/me/complaints/{theirs.pk}/").status_code == 404
    assert me.get(f"/api/v1/me/complaints/{mine.pk}/").data["can_rate"] is False
    # the staff resources are not for borrowers
    assert me.get("/api/v1/complaints/").status_code == 403
    assert me.get(f"/api/v1/complaints/{mine.pk}/").status_code == 403
    assert me.get("/api/v1/credit-reviews/").status_code == 403


def test_a_borrower_cannot_complain_about_somebody_elses_loan(borrower_user, loan):
    r = client_for(borrower_user).post(
        "/api/v1/me/complaints/", {"category": "fees", "description": "x", "loan": loan.pk}, format="json"
    )
    assert r.status_code == 400 and "loan" in r.data
    r = client_for(borrower_user).post(
        "/api/v1/me/complaints/", {"category": "weather", "description": ""}, format="json"
    )
    assert r.status_code == 400 and {"category", "description"} <= set(r.data)
    assert not Complaint.objects.exists()


def test_staff_without_a_borrower_profile_cannot_use_me_endpoints(officer):
    assert (
        client_for(officer)
        .post("/api/v1/me/complaints/", {"category": "fees", "description": "x"}, format="json")
        .status_code
        == 403
    )


def test_feedback_from_the_app_once_per_subject(officer, manager, borrower, borrower_user, other_borrower_user):
    c = resolved(officer, borrower)
    me = client_for(borrower_user)
    assert me.get(f"/api/v1/me/complaints/{c.pk}/").data["can_rate"] is True
    r = me.post("/api/v1/me/feedback/", {"score": 4, "comment": "Fast.", "complaint": c.pk}, format="json")
    assert r.status_code == 201, r.content
    assert (r.data["subject"], r.data["score"]) == ("complaint", 4)
    again = me.post("/api/v1/me/feedback/", {"score": 1, "complaint": c.pk}, format="json")
    assert again.status_code == 400 and "complaint" in again.data
    assert me.get(f"/api/v1/me/complaints/{c.pk}/").data["can_rate"] is False
    # somebody else's complaint is not theirs to rate, and bad scores are refused
    theirs = client_for(other_borrower_user).post(
        "/api/v1/me/feedback/", {"score": 5, "complaint": c.pk}, format="json"
    )
    assert theirs.status_code == 400 and "complaint" in theirs.data
    for score in (0, 6, "five"):
        bad = me.post("/api/v1/me/feedback/", {"score": score}, format="json")
        assert bad.status_code == 400 and "score" in bad.data
    # an unresolved complaint: the wrong state
    open_one = file(officer, borrower)
    r = me.post("/api/v1/me/feedback/", {"score": 3, "complaint": open_one.pk}, format="json")
    assert r.status_code == 409 and r.data["status"] == "received"
    assert [f["id"] for f in me.get("/api/v1/me/feedback/").data["results"]] == [Feedback.objects.get().pk]
    assert client_for(other_borrower_user).get("/api/v1/me/feedback/").data["count"] == 0


def test_managers_see_the_averages_officers_do_not(
    officer, manager, borrower, borrower_user, other_borrower_user, other_officer
):
    c = resolved(officer, borrower)
    services.feedback_submit(actor=borrower_user, score=5, complaint=c)
    services.feedback_submit(actor=borrower_user, score=2)
    services.feedback_submit(actor=other_borrower_user, score=4)
    r = client_for(manager).get("/api/v1/feedback/summary/")
    assert r.status_code == 200
    assert (r.data["count"], r.data["average"]) == (3, 3.67)
    assert r.data["by_subject"]["complaint"] == {"count": 1, "average": 5.0}
    assert r.data["by_subject"]["general"] == {"count": 2, "average": 3.0}
    assert client_for(manager).get("/api/v1/feedback/summary/?since=2026-13-01").status_code == 400
    assert client_for(manager).get("/api/v1/feedback/").data["count"] == 3
    assert client_for(officer).get("/api/v1/feedback/summary/").status_code == 403
    other_manager = UserFactory(role=Role.MANAGER, branch=other_officer.branch)
    assert client_for(other_manager).get("/api/v1/feedback/summary/").data["count"] == 0


# --- staff ------------------------------------------------------------------------------------


def test_staff_register_and_move_a_complaint(officer, manager, borrower, loan):
    loan_borrower = loan.borrower
    o = client_for(officer)
    r = o.post(
        "/api/v1/complaints/",
        {
            "borrower": loan_borrower.pk,
            "loan": loan.pk,
            "channel": "regulator",
            "category": "collection_conduct",
            "description": "Referred by the regulator.",
            "received_on": "2026-11-19",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.data["id"]
    assert r.data["available_actions"] == ["acknowledge", "escalate"]
    assert r.data["sla"] == {"age_days": 1, "ack_breached": False, "resolve_breached": False, "days_left": 14}
    r = o.post(f"/api/v1/complaints/{pk}/acknowledge/", {"reason": "Called the borrower."}, format="json")
    assert r.status_code == 200 and r.data["status"] == "acknowledged" and r.data["handler"] == officer.pk
    # the wrong state is a 409 with the current status
    again = o.post(f"/api/v1/complaints/{pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409 and again.data["status"] == "acknowledged"
    assert o.post(f"/api/v1/complaints/{pk}/investigate/", {}, format="json").status_code == 200
    bad = o.post(f"/api/v1/complaints/{pk}/resolve/", {"resolution": ""}, format="json")
    assert bad.status_code == 400 and "resolution" in bad.data
    r = o.post(f"/api/v1/complaints/{pk}/resolve/", {"resolution": "The collector was disciplined."}, format="json")
    assert r.status_code == 200 and r.data["status"] == "resolved"
    assert [h["action"] for h in r.data["history"]] == ["file", "acknowledge", "investigate", "resolve"]
    assert r.data["history"][1]["reason"] == "Called the borrower."
    r = client_for(manager).post(f"/api/v1/complaints/{pk}/close/", {}, format="json")
    assert r.status_code == 200 and r.data["status"] == "closed" and r.data["closed_on"] == "2026-11-20"
    assert FollowUpVisit.objects.filter(complaint_id=pk, kind="complaint").count() == 1


def test_staff_input_errors_are_400s_naming_the_field(officer, borrower, other_officer):
    o = client_for(officer)
    outsider = BorrowerFactory(branch=other_officer.branch)
    cases = [
        ({"borrower": outsider.pk, "channel": "phone", "category": "fees", "description": "x"}, "borrower"),
        ({"borrower": borrower.pk, "channel": "fax", "category": "fees", "description": "x"}, "channel"),
        ({"borrower": borrower.pk, "channel": "phone", "category": "fees"}, "description"),
        (
            {
                "borrower": borrower.pk,
                "channel": "phone",
                "category": "fees",
                "description": "x",
                "received_on": "2026-11-21",
            },
            "received_on",
        ),
        (
            {
                "borrower": borrower.pk,
                "channel": "phone",
                "category": "fees",
                "description": "x",
                "received_on": "not a date",
            },
            "received_on",
        ),
        ({"borrower": borrower.pk, "channel": "phone", "category": "fees", "description": "x", "loan": 999999}, "loan"),
        (
            {
                "borrower": borrower.pk,
                "channel": "phone",
                "category": "fees",
                "description": "x",
                "handler": other_officer.pk,
            },
            "handler",
        ),
        ({"borrower": "abc", "channel": "phone", "category": "fees", "description": "x"}, "borrower"),
    ]
    for body, field in cases:
        r = o.post("/api/v1/complaints/", body, format="json")
        assert r.status_code == 400 and field in r.data, (body, r.status_code, r.content)
    assert not Complaint.objects.exists()
    assert o.post("/api/v1/complaints/", b"{not json", content_type="application/json").status_code == 400


def test_branch_scoping(officer, other_officer, borrower, manager):
    c = file(officer, borrower)
    theirs = client_for(other_officer)
    assert theirs.get(f"/api/v1/complaints/{c.pk}/").status_code == 404
    assert theirs.get("/api/v1/complaints/").data["count"] == 0
    assert theirs.post(f"/api/v1/complaints/{c.pk}/acknowledge/", {}, format="json").status_code == 404
    assert (
        theirs.post(f"/api/v1/complaints/{c.pk}/assign/", {"handler": other_officer.pk}, format="json").status_code
        == 404
    )
    c.refresh_from_db()
    assert c.status == "received" and c.handler_id is None
    # a manager assigns within the branch; a handler from elsewhere is a 400
    m = client_for(manager)
    assert m.post(f"/api/v1/complaints/{c.pk}/assign/", {"handler": other_officer.pk}, format="json").status_code == 400
    r = m.post(f"/api/v1/complaints/{c.pk}/assign/", {"handler": officer.pk}, format="json")
    assert r.status_code == 200 and r.data["handler"] == officer.pk


def test_the_breached_filter(officer, borrower):
    late = file(officer, borrower, received_on=date(2026, 11, 2))
    fresh = file(officer, borrower)
    r = client_for(officer).get("/api/v1/complaints/?breached=true")
    assert [x["id"] for x in r.data["results"]] == [late.pk]
    assert r.data["results"][0]["sla"]["resolve_breached"] is True
    assert {x["id"] for x in client_for(officer).get("/api/v1/complaints/").data["results"]} == {late.pk, fresh.pk}
    assert client_for(officer).get("/api/v1/complaints/?handler=x").status_code == 400


def test_the_breached_filter_keeps_a_deadline_missed_before_a_reopening(officer, manager, borrower):
    # given a complaint resolved late, then reopened with a new (not yet past) deadline
    c = reopened_after_a_late_resolution(officer=officer, manager=manager, borrower=borrower)
    on_time = file(officer, borrower)
    # then the breached filter still lists it, flagged, and nothing else
    r = client_for(officer).get("/api/v1/complaints/?breached=true")
    assert [x["id"] for x in r.data["results"]] == [c.pk]
    row = r.data["results"][0]
    assert (row["status"], row["resolve_due_on"], row["resolve_breached_before"]) == (
        "investigating",
        "2026-12-10",
        True,
    )
    assert row["sla"]["resolve_breached"] is True
    detail = client_for(officer).get(f"/api/v1/complaints/{on_time.pk}/").data
    assert detail["resolve_breached_before"] is False and detail["sla"]["resolve_breached"] is False


def test_the_breached_filter_agrees_with_the_sla_of_each_open_complaint(officer, borrower):
    late_ack = file(officer, borrower, received_on=date(2026, 11, 18))  # acknowledge by 11-19
    services.complaint_acknowledge(actor=officer, complaint=late_ack)  # on 11-20
    fresh = file(officer, borrower)
    listed = {x["id"] for x in client_for(officer).get("/api/v1/complaints/?breached=true").data["results"]}
    for c in Complaint.objects.filter(pk__in=[late_ack.pk, fresh.pk]):
        assert (c.pk in listed) == services.complaint_sla(c, today=FRIDAY).breached
    assert listed == {late_ack.pk}


@pytest.mark.parametrize("value", ["²", "١٢", "x", "-1", "1.5", "99999999999999999999"])
def test_ids_in_query_parameters_are_checked(officer, value):
    o = client_for(officer)
    r = o.get("/api/v1/credit-reviews/", {"loan": value})
    assert r.status_code == 400 and "loan" in r.data, (value, r.status_code)
    r = o.get("/api/v1/complaints/", {"handler": value})
    assert r.status_code == 400 and "handler" in r.data, (value, r.status_code)


def test_complaint_list_costs_the_same_whatever_its_length(officer, borrower):
    o = client_for(officer)
    file(officer, borrower)
    with CaptureQueriesContext(connection) as one:
        assert o.get("/api/v1/complaints/").status_code == 200
    for _ in range(7):
        file(officer, BorrowerFactory(branch=borrower.branch))
    with CaptureQueriesContext(connection) as eight:
        assert o.get("/api/v1/complaints/").data["count"] == 8
    assert len(eight) == len(one)


# --- visits and reviews ------------------------------------------------------------------------


def test_visits_over_the_api(officer, other_officer, loan):
    o = client_for(officer)
    r = o.post(
        "/api/v1/follow-up-visits/",
        {"borrower": loan.borrower_id, "loan": loan.pk, "kind": "post_disbursement", "scheduled_on": "2026-11-20"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.data["id"]
    assert client_for(other_officer).get(f"/api/v1/follow-up-visits/{pk}/").status_code == 404
    business_date_set(value=date(2026, 11, 25))
    assert [v["id"] for v in o.get("/api/v1/follow-up-visits/?overdue=true").data["results"]] == [pk]
    bad = o.post(
        f"/api/v1/follow-up-visits/{pk}/complete/",
        {"visited_on": "2026-11-24", "method": "on_site", "findings": "Stock bought."},
        format="json",
    )
    assert bad.status_code == 400 and "purpose_verified" in bad.data
    r = o.post(
        f"/api/v1/follow-up-visits/{pk}/complete/",
        {"visited_on": "2026-11-24", "method": "on_site", "findings": "Stock bought.", "purpose_verified": True},
        format="json",
    )
    assert r.status_code == 200 and r.data["status"] == "done" and r.data["purpose_verified"] is True
    again = o.post(f"/api/v1/follow-up-visits/{pk}/cancel/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.data["status"] == "done"


def test_reviews_over_the_api(officer, manager, other_officer, loan):
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    assert services.care_daily(business_date=FRIDAY)["reviews_created"] == 1
    review = CreditReview.objects.get()
    o = client_for(officer)
    listed = o.get("/api/v1/credit-reviews/?status=open").data["results"]
    assert [(x["id"], x["trigger"], x["loan_classification"]) for x in listed] == [
        (review.pk, "classification", "special_mention")
    ]
    assert client_for(other_officer).get(f"/api/v1/credit-reviews/{review.pk}/").status_code == 404
    bad = o.post(
        f"/api/v1/credit-reviews/{review.pk}/complete/", {"findings": "x", "recommendation": "panic"}, format="json"
    )
    assert bad.status_code == 400 and "recommendation" in bad.data
    r = o.post(
        f"/api/v1/credit-reviews/{review.pk}/complete/",
        {"findings": "Income fell; guarantor confirmed.", "recommendation": "watch"},
        format="json",
    )
    assert r.status_code == 200 and (r.data["status"], r.data["recommendation"]) == ("done", "watch")
    again = client_for(manager).post(
        f"/api/v1/credit-reviews/{review.pk}/complete/", {"findings": "x", "recommendation": "maintain"}, format="json"
    )
    assert again.status_code == 409 and again.data["status"] == "done"
    assert o.get("/api/v1/credit-reviews/?loan=abc").status_code == 400


def test_the_schema_still_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/me/complaints/",
        "/api/v1/me/feedback/",
        "/api/v1/complaints/{id}/resolve/",
        "/api/v1/credit-reviews/{id}/complete/",
        "/api/v1/follow-up-visits/{id}/complete/",
        "/api/v1/feedback/summary/",
    ):
        assert f"  {path}:" in text


def test_a_visit_scheduled_today_is_not_overdue(officer, borrower):
    v = services.visit_schedule(actor=officer, borrower=borrower, kind="other", scheduled_on=FRIDAY + timedelta(days=1))
    r = client_for(officer).get(f"/api/v1/follow-up-visits/{v.pk}/")
    assert r.status_code == 200 and r.data["overdue"] is False
