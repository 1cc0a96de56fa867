"""Overdue handling beyond the numbers: collection cases, the escalation ladder, contact
attempts under the conduct rules, promises to pay, write-offs and recoveries.

The daily close calls ``escalation_run`` once per chunk (collection.escalation hook); its work
is a handful of set-based statements, idempotent per case and step."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.models import AuditEvent, Role, User
from microloan.money import money
from servicing.models import Loan, LoanStatus

from .case_models import (
    CaseStatus,
    CaseStep,
    CollectionCase,
    ContactAttempt,
    PromiseToPay,
    Recovery,
    WriteOff,
    WriteOffStatus,
)

ZERO = Decimal("0.00")
DEFAULT_STEPS = [("overdue_notice", 1), ("officer_call", 3), ("field_visit", 15), ("branch_manager", 30),
                 ("legal_review", 90)]
DEFAULT_CONDUCT = {"CONTACT_START": "08:00", "CONTACT_END": "22:00", "MAX_CONNECTED_CALLS": 3,
                   "MAX_DIAL_ATTEMPTS": 6}


def escalation_steps() -> list[tuple[str, int]]:
    configured = (getattr(settings, "COLLECTION", {}) or {}).get("ESCALATION_STEPS")
    return [(str(s), int(d)) for s, d in (configured or DEFAULT_STEPS)]


def conduct(name: str):
    return ((getattr(settings, "COLLECTION", {}) or {}).get("CONDUCT") or {}).get(name, DEFAULT_CONDUCT[name])


# --- the ladder, run by the daily close ------------------------------------------------

def escalation_run(*, business_date: date, loan_ids: list[int]) -> dict:
    """Opens cases for newly overdue loans, assigns them, takes the ladder's due steps, closes
    cases of loans that are current again and settles promises that fell due."""
    # Plain SQL that PostgreSQL and SQLite (the demo's default) both run.
    ids = ", ".join(["%s"] * len(loan_ids))
    now = timezone.now()
    with connection.cursor() as cur:
        opened = []
        if loan_ids:
            cur.execute(f"""
                INSERT INTO collection_collectioncase (loan_id, branch_id, opened_on, status, outcome)
                SELECT l.id, l.branch_id, %s, 'open', '' FROM servicing_loan l
                WHERE l.id IN ({ids}) AND l.days_past_due > 0
                  AND NOT EXISTS (SELECT 1 FROM collection_collectioncase c
                                  WHERE c.loan_id = l.id AND c.status = 'open')
                ON CONFLICT DO NOTHING RETURNING id, branch_id""", [business_date, *loan_ids])
            opened = cur.fetchall()
        _assign(opened)
        taken = []
        steps = escalation_steps()
        if loan_ids and steps:
            values = ", ".join(["(%s, %s)"] * len(steps))
            cur.execute(f"""
                WITH s(step, min_dpd) AS (VALUES {values})
                INSERT INTO collection_casestep (case_id, step, business_date, days_past_due, created_at)
                SELECT c.id, s.step, %s, l.days_past_due, %s
                FROM collection_collectioncase c JOIN servicing_loan l ON l.id = c.loan_id, s
                WHERE c.status = 'open' AND c.loan_id IN ({ids}) AND l.days_past_due >= s.min_dpd
                ON CONFLICT DO NOTHING RETURNING case_id, step""",
                        [*[x for st in steps for x in st], business_date, now, *loan_ids])
            taken = cur.fetchall()
        cur.execute("""
            UPDATE collection_collectioncase AS c SET status = 'closed', closed_on = %s,
                   outcome = CASE WHEN l.status = 'closed' THEN 'repaid' WHEN l.status = 'written_off'
                                  THEN 'written_off' ELSE 'cured' END
            FROM servicing_loan l
            WHERE c.loan_id = l.id AND c.status = 'open'
              AND (l.days_past_due = 0 OR l.status IN ('closed', 'written_off'))
              AND l.business_date = %s""", [business_date, business_date])
        cur.execute("""
            UPDATE collection_promisetopay AS p SET status = CASE WHEN paid.total >= p.amount THEN 'kept'
                                                                  ELSE 'broken' END, checked_on = %s
            FROM (SELECT p2.id AS id, COALESCE(SUM(r.amount), 0) AS total
                  FROM collection_promisetopay p2
                  JOIN collection_collectioncase c ON c.id = p2.case_id
                  LEFT JOIN servicing_repayment r ON r.loan_id = c.loan_id AND r.status = 'posted'
                       AND r.paid_on BETWEEN p2.made_on AND p2.promised_on
                  WHERE p2.status = 'open' AND p2.promised_on < %s
                  GROUP BY p2.id) AS paid
            WHERE p.id = paid.id""", [business_date, business_date])
    if taken:
        _record_steps(business_date, taken)
    return {"opened": len(opened), "steps": len(taken)}


def _assign(opened: list[tuple[int, int]]) -> None:
    """By load: each new case goes to the branch's collector with the fewest open cases."""
    if not opened:
        return
    branches = {b for _, b in opened}
    collectors = list(User.objects.filter(role=Role.COLLECTOR, branch_id__in=branches, is_active=True)
                      .annotate(load=Count("collection_cases", filter=Q(collection_cases__status="open")))
                      .order_by("load", "id"))
    by_branch: dict[int, list] = {}
    for c in collectors:
        by_branch.setdefault(c.branch_id, []).append([c.load, c.id])
    updates = []
    for case_id, branch_id in opened:
        pool = by_branch.get(branch_id)
        if not pool:
            continue
        pool.sort()
        pool[0][0] += 1
        updates.append(CollectionCase(pk=case_id, assigned_to_id=pool[0][1]))
    CollectionCase.objects.bulk_update(updates, ["assigned_to"])


