"""Overdue handling beyond the numbers: collection cases, the escalation ladder, contact
attempts under the conduct rules, promises to pay, write-offs and recoveries.

The daily close calls ``escalation_run`` once per chunk (collection.escalation hook); its work
is a handful of set-based statements, idempotent per case and step."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q  # noqa: F401
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import ZERO, money
from microloan.models import Role
from microloan.scoping import require_role
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

def _ids(ids: list[int]) -> tuple[str, list]:
    """An id-list condition both databases run: an array on PostgreSQL (any length), a
    placeholder list elsewhere (SQLite, the demo)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def escalation_run(*, business_date: date, loan_ids: list[int], lo: int = 0, hi: int = 2**62) -> dict:
    """Opens cases for newly overdue loans, assigns them, takes the ladder's due steps (with
    their audit records and the overdue notice), closes cases of loans that are current
    again and settles promises that fell due. Set-based: a fixed number of statements per
    chunk, whatever the number of loans; plain SQL that PostgreSQL and SQLite both run."""
    now = timezone.now()
    opened, taken = 0, 0
    with connection.cursor() as cur:
        if loan_ids:
            in_loans, p_loans = _ids(loan_ids)
            cur.execute(f"""
                INSERT INTO collection_collectioncase (loan_id, branch_id, opened_on, status, outcome)
                SELECT l.id, l.branch_id, %s, 'open', '' FROM servicing_loan l
                WHERE l.id {in_loans} AND l.days_past_due > 0
                  AND NOT EXISTS (SELECT 1 FROM collection_collectioncase c
                                  WHERE c.loan_id = l.id AND c.status = 'open')
                ON CONFLICT DO NOTHING RETURNING id""", [business_date, *p_loans])
            new_cases = [r[0] for r in cur.fetchall()]
            opened = len(new_cases)
            if new_cases:
                _assign(cur, new_cases)
            steps = escalation_steps()
            if steps:
                values = ", ".join(["(%s, %s)"] * len(steps))
                cur.execute(f"""
                    WITH s(step, min_dpd) AS (VALUES {values})
                    INSERT INTO collection_casestep (case_id, step, business_date, days_past_due, created_at)
                    SELECT c.id, s.step, %s, l.days_past_due, %s
                    FROM collection_collectioncase c JOIN servicing_loan l ON l.id = c.loan_id, s
                    WHERE c.status = 'open' AND c.loan_id {in_loans} AND l.days_past_due >= s.min_dpd
                    ON CONFLICT DO NOTHING RETURNING id""",
                            [*[x for st in steps for x in st], business_date, now, *p_loans])
                step_ids = [r[0] for r in cur.fetchall()]
                taken = len(step_ids)
                if step_ids:
                    _record_steps(cur, business_date, step_ids, now)
        cur.execute("""
            UPDATE collection_collectioncase AS c SET status = 'closed', closed_on = %s,
                   outcome = CASE WHEN l.status = 'closed' THEN 'repaid' WHEN l.status = 'written_off'
                                  THEN 'written_off' ELSE 'cured' END
            FROM servicing_loan l
            WHERE c.loan_id = l.id AND c.status = 'open' AND c.loan_id BETWEEN %s AND %s
              AND (l.days_past_due = 0 OR l.status IN ('closed', 'written_off'))
              AND l.business_date = %s""", [business_date, lo, hi, business_date])
        cur.execute("""
            UPDATE collection_promisetopay AS p SET status = CASE WHEN paid.total >= p.amount THEN 'kept'
                                                                  ELSE 'broken' END, checked_on = %s
            FROM (SELECT p2.id AS id, COALESCE(SUM(r.amount), 0) AS total
                  FROM collection_promisetopay p2
                  JOIN collection_collectioncase c ON c.id = p2.case_id
                  LEFT JOIN servicing_repayment r ON r.loan_id = c.loan_id AND r.status = 'posted'
                       AND r.paid_on BETWEEN p2.made_on AND p2.promised_on
                  WHERE p2.status = 'open' AND p2.promised_on < %s AND c.loan_id BETWEEN %s AND %s
                  GROUP BY p2.id) AS paid
            WHERE p.id = paid.id""", [business_date, business_date, lo, hi])
    return {"opened": opened, "steps": taken}


def _assign(cur, case_ids: list[int]) -> None:
    """By load: new cases go round the branch's collectors, least loaded first."""
    in_cases, p_cases = _ids(case_ids)
    cur.execute(f"""
        WITH fresh AS (
            SELECT id, branch_id, ROW_NUMBER() OVER (PARTITION BY branch_id ORDER BY id) - 1 AS rn
            FROM collection_collectioncase WHERE id {in_cases}
        ), pool AS (
            SELECT u.id, u.branch_id,
                   ROW_NUMBER() OVER (PARTITION BY u.branch_id ORDER BY COUNT(c.id), u.id) - 1 AS idx,
                   COUNT(*) OVER (PARTITION BY u.branch_id) AS n
            FROM microloan_user u
            LEFT JOIN collection_collectioncase c ON c.assigned_to_id = u.id AND c.status = 'open'
            WHERE u.role = 'collector' AND u.is_active
              AND u.branch_id IN (SELECT DISTINCT branch_id FROM fresh)
            GROUP BY u.id, u.branch_id
        )
        UPDATE collection_collectioncase AS cc SET assigned_to_id = pool.id
        FROM fresh JOIN pool ON pool.branch_id = fresh.branch_id AND pool.idx = fresh.rn %% pool.n
        WHERE cc.id = fresh.id""", p_cases)


