"""Approval turnaround: hours from submission (or resubmission) to decision, per branch and
approver, against the SLA."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationStatus
from microloan.models import AuditEvent, Branch
from microloan.permissions import require
from microloan.policy import policy

from .scope import (
    DECISION_ACTIONS,
    ReportScope,
    hours,
    ratio,
)

# --- 5. approval turnaround --------------------------------------------------------------


def _latest(action: str):
    """The time of the application's latest ``action`` event at or before the decision."""
    return Subquery(
        AuditEvent.objects.filter(
            entity="application", entity_id=OuterRef("entity_id"), action=action, at__lte=OuterRef("at")
        )
        .order_by("-at", "-id")
        .values("at")[:1]
    )


def decision_events(*, scope: ReportScope, date_from: date, date_to: date) -> QuerySet[AuditEvent]:
    """The approval decisions (approve, reject, return) made in the range on the scope's
    applications, from the audit trail, with ``turnaround`` (from the latest submission before
    the decision: a returned and resubmitted case counts from its resubmission) and ``queue``
    (from the latest review, when the case entered the approval queue, which the SLA measures)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    apps = Application.objects.filter(scope.q()).values("pk")
    return (
        AuditEvent.objects.filter(
            entity="application", action__in=DECISION_ACTIONS, at__gte=start, at__lt=end, entity_id__in=apps
        )
        .order_by()
        .annotate(
            submitted=_latest("submit"),
            queued=_latest("review"),
            branch_id=Subquery(Application.objects.filter(pk=OuterRef("entity_id")).values("branch_id")[:1]),
        )
        .annotate(
            turnaround=ExpressionWrapper(F("at") - F("submitted"), output_field=DurationField()),
            queue=ExpressionWrapper(F("at") - F("queued"), output_field=DurationField()),
        )
    )


def _turnaround_measures(sla: timedelta) -> dict:
    return {
        "decisions": Count("pk"),
        "approved": Count("pk", filter=Q(action="approve")),
        "rejected": Count("pk", filter=Q(action="reject")),
        "returned": Count("pk", filter=Q(action="return")),
        "avg_turnaround": Avg("turnaround"),
        "avg_queue": Avg("queue"),
        "breaches": Count("pk", filter=Q(queue__gt=sla)),
    }


def _medians(events: QuerySet, group: str | None) -> dict:
    """The median turnaround per group: the middle decision, or the mean of the middle two,
    picked by the database with window functions (so SQLite, the demo's, runs it too)."""
    partition = [F(group)] if group else []
    rows = (
        events.filter(turnaround__isnull=False)
        .annotate(
            rn=Window(RowNumber(), partition_by=partition, order_by=[F("turnaround").asc(), F("pk").asc()]),
            n=Window(Count("pk"), partition_by=partition),
        )
        .annotate(twice=F("rn") * 2)
        .filter(twice__gte=F("n"), twice__lte=F("n") + 2)
    )
    middle: dict = {}
    if group:
        for key, value in rows.values_list(group, "turnaround"):
            middle.setdefault(key, []).append(value)
    else:
        middle[None] = list(rows.values_list("turnaround", flat=True))
    return {key: sum(values, timedelta()) / len(values) for key, values in middle.items() if values}


def _turnaround_row(row: dict, median: timedelta | None, sla: timedelta, **extra) -> dict:
    return {
        **extra,
        "decisions": row.get("decisions") or 0,
        "approved": row.get("approved") or 0,
        "rejected": row.get("rejected") or 0,
        "returned": row.get("returned") or 0,
        "median_hours": hours(median),
        "avg_hours": hours(row.get("avg_turnaround")),
        "avg_queue_hours": hours(row.get("avg_queue")),
        "breaches": row.get("breaches") or 0,
        "breach_share": ratio(row.get("breaches") or 0, row.get("decisions") or 0),
    }


def approval_turnaround(*, scope: ReportScope, date_from: date, date_to: date) -> dict:
    """Per branch and per approver, the decisions made in the range: how many (approved,
    rejected, returned), the median and average hours from submission to decision, the average
    hours in the approval queue and how many took longer there than the SLA; and the cases
    waiting now, with those already over it. Nine queries."""
    require(scope.user, "report.view")
    sla_hours = policy().underwriting.approval_sla_hours
    sla = timedelta(hours=sla_hours)
    events = decision_events(scope=scope, date_from=date_from, date_to=date_to)
    measures = _turnaround_measures(sla)
    branch_rows = list(events.values("branch_id").annotate(**measures))
    approver_rows = list(
        events.values("actor", "actor__username", "actor__first_name", "actor__last_name").annotate(**measures)
    )
    total = events.aggregate(**measures)
    by_branch_median, by_approver_median = _medians(events, "branch_id"), _medians(events, "actor")
    overall_median = _medians(events, None).get(None)
    names = {
        b["pk"]: b
        for b in Branch.objects.filter(pk__in=[r["branch_id"] for r in branch_rows]).values(
            "pk", "code", "name", "path"
        )
    }
    by_branch = sorted(
        (
            _turnaround_row(
                r,
                by_branch_median.get(r["branch_id"]),
                sla,
                key=r["branch_id"],
                code=names.get(r["branch_id"], {}).get("code", ""),
                name=names.get(r["branch_id"], {}).get("name", ""),
                path=names.get(r["branch_id"], {}).get("path", ""),
            )
            for r in branch_rows
        ),
        key=lambda r: r["path"],
    )
    by_approver = []
    for r in approver_rows:
        full = f"{r['actor__last_name'] or ''}{r['actor__first_name'] or ''}".strip()
        by_approver.append(
            _turnaround_row(
                r,
                by_approver_median.get(r["actor"]),
                sla,
                key=r["actor"],
                username=r["actor__username"] or "",
                name=full or r["actor__username"] or _("(system)"),
            )
        )
    by_approver.sort(key=lambda r: (-r["decisions"], r["name"]))
    waiting = Application.objects.filter(scope.q(), status=ApplicationStatus.PENDING_APPROVAL).aggregate(
        waiting=Count("pk"), over_sla=Count("pk", filter=Q(pending_since__lt=timezone.now() - sla))
    )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "sla_hours": sla_hours,
        "by_branch": by_branch,
        "by_approver": by_approver,
        "total": _turnaround_row(total, overall_median, sla),
        "waiting": waiting["waiting"],
        "waiting_over_sla": waiting["over_sla"],
    }
