"""The application's legal moves, as data. Later stages (underwriting, servicing) add their
moves to this same table so the whole lifecycle reads in one place."""

from microloan.models import Role
from microloan.workflow import Transition, Workflow

from .models import ApplicationStatus as S

INTAKE = frozenset({Role.OFFICER, Role.MANAGER, Role.BORROWER})

APPLICATION_WORKFLOW = Workflow("application", [
    Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, INTAKE),
    Transition("withdraw",
               frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.PENDING_APPROVAL, S.APPROVED}),
               S.WITHDRAWN, INTAKE),
])
