"""Disbursement (放款) as a maker-checker pair (servicing.workflow.DISBURSEMENT_WORKFLOW).

``disbursement_prepare``: an officer records the payment (the amount paid out, the beneficiary
account, the channel, the value date) and each of the approval's conditions met with the
accepted document of the application that shows it; the application waits in
``pending_release``. ``disbursement_release``: another person (the operations supervisor,
作业监督岗, or the branch manager) checks everything again — the signed contract, the dates,
the conditions' documents, admission (准入), the exposure and APR caps — and releases it: the
loan, its schedule and its journal entry are made then, never before. ``disbursement_return``
sends it back with a reason to be prepared again.

The checks are one set of functions that both moves call, so what was admitted at preparation
is admitted again, by the same rules, at release."""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import notices
from applications.models import Application, ApplicationStatus, DocumentStatus
from applications.services import admission_check, application_lock
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import money
from microloan.lending.schedule import Schedule
from underwriting.limits import apr_cap_check, exposure_cap_check

from .calendar import grace_dates_for
from .models import Contract, Disbursement, DisbursementCondition, DisbursementStatus, Installment, Loan
from .services import approved_terms, loan_schedule, penalty_rate_for
from .workflow import DISBURSEMENT_WORKFLOW, LOAN_WORKFLOW

# Channels that pay into an account of the borrower's: the account is required.
CASH = "cash"
# A bank card or account number, or a wallet's: ASCII letters and digits, optionally grouped.
ACCOUNT_RE = re.compile(r"[0-9A-Za-z]{6,34}", re.ASCII)
_CONDITION_SPLIT = re.compile(r"[\n;；]+")


def approval_conditions(application: Application) -> list[str]:
    """The approval's conditions, one per line (or per semicolon) of the approved
    ``conditions`` (underwriting's decision copies them onto the application)."""
    return [c.strip() for c in _CONDITION_SPLIT.split(application.conditions or "") if c.strip()]


def masked_account(account: str) -> str:
    """The beneficiary account as lists and the API show it: its last four characters."""
    return f"****{account[-4:]}" if account else ""


def pending_disbursement(application: Application) -> Disbursement | None:
    """The application's disbursement waiting for release, if there is one."""
    return application.disbursements.filter(status=DisbursementStatus.PENDING_RELEASE).first()


# --- the checks both moves make -----------------------------------------------------------


def _signed_contract(app: Application, action: str) -> Contract:
    contract = app.contracts.order_by("-version").first()
    if contract is None or contract.signed_at is None:
        raise TransitionNotAllowed(
            entity="application",
            action=action,
            status=app.status,
            message=_("The current contract version is not signed."),
        )
    return contract


def _payment_errors(*, contract: Contract, disbursed_on: date, channel: str, beneficiary_account: str) -> dict:
    today = business_date()
    errors: dict[str, list[str]] = {}
    if disbursed_on > today:
        errors["disbursed_on"] = [_("Disbursement cannot be dated after the business date %(d)s.") % {"d": today}]
    if contract.signed_on and disbursed_on < contract.signed_on:
        errors["disbursed_on"] = [_("Disbursement cannot be dated before the contract was signed.")]
    if not channel.strip():
        errors["channel"] = [_("Say how the money was paid out.")]
    elif channel.strip() != CASH and not beneficiary_account:
        errors["beneficiary_account"] = [_("Give the beneficiary account the money is paid into.")]
    if beneficiary_account and not ACCOUNT_RE.fullmatch(beneficiary_account):
        errors["beneficiary_account"] = [_("An account number is 6 to 34 letters and digits.")]
    return errors


def _admit(app: Application, terms: dict, disbursed_on: date) -> Schedule:
    """准入 and the two caps, as the decision applied them: the borrower still admitted for the
    product, the exposure with this loan within the per-borrower cap, the APR within its cap."""
    failures = admission_check(borrower=app.borrower, product=app.product, on=disbursed_on)
    if failures:
        raise InvalidInput({"borrower": [f.message for f in failures]})
    exposure_cap_check(borrower=app.borrower, amount=terms["principal"], application=app)
    schedule = loan_schedule(app, terms, disbursed_on)
    apr_cap_check(schedule.apr)
    return schedule


def _condition_number(item: Mapping, count: int) -> int | None:
    try:
        number = int(item["number"])
    except (KeyError, TypeError, ValueError):
        return None
    return number if 1 <= number <= count else None


