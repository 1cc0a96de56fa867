"""Business days and a complaint's service level (the deadlines are in microloan/policy.py)."""

from dataclasses import dataclass
from datetime import date, timedelta

from microloan.policy import policy

from ..models import Complaint, ComplaintStatus


def is_business_day(d: date) -> bool:
    if d in policy().care.working_weekends:
        return True
    return d.weekday() < 5 and d not in policy().care.holidays


def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (``d`` itself when ``n`` is 0)."""
    while n > 0:
        d += timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d


def complaint_deadlines(received_on: date) -> tuple[date, date]:
    """(acknowledge by, resolve by) for a complaint received on ``received_on``: the end of
    the N-th business day after it, and N calendar days after it (microloan/policy.py)."""
    return (
        add_business_days(received_on, policy().care.complaint_ack_business_days),
        received_on + timedelta(days=policy().care.complaint_resolve_days),
    )


@dataclass(frozen=True)
class ComplaintSla:
    age_days: int  # since receipt, to today or to the resolution
    ack_breached: bool  # acknowledged late, or not yet and the day is past
    # resolved late, or not yet and the day is past, in this period or one before a reopening
    resolve_breached: bool
    days_left: int | None  # to the resolution deadline; None once resolved

    @property
    def breached(self) -> bool:
        return self.ack_breached or self.resolve_breached


def complaint_sla(c: Complaint, *, today: date) -> ComplaintSla:
    """The service level of one complaint on ``today`` (a business date). A deadline is
    breached when the step happened after its day, or has not happened and the day is over;
    a breach stays on the record after the step is done, and after a reopening that gave the
    complaint a new resolution deadline."""
    acked = c.acknowledged_on or (today if c.status == ComplaintStatus.RECEIVED else None)
    resolved = c.resolved_on if c.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED) else None
    until = resolved or today
    return ComplaintSla(
        age_days=(until - c.received_on).days,
        ack_breached=bool(acked and acked > c.ack_due_on),
        resolve_breached=c.resolve_breached_before or until > c.resolve_due_on,
        days_left=None if resolved else (c.resolve_due_on - today).days,
    )
