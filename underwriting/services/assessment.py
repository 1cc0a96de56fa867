"""The credit assessment: capacity, score, hard rules and the recommendation."""

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from applications.residentid import age_on
from applications.services import admission_check, application_lock
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import InvalidInput
from microloan.lending.errors import ScheduleError
from microloan.lending.money import money

from .. import scoring
from ..limits import LimitExceeded, apr_cap_check, exposure_cap_check
from ..models import Assessment, Investigation, WorstStatus
from .credit import CREDIT_FIELDS, credit_record_create, scorecard_active
from .terms import monthly_equivalent, offer_schedule, repayment_capacity


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
        schedule = offer_schedule(app, amount=app.amount, term=app.term, rate=grade_rate)
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
            rec_apr = offer_schedule(app, amount=rec_amount, term=app.term, rate=rec_rate).apr
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