def _record_steps(day: date, taken: list[tuple[int, str]]) -> None:
    cases = {c.pk: c for c in CollectionCase.objects.filter(pk__in={c for c, _ in taken})
             .select_related("loan__borrower__branch")}
    AuditEvent.objects.bulk_create([
        AuditEvent(entity="loan", entity_id=cases[c].loan_id, action=f"escalation:{step}", to_state=step,
                   data={"case": c, "business_date": day.isoformat(), "days_past_due": cases[c].loan.days_past_due})
        for c, step in taken])
    notices = [cases[c] for c, step in taken if step == "overdue_notice"]
    if not notices:
        return
    try:
        from microloan.notifications import next_allowed_time, notifications_enqueue_many
    except ImportError:
        return
    rows = []
    now = timezone.now()
    for case in notices:
        b = case.loan.borrower
        zh = b.language != "en"
        loan = case.loan
        if zh:
            body = f"您的贷款{loan.pk}已逾期{loan.days_past_due}天，逾期金额{loan.overdue_amount}元，请尽快还款。"
        else:
            body = (f"Your loan {loan.pk} is {loan.days_past_due} days overdue ({loan.overdue_amount}). "
                    "Please repay as soon as possible.")
        rows.append({"channel": "sms", "to_address": b.mobile, "language": b.language,
                     "subject": "逾期提醒" if zh else "Overdue notice", "body": body, "kind": "overdue_notice",
                     "reference": f"case:{case.pk}", "dedupe_key": f"overdue_notice:{case.pk}",
                     "not_before": next_allowed_time(now, b.branch.timezone)})
    notifications_enqueue_many(rows)


# --- contacts under the conduct rules --------------------------------------------------

def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


