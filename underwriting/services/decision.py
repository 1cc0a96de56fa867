"""The approval decision: approve (within authority, or by the credit committee), reject or
return."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from applications import notices
from applications.services import application_lock, validate_terms
from applications.workflow import APPLICATION_WORKFLOW
from microloan.audit import audit_record
from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.errors import ScheduleError
from microloan.lending.money import money
from microloan.policy import policy

from ..limits import apr_cap_check, exposure_cap_check
from ..models import AuthorityLimit, CommitteeMember, Decision, DecisionKind, ReasonCode
from .terms import offer_schedule


def authority_limit(user) -> Decimal:
    """The user's own limit, else the most specific (branch, role) row up the branch tree."""
    if user.approval_limit is not None:
        return user.approval_limit
    ancestors = [int(p) for p in (user.branch.path.strip("/").split("/") if user.branch_id else []) if p]
    rows = {
        r.branch_id: r.max_amount
        for r in AuthorityLimit.objects.filter(Q(branch__isnull=True) | Q(branch_id__in=ancestors), role=user.role)
    }
    for branch_id in [*reversed(ancestors), None]:
        if branch_id in rows:
            return rows[branch_id]
    return Decimal("0.00")


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    status: str
    committee_votes: int = 0
    committee_size: int = 0


@transaction.atomic
def application_decide(
    *,
    actor,
    application,
    decision: str,
    approved_amount=None,
    approved_term=None,
    approved_rate=None,
    approved_grace_periods=None,
    conditions: str = "",
    reason_code: str = "",
    comment: str = "",
) -> DecisionResult:
    app = application_lock(application)
    action = {"approve": "approve", "reject": "reject", "return": "return"}.get(decision)
    if action is None:
        raise InvalidInput({"decision": [_("Choose approve, reject or return.")]})
    APPLICATION_WORKFLOW.check(obj=app, action=action, actor=actor)
    assessment = app.assessments.select_related("scorecard").order_by("-id").first()
    round_no = app.reviews.count()
    snapshot = {
        "assessment": assessment,
        "scorecard_version": assessment.scorecard.version if assessment else None,
        "score": app.score,
        "grade": app.grade,
    }
    if Decision.objects.filter(application=app, approver=actor, round=round_no).exists():
        raise NotAllowed(_("You have already voted on this application."))

    if decision in ("reject", "return"):
        if not reason_code:
            raise InvalidInput({"reason_code": [_("A rejection or return needs a reason code.")]})
        d = Decision.objects.create(
            application=app,
            approver=actor,
            decision=decision,
            round=round_no,
            final=True,
            reason_code=reason_code,
            comment=comment,
            **snapshot,
        )
        APPLICATION_WORKFLOW.apply(
            obj=app,
            action=action,
            actor=actor,
            reason=f"{reason_code}: {comment}".strip(": "),
            data={"reason_code": reason_code, "decision": d.pk},
        )
        reason = comment or dict(ReasonCode.choices).get(reason_code, reason_code)
        notices.borrower_notify(
            app.borrower,
            notices.RETURNED if action == "return" else notices.REJECTED,
            key=f"application:{app.pk}:{action}:{d.pk}",
            reference=f"application:{app.pk}",
            ref=app.pk,
            reason=reason,
        )
        return DecisionResult(d, app.status)

    # Approve: within the product, under the APR and exposure caps, within authority.
    amount = money(
        approved_amount
        if approved_amount is not None
        else (assessment.recommended_amount if assessment and assessment.recommended_amount else app.amount)
    )
    term = approved_term or (assessment.recommended_term if assessment and assessment.recommended_term else app.term)
    rate = (
        approved_rate
        if approved_rate is not None
        else (assessment.recommended_rate if assessment and assessment.recommended_rate is not None else None)
    )
    if rate is None:
        raise InvalidInput({"approved_rate": [_("Give the approved annual rate.")]})
    if assessment is None:
        raise InvalidInput({"assessment": [_("The application has not been assessed.")]})
    if assessment.hard_rule_failures:
        raise NotAllowed(
            _("Hard rules failed, so the application can only be rejected: %(r)s")
            % {"r": "; ".join(f["message"] for f in assessment.hard_rule_failures)}
        )
    errors = validate_terms(
        product=app.product, amount=amount, term=term, method=app.method, frequency=app.frequency, rate=rate
    )
    errors = {
        {"amount": "approved_amount", "term": "approved_term", "rate": "approved_rate"}.get(k, k): v
        for k, v in errors.items()
    }
    grace = _grace_periods(app, approved_grace_periods, term, errors)
    if errors:
        raise InvalidInput(errors)
    try:
        apr = offer_schedule(app, amount=amount, term=term, rate=rate, grace_periods=grace).apr
    except ScheduleError as exc:
        raise InvalidInput({exc.field: [exc.message]}) from None
    apr_cap_check(apr)
    exposure_cap_check(borrower=app.borrower, amount=amount, application=app)
    terms = {"approved_amount": amount, "approved_term": term, "approved_rate": rate, "conditions": conditions}
    limit = authority_limit(actor)
    if amount <= limit:
        d = Decision.objects.create(
            application=app,
            approver=actor,
            decision="approve",
            round=round_no,
            final=True,
            comment=comment,
            **terms,
            **snapshot,
        )
        return _approve(app, actor, d, terms, grace=approved_grace_periods)

    # Above the approver's own limit: the credit committee decides, by distinct votes.
    if not CommitteeMember.objects.filter(user=actor).exists():
        raise NotAllowed(
            _("%(amount)s is above your approval limit of %(limit)s: it goes to the credit committee.")
            % {"amount": amount, "limit": limit}
        )
    votes = list(
        Decision.objects.filter(application=app, round=round_no, committee_vote=True, decision=DecisionKind.APPROVE)
    )
    if votes and (votes[0].approved_amount, votes[0].approved_term, votes[0].approved_rate) != (amount, term, rate):
        raise InvalidInput(
            {
                "approved_amount": [
                    _("The committee votes on the proposed terms: %(a)s over %(t)s periods at %(r)s.")
                    % {"a": votes[0].approved_amount, "t": votes[0].approved_term, "r": votes[0].approved_rate}
                ]
            }
        )
    size = policy().underwriting.committee_size
    try:
        with transaction.atomic():
            d = Decision.objects.create(
                application=app,
                approver=actor,
                decision="approve",
                round=round_no,
                committee_vote=True,
                final=len(votes) + 1 >= size,
                comment=comment,
                **terms,
                **snapshot,
            )
    except IntegrityError:
        raise NotAllowed(_("You have already voted on this application.")) from None
    if len(votes) + 1 >= size:
        return _approve(app, actor, d, terms, committee=len(votes) + 1, grace=approved_grace_periods)
    audit_record(
        actor=actor,
        entity="application",
        entity_id=app.pk,
        action="committee_vote",
        data={"votes": len(votes) + 1, "needed": size, "amount": str(amount)},
    )
    return DecisionResult(d, app.status, len(votes) + 1, size)


