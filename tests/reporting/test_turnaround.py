"""reporting.selectors.turnaround: hours from submission to decision per branch and approver,
against the SLA, from the events the services write."""

from datetime import date

import pytest

from applications.models import ApplicationStatus
from applications.services import application_submit
from reporting import selectors
from reporting.selectors import ReportScope

from ..conftest import client_for
from ..underwriting.conftest import submitted_app, to_pending
from .conftest import M, pct

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


# --- 5. approval turnaround --------------------------------------------------------------


def test_approval_turnaround_per_branch_and_approver(decisions, manager, branch):
    data = selectors.approval_turnaround(
        scope=ReportScope(user=manager), date_from=date(2026, 10, 1), date_to=date(2026, 10, 10)
    )
    total = data["total"]
    # four decisions in A: turnarounds 20, 74, 5, 10 → median (10 + 20) / 2 = 15, mean 27.25;
    # queue 10, 50, 4, 9 → mean 18.25; one over the 48-hour SLA
    assert (total["decisions"], total["approved"], total["rejected"], total["returned"]) == (4, 2, 1, 1)
    assert (total["median_hours"], total["avg_hours"], total["avg_queue_hours"], total["breaches"]) == (
        M("15.00"),
        M("27.25"),
        M("18.25"),
        1,
    )
    assert data["sla_hours"] == 48
    [row] = data["by_branch"]
    assert (row["key"], row["decisions"], row["median_hours"]) == (branch.pk, 4, M("15.00"))
    approvers = {r["key"]: r for r in data["by_approver"]}
    assert set(approvers) == {decisions.x.pk, decisions.y.pk}
    x, y = approvers[decisions.x.pk], approvers[decisions.y.pk]
    assert (x["decisions"], x["median_hours"], x["avg_hours"], x["breaches"], pct(x["breach_share"])) == (
        2,
        M("47.00"),
        M("47.00"),
        1,
        M("50.00"),
    )
    assert (y["decisions"], y["returned"], y["median_hours"], y["avg_queue_hours"], y["breaches"]) == (
        2,
        1,
        M("7.50"),
        M("6.50"),
        0,
    )
    # an odd count takes the middle one: x alone from October 2 to 4 has 20h and 74h; add y's 10h
    three = selectors.approval_turnaround(
        scope=ReportScope(user=manager), date_from=date(2026, 10, 2), date_to=date(2026, 10, 4)
    )
    assert (three["total"]["decisions"], three["total"]["median_hours"]) == (3, M("20.00"))


def test_turnaround_reads_the_events_the_services_write(biz_date, officer, reviewer, approver, manager, product, now):
    # given an application taken from draft through submission, review and approval
    app = submitted_app(officer, product)
    app.status = ApplicationStatus.DRAFT
    app.save(update_fields=["status"])
    application_submit(actor=officer, application=app)
    to_pending(app, officer, reviewer)
    r = client_for(approver).post(
        f"/api/v1/applications/{app.pk}/decision/", {"decision": "reject", "reason_code": "capacity"}, format="json"
    )
    assert r.status_code == 200, r.content
    # when the report covers today
    from django.utils import timezone

    today = timezone.localdate(now)
    data = selectors.approval_turnaround(scope=ReportScope(user=manager), date_from=today, date_to=today)
    # then it counts the decision, timed from the submission and the review it just made
    assert (data["total"]["decisions"], data["total"]["rejected"], data["total"]["breaches"]) == (1, 1, 0)
    assert M("0") <= data["total"]["median_hours"] < M("1") and data["total"]["avg_queue_hours"] is not None
    assert [r["key"] for r in data["by_approver"]] == [approver.pk]
