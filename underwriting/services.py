"""Underwriting services: investigation, assessment, review and the approval decision.

Each takes the acting user, locks the application, checks the guarded transition and the
four-eyes and authority rules, and writes the audit trail in the same transaction."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower, DocumentStatus
from applications.residentid import age_on
from applications.services import admission_check, application_lock, validate_terms
from applications.workflow import APPLICATION_WORKFLOW
from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.errors import ScheduleError
from microloan.lending.money import money
from microloan.lending.schedule import FREQUENCIES, build_schedule
from microloan.models import Role
from microloan.policy import policy
from microloan.scoping import require_role

from . import scoring
from .limits import LimitExceeded, apr_cap_check, exposure_cap_check
from .models import (
    Assessment,
    AuthorityLimit,
    CommitteeMember,
    CreditRecord,
    Decision,
    DecisionKind,
    Investigation,
    Review,
    Scorecard,
    WorstStatus,
)

# --- scorecard -------------------------------------------------------------------------


def scorecard_active() -> Scorecard:
    card = Scorecard.objects.filter(is_active=True).first()
    if card is None:
        card = scorecard_publish(actor=None, config=scoring.DEFAULT_CONFIG, note="default")
    return card


@transaction.atomic
def scorecard_publish(*, actor, config: dict, note: str = "") -> Scorecard:
    """A new version becomes active; earlier versions stay, as do the assessments using them."""
    if actor is not None and actor.role != Role.ADMIN and not actor.is_superuser:
        raise NotAllowed(_("Only administrators change the scorecard."))
    try:
        scoring.validate_config(config)
    except scoring.ScorecardConfigError as exc:
        raise InvalidInput({"config": [str(exc)]}) from None
    last = Scorecard.objects.select_for_update().order_by("-version").first()
    Scorecard.objects.filter(is_active=True).update(is_active=False)
    card = Scorecard.objects.create(
        version=(last.version + 1) if last else 1, config=config, is_active=True, note=note, created_by=actor
    )
    audit_record(
        actor=actor, entity="scorecard", entity_id=card.pk, action="publish", to_state=f"v{card.version}", reason=note
    )
    return card


# --- credit records --------------------------------------------------------------------

CREDIT_FIELDS = ("overdue_count_24m", "worst_status_24m", "current_debt", "current_installments", "inquiries_6m")


@transaction.atomic
def credit_record_create(
    *, actor, borrower: Borrower, as_of: date | None = None, source: str = "manual", **fields
) -> CreditRecord:
    require_role(actor, (Role.OFFICER, Role.REVIEWER, Role.MANAGER), _("record credit reports"))
    record = CreditRecord.objects.create(
        borrower=borrower,
        as_of=as_of or business_date(),
        source=source,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in CREDIT_FIELDS},
    )
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="credit_record",
        data={"record": record.pk, "source": source},
    )
    return record


CSV_COLUMNS = ("id_number", "as_of", *CREDIT_FIELDS)


@transaction.atomic
def credit_records_import(*, actor, text: str, borrowers) -> list[CreditRecord]:
    """Imports a CSV (header: id_number, as_of, overdue_count_24m, worst_status_24m,
    current_debt, current_installments, inquiries_6m). All rows or none: every bad row is
    reported with its line number, field and reason. ``borrowers`` is the queryset the
    actor may see, so a file cannot write to another branch's borrower."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput({"file": [_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}]})
    rows = list(reader)
    by_id = {b.id_number: b for b in borrowers.filter(id_number__in=[r["id_number"].strip().upper() for r in rows])}
    errors, parsed = [], []
    for line, row in enumerate(rows, start=2):
        try:
            borrower = by_id.get(row["id_number"].strip().upper())
            if borrower is None:
                raise ValueError(_("id_number: no such borrower in your branches"))
            try:
                as_of = date.fromisoformat(row["as_of"].strip())
            except ValueError:
                raise ValueError(_("as_of: not a date (YYYY-MM-DD)")) from None
            values: dict[str, object] = {}
            for f in ("overdue_count_24m", "inquiries_6m"):
                if not row[f].strip().isdigit():
                    raise ValueError(_("%(f)s: not a whole number ≥ 0") % {"f": f})
                values[f] = int(row[f])
            if row["worst_status_24m"].strip() not in WorstStatus.values:
                raise ValueError(_("worst_status_24m: one of %(v)s") % {"v": ", ".join(WorstStatus.values)})
            values["worst_status_24m"] = row["worst_status_24m"].strip()
            for f in ("current_debt", "current_installments"):
                try:
                    v = Decimal(row[f].strip())
                except ArithmeticError:
                    raise ValueError(_("%(f)s: not an amount") % {"f": f}) from None
                if not v.is_finite() or v < 0 or v != money(v):
                    raise ValueError(_("%(f)s: not an amount ≥ 0 with at most 2 decimals") % {"f": f})
                values[f] = v
            parsed.append((borrower, as_of, values))
        except ValueError as exc:
            errors.append(_("line %(line)d: %(reason)s") % {"line": line, "reason": exc})
    if errors:
        raise InvalidInput({"file": errors})
    return [credit_record_create(actor=actor, borrower=b, as_of=d, source="csv", **v) for b, d, v in parsed]


