"""The administration screens of the kernel: the home (every screen, the changes waiting for a
second administrator), the branch tree, staff logins and the policy settings. A page shows
the record as it is and a form; the form proposes (``config.screens.propose_from_form``) and
the change's page (``config-change-detail``) shows the diff another administrator applies."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ..config import registry
from ..config import selectors as config_selectors
from ..config.models import ConfigChangeStatus, ConfigOperation
from ..config.screens import propose_from_form
from ..models import STAFF_ROLES, Branch, User
from ..permissions import can, page, refusal
from ..policy import policy, policy_value
from . import policyscreen
from .forms import BranchForm, ProposalCommentForm, StaffForm


def _pending(kind: str, user):
    return config_selectors.config_change_list(user=user, status=ConfigChangeStatus.PENDING, kind=kind).select_related(
        None
    )


@page("administration.view")
def home(request):
    pending = config_selectors.config_change_list(user=request.user, status=ConfigChangeStatus.PENDING)
    counts = dict(pending.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    shown = list(pending[:10])
    for c in shown:
        kind = registry.REGISTRY.get(c.kind)
        setattr(c, "kind_label", kind.label_text if kind else c.kind)  # noqa: B010 - for the template
    return render(
        request,
        "administration/home.html",
        {"counts": counts, "pending": shown, "pending_total": sum(counts.values())},
    )


def admin_entry(request):
    """``/admin/``'s index: the Django admin for a superuser (the installation's break-glass
    account); anyone else logged in goes to the product's own screens (an administrator to
    Administration), so nobody lands on "You don't have permission to view or edit anything"."""
    from django.contrib import admin

    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if user.is_superuser:
        return admin.site.admin_view(admin.site.index)(request)  # its own checks: the second factor
    return redirect("administration-home" if can(user, "administration.view") else "dashboard")


# --- branches -------------------------------------------------------------------------------


@page("administration.view")
def branch_list(request):
    branches = list(Branch.objects.annotate(n_staff=Count("staff", filter=Q(staff__is_active=True))).order_by("path"))
    for b in branches:
        setattr(b, "depth", max(b.path.count("/") - 2, 0))  # noqa: B010 - for the template's indent
    return render(
        request,
        "administration/branches.html",
        {"branches": branches, "pending": _pending("branch", request.user)},
    )


def _propose_page(request, *, form_class, kind, template, obj=None, extra=None):
    form = form_class(request.POST or None, instance=obj)
    note = ProposalCommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and note.is_valid():
        done = propose_from_form(
            request, form, kind=kind, target_id=obj.pk if obj else None, comment=note.cleaned_data["comment"]
        )
        if done is not None:
            return done
        status = 403 if getattr(request, "refused", False) else 200
    if obj is not None:
        obj.refresh_from_db()  # the form's validation set the typed values on it
    return render(request, template, {"form": form, "note": note, "obj": obj, **(extra or {})}, status=status)


@page("config_change.propose")
def branch_new(request):
    return _propose_page(request, form_class=BranchForm, kind="branch", template="administration/branch_form.html")


@page("config_change.propose")
def branch_edit(request, pk):
    branch = get_object_or_404(Branch, pk=pk)
    return _propose_page(
        request, form_class=BranchForm, kind="branch", template="administration/branch_form.html", obj=branch
    )


# --- staff ----------------------------------------------------------------------------------


@page("administration.view")
def staff_list(request):
    qs = User.objects.filter(role__in=STAFF_ROLES).select_related("branch").order_by("-is_active", "username")
    role = request.GET.get("role", "")
    if role in STAFF_ROLES:
        qs = qs.filter(role=role)
    return render(
        request,
        "administration/staff.html",
        {
            "staff": qs,
            "role": role,
            "roles": StaffForm.base_fields["role"].choices,  # type: ignore[attr-defined]
            "pending": _pending("staff", request.user),
        },
    )


@page("config_change.propose")
def staff_new(request):
    return _propose_page(request, form_class=StaffForm, kind="staff", template="administration/staff_form.html")


@page("config_change.propose")
def staff_edit(request, pk):
    member = get_object_or_404(User.objects.filter(role__in=STAFF_ROLES), pk=pk)
    return _propose_page(
        request, form_class=StaffForm, kind="staff", template="administration/staff_form.html", obj=member
    )


# --- policy ---------------------------------------------------------------------------------


@page("administration.view")
def policy_settings(request):
    """Each administered key with its value now and its own small form proposing a new one."""
    now = policy()
    posted = policyscreen.ROWS.get(request.POST.get("key", "")) if request.method == "POST" else None
    status = 200
    groups = []
    for title, rows in policyscreen.GROUPS:
        shown_rows = []
        for row in rows:
            value = policy_value(now, row.setting, row.key)
            if posted is row:
                form = policyscreen.RowForm(request.POST, row=row)
                if not can(request.user, "config_change.propose"):
                    raise PermissionDenied(refusal(request.user, "config_change.propose"))
                if form.is_valid():
                    done = propose_from_form(
                        request,
                        form,
                        kind="policy",
                        operation=ConfigOperation.UPDATE,
                        payload=form.payload(),
                        comment=form.cleaned_data["comment"],
                    )
                    if done is not None:
                        return done
                    status = 403 if getattr(request, "refused", False) else 200
            else:
                form = policyscreen.RowForm(row=row, initial=policyscreen.initial_for(row, value))
            shown_rows.append({"row": row, "value": policyscreen.shown(row, value), "form": form})
        groups.append({"title": title, "rows": shown_rows})
    return render(request, "administration/policy.html", {"groups": groups}, status=status)