def _grace_periods(app, approved: int | None, term: int, errors: dict) -> int:
    """The approval's interest-only periods (the product's when it names none), fewer than the term."""
    grace = app.product.grace_periods if approved is None else approved
    if not 0 <= grace < term:
        errors["approved_grace_periods"] = [_("The grace periods must be at least 0 and fewer than the term.")]
    return grace


def _approve(app, actor, d, terms, committee: int = 0, grace: int | None = None) -> DecisionResult:
    """``grace``: the approval's interest-only periods (None: the product's, at the contract)."""
    for k, v in terms.items():
        setattr(app, k, v)
    app.approved_grace_periods = grace
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="approve",
        actor=actor,
        extra_update_fields=[*terms, "approved_grace_periods"],
        data={
            "decision": d.pk,
            "amount": str(terms["approved_amount"]),
            "term": terms["approved_term"],
            "rate": str(terms["approved_rate"]),
            "grace_periods": grace,
            "committee_votes": committee,
        },
    )
    notices.borrower_notify(
        app.borrower,
        notices.APPROVED,
        key=f"application:{app.pk}:approved:{d.pk}",
        reference=f"application:{app.pk}",
        ref=app.pk,
        amount=terms["approved_amount"],
        term=terms["approved_term"],
        rate=f"{terms['approved_rate'] * 100:.2f}",
    )
    return DecisionResult(d, app.status, committee, policy().underwriting.committee_size if committee else 0)
