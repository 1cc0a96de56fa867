"""Collection's reads: the collector's worklist, the promises to follow up, a case page's
facts and the moves its viewer may make, the write-offs to decide, the recoveries waiting for
confirmation."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from care.models import Complaint
from microloan.pii import mask, mask_party
from microloan.scoping import branch_q

from .case_models import CaseStatus, CollectionCase, PromiseStatus, PromiseToPay, Recovery, RecoveryStatus, WriteOff
from .workflow import RECOVERY_WORKFLOW, WRITE_OFF_WORKFLOW

# Worst first: the worklist's order and its bucket filter.
BUCKET_ORDER = ["180+", "91-180", "61-90", "31-60", "1-30", "current"]


def cases_visible(*, user) -> QuerySet[CollectionCase]:
    """The cases of the user's branch and its children."""
    return CollectionCase.objects.filter(branch_q(user)).select_related("loan__borrower", "assigned_to")


def worklist(
    *, user, bucket: str = "", status: str = CaseStatus.OPEN, assigned_to: int | None = None
) -> QuerySet[CollectionCase]:
    """The cases in ``status`` (open: the collector's worklist), optionally of one bucket and
    one collector: the user's own first, then the worst bucket, the most days past due."""
    qs = (
        cases_visible(user=user)
        .filter(status=status)
        .annotate(
            mine=Case(When(assigned_to=user, then=Value(0)), default=Value(1), output_field=IntegerField()),
            bucket_rank=Case(
                *[When(loan__bucket=b, then=Value(i)) for i, b in enumerate(BUCKET_ORDER)],
                default=Value(9),
                output_field=IntegerField(),
            ),
        )
        .order_by("mine", "bucket_rank", "-loan__days_past_due", "id")
    )
    if assigned_to is not None:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.filter(loan__bucket=bucket) if bucket else qs


def write_offs_visible(*, user) -> QuerySet[WriteOff]:
    """The write-offs of the loans of the user's branch and its children, newest first."""
    return WriteOff.objects.filter(branch_q(user, "loan__branch")).select_related("requested_by", "decided_by")


def write_off_actions(*, write_offs, user) -> list[WriteOff]:
    """Each of ``write_offs`` with ``actions``: the moves ``user`` may make on it now (role,
    status and four eyes), read with one audit query for them all."""
    moves = WRITE_OFF_WORKFLOW.available_many(objs=write_offs, actor=user)
    for w in write_offs:
        w.actions = moves[w.pk]
    return list(write_offs)


def promises_due(*, user, on) -> QuerySet[PromiseToPay]:
    return PromiseToPay.objects.filter(
        case__in=cases_visible(user=user), status=PromiseStatus.OPEN, promised_on=on
    ).select_related("case__loan__borrower")


def promises_broken(*, user) -> QuerySet[PromiseToPay]:
    """Broken promises of cases still open: the ones to chase."""
    return PromiseToPay.objects.filter(
        case__in=cases_visible(user=user).filter(status=CaseStatus.OPEN), status=PromiseStatus.BROKEN
    ).select_related("case__loan__borrower")


def contact_sheet(*, case: CollectionCase, clear: bool = False) -> list[dict]:
    """Whom a collector may call on the case and at which number: the borrower and the loan's
    guarantors (no third party). Masked (microloan/pii.py) unless ``clear``, which only the
    audited reveal (``collection.services.contacts.contact_sheet_reveal``) asks for."""
    borrower = case.loan.borrower
    rows = [
        {
            "party": "borrower",
            "label": _("Borrower"),
            "name": borrower.full_name,
            "mobile": borrower.mobile if clear else mask("mobile", borrower.mobile),
        }
    ]
    for g in case.loan.application.guarantors or []:
        if not isinstance(g, dict):
            continue
        person = {"name": str(g.get("name", "")), "mobile": str(g.get("mobile", "") or g.get("phone", ""))}
        rows.append({"party": "guarantor", "label": _("Guarantor"), **(person if clear else mask_party(person))})
    return rows


def case_page(*, case: CollectionCase, user) -> dict:
    """What the case page shows: the ladder's steps, contacts, promises, write-offs (each with
    the moves ``user`` may make on it) and the borrower's complaints, collection-conduct ones
    first, so whoever works the case knows of a dispute about it."""
    write_offs = write_off_actions(
        write_offs=list(case.loan.write_offs.select_related("requested_by", "decided_by")), user=user
    )
    recoveries = list(case.loan.recoveries.select_related("recorded_by", "decided_by"))
    recovery_moves(recoveries=recoveries, user=user)
    return {
        "recoveries": recoveries,
        "contact_sheet": contact_sheet(case=case),
        "steps": list(case.steps.all()),
        "contacts": list(case.contacts.select_related("actor")[:100]),
        "promises": list(case.promises.all()),
        "write_offs": write_offs,
        "complaints": list(
            Complaint.objects.filter(borrower_id=case.loan.borrower_id).order_by(
                Case(When(category="collection_conduct", then=0), default=1), "-received_on"
            )
        ),
    }


def recoveries_visible(*, user) -> QuerySet[Recovery]:
    """The recoveries on the loans of the user's branch tree."""
    return Recovery.objects.filter(branch_q(user, "loan__branch")).select_related(
        "loan__borrower", "loan__branch", "recorded_by", "decided_by"
    )


def recoveries_pending(*, user) -> QuerySet[Recovery]:
    """The checker's queue: recoveries waiting for confirmation in the user's branch tree,
    oldest first."""
    return recoveries_visible(user=user).filter(status=RecoveryStatus.PENDING).order_by("created_at", "id")


def recovery_moves(*, recoveries, user) -> None:
    """Sets ``moves`` on each recovery: the actions the table allows ``user`` on it now (none on
    one they recorded), with one audit query for them all."""
    moves = RECOVERY_WORKFLOW.available_many(objs=recoveries, actor=user)
    for r in recoveries:
        r.moves = moves.get(r.pk, [])
