"""Batch disaster deferral (灾害延期): every live loan of a branch and its subtree (a region is
a node of the branch tree) deferred by the same number of periods. One manager proposes it
(the branch, the periods, the reason: the number of live loans in the tree is recorded for the
approver), another approves it (``RESTRUCTURING_BATCH_WORKFLOW``: four eyes, every move
audited) or rejects it with a reason.

The approval is applied set-based, in chunks of ``CHUNK`` loans, each chunk its own
transaction and a constant number of statements whatever its size: the loans move through the
loan's table (``restructure``, one UPDATE and one bulk insert of audit rows), one approved
``Restructuring`` per loan (kind ``deferral``, cause ``disaster``, the batch's) is inserted
with its audit row, the loans' current instalments are copied in one INSERT … SELECT as the
new schedule version — each instalment not yet due on the effective date moved ``periods``
periods later, the rule of the single deferral (``servicing.restructuring``), in SQL (a
calendar month clamps to the month's end in PostgreSQL as in ``shift_due_date``) — and the
maturity dates follow in one UPDATE. A loan done is skipped by the next chunk, so an
interrupted application resumes where it stopped (``batch_apply`` again). No money moves:
amounts stay, only due dates change."""

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record_many
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.schedule import PERIOD_DAYS
from microloan.models import Branch
from microloan.permissions import require
from microloan.scoping import branch_q
from microloan.workflow import NEW

from .calendar import refresh_grace_dates, roll_due_dates
from .models import (
    Installment,
    Loan,
    LoanStatus,
    Restructuring,
    RestructuringBatch,
    RestructuringKind,
    RestructuringStatus,
)
from .workflow import LOAN_WORKFLOW, RESTRUCTURING_BATCH_WORKFLOW

CHUNK = 500


def batch_loans(branch: Branch):
    """The live loans of ``branch`` and its subtree."""
    return Loan.objects.filter(status__in=LoanStatus.LIVE, branch__path__startswith=branch.path)


@transaction.atomic
def batch_propose(*, actor, branch: Branch, periods: int, reason: str) -> RestructuringBatch:
    require(actor, "restructuring_batch.propose")
    if not Branch.objects.filter(branch_tree_q(actor), pk=branch.pk).exists():
        raise NotAllowed(_("The branch is outside your branch tree."))
    if not (1 <= (periods or 0) <= 12):
        raise InvalidInput({"periods": [_("Give 1 to 12 periods.")]})
    b = RestructuringBatch(
        branch=branch,
        periods=periods,
        reason=(reason or "").strip(),
        proposed_by=actor,
        loans_in_scope=batch_loans(branch).count(),
    )
    RESTRUCTURING_BATCH_WORKFLOW.start(
        obj=b,
        action="propose",
        actor=actor,
        reason=b.reason,
        data={"branch": branch.pk, "periods": periods, "loans_in_scope": b.loans_in_scope},
    )
    return b


def branch_tree_q(user) -> Q:
    """The branches ``user`` sees (their own and its subtree), as ``branch_q`` scopes rows."""
    if not user.branch_id:
        return branch_q(user)  # everything for the break-glass superuser, else nothing
    return Q(path__startswith=user.branch.path)


def batch_decide(*, actor, batch: RestructuringBatch, approve: bool, comment: str = "") -> RestructuringBatch:
    """Approves (and applies, chunk by chunk) or rejects a proposed batch deferral."""
    with transaction.atomic():
        b = RestructuringBatch.objects.select_for_update(of=("self",)).select_related("branch").get(pk=batch.pk)
        action = "approve" if approve else "reject"
        RESTRUCTURING_BATCH_WORKFLOW.check(obj=b, action=action, actor=actor, reason=comment)
        if not Branch.objects.filter(branch_tree_q(actor), pk=b.branch_id).exists():
            raise NotAllowed(_("The branch is outside your branch tree."))
        b.decided_by, b.decided_at, b.decision_comment = actor, timezone.now(), (comment or "").strip()
        b.effective_date = business_date() if approve else None
        RESTRUCTURING_BATCH_WORKFLOW.apply(
            obj=b,
            action=action,
            actor=actor,
            reason=comment,
            data={"branch": b.branch_id, "periods": b.periods},
            extra_update_fields=["decided_by", "decided_at", "decision_comment", "effective_date"],
        )
    if approve:
        batch_apply(batch=b)
        b.refresh_from_db()
    return b