def _condition_rows(app: Application, conditions_met: Iterable[Mapping]) -> tuple[list[DisbursementCondition], list]:
    """The approval's conditions each matched with an accepted document of ``app``: the rows
    to record, or the reasons they cannot be."""
    wanted = approval_conditions(app)
    accepted = {d.pk: d for d in app.documents.filter(status=DocumentStatus.ACCEPTED)}
    given: dict[int, Mapping] = {}
    errors = []
    for item in conditions_met:
        number = _condition_number(item, len(wanted)) if isinstance(item, Mapping) else None
        if number is None or number in given:
            errors.append(_("Name each condition once, by its number (1 to %(n)d).") % {"n": len(wanted)})
            continue
        given[number] = item
    rows = []
    for number, text in enumerate(wanted, start=1):
        met = given.get(number)
        if met is None:
            errors.append(_("Condition %(n)d (%(c)s) is not recorded as met.") % {"n": number, "c": text})
            continue
        doc_id = met.get("document")
        doc = accepted.get(doc_id) if isinstance(doc_id, int) else None
        if doc is None:
            errors.append(
                _("Condition %(n)d needs an accepted document of this application that shows it met.") % {"n": number}
            )
            continue
        note = str(met.get("note") or "").strip()[:500]
        rows.append(DisbursementCondition(number=number, text=text, document=doc, note=note))
    return rows, errors


def _conditions_still_met(d: Disbursement) -> list[str]:
    """At release: the conditions recorded are the approval's, each document still accepted."""
    recorded = list(d.conditions.select_related("document"))
    if [c.text for c in recorded] != approval_conditions(d.application):
        return [_("The recorded conditions are not the approval's: return the disbursement to be prepared again.")]
    return [
        _("The document shown for condition %(n)d is no longer accepted.") % {"n": c.number}
        for c in recorded
        if c.document.status != DocumentStatus.ACCEPTED
    ]


def _amount_errors(amount, payout: Decimal) -> dict:
    if amount is None or amount == "":
        return {}
    try:
        given = money(Decimal(str(amount)))
    except (InvalidOperation, ValueError):
        return {"amount": [_("Enter an amount.")]}
    if given != payout:
        return {
            "amount": [_("The amount paid out is the principal less the upfront fee: %(a)s.") % {"a": f"{payout:.2f}"}]
        }
    return {}


# --- the maker: prepare -------------------------------------------------------------------


@transaction.atomic
def disbursement_prepare(
    *,
    actor,
    application: Application,
    disbursed_on: date,
    channel: str,
    reference: str = "",
    beneficiary_account: str = "",
    amount: Decimal | str | None = None,
    conditions_met: Iterable[Mapping] = (),
) -> Disbursement:
    """Prepares the payment of a contracted application (contracted → pending_release). Each
    of the approval's conditions is given as ``{"number": n, "document": <id>, "note": ...}``;
    ``amount``, when given, must be what is paid out (the principal less the upfront fee)."""
    app = application_lock(application)
    if app.status == ApplicationStatus.APPROVED:
        raise TransitionNotAllowed(
            entity="application",
            action="disburse",
            status=app.status,
            message=_("The contract has not been signed: disbursement needs a signed contract."),
        )
    APPLICATION_WORKFLOW.check(obj=app, action="disburse", actor=actor)
    contract = _signed_contract(app, "disburse")
    channel, account = channel.strip(), re.sub(r"[\s-]", "", beneficiary_account or "")
    terms = approved_terms(app)
    payout = money(terms["principal"] - terms["fee"])
    errors = _payment_errors(contract=contract, disbursed_on=disbursed_on, channel=channel, beneficiary_account=account)
    errors.update(_amount_errors(amount, payout))
    rows, condition_errors = _condition_rows(app, conditions_met)
    if condition_errors:
        errors["conditions_met"] = condition_errors
    if errors:
        raise InvalidInput(errors)
    _admit(app, terms, disbursed_on)
    d = Disbursement(
        application=app,
        contract=contract,
        amount=payout,
        disbursed_on=disbursed_on,
        channel=channel,
        beneficiary_account=account,
        reference=reference,
        prepared_by=actor,
    )
    facts = {"application": app.pk, "amount": str(payout), "channel": channel, "disbursed_on": disbursed_on.isoformat()}
    DISBURSEMENT_WORKFLOW.start(
        obj=d, action="prepare", actor=actor, data={**facts, "documents": [r.document_id for r in rows]}
    )
    for row in rows:
        row.disbursement = d
    DisbursementCondition.objects.bulk_create(rows)
    APPLICATION_WORKFLOW.apply(obj=app, action="disburse", actor=actor, data={**facts, "disbursement": d.pk})
    return d


# --- the checker: release or return -------------------------------------------------------


def _lock(disbursement: Disbursement) -> tuple[Application, Disbursement]:
    """The application, then its disbursement (the order every disbursement move locks in)."""
    app = application_lock(disbursement.application)
    d = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
    d.application = app
    return app, d


