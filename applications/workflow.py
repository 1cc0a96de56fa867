"""The application's legal moves, as data. Later stages (underwriting, servicing) add their
moves to this same table so the whole lifecycle reads in one place."""

from microloan.models import Role
from microloan.workflow import Transition, Workflow

from .models import ApplicationStatus as S

INTAKE = frozenset({Role.OFFICER, Role.MANAGER, Role.BORROWER})
FIELD = frozenset({Role.OFFICER, Role.MANAGER})
ASSESSORS = frozenset({Role.OFFICER, Role.REVIEWER, Role.MANAGER})
REVIEWERS = frozenset({Role.REVIEWER})
APPROVERS = frozenset({Role.MANAGER, Role.ADMIN})
IN_UNDERWRITING = frozenset({S.SUBMITTED, S.UNDER_REVIEW})

APPLICATION_WORKFLOW = Workflow("application", [
    Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, INTAKE),
    Transition("investigate", IN_UNDERWRITING, S.UNDER_REVIEW, FIELD),
    Transition("assess", IN_UNDERWRITING, S.UNDER_REVIEW, ASSESSORS),
    Transition("review", frozenset({S.UNDER_REVIEW}), S.PENDING_APPROVAL, REVIEWERS),
    Transition("approve", frozenset({S.PENDING_APPROVAL}), S.APPROVED, APPROVERS),
    Transition("reject", frozenset({S.PENDING_APPROVAL}), S.REJECTED, APPROVERS),
    Transition("return", frozenset({S.PENDING_APPROVAL}), S.RETURNED, APPROVERS),
    Transition("contract", frozenset({S.APPROVED}), S.APPROVED, FIELD),
    Transition("sign", frozenset({S.APPROVED}), S.CONTRACTED, FIELD),
    Transition("disburse", frozenset({S.CONTRACTED}), S.DISBURSED, FIELD),
    Transition("withdraw",
               frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.PENDING_APPROVAL, S.APPROVED}),
               S.WITHDRAWN, INTAKE),
])
