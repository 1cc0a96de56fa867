"""Repayments: posting (branch and payment-channel callback), allocation, early payoff,
reversal with re-allocation. Every posting locks the loan row first, so concurrent postings
on one loan queue up instead of losing an update; each posts a balanced journal entry and an
audit record in the same transaction.

One module per step (``position``, ``allocation``, ``posting``, ``reversal``,
``callbacks``); the names callers use are exported here. The instalment status and the loan's
figures are rules of ``servicing.figures``, re-exported for the callers that read them here."""

from ..figures import installment_status, refresh_loan_figures
from .allocation import INSTALLMENT_FIELDS, apply_payment, save_position
from .callbacks import callback_post, callback_verify
from .position import Payoff, current_installments, payoff_quote
from .posting import repayment_post
from .reversal import repayment_reverse

__all__ = [
    "INSTALLMENT_FIELDS",
    "Payoff",
    "apply_payment",
    "callback_post",
    "callback_verify",
    "current_installments",
    "installment_status",
    "payoff_quote",
    "refresh_loan_figures",
    "repayment_post",
    "repayment_reverse",
    "save_position",
]
