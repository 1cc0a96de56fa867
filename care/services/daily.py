"""The periodic customer-service job of a business date (``care_daily``), set-based: one
``INSERT ... SELECT`` creates every review task the date needs, one more every
post-disbursement check, and the unique constraints make a second run for the same date
create nothing. The job's key (one periodic or classification review per loan and date) does
not hold back a review an event calls for (funds not used as stated): that one is created at
once by the visit (reviews.review_now). Tasks of loans that ended are cancelled through the
tables' ``cancel`` moves, audited in one bulk insert."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record_many
from microloan.lending.schedule import add_months_clamped
from microloan.policy import policy
from microloan.workflow import Workflow
from servicing.models import Classification, Loan, LoanStatus

from ..models import (
    CreditReview,
    FollowUpVisit,
    ReviewRecommendation,
    ReviewStatus,
    ReviewTrigger,
    VisitKind,
    VisitStatus,
)
from ..workflow import REVIEW_WORKFLOW, VISIT_WORKFLOW
from .common import LIVE_LOAN

# Recommendations after which the next periodic review comes sooner.
CLOSER_WATCH = (ReviewRecommendation.WATCH, ReviewRecommendation.REDUCE_LIMIT, ReviewRecommendation.RECALL)


def _rank_sql(column: str) -> str:
    """A classification's tier as a number (normal 0 ... loss 4), in SQL."""
    whens = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(Classification.values))
    return f"(CASE {column} {whens} ELSE 0 END)"


def _days_after_sql(column: str) -> str:
    """``column`` (a date) plus a number of days given as the next parameter."""
    if connection.vendor == "sqlite":
        return f"date({column}, '+' || %s || ' days')"
    return f"({column} + %s)"