def _record_steps(cur, day: date, step_ids: list[int], now) -> None:
    """The steps' audit records (visible on the loan) and, for the overdue notice, the
    borrower's SMS, written to the outbox in this transaction and held to the contact window
    (the resend job delivers it then)."""
    in_steps, p_steps = _ids(step_ids)
    pg = connection.vendor == "postgresql"
    data = ("jsonb_build_object('case', c.id, 'business_date', %s, 'days_past_due', s.days_past_due)" if pg
            else "json_object('case', c.id, 'business_date', %s, 'days_past_due', s.days_past_due)")
    cur.execute(f"""
        INSERT INTO microloan_auditevent (at, actor_id, entity, entity_id, action, from_state, to_state, reason, data)
        SELECT %s, NULL, 'loan', c.loan_id, 'escalation:' || s.step, '', s.step, '', {data}
        FROM collection_casestep s JOIN collection_collectioncase c ON c.id = s.case_id
        WHERE s.id {in_steps}""", [now, day.isoformat(), *p_steps])
    try:
        from microloan.notifications import next_allowed_time
    except ImportError:
        return
    cur.execute(f"""
        SELECT DISTINCT b.timezone FROM collection_casestep s JOIN collection_collectioncase c ON c.id = s.case_id
        JOIN microloan_branch b ON b.id = c.branch_id WHERE s.id {in_steps} AND s.step = 'overdue_notice'""",
                p_steps)
    zones = [r[0] for r in cur.fetchall()]
    if not zones:
        return
    windows = ", ".join(["(%s, %s)"] * len(zones))
    text = "CAST(l.id AS TEXT)"
    cur.execute(f"""
        WITH w(tz, not_before) AS (VALUES {windows})
        INSERT INTO microloan_notification (user_id, channel, to_address, language, subject, body, kind, reference,
                                            dedupe_key, tz_name, not_before, status, attempts, last_error,
                                            created_at)
        SELECT NULL, 'sms', bo.mobile, bo.language,
               CASE WHEN bo.language = 'en' THEN 'Overdue notice' ELSE '逾期提醒' END,
               CASE WHEN bo.language = 'en'
                    THEN 'Your loan ' || {text} || ' is ' || CAST(l.days_past_due AS TEXT) || ' days overdue ('
                         || CAST(l.overdue_amount AS TEXT) || '). Please repay as soon as possible.'
                    ELSE '您的贷款' || {text} || '已逾期' || CAST(l.days_past_due AS TEXT) || '天，逾期金额'
                         || CAST(l.overdue_amount AS TEXT) || '元，请尽快还款。' END,
               'overdue_notice', 'case:' || CAST(c.id AS TEXT), 'overdue_notice:' || CAST(c.id AS TEXT),
               b.timezone, w.not_before, 'pending', 0, '', %s
        FROM collection_casestep s JOIN collection_collectioncase c ON c.id = s.case_id
        JOIN servicing_loan l ON l.id = c.loan_id JOIN applications_borrower bo ON bo.id = l.borrower_id
        JOIN microloan_branch b ON b.id = c.branch_id JOIN w ON w.tz = b.timezone
        WHERE s.id {in_steps} AND s.step = 'overdue_notice'
        ON CONFLICT DO NOTHING""",
                [*[x for z in zones for x in (z, next_allowed_time(now, z))], now, *p_steps])


# --- contacts under the conduct rules --------------------------------------------------

def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


@transaction.atomic
def contact_log(*, actor, case: CollectionCase, channel: str, party: str = "borrower", party_name: str = "",
                connected: bool = False, outcome: str = "", notes: str = "",
                at: datetime | None = None) -> ContactAttempt:
    """Logs every attempt. One the conduct rules forbid is logged as refused, with why, and
    the caller shows that reason; nothing about the debt goes to a third party."""
    require_role(actor, (Role.COLLECTOR, Role.OFFICER, Role.MANAGER), _("contact borrowers"))
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
    require_role(actor, (Role.COLLECTOR, Role.OFFICER, Role.MANAGER), _("propose write-offs"))
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
    require_role(actor, (Role.MANAGER, Role.ADMIN), _("approve write-offs"))
    w = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if w.status != WriteOffStatus.REQUESTED:
        raise TransitionNotAllowed(entity="write-off", action="decide", status=w.status)
    if w.requested_by_id == actor.pk:
        raise NotAllowed(_("Four eyes: the proposer may not approve the write-off."))
    loan = Loan.objects.select_for_update().get(pk=w.loan_id)
    if approve and (loan.status not in (LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED) or loan.classification != "loss"):
        # The loan moved on (paid, cured, restructured away from loss) while the request waited.
        raise TransitionNotAllowed(entity="loan", action="write off", status=loan.status, message=_(
            "The loan is no longer a live loss-class loan (%(s)s, %(c)s); reject the request instead.")
            % {"s": loan.status, "c": loan.classification})
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
    require_role(actor, (Role.COLLECTOR, Role.OFFICER, Role.MANAGER), _("post recoveries"))
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
