"""The two lending limits: the APR cap and the per-borrower exposure cap.

One function per cap, one formula, one exception and one message: the assessment records a
breach as a hard rule, the decision and the disbursement refuse with it, whether the page,
the API, an import or a job calls them, so the three stages cannot disagree about a loan."""

from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationStatus
from microloan.errors import InvalidInput
from microloan.lending.money import money
from microloan.policy import policy


class LimitExceeded(InvalidInput):
    """A cap would be broken. ``code`` names the rule (``apr_cap``, ``exposure_cap``, the
    assessment's hard-rule codes); the field error names the approved term that breaks it, so
    the API answers 400 and the decision page shows it on that field."""

    def __init__(self, *, code: str, field: str, message: str):
        self.code, self.field, self.message = code, field, message
        super().__init__({field: [message]})


# --- the APR cap -----------------------------------------------------------------------


def apr_cap_check(apr: Decimal) -> None:
    """The all-in annual cost (the APR by IRR, fees included) may not exceed the configured
    cap (UNDERWRITING["APR_CAP"], default 24%). Equal to the cap is allowed."""
    cap = policy().underwriting.apr_cap
    if apr > cap:
        raise LimitExceeded(
            code="apr_cap",
            field="approved_rate",
            message=_("The APR %(apr)s exceeds the cap of %(cap)s.") % {"apr": apr, "cap": cap},
        )


# --- the exposure cap ------------------------------------------------------------------

# Later stages report what a borrower owes on live loans; they register here (servicing does
# in its AppConfig.ready), so underwriting never imports them.
OUTSTANDING_PROVIDERS: list = []


def borrower_exposure(*, borrower, exclude_pk=None) -> Decimal:
    """What the borrower owes or has been promised: approved, contracted and pending-release
    applications at their approved amount, plus the outstanding principal of live loans (from the providers;
    without one, disbursed applications count at their approved amount)."""
    promised = [ApplicationStatus.APPROVED, ApplicationStatus.CONTRACTED, ApplicationStatus.PENDING_RELEASE]
    if not OUTSTANDING_PROVIDERS:
        promised.append(ApplicationStatus.DISBURSED)
    qs = Application.objects.filter(borrower=borrower, status__in=promised).exclude(pk=exclude_pk)
    total = qs.aggregate(t=Coalesce(Sum(Coalesce("approved_amount", "amount")), Decimal("0")))["t"]
    total += sum((provider(borrower) for provider in OUTSTANDING_PROVIDERS), start=Decimal("0"))
    return money(total)


def exposure_cap_check(*, borrower, amount: Decimal, application=None) -> None:
    """The borrower's balance with this lender, the ``amount`` of ``application`` included,
    may not exceed the per-borrower cap (UNDERWRITING["EXPOSURE_CAP"]). Equal is allowed.

    The balance is this lender's own book only: the outstanding principal of the borrower's
    live loans plus what has been approved or contracted but not yet paid out
    (``borrower_exposure``), never the debt the credit bureau reports at other lenders
    (``CreditRecord.current_debt``). Why:

    - the cap is a concentration limit on the lender, not an affordability test: the
      small-loan company rules cap the balance of loans to one borrower as a share of the
      company's net assets, i.e. what the borrower owes *this* company;
    - the bureau's figure is a snapshot from the report's date, and it includes this lender's
      own loans once they are reported, so adding it would count them twice and would make
      the answer change between assessment, decision and disbursement as records arrive;
    - what other lenders are owed is the borrower's burden, and that is judged where
      burdens are judged: the repayment-capacity rule (the DSR and the largest affordable
      instalment, from the existing instalments the credit report shows), and the
      scorecard (overdues, worst status, inquiries).

    The assessment checks the amount applied for, the decision the approved amount and the
    disbursement the approved principal, each with the application itself left out of the
    balance (it is the ``amount``)."""
    cap = policy().underwriting.exposure_cap
    exposure = borrower_exposure(borrower=borrower, exclude_pk=application.pk if application else None)
    if exposure + amount > cap:
        raise LimitExceeded(
            code="exposure_cap",
            field="approved_amount",
            message=_("Exposure %(e)s plus %(a)s exceeds the per-borrower cap of %(cap)s.")
            % {"e": exposure, "a": money(amount), "cap": cap},
        )