def credit_reviews_create(*, business_date: date, now: datetime | None = None) -> int:
    """Creates the review tasks of ``business_date`` in one INSERT ... SELECT and returns how
    many. A live loan disbursed by then with no open review needs one when its last review
    (or, without one, its disbursement) is older than the interval (shorter after a review
    that recommended watching), or when the daily close has put it in a worse classification
    than its last review saw (for a loan never reviewed: than normal).

    One statement over the book (an index probe per loan for its last review) rather than
    chunks: it writes only the few loans due, and the unique constraints make a re-run, or
    two at once, insert nothing twice. Both are partial unique indexes; ``ON CONFLICT DO
    NOTHING`` names no conflict target, so it honours both on PostgreSQL and SQLite (a
    target would have to repeat an index's WHERE clause on PostgreSQL).
    """
    now = now or timezone.now()
    interval = policy().care.review_interval_months
    watch = policy().care.watch_review_interval_months
    review, loan = CreditReview._meta.db_table, Loan._meta.db_table
    live = ", ".join(f"'{s}'" for s in LIVE_LOAN)
    closer = ", ".join(f"'{s}'" for s in CLOSER_WATCH)
    last_seen = f"COALESCE(last.classification, '{Classification.NORMAL}')"
    worse = f"{_rank_sql('l.classification')} > {_rank_sql(last_seen)}"
    sql = f"""
        INSERT INTO {review} (loan_id, borrower_id, branch_id, officer_id, business_date, due_on, "trigger",
                              classification, status, findings, recommendation, created_at)
        SELECT l.id, l.borrower_id, l.branch_id, l.officer_id, %s, %s,
               CASE WHEN {worse} THEN '{ReviewTrigger.CLASSIFICATION}' ELSE '{ReviewTrigger.PERIODIC}' END,
               l.classification, '{ReviewStatus.OPEN}', '', '', %s
        FROM {loan} l
        LEFT JOIN {review} last ON last.id = (
            SELECT r.id FROM {review} r WHERE r.loan_id = l.id AND r.status <> '{ReviewStatus.CANCELLED}'
            ORDER BY r.business_date DESC, r.id DESC LIMIT 1)
        WHERE l.status IN ({live}) AND l.disbursed_on <= %s
          AND NOT EXISTS (SELECT 1 FROM {review} o WHERE o.loan_id = l.id AND o.status = '{ReviewStatus.OPEN}')
          AND (COALESCE(last.business_date, l.disbursed_on)
                 <= CASE WHEN last.recommendation IN ({closer}) THEN %s ELSE %s END
               OR {worse})
        ON CONFLICT DO NOTHING
    """
    params = [
        business_date,
        business_date + timedelta(days=policy().care.review_due_days),
        now,
        business_date,
        add_months_clamped(business_date, -watch),
        add_months_clamped(business_date, -interval),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def post_disbursement_visits_create(*, business_date: date, now: datetime | None = None) -> int:
    """Schedules the use-of-funds check of every live loan disbursed in the lookback window
    up to ``business_date`` that has none, for N days after its disbursement, assigned to the
    loan's officer: one INSERT ... SELECT; the unique constraint (one per loan) keeps re-runs
    harmless."""
    now = now or timezone.now()
    visit, loan = FollowUpVisit._meta.db_table, Loan._meta.db_table
    live = ", ".join(f"'{s}'" for s in LIVE_LOAN)
    kind = VisitKind.POST_DISBURSEMENT
    sql = f"""
        INSERT INTO {visit} (borrower_id, loan_id, branch_id, kind, scheduled_on, officer_id, status, method,
                             findings, note, created_at)
        SELECT l.borrower_id, l.id, l.branch_id, '{kind}', {_days_after_sql("l.disbursed_on")}, l.officer_id,
               '{VisitStatus.SCHEDULED}', '', '', '', %s
        FROM {loan} l
        WHERE l.status IN ({live}) AND l.disbursed_on <= %s AND l.disbursed_on > %s
          AND NOT EXISTS (SELECT 1 FROM {visit} v WHERE v.loan_id = l.id AND v.kind = '{kind}')
        ON CONFLICT DO NOTHING
    """
    lookback = business_date - timedelta(days=policy().care.post_disbursement_lookback_days)
    with connection.cursor() as cursor:
        cursor.execute(sql, [policy().care.post_disbursement_visit_days, now, business_date, lookback])
        return max(cursor.rowcount, 0)


def _loan_ended_reason(loan_status: str) -> str:
    """The audit reason of a task cancelled because its loan ended, in the active language
    (like every reason the system writes); the audit data keeps the neutral code."""
    if loan_status == LoanStatus.WRITTEN_OFF:
        return _("The loan was written off.")
    return _("The loan was paid off.")


def _cancel_for_ended_loans(model, workflow: Workflow, **extra) -> int:
    """Open tasks of loans that were paid off or written off are cancelled by the table's
    ``cancel`` move (a system move: no actor), each audited with the reason in the active
    language and the neutral code in its data.

    The tasks are locked first, skipping any another transaction holds (an officer completing
    it, an overlapping run): those are left to end as that transaction decides, and the next
    run sees them as they are then. A locked row stays open until this transaction ends, so
    the rows locked are exactly the rows changed, and only they are audited. (SQLite has no
    row locks and ignores this: it runs one writer at a time.)"""
    move = workflow.transitions["cancel"]
    rows = list(
        model.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=move.sources, loan__status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF], **extra)
        .values_list("id", "status", "loan_id", "loan__status")
    )
    if not rows:
        return 0
    model.objects.filter(pk__in=[pk for pk, *_rest in rows], status__in=move.sources).update(status=move.target)
    audit_record_many(
        [
            {
                "actor": None,
                "entity": workflow.entity,
                "entity_id": pk,
                "action": move.action,
                "from_state": status,
                "to_state": move.target,
                "reason": _loan_ended_reason(loan_status),
                "data": {"code": "loan_ended", "loan": loan_id, "loan_status": loan_status},
            }
            for pk, status, loan_id, loan_status in rows
        ]
    )
    return len(rows)


@transaction.atomic
def care_daily(*, business_date: date, now: datetime | None = None) -> dict:
    """The periodic customer-service job of one business date: cancels the open reviews and
    post-disbursement checks of loans that ended, creates the due review tasks and the new
    post-disbursement checks. Running it again for the same date changes nothing."""
    cancelled_reviews = _cancel_for_ended_loans(CreditReview, REVIEW_WORKFLOW)
    cancelled_visits = _cancel_for_ended_loans(FollowUpVisit, VISIT_WORKFLOW, kind=VisitKind.POST_DISBURSEMENT)
    return {
        "business_date": business_date.isoformat(),
        "reviews_created": credit_reviews_create(business_date=business_date, now=now),
        "visits_created": post_disbursement_visits_create(business_date=business_date, now=now),
        "reviews_cancelled": cancelled_reviews,
        "visits_cancelled": cancelled_visits,
    }