def batch_apply(*, batch: RestructuringBatch, chunk_size: int | None = None) -> int:
    """Applies an approved batch to the loans not yet done, chunk by chunk; returns how many
    loans this call moved (0 once every loan is done)."""
    chunk_size, done = chunk_size or CHUNK, 0
    while True:
        with transaction.atomic():
            b = (
                RestructuringBatch.objects.select_for_update(of=("self",))
                .select_related("branch", "decided_by")
                .get(pk=batch.pk)
            )
            if b.status != "approved" or b.applied_at:
                return done
            ids = list(
                batch_loans(b.branch)
                .exclude(restructurings__batch=b)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk_size]
            )
            if not ids:
                b.applied_at = timezone.now()
                b.save(update_fields=["applied_at"])
                return done
            moved = _apply_chunk(b, ids)
            b.loans_applied += len(moved)
            b.save(update_fields=["loans_applied"])
            done += len(moved)


def _shifted_due_date_sql(periods: int) -> str:
    days = " ".join(f"WHEN '{f}' THEN {n}" for f, n in PERIOD_DAYS.items())
    return (
        f"CASE WHEN l.frequency = 'monthly' THEN (i.due_date + make_interval(months => {int(periods)}))::date "
        f"ELSE i.due_date + {int(periods)} * (CASE l.frequency {days} END) END"
    )


def _apply_chunk(b: RestructuringBatch, ids: list[int]) -> list[int]:
    actor, today = b.decided_by, b.effective_date
    versions = dict(Loan.objects.filter(pk__in=ids).values_list("pk", "schedule_version"))
    moved = LOAN_WORKFLOW.apply_many(
        model=Loan,
        ids=ids,
        action="restructure",
        actor=actor,
        reason=b.reason,
        extra={"schedule_version": F("schedule_version") + 1},
    )
    if not moved:
        return []
    rows = Restructuring.objects.bulk_create(
        [
            Restructuring(
                loan_id=pk,
                kind=RestructuringKind.DEFERRAL,
                cause="disaster",
                periods=b.periods,
                reason=b.reason,
                status=RestructuringStatus.APPROVED,
                requested_by=b.proposed_by,
                decided_by=actor,
                decided_at=b.decided_at,
                decision_comment=b.decision_comment,
                effective_date=today,
                from_version=versions[pk],
                to_version=versions[pk] + 1,
                batch=b,
            )
            for pk in moved
        ]
    )
    audit_record_many(
        [
            {
                "actor": actor,
                "entity": "restructuring",
                "entity_id": r.pk,
                "action": "approve",
                "from_state": NEW,
                "to_state": RestructuringStatus.APPROVED,
                "reason": b.reason,
                "data": {"loan": r.loan_id, "batch": b.pk, "from_version": r.from_version, "to_version": r.to_version},
            }
            for r in rows
        ]
    )
    columns = [f.column for f in Installment._meta.concrete_fields if f.column != "id"]
    table = Installment._meta.db_table
    select = {c: f"i.{c}" for c in columns}
    select["schedule_version"] = "i.schedule_version + 1"
    select["is_current"] = "TRUE"
    select["due_date"] = f"CASE WHEN i.due_date >= %s THEN {_shifted_due_date_sql(b.periods)} ELSE i.due_date END"
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET is_current = FALSE WHERE loan_id = ANY(%s) AND is_current "  # noqa: S608
            "RETURNING id",
            [moved],
        )
        old_ids = [r[0] for r in cur.fetchall()]
        cur.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(select[c] for c in columns)} FROM {table} i "
            f"JOIN {Loan._meta.db_table} l ON l.id = i.loan_id WHERE i.id = ANY(%s)",
            [today, old_ids],
        )
    # The moved due dates on working days where the product says so, and graced on holidays
    # (the copied grace dates belonged to the old due dates): set-based, like the rest.
    roll_due_dates(loan_ids=moved, on_or_after=today)
    refresh_grace_dates(loan_ids=moved)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Loan._meta.db_table} l SET maturity_date = m.last FROM "  # noqa: S608
            f"(SELECT loan_id, max(due_date) AS last FROM {table} WHERE loan_id = ANY(%s) AND is_current "
            "GROUP BY loan_id) m WHERE l.id = m.loan_id",
            [moved],
        )
    return moved