@transaction.atomic
def disbursement_release(*, actor, disbursement: Disbursement) -> Loan:
    """Releases a prepared disbursement (pending_release → released; the application →
    disbursed): by someone other than its preparer, with every check made again. Creates the
    loan, its schedule and the journal entry."""
    app, d = _lock(disbursement)
    DISBURSEMENT_WORKFLOW.check(obj=d, action="release", actor=actor)
    APPLICATION_WORKFLOW.check(obj=app, action="release", actor=actor)
    contract = _signed_contract(app, "release")
    if contract.pk != d.contract_id:
        raise TransitionNotAllowed(
            entity="disbursement",
            action="release",
            status=d.status,
            message=_("The contract changed after the disbursement was prepared: return it."),
        )
    terms = approved_terms(app)
    errors = _payment_errors(
        contract=contract, disbursed_on=d.disbursed_on, channel=d.channel, beneficiary_account=d.beneficiary_account
    )
    errors.update(_amount_errors(d.amount, money(terms["principal"] - terms["fee"])))
    condition_errors = _conditions_still_met(d)
    if condition_errors:
        errors["conditions_met"] = condition_errors
    if errors:
        raise InvalidInput(errors)
    schedule = _admit(app, terms, d.disbursed_on)
    loan = _loan_open(actor=actor, app=app, contract=contract, d=d, terms=terms, schedule=schedule)
    d.loan, d.decided_by, d.decided_at = loan, actor, timezone.now()
    DISBURSEMENT_WORKFLOW.apply(
        obj=d,
        action="release",
        actor=actor,
        data={"loan": loan.pk},
        extra_update_fields=["loan", "decided_by", "decided_at"],
    )
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="release",
        actor=actor,
        data={
            "loan": loan.pk,
            "disbursement": d.pk,
            "amount": str(loan.disbursed_amount),
            "channel": d.channel,
            "reference": d.reference,
            "disbursed_on": d.disbursed_on.isoformat(),
        },
    )
    first_due = loan.installments.filter(is_current=True).order_by("number").values_list("due_date", flat=True).first()
    notices.borrower_notify(
        app.borrower,
        notices.DISBURSED,
        key=f"loan:{loan.pk}:disbursed",
        reference=f"loan:{loan.pk}",
        contract=contract.number,
        amount=loan.disbursed_amount,
        date=d.disbursed_on.isoformat(),
        first_due=first_due.isoformat() if first_due else "",
    )
    return loan


@transaction.atomic
def disbursement_return(*, actor, disbursement: Disbursement, reason: str) -> Disbursement:
    """Returns a prepared disbursement with a reason (pending_release → returned; the
    application back to contracted, to be prepared again)."""
    app, d = _lock(disbursement)
    reason = (reason or "").strip()
    DISBURSEMENT_WORKFLOW.check(obj=d, action="return", actor=actor, reason=reason)
    APPLICATION_WORKFLOW.check(obj=app, action="return_release", actor=actor, reason=reason)
    d.decided_by, d.decided_at, d.return_reason = actor, timezone.now(), reason
    DISBURSEMENT_WORKFLOW.apply(
        obj=d,
        action="return",
        actor=actor,
        reason=reason,
        extra_update_fields=["decided_by", "decided_at", "return_reason"],
    )
    APPLICATION_WORKFLOW.apply(
        obj=app, action="return_release", actor=actor, reason=reason, data={"disbursement": d.pk}
    )
    return d


def _loan_open(
    *, actor, app: Application, contract: Contract, d: Disbursement, terms: dict, schedule: Schedule
) -> Loan:
    """The loan, its schedule and its journal entry, as of the disbursement's value date."""
    loan = Loan(
        application=app,
        contract=contract,
        borrower=app.borrower,
        branch=app.branch,
        product=app.product,
        officer=app.officer,
        principal=terms["principal"],
        fee=terms["fee"],
        annual_rate=terms["annual_rate"],
        penalty_rate=penalty_rate_for(app.product, terms["annual_rate"]),
        apr=schedule.apr,
        term=terms["term"],
        frequency=terms["frequency"],
        method=terms["method"],
        grace_periods=terms["grace_periods"],
        grace_days=app.product.grace_days,
        disbursed_on=d.disbursed_on,
        disbursed_amount=money(terms["principal"] - terms["fee"]),
        channel=d.channel,
        reference=d.reference,
        maturity_date=schedule.installments[-1].due_date,
        outstanding_principal=terms["principal"],
    )
    LOAN_WORKFLOW.start(
        obj=loan,
        action="disburse",
        actor=actor,
        data={"application": app.pk, "disbursement": d.pk, "principal": str(loan.principal)},
    )
    graces = grace_dates_for((i.due_date for i in schedule.installments), app.branch.region)
    Installment.objects.bulk_create(
        [
            Installment(
                loan=loan,
                number=i.number,
                due_date=i.due_date,
                grace_date=graces[i.due_date],
                principal_due=i.principal,
                interest_due=i.interest,
                balance_after=i.balance_after,
            )
            for i in schedule.installments
        ]
    )
    # The books: the receivable at its full principal; the cash paid out is the principal
    # less the upfront fee, which is earned at once.
    journal_post(
        kind="disbursement",
        branch_id=loan.branch_id,
        business_date=d.disbursed_on,
        actor=actor,
        reference=f"loan:{loan.pk}",
        source_key=f"disbursement:{loan.pk}",
        memo=f"{contract.number} {d.reference}".strip(),
        lines=[
            Line(Acct.LOAN_PRINCIPAL, debit=loan.principal, loan_id=loan.pk),
            Line(Acct.CASH, credit=loan.disbursed_amount, loan_id=loan.pk),
            Line(Acct.FEE_INCOME, credit=loan.fee, loan_id=loan.pk),
        ],
    )
    return loan
