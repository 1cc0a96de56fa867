"""The escalation ladder, run by the daily close once per chunk (collection/escalation.py is
the close's hook): opens cases for newly overdue loans and assigns them, takes each case's due
steps once (each audited on the loan; the overdue notice also texts the borrower), closes the
cases of loans current again and settles the promises that fell due.

Set-based: a fixed number of statements per chunk, whatever the number of loans, in SQL that
PostgreSQL and SQLite both run. The notices are worded through gettext in each borrower's
language and written through the outbox's set-based entry point, the audit rows through the
audit's; neither table is written here directly."""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from applications import notices
from applications.models import Borrower, DayCount, Product
from microloan.audit import audit_record_many
from microloan.models import Branch
from microloan.notifications import notifications_enqueue_many
from microloan.policy import policy
from servicing.calendar import working_days_past_due
from servicing.models import Contract, Loan

from ..case_models import CaseStatus, CaseStep, CollectionCase
from .cases import cases_assign, cases_close_current, cases_open
from .promises import promises_settle
from .sql import in_ids, table

NOTICE_STEP = "overdue_notice"


def escalation_run(*, business_date: date, loan_ids: list[int], lo: int = 0, hi: int = 2**62) -> dict:
    now = timezone.now()
    opened = cases_open(business_date=business_date, loan_ids=loan_ids)
    cases_assign(case_ids=opened)
    taken = steps_take(business_date=business_date, loan_ids=loan_ids, now=now)
    closed = cases_close_current(business_date=business_date, lo=lo, hi=hi)
    promises = promises_settle(business_date=business_date, lo=lo, hi=hi)
    return {"opened": len(opened), "steps": taken, "closed": sum(closed.values()), **promises}


def steps_take(*, business_date: date, loan_ids: list[int], now: datetime) -> int:
    """Takes every due step of the ladder for the open cases of ``loan_ids`` (once per case
    and step: the unique constraint), audits each on its loan and sends the overdue notices.
    Returns how many steps were taken."""
    steps = list(policy().collection.escalation_steps)
    if not loan_ids or not steps:
        return 0
    cond, params = in_ids(loan_ids)
    values = ", ".join(["(%s, %s)"] * len(steps))
    # A product counting working days climbs the ladder by working days past due (its
    # calendar days past due and region give them: servicing.calendar.working_days_past_due).
    worked = working_days_past_due(business_date=business_date, loan_ids=loan_ids) or [(-1, "", -1)]
    w_values = ", ".join(["(%s, %s, %s)"] * len(worked))
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH s(step, min_dpd) AS (VALUES {values}), w(dpd, region, wdpd) AS (VALUES {w_values})
            INSERT INTO {table(CaseStep)} (case_id, step, business_date, days_past_due, created_at)
            SELECT c.id, s.step, %s, l.days_past_due, %s
            FROM {table(CollectionCase)} c JOIN {table(Loan)} l ON l.id = c.loan_id
            JOIN {table(Product)} p ON p.id = l.product_id JOIN {table(Branch)} lb ON lb.id = l.branch_id
            LEFT JOIN w ON p.day_count = %s AND w.dpd = l.days_past_due AND w.region = lb.region, s
            WHERE c.status = %s AND c.loan_id {cond} AND COALESCE(w.wdpd, l.days_past_due) >= s.min_dpd
            ON CONFLICT DO NOTHING RETURNING id""",
            [
                *[x for st in steps for x in st],
                *[x for row in worked for x in row],
                business_date,
                now,
                DayCount.WORKING,
                CaseStatus.OPEN,
                *params,
            ],
        )
        step_ids = sorted(r[0] for r in cur.fetchall())
        if not step_ids:
            return 0
        cond, params = in_ids(step_ids)
        cur.execute(
            f"""
            SELECT s.step, s.days_past_due, c.id, l.id, l.days_past_due, l.overdue_amount, bo.mobile, bo.language,
                   b.timezone, ct.number, bo.full_name, bo.user_id
            FROM {table(CaseStep)} s JOIN {table(CollectionCase)} c ON c.id = s.case_id
            JOIN {table(Loan)} l ON l.id = c.loan_id JOIN {table(Borrower)} bo ON bo.id = l.borrower_id
            JOIN {table(Contract)} ct ON ct.id = l.contract_id JOIN {table(Branch)} b ON b.id = c.branch_id
            WHERE s.id {cond} ORDER BY s.id""",
            params,
        )
        taken = cur.fetchall()
    audit_record_many(
        [
            dict(
                actor=None,
                entity="loan",
                entity_id=loan_id,
                action=f"escalation:{step}",
                to_state=step,
                data={"case": case_id, "business_date": business_date.isoformat(), "days_past_due": step_dpd},
            )
            for step, step_dpd, case_id, loan_id, *_rest in taken
        ]
    )
    notifications_enqueue_many(
        [
            row
            for step, _s, case_id, _l, dpd, amount, mobile, language, tz, contract, name, user_id in taken
            if step == NOTICE_STEP
            for row in overdue_notice(
                case_id=case_id,
                contract=contract,
                name=name,
                days_past_due=dpd,
                overdue_amount=amount,
                mobile=mobile,
                user_id=user_id,
                language=language,
                tz_name=tz,
            )
        ],
        now=now,
    )
    return len(taken)


def overdue_notice(
    *,
    case_id: int,
    contract: str,
    name: str,
    days_past_due: int,
    overdue_amount,
    mobile: str,
    user_id: int | None,
    language: str,
    tz_name: str,
) -> list[dict]:
    """The overdue notice's outbox rows (SMS and in-app, as the notice table says), worded in
    the borrower's language (the site's when the borrower has none), the loan named by its
    contract number, once per case (its dedupe key) and held to the contact window of the
    branch's time zone (the outbox works out when)."""
    return notices.notice_rows(
        notices.OVERDUE,
        key=f"{NOTICE_STEP}:{case_id}",
        reference=f"case:{case_id}",
        language=language or settings.LANGUAGE_CODE,
        mobile=mobile,
        user_id=user_id,
        tz_name=tz_name,
        fields={
            "name": name,
            "contract": contract,
            "days": days_past_due,
            "amount": Decimal(str(overdue_amount)).quantize(Decimal("0.01")),
        },
    )
