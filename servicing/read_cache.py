"""The loan that the API's detail and schedule read, by ``selectors.loan_list``'s scoping (the
one home of who sees which loan) without the joins, compiled once per scope
(microloan/prepared.py) instead of on every request: about 0.8 ms of CPU per read
(bench/API_RESULTS.md).

A scope is what ``loan_list`` depends on: a borrower's own loans (their user id is a parameter,
so one compiled query serves every borrower), or the staff's branch tree (the branch's path is
in the SQL, so one compiled query per branch and role).
"""

from microloan.models import Role, User
from microloan.prepared import Prepared

from . import selectors
from .models import Installment, Loan

_MAX_SCOPES = 512
_scopes: dict[tuple, Prepared] = {}


def _borrowers_loan(user_id: int, loan_id: int):
    return selectors.loan_list(user=User(pk=user_id, role=Role.BORROWER)).select_related(None).filter(pk=loan_id)


def loan_for_read(*, user, pk: int) -> Loan | None:
    """The loan ``pk`` if ``user`` may see it, as ``loan_list(user=user)`` finds it (no joins)."""
    if user.role == Role.BORROWER:
        key: tuple = (Role.BORROWER,)
        ids: tuple = (user.pk, pk)
        build = _borrowers_loan
    else:
        branch = user.branch
        key = (user.role, bool(user.is_superuser), user.branch_id, branch.path if branch else None)
        ids = (pk,)

        def build(loan_id: int, user=user):
            return selectors.loan_list(user=user).select_related(None).filter(pk=loan_id)

    prepared = _scopes.get(key)
    if prepared is None:
        if len(_scopes) >= _MAX_SCOPES:
            _scopes.clear()
        prepared = _scopes[key] = Prepared(Loan, build)
    found = prepared.fetch(*ids)
    return found[0] if found else None


_current_installments = Prepared(
    Installment,
    lambda loan_id, version: selectors.current_installments(Loan(pk=loan_id, schedule_version=version)),
)


def current_installments(loan: Loan) -> list[Installment]:
    """``selectors.current_installments(loan)``, as a list, its query compiled once."""
    return _current_installments.fetch(loan.pk, loan.schedule_version)