# --- helpers ---------------------------------------------------------------------------


def _reviewers(app) -> set[int]:
    return set(app.reviews.values_list("reviewer_id", flat=True))


def _four_eyes(actor, app, *, as_what: str, also: Iterable[int] = ()) -> None:
    if actor.pk in {app.created_by_id, app.officer_id} | set(also):
        raise NotAllowed(
            _("Four eyes: you created or worked on this application, so you may not %(what)s it.") % {"what": as_what}
        )


def loan_fee(product, amount: Decimal) -> Decimal:
    return money(amount * product.fee_rate + product.fee_fixed)


def _schedule(app, *, amount, term, rate):
    return build_schedule(
        principal=money(amount),
        annual_rate=rate,
        term=term,
        frequency=app.frequency,
        method=app.method,
        disbursement_date=business_date(),
        fee=loan_fee(app.product, money(amount)),
    )


def monthly_equivalent(schedule, frequency: str, method: str) -> Decimal:
    """The largest regular instalment as a monthly amount (an interest-only loan's final
    balloon is planned for, not paid from monthly income)."""
    rows = (
        schedule.installments[:-1]
        if method == "interest_only" and len(schedule.installments) > 1
        else schedule.installments
    )
    largest = max(r.total for r in rows)
    return money(largest * FREQUENCIES[frequency] / 12)


# --- investigation ---------------------------------------------------------------------


@transaction.atomic
def application_investigate(
    *, actor, application, visited_on: date, findings: str, purpose_verified: bool, business_observations: str = ""
) -> Investigation:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="investigate", actor=actor)
    if visited_on > business_date():
        raise InvalidInput({"visited_on": [_("A visit cannot be in the future.")]})
    if app.submitted_at and visited_on < timezone.localdate(app.submitted_at) - timedelta(days=90):
        raise InvalidInput({"visited_on": [_("The visit is more than 90 days before the application.")]})
    if not findings.strip():
        raise InvalidInput({"findings": [_("Describe what the visit found.")]})
    inv, _created = Investigation.objects.update_or_create(
        application=app,
        defaults={
            "visited_on": visited_on,
            "findings": findings.strip(),
            "purpose_verified": purpose_verified,
            "business_observations": business_observations,
            "investigator": actor,
        },
    )
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="investigate",
        actor=actor,
        data={"visited_on": visited_on.isoformat(), "purpose_verified": purpose_verified},
    )
    return inv


# --- assessment ------------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    proposed_installment: Decimal
    dsr: Decimal
    max_affordable_installment: Decimal


def repayment_capacity(
    *,
    monthly_income: Decimal,
    monthly_expenses: Decimal,
    existing_installments: Decimal,
    proposed_installment: Decimal,
    dsr_limit: Decimal,
) -> Capacity:
    """DSR = (existing + proposed instalments) / income. The largest affordable instalment is
    what the DSR limit leaves after existing instalments, and never more than the income left
    after expenses and existing instalments."""
    if monthly_income <= 0:
        return Capacity(proposed_installment, Decimal("9.9999"), Decimal("0.00"))
    dsr = ((existing_installments + proposed_installment) / monthly_income).quantize(Decimal("0.0001"))
    by_dsr = monthly_income * dsr_limit - existing_installments
    by_budget = monthly_income - monthly_expenses - existing_installments
    return Capacity(proposed_installment, min(dsr, Decimal("9.9999")), money(max(Decimal(0), min(by_dsr, by_budget))))