@transaction.atomic
def contact_log(*, actor, case: CollectionCase, channel: str, party: str = "borrower", party_name: str = "",
                connected: bool = False, outcome: str = "", notes: str = "",
                at: datetime | None = None) -> ContactAttempt:
    """Logs every attempt. One the conduct rules forbid is logged as refused, with why, and
    the caller shows that reason; nothing about the debt goes to a third party."""
    if actor.role not in (Role.COLLECTOR, Role.OFFICER, Role.MANAGER) and not actor.is_superuser:
        raise NotAllowed(_("Role '%(role)s' may not contact borrowers.") % {"role": actor.get_role_display()})
    if channel not in ("call", "sms", "visit", "letter"):
        raise InvalidInput({"channel": [_("Choose call, sms, visit or letter.")]})
    case = CollectionCase.objects.select_related("loan__borrower__branch", "loan__application").get(pk=case.pk)
    # Lock the borrower: the daily caps count attempts across all staff, so two collectors
    # calling at once must not both squeeze under the limit.
    borrower = Borrower.objects.select_for_update().select_related("branch").get(pk=case.loan.borrower_id)
    at = at or timezone.now()
    local = _local(at, borrower.branch.timezone)
    reason = ""
    start, end = (time.fromisoformat(conduct("CONTACT_START")), time.fromisoformat(conduct("CONTACT_END")))
    guarantors = {str(g.get("name", "")).strip() for g in (case.loan.application.guarantors or [])
                  if isinstance(g, dict)}
    if party == "third_party" or (party == "guarantor" and party_name.strip() not in guarantors):
        reason = _("No contact with third parties other than the loan's guarantors.")
    elif not (start <= local.time() < end):
        reason = _("No contact between %(end)s and %(start)s borrower local time (now %(now)s).") % {
            "start": conduct("CONTACT_START"), "end": conduct("CONTACT_END"), "now": local.strftime("%H:%M")}
    elif channel == "call":
        day_start = datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)
        today = ContactAttempt.objects.filter(borrower=borrower, channel="call", refused=False, at__gte=day_start,
                                              at__lt=day_start + timedelta(days=1))
        counts = today.aggregate(dials=Count("id"), connected=Count("id", filter=Q(connected=True)))
        if counts["dials"] >= int(conduct("MAX_DIAL_ATTEMPTS")):
            reason = _("Already %(n)d call attempts today for this borrower (limit %(max)d).") % {
                "n": counts["dials"], "max": int(conduct("MAX_DIAL_ATTEMPTS"))}
        elif counts["connected"] >= int(conduct("MAX_CONNECTED_CALLS")):
            reason = _("Already %(n)d connected calls today for this borrower (limit %(max)d).") % {
                "n": counts["connected"], "max": int(conduct("MAX_CONNECTED_CALLS"))}
    attempt = ContactAttempt.objects.create(
        case=case, borrower=borrower, actor=actor, at=at, channel=channel, party=party, party_name=party_name,
        connected=connected and not reason, outcome=outcome, notes=notes, refused=bool(reason),
        refusal_reason=reason)
    audit_record(actor=actor, entity="loan", entity_id=case.loan_id, action="contact_refused" if reason else "contact",
                 reason=reason, data={"case": case.pk, "attempt": attempt.pk, "channel": channel, "party": party,
                                      "connected": attempt.connected})
    return attempt


@transaction.atomic
def promise_create(*, actor, case: CollectionCase, amount, promised_on: date) -> PromiseToPay:
    amount = money(amount)
    today = business_date()
    errors = {}
    if amount <= 0:
        errors["amount"] = [_("The amount must be positive.")]
    if promised_on < today:
        errors["promised_on"] = [_("A promise is for today or later.")]
    if errors:
        raise InvalidInput(errors)
    if case.status != CaseStatus.OPEN:
        raise TransitionNotAllowed(entity="case", action="promise", status=case.status)
    p = PromiseToPay.objects.create(case=case, amount=amount, promised_on=promised_on, made_on=today,
                                    created_by=actor)
    audit_record(actor=actor, entity="loan", entity_id=case.loan_id, action="promise_to_pay",
                 data={"case": case.pk, "amount": str(amount), "promised_on": promised_on.isoformat()})
    return p


# --- write-off and recoveries ----------------------------------------------------------

@transaction.atomic
def writeoff_request(*, actor, loan: Loan, reason: str) -> WriteOff:
    if actor.role not in (Role.COLLECTOR, Role.OFFICER, Role.MANAGER) and not actor.is_superuser:
        raise NotAllowed(_("Role '%(role)s' may not propose write-offs.") % {"role": actor.get_role_display()})
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED):
        raise TransitionNotAllowed(entity="loan", action="write off", status=loan.status)
    if loan.classification != "loss":
        raise TransitionNotAllowed(entity="loan", action="write off", status=loan.status, message=_(
            "Only a loan classified as loss may be written off; this one is %(c)s.") % {"c": loan.classification})
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why.")]})
    if loan.write_offs.filter(status=WriteOffStatus.REQUESTED).exists():
        raise TransitionNotAllowed(entity="loan", action="write off", status=loan.status,
                                   message=_("A write-off is already waiting for approval."))
    w = WriteOff.objects.create(loan=loan, reason=reason, requested_by=actor)
    audit_record(actor=actor, entity="loan", entity_id=loan.pk, action="write_off_requested", reason=reason,
                 to_state="requested", data={"write_off": w.pk})
    return w


