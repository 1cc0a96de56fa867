"""What the customer-service services share: who may handle a branch's cases, and the
assignment rule of tasks."""

from django.utils.translation import gettext as _

from microloan.errors import InvalidInput, NotAllowed
from microloan.models import User
from servicing.models import LoanStatus

from ..workflow import HANDLERS, SENIOR

LIVE_LOAN: tuple[str, ...] = (LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED)


def is_senior(user) -> bool:
    return user.role in SENIOR or user.is_superuser


def may_handle(user: User, branch) -> bool:
    """A handler is an officer or manager of the case's branch or of one above it."""
    if not user.is_active:
        return False
    if user.is_superuser and not user.branch_id:
        return True
    return user.role in HANDLERS and user.branch is not None and branch.path.startswith(user.branch.path)


def check_handler(user: User | None, branch, field: str) -> None:
    if user is not None and not may_handle(user, branch):
        raise InvalidInput({field: [_("Choose an officer or manager of this branch or above it.")]})


def check_assignee(actor, assigned_id: int | None, message: str) -> None:
    """A task assigned to an officer is done by that officer, or by a manager."""
    if assigned_id and assigned_id != actor.pk and not is_senior(actor):
        raise NotAllowed(message)


def text(value: str | None) -> str:
    return (value or "").strip()
