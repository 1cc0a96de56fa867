"""Who sees what. Every queryset a user reaches goes through one of these filters, so a
branch's data never leaks to another branch and a borrower sees only their own."""

from django.db.models import Q

from .models import Role


def branch_q(user, field: str = "branch") -> Q:
    """Staff see their branch and its children; a user without a branch sees nothing,
    except a superuser, who sees everything."""
    if getattr(user, "is_superuser", False) and not user.branch_id:
        return Q()
    if not user.branch_id:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": user.branch.path})


def is_staff_role(user) -> bool:
    return user.is_authenticated and (user.role != Role.BORROWER or user.is_superuser)