@transaction.atomic
def application_assess(
    *, actor, application, monthly_income: Decimal, monthly_expenses: Decimal, existing_installments: Decimal, **credit
) -> Assessment:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="assess", actor=actor)
    borrower, product = app.borrower, app.product
    given = {k: v for k, v in credit.items() if k in CREDIT_FIELDS and v is not None}
    if given:
        record = credit_record_create(actor=actor, borrower=borrower, **given)
    else:
        latest = borrower.credit_records.order_by("-as_of", "-id").first()
        if latest is None:
            raise InvalidInput({"overdue_count_24m": [_("No credit record on file: enter the credit report.")]})
        record = latest
    card = scorecard_active()
    config = card.config
    grade_rate = product.min_rate
    try:
        schedule = _schedule(app, amount=app.amount, term=app.term, rate=grade_rate)
    except ScheduleError as exc:
        raise InvalidInput({exc.field: [exc.message]}) from None
    proposed = monthly_equivalent(schedule, app.frequency, app.method)
    dsr_limit = Decimal(config["policy"]["dsr_limit"])
    # Debt at other lenders weighs here, in the capacity rule (not in the exposure cap, see
    # limits.exposure_cap_check): the instalments it costs are at least what the credit report shows.
    existing_installments = max(money(existing_installments), record.current_installments)
    cap = repayment_capacity(
        monthly_income=money(monthly_income),
        monthly_expenses=money(monthly_expenses),
        existing_installments=existing_installments,
        proposed_installment=proposed,
        dsr_limit=dsr_limit,
    )
    investigation = Investigation.objects.filter(application=app).first()
    today = business_date()
    result = scoring.score(
        config,
        {
            "segment": borrower.segment,
            "age": age_on(borrower.date_of_birth, today),
            "years_in_business": borrower.years_in_business,
            "dsr": cap.dsr,
            "overdue_count_24m": record.overdue_count_24m,
            "worst_status_24m": record.worst_status_24m,
            "inquiries_6m": record.inquiries_6m,
            "purpose_verified": bool(investigation and investigation.purpose_verified),
            "guarantee_type": product.guarantee_type,
        },
    )

    # Hard rules decline whatever the score.
    failures = [{"code": f.code, "message": f.message} for f in admission_check(borrower=borrower, product=product)]
    if record.worst_status_24m == WorstStatus.D90_PLUS:
        failures.append({"code": "credit_record", "message": _("Over 90 days overdue in the last 24 months.")})
    try:
        exposure_cap_check(borrower=borrower, amount=app.amount, application=app)
    except LimitExceeded as exc:
        failures.append({"code": exc.code, "message": exc.message})

    rec_amount = rec_rate = rec_apr = None
    recommendation = "approve"
    if result.grade_spec.get("decline"):
        recommendation = "decline"
    else:
        rec_rate = min(product.max_rate, product.min_rate + Decimal(result.grade_spec["rate_spread"]))
        affordable = (
            app.amount
            if cap.proposed_installment <= cap.max_affordable_installment
            else (app.amount * cap.max_affordable_installment / cap.proposed_installment)
        )
        rec_amount = (
            min(app.amount, affordable, product.max_amount) * Decimal(result.grade_spec["amount_factor"])
        ).quantize(Decimal("100"), rounding=ROUND_DOWN)
        if rec_amount < product.min_amount:
            recommendation, rec_amount = "decline", None
            failures_capacity = {
                "code": "capacity",
                "message": _(
                    "The largest affordable instalment (%(m)s) supports less than the product's minimum amount."
                )
                % {"m": cap.max_affordable_installment},
            }
            if "capacity" not in result.reason_codes:
                result.reason_codes.insert(0, "capacity")
            failures.append(failures_capacity)
        else:
            rec_apr = _schedule(app, amount=rec_amount, term=app.term, rate=rec_rate).apr
    # The APR cap applies to what the applicant asked for at the lowest rate the product allows.
    try:
        apr_cap_check(schedule.apr)
    except LimitExceeded as exc:
        failures.append({"code": exc.code, "message": exc.message})
    if failures:
        recommendation = "decline"

    assessment = Assessment.objects.create(
        application=app,
        scorecard=card,
        credit_record=record,
        monthly_income=money(monthly_income),
        monthly_expenses=money(monthly_expenses),
        existing_installments=existing_installments,
        proposed_installment=cap.proposed_installment,
        dsr=cap.dsr,
        max_affordable_installment=cap.max_affordable_installment,
        score=result.score,
        grade=result.grade,
        points=result.points,
        reason_codes=result.reason_codes,
        hard_rule_failures=failures,
        recommendation=recommendation,
        recommended_amount=rec_amount if recommendation == "approve" else None,
        recommended_term=app.term if recommendation == "approve" else None,
        recommended_rate=rec_rate if recommendation == "approve" else None,
        recommended_apr=rec_apr if recommendation == "approve" else None,
        assessed_by=actor,
    )
    app.score, app.grade, app.reason_codes = result.score, result.grade, result.reason_codes
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="assess",
        actor=actor,
        extra_update_fields=["score", "grade", "reason_codes"],
        data={
            "score": result.score,
            "grade": result.grade,
            "scorecard": card.version,
            "recommendation": recommendation,
        },
    )
    return assessment


