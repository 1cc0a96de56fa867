"""Servicing API (API.md): quotes, contract/sign/disburse transitions, loans and schedules.

One module per resource: ``quotes`` (anonymous, throttled), ``contracts`` (contract, signing and
disbursement of an approved application), ``disbursements`` (the maker-checker pairs, read
only: the checker's queue), ``loans`` (the loan, its schedule) with the loan's
``repayments`` (and the payment channels' callback), ``restructurings`` and ``documents``
(receipts, statements)."""

from .contracts import ContractViewSet
from .disbursements import DisbursementViewSet
from .loans import LoanSerializer, LoanViewSet
from .quotes import QuoteThrottle, QuoteUserThrottle, QuoteView
from .repayments import PaymentCallbackView, RepaymentOut

__all__ = [
    "ContractViewSet",
    "DisbursementViewSet",
    "LoanSerializer",
    "LoanViewSet",
    "PaymentCallbackView",
    "QuoteThrottle",
    "QuoteUserThrottle",
    "QuoteView",
    "RepaymentOut",
]
