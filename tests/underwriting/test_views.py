"""The approval queue, decision page, worklist and workbench in the browser's terms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from microloan import scenarios
from microloan.models import Role

from ..applications.factories import BorrowerFactory, ProductFactory
from ..kernel.factories import UserFactory, login_verified
from .conftest import ASSESSMENT
from .factories import CONSENTED_ON, FOUR_EYES_STEPS, pending_where, submitted_app, to_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_web(client, approver):
    client.force_login(approver)
    return client


def test_officer_cannot_reach_queue_or_decision_page(client, officer, reviewer, uw_product):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    client.force_login(officer)
    assert client.get("/approvals/").status_code == 403
    assert client.get(f"/approvals/{app.pk}/").status_code == 403
    assert client.post(f"/approvals/{app.pk}/", {"decision": "approve"}).status_code == 403
    app.refresh_from_db()
    assert app.status == "pending_approval"


def test_queue_filters_and_sorts(manager_web, officer, reviewer, uw_product):
    small = to_pending(submitted_app(officer, uw_product, amount="5000.00"), officer, reviewer)
    big = to_pending(
        submitted_app(officer, uw_product, amount="40000.00", monthly_income=Decimal("30000")), officer, reviewer
    )
    r = manager_web.get("/approvals/?min_amount=10000")
    ids = [row["app"].pk for row in r.context["rows"]]
    assert ids == [big.pk]
    r = manager_web.get("/approvals/?sort=-amount")
    assert [row["app"].pk for row in r.context["rows"]] == [big.pk, small.pk]
    small.refresh_from_db()
    big.refresh_from_db()
    assert small.grade != big.grade  # the big loan strains capacity, so it grades lower
    r = manager_web.get(f"/approvals/?product={uw_product.pk}&grade={small.grade}")
    assert [row["app"].pk for row in r.context["rows"]] == [small.pk]
    r = manager_web.get("/approvals/?grade=E")
    assert r.context["rows"] == []
    r = manager_web.get("/approvals/?min_amount=abc&sort=nonsense")  # bad filters never 500
    assert r.status_code == 200


def test_sla_breach_and_age_are_shown(manager_web, officer, reviewer, uw_product, settings, now):
    settings.UNDERWRITING = {"APPROVAL_SLA_HOURS": 48}
    old = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    Application.objects.filter(pk=old.pk).update(pending_since=now - timedelta(days=3, hours=2))
    fresh = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    r = manager_web.get("/approvals/", HTTP_ACCEPT_LANGUAGE="en")
    rows = {row["app"].pk: row for row in r.context["rows"]}
    assert rows[old.pk]["breach"] and (rows[old.pk]["age_days"], rows[old.pk]["age_rest_hours"]) == (3, 2)
    assert not rows[fresh.pk]["breach"]
    assert "SLA" in r.content.decode()
    r = manager_web.get("/approvals/?min_age_days=2")
    assert [row["app"].pk for row in r.context["rows"]] == [old.pk]


def test_decision_page_shows_the_whole_case_and_approves(manager_web, officer, reviewer, uw_product):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    page = manager_web.get(f"/approvals/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for expected in (
        app.borrower.full_name,
        app.borrower.id_number[:6] + "********" + app.borrower.id_number[-4:],  # masked (microloan/pii.py)
        "528",
        "No security",
        "Shop open",
        "Recommend",
        "Submitted",
        "Pending approval",
    ):
        assert expected in page, expected
    assert app.borrower.id_number not in page
    r = manager_web.post(
        f"/approvals/{app.pk}/",
        {"decision": "approve", "approved_amount": "10000", "approved_term": 12, "approved_rate": "0.05"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved"


def test_decision_page_refuses_four_eyes_with_403_and_reason(client, branch, reviewer, uw_product):
    boss = UserFactory(role=Role.MANAGER, branch=branch, approval_limit=Decimal("100000"))
    app = to_pending(submitted_app(boss, uw_product), boss, reviewer)
    client.force_login(boss)
    r = client.post(f"/approvals/{app.pk}/", {"decision": "approve"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "Four eyes" in r.content.decode()
    app.refresh_from_db()
    assert app.status == "pending_approval"


@pytest.mark.parametrize("step", FOUR_EYES_STEPS)
def test_decision_page_offers_no_decision_to_whoever_worked_on_it(client, step, officer, reviewer, uw_product):
    suspect = UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("100000"))
    app = pending_where(step, suspect, officer=officer, reviewer=reviewer, product=uw_product)
    client.force_login(suspect)
    page = client.get(f"/approvals/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="decision-form"' not in page and 'id="four-eyes"' in page
    r = client.post(
        f"/approvals/{app.pk}/", {"decision": "reject", "reason_code": "capacity"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 403 and "Four eyes" in r.content.decode() and step in r.content.decode()
    app.refresh_from_db()
    assert app.status == "pending_approval"
    # another manager sees the form and decides
    client.force_login(UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("100000")))
    assert 'id="decision-form"' in client.get(f"/approvals/{app.pk}/").content.decode()
    r = client.post(
        f"/approvals/{app.pk}/",
        {"decision": "approve", "approved_amount": "10000", "approved_term": 12, "approved_rate": "0.05"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved"


def test_workbench_offers_no_review_to_the_assessor(client, officer, reviewer, uw_product):
    app = submitted_app(officer, uw_product)
    client.force_login(officer)
    client.post(
        f"/underwriting/{app.pk}/",
        {"step": "investigation", "inv-visited_on": "2026-11-18", "inv-findings": "ok", "inv-purpose_verified": "on"},
    )
    client.force_login(reviewer)  # reviewers may assess, but then not review
    r = client.post(
        f"/underwriting/{app.pk}/", {"step": "assessment", **{f"asm-{k}": v for k, v in ASSESSMENT.items()}}
    )
    assert r.status_code == 302
    assert 'id="save-review"' not in client.get(f"/underwriting/{app.pk}/").content.decode()
    r = client.post(
        f"/underwriting/{app.pk}/", {"step": "review", "rev-opinion": "recommend"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 403 and "Four eyes" in r.content.decode() and "assess" in r.content.decode()
    other = UserFactory(role=Role.REVIEWER, branch=officer.branch)
    client.force_login(other)
    assert 'id="save-review"' in client.get(f"/underwriting/{app.pk}/").content.decode()
    assert client.post(f"/underwriting/{app.pk}/", {"step": "review", "rev-opinion": "recommend"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "pending_approval"


def test_decision_page_refuses_above_authority_with_403(client, officer, reviewer, uw_product):
    app = to_pending(
        submitted_app(officer, uw_product, amount="80000.00", monthly_income=Decimal("40000")), officer, reviewer
    )
    low = UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("50000"))
    client.force_login(low)
    r = client.post(
        f"/approvals/{app.pk}/",
        {"decision": "approve", "approved_amount": "80000", "approved_rate": "0.06"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 403 and "above your approval limit" in r.content.decode()


def test_workbench_records_visit_assessment_and_review(client, officer, reviewer, uw_product):
    app = submitted_app(officer, uw_product)
    client.force_login(officer)
    r = client.post(
        f"/underwriting/{app.pk}/",
        {"step": "investigation", "inv-visited_on": "2026-11-18", "inv-findings": "ok", "inv-purpose_verified": "on"},
    )
    assert r.status_code == 302
    body = {"step": "assessment", **{f"asm-{k}": v for k, v in ASSESSMENT.items()}}
    r = client.post(f"/underwriting/{app.pk}/", body)
    assert r.status_code == 302
    client.force_login(reviewer)
    r = client.post(f"/underwriting/{app.pk}/", {"step": "review", "rev-opinion": "recommend"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "pending_approval" and app.grade == "A"
    assert client.get("/reviews/").status_code == 200


def test_workbench_shows_field_errors(client, officer, uw_product):
    app = submitted_app(officer, uw_product)
    client.force_login(officer)
    r = client.post(
        f"/underwriting/{app.pk}/",
        {"step": "investigation", "inv-visited_on": "2030-01-01", "inv-findings": "x", "inv-purpose_verified": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "future" in r.content.decode()


def test_queue_with_10000_pending_cases_is_paginated_with_constant_queries(client, branch, approver, officer, now):
    # given 10,000 pending applications, bulk-inserted
    product = ProductFactory(code="BULK")
    borrowers = [BorrowerFactory.build(branch=branch, id_number=f"{i:017d}X") for i in range(100)]
    from applications.models import Borrower

    Borrower.objects.bulk_create(borrowers)
    borrowers = list(Borrower.objects.filter(branch=branch))
    Application.objects.bulk_create(
        [
            Application(
                branch=branch,
                borrower=borrowers[i % len(borrowers)],
                product=product,
                created_by=officer,
                officer=officer,
                amount=Decimal(1000 + i),
                term=12,
                method="annuity",
                purpose="bulk",
                status="pending_approval",
                pending_since=now - timedelta(minutes=i),
                grade="ABCD"[i % 4],
                score=400 + i % 150,
            )
            for i in range(10_000)
        ],
        batch_size=2000,
    )
    client.force_login(approver)
    # when the first and a later page are opened, filtered and sorted
    with CaptureQueriesContext(connection) as first:
        r = client.get("/approvals/")
    assert r.status_code == 200 and r.context["page"].paginator.count == 10_000
    assert len(r.context["rows"]) == 25
    with CaptureQueriesContext(connection) as later:
        r = client.get("/approvals/?grade=B&sort=-amount&page=40")
    assert r.status_code == 200 and len(r.context["rows"]) == 25
    # then the number of queries does not depend on the rows
    assert len(first) == len(later) <= 12, [q["sql"] for q in later.captured_queries]


def test_admin_publishes_a_new_scorecard_version_without_touching_the_old(client, branch):
    import json

    from underwriting.models import Scorecard
    from underwriting.scoring import DEFAULT_CONFIG
    from underwriting.services import scorecard_active

    v1 = scorecard_active()
    admin = UserFactory(role=Role.ADMIN, branch=branch, is_staff=True, is_superuser=True)
    login_verified(client, admin)  # the Django admin wants the second factor
    config = {**DEFAULT_CONFIG, "base": 250}
    r = client.post("/admin/underwriting/scorecard/add/", {"config": json.dumps(config), "note": "v2"})
    assert r.status_code == 302, r.content.decode()[:2000]
    # The admin proposes (microloan.config): another administrator's apply publishes it.
    from microloan.config.models import ConfigChange
    from microloan.config.services import config_change_apply

    assert scorecard_active().pk == v1.pk
    checker = UserFactory(role=Role.ADMIN, branch=branch)
    config_change_apply(actor=checker, change=ConfigChange.objects.get(kind="scorecard"))
    v1.refresh_from_db()
    assert v1.config["base"] == 300 and not v1.is_active
    assert Scorecard.objects.get(is_active=True).config["base"] == 250
    assert client.get(f"/admin/underwriting/scorecard/{v1.pk}/change/").status_code == 200  # view only


def test_credit_records_csv_import_page(client, officer, borrower):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from underwriting.models import CreditRecord

    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    client.force_login(officer)
    header = "id_number,as_of,overdue_count_24m,worst_status_24m,current_debt,current_installments,inquiries_6m\n"
    good = SimpleUploadedFile("c.csv", (header + f"{borrower.id_number},2026-10-01,0,none,0,0,1\n").encode())
    r = client.post("/credit-records/import/", {"file": good})
    assert r.status_code == 200 and CreditRecord.objects.count() == 1
    bad = SimpleUploadedFile("c.csv", (header + f"{borrower.id_number},2026-13-01,0,none,0,0,1\n").encode())
    r = client.post("/credit-records/import/", {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert "line 2" in r.content.decode() and CreditRecord.objects.count() == 1
