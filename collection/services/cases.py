"""Collection cases as the daily close sees them: opened set-based for newly overdue loans,
assigned by load, closed when the loan is current again, repaid or written off.

Opening writes one ``open`` audit row per new case; closing goes through the case's table
(``CASE_WORKFLOW.apply_many``), one audit row per closed case, a fixed number of statements
per chunk whatever its size."""

from datetime import date

from django.db import connection
from django.db.models import Q

from microloan.audit import audit_record_many
from microloan.models import Role, User
from servicing.models import Loan, LoanStatus

from ..case_models import CaseStatus, CollectionCase
from ..workflow import CASE_OPENED, CASE_OUTCOMES, CASE_WORKFLOW
from .sql import in_ids, table

# The action that closes a case, by the status of its loan (any other: current again).
CLOSING_ACTION: dict[str, str] = {LoanStatus.CLOSED: "settle", LoanStatus.WRITTEN_OFF: "write_off"}


def cases_open(*, business_date: date, loan_ids: list[int]) -> list[int]:
    """Opens a case for each of ``loan_ids`` that is overdue and has no open case (the partial
    unique index makes a concurrent second insert a no-op). Returns the new cases' ids."""
    if not loan_ids:
        return []
    cond, params = in_ids(loan_ids)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {table(CollectionCase)} (loan_id, branch_id, opened_on, status, outcome)
            SELECT l.id, l.branch_id, %s, %s, '' FROM {table(Loan)} l
            WHERE l.id {cond} AND l.days_past_due > 0
              AND NOT EXISTS (SELECT 1 FROM {table(CollectionCase)} c
                              WHERE c.loan_id = l.id AND c.status = %s)
            ON CONFLICT DO NOTHING RETURNING id, loan_id""",
            [business_date, CaseStatus.OPEN, *params, CaseStatus.OPEN],
        )
        new = sorted(cur.fetchall())
    audit_record_many(
        [
            dict(
                actor=None,
                entity=CASE_WORKFLOW.entity,
                entity_id=case_id,
                action=CASE_OPENED,
                to_state=CaseStatus.OPEN,
                data={"loan": loan_id, "business_date": business_date.isoformat()},
            )
            for case_id, loan_id in new
        ]
    )
    return [case_id for case_id, _loan in new]


def cases_assign(*, case_ids: list[int]) -> None:
    """By load: new cases go round the branch's collectors, least loaded first."""
    if not case_ids:
        return
    cond, params = in_ids(case_ids)
    case, user = table(CollectionCase), table(User)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH fresh AS (
                SELECT id, branch_id, ROW_NUMBER() OVER (PARTITION BY branch_id ORDER BY id) - 1 AS rn
                FROM {case} WHERE id {cond}
            ), pool AS (
                SELECT u.id, u.branch_id,
                       ROW_NUMBER() OVER (PARTITION BY u.branch_id ORDER BY COUNT(c.id), u.id) - 1 AS idx,
                       COUNT(*) OVER (PARTITION BY u.branch_id) AS n
                FROM {user} u
                LEFT JOIN {case} c ON c.assigned_to_id = u.id AND c.status = %s
                WHERE u.role = %s AND u.is_active
                  AND u.branch_id IN (SELECT DISTINCT branch_id FROM fresh)
                GROUP BY u.id, u.branch_id
            )
            UPDATE {case} AS cc SET assigned_to_id = pool.id
            FROM fresh JOIN pool ON pool.branch_id = fresh.branch_id AND pool.idx = fresh.rn %% pool.n
            WHERE cc.id = fresh.id""",
            [*params, CaseStatus.OPEN, Role.COLLECTOR],
        )


def cases_close_current(*, business_date: date, lo: int = 0, hi: int = 2**62) -> dict[str, int]:
    """Closes the open cases of the loans in ``lo``..``hi`` that this close found current again,
    repaid or written off, through the case's table. Returns how many closed, by action."""
    candidates = (
        CollectionCase.objects.filter(
            status=CaseStatus.OPEN, loan__id__range=(lo, hi), loan__business_date=business_date
        )
        .filter(Q(loan__days_past_due=0) | Q(loan__status__in=list(CLOSING_ACTION)))
        .values_list("id", "loan__status")
    )
    by_action: dict[str, list[int]] = {}
    for case_id, loan_status in candidates:
        by_action.setdefault(CLOSING_ACTION.get(loan_status, "cure"), []).append(case_id)
    return {
        action: len(cases_close(case_ids=ids, action=action, business_date=business_date))
        for action, ids in sorted(by_action.items())
    }


def cases_close(*, case_ids: list[int], action: str, business_date: date, actor=None) -> list[int]:
    """Closes the given cases (those still open) with ``action``'s outcome; the ids closed."""
    return CASE_WORKFLOW.apply_many(
        model=CollectionCase,
        ids=case_ids,
        action=action,
        actor=actor,
        extra={"closed_on": business_date, "outcome": CASE_OUTCOMES[action]},
    )