@transaction.atomic
def writeoff_decide(*, actor, write_off: WriteOff, approve: bool, comment: str = "") -> WriteOff:
    if actor.role not in (Role.MANAGER, Role.ADMIN) and not actor.is_superuser:
        raise NotAllowed(_("Only a manager approves write-offs."))
    w = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if w.status != WriteOffStatus.REQUESTED:
        raise TransitionNotAllowed(entity="write-off", action="decide", status=w.status)
    if w.requested_by_id == actor.pk:
        raise NotAllowed(_("Four eyes: the proposer may not approve the write-off."))
    loan = Loan.objects.select_for_update().get(pk=w.loan_id)
    w.decided_by = actor
    if not approve:
        w.status = WriteOffStatus.REJECTED
        w.save(update_fields=["status", "decided_by"])
        audit_record(actor=actor, entity="loan", entity_id=loan.pk, action="write_off_rejected", reason=comment)
        return w
    from .models import LoanProvision
    today = business_date()
    held = LoanProvision.objects.filter(loan=loan).values_list("amount", flat=True).first() or ZERO
    principal, penalty = loan.outstanding_principal, loan.penalty_outstanding
    lines = [Line(Acct.LOAN_PRINCIPAL, credit=principal, loan_id=loan.pk),
             Line(Acct.LOAN_LOSS_PROVISION, debit=held, loan_id=loan.pk)]
    # The provision held covers the loss; any shortfall is expensed now, any excess released.
    if principal > held:
        lines.append(Line(Acct.PROVISION_EXPENSE, debit=principal - held, loan_id=loan.pk))
    elif held > principal:
        lines.append(Line(Acct.PROVISION_EXPENSE, credit=held - principal, loan_id=loan.pk))
    # Penalty accrued as income but never to be collected is taken back out.
    lines += [Line(Acct.PENALTY_INCOME, debit=penalty, loan_id=loan.pk),
              Line(Acct.PENALTY_RECEIVABLE, credit=penalty, loan_id=loan.pk)]
    journal_post(kind="write_off", business_date=today, actor=actor, reference=f"loan:{loan.pk}",
                 source_key=f"write_off:{w.pk}", memo=w.reason, lines=lines)
    LoanProvision.objects.filter(loan=loan).update(amount=ZERO)
    old = loan.status
    loan.status = LoanStatus.WRITTEN_OFF
    loan.save(update_fields=["status"])
    w.status, w.business_date, w.principal, w.penalty = WriteOffStatus.APPROVED, today, principal, penalty
    w.save(update_fields=["status", "decided_by", "business_date", "principal", "penalty"])
    CollectionCase.objects.filter(loan=loan, status=CaseStatus.OPEN).update(status=CaseStatus.CLOSED,
                                                                            closed_on=today, outcome="written_off")
    audit_record(actor=actor, entity="loan", entity_id=loan.pk, action="write_off", from_state=old,
                 to_state=loan.status, reason=comment or w.reason,
                 data={"write_off": w.pk, "principal": str(principal), "penalty": str(penalty)})
    return w


@transaction.atomic
def recovery_post(*, actor, loan: Loan, amount, received_on: date, channel: str, reference: str = "") -> Recovery:
    if actor.role not in (Role.COLLECTOR, Role.OFFICER, Role.MANAGER) and not actor.is_superuser:
        raise NotAllowed(_("Role '%(role)s' may not post recoveries.") % {"role": actor.get_role_display()})
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status != LoanStatus.WRITTEN_OFF:
        raise TransitionNotAllowed(entity="loan", action="recover", status=loan.status)
    amount = money(amount)
    if amount <= 0:
        raise InvalidInput({"amount": [_("The amount must be positive.")]})
    if received_on > business_date():
        raise InvalidInput({"received_on": [_("Not after the business date.")]})
    r = Recovery.objects.create(loan=loan, amount=amount, received_on=received_on, channel=channel,
                                reference=reference, posted_by=actor)
    journal_post(kind="recovery", business_date=received_on, actor=actor, reference=f"loan:{loan.pk}",
                 source_key=f"recovery:{r.pk}", memo=reference, lines=[
                     Line(Acct.CASH, debit=amount, loan_id=loan.pk),
                     Line(Acct.RECOVERY_INCOME, credit=amount, loan_id=loan.pk)])
    audit_record(actor=actor, entity="loan", entity_id=loan.pk, action="recovery", data={"amount": str(amount)})
    return r


def case_step_list(case) -> list[CaseStep]:
    return list(case.steps.all())