# --- review ----------------------------------------------------------------------------


@transaction.atomic
def application_review(*, actor, application, opinion: str, comment: str = "") -> Review:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="review", actor=actor)
    investigation = Investigation.objects.filter(application=app).first()
    _four_eyes(actor, app, as_what=_("review"), also={investigation.investigator_id} if investigation else set())
    errors = {}
    if investigation is None:
        errors["investigation"] = [_("The field investigation has not been recorded.")]
    if not app.assessments.exists():
        errors["assessment"] = [_("The application has not been assessed.")]
    docs = list(app.documents.all())
    not_accepted = [
        k
        for k in app.product.required_documents
        if not any(d.kind == k and d.status == DocumentStatus.ACCEPTED for d in docs)
    ]
    if not_accepted:
        errors["documents"] = [_("Required documents not yet accepted: %(k)s.") % {"k": ", ".join(not_accepted)}]
    if opinion == "not_recommend" and not comment.strip():
        errors["comment"] = [_("Explain why you do not recommend it.")]
    if errors:
        raise InvalidInput(errors)
    review = Review.objects.create(application=app, reviewer=actor, opinion=opinion, comment=comment)
    app.pending_since = timezone.now()
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="review",
        actor=actor,
        reason=comment,
        extra_update_fields=["pending_since"],
        data={"opinion": opinion},
    )
    return review


# --- decision --------------------------------------------------------------------------


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
    conditions: str = "",
    reason_code: str = "",
    comment: str = "",
) -> DecisionResult:
    app = application_lock(application)
    action = {"approve": "approve", "reject": "reject", "return": "return"}.get(decision)
    if action is None:
        raise InvalidInput({"decision": [_("Choose approve, reject or return.")]})
    APPLICATION_WORKFLOW.check(obj=app, action=action, actor=actor)
    _four_eyes(actor, app, as_what=_("decide"), also=_reviewers(app))
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
    if errors:
        raise InvalidInput(errors)
    try:
        apr = _schedule(app, amount=amount, term=term, rate=rate).apr
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
        return _approve(app, actor, d, terms)

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
        return _approve(app, actor, d, terms, committee=len(votes) + 1)
    audit_record(
        actor=actor,
        entity="application",
        entity_id=app.pk,
        action="committee_vote",
        data={"votes": len(votes) + 1, "needed": size, "amount": str(amount)},
    )
    return DecisionResult(d, app.status, len(votes) + 1, size)


def _approve(app, actor, d, terms, committee: int = 0) -> DecisionResult:
    for k, v in terms.items():
        setattr(app, k, v)
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="approve",
        actor=actor,
        extra_update_fields=list(terms),
        data={
            "decision": d.pk,
            "amount": str(terms["approved_amount"]),
            "term": terms["approved_term"],
            "rate": str(terms["approved_rate"]),
            "committee_votes": committee,
        },
    )
    return DecisionResult(d, app.status, committee, policy().underwriting.committee_size if committee else 0)
