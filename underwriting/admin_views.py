"""Administration of approval authority and the scorecard (#14 point 1): the authority limits
per role and branch, the credit committee, the staff's own approval limits, and the scorecard
(a draft edited, compared with the published version side by side, proposed for publication).
Every change is a configuration change another administrator applies."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microloan.administration.forms import ProposalCommentForm
from microloan.config import services as config_services
from microloan.config.models import ConfigChangeStatus, ConfigOperation
from microloan.config.screens import propose_from_form
from microloan.config.selectors import config_change_list
from microloan.config.views import flatten
from microloan.errors import DomainError
from microloan.models import STAFF_ROLES, User
from microloan.permissions import page
from microloan.web import report_domain_error

from . import services
from .forms import ApprovalLimitForm, AuthorityLimitForm, CommitteeMemberForm
from .models import AuthorityLimit, CommitteeMember, Scorecard


def _pending(request, *kinds):
    qs = config_change_list(user=request.user, status=ConfigChangeStatus.PENDING)
    return qs.filter(kind__in=kinds)


class StaffLimitForm(ApprovalLimitForm):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Staff member"), queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    )
    field_order = ["user", "approval_limit"]


@page("administration.view")
def limits(request):
    """The limits, the committee and the personal limits, each with its proposing form."""
    step = request.POST.get("step", "") if request.method == "POST" else ""
    raw = request.POST.get("target", "") if step == "limit" else ""
    target_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    target = get_object_or_404(AuthorityLimit, pk=target_id) if target_id else None
    limit_form = AuthorityLimitForm(request.POST if step == "limit" else None, prefix="limit", instance=target)
    member_form = CommitteeMemberForm(request.POST if step == "member" else None, prefix="member")
    own_form = StaffLimitForm(request.POST if step == "own" else None, prefix="own")
    note = ProposalCommentForm(request.POST or None)
    status = 200
    if step:
        done = None
        if step == "limit" and limit_form.is_valid() and note.is_valid():
            done = propose_from_form(
                request, limit_form, kind="authority_limit", target_id=target_id, comment=note.cleaned_data["comment"]
            )
        elif step == "member" and member_form.is_valid() and note.is_valid():
            done = propose_from_form(
                request, member_form, kind="committee_member", comment=note.cleaned_data["comment"]
            )
        elif step == "own" and own_form.is_valid() and note.is_valid():
            member = own_form.cleaned_data["user"]
            done = propose_from_form(
                request,
                own_form,
                kind="approval_limit",
                target_id=member.pk,
                operation=ConfigOperation.UPDATE,
                payload={"approval_limit": _text(own_form.cleaned_data["approval_limit"])},
                comment=note.cleaned_data["comment"],
            )
        elif step in ("delete_limit", "remove_member"):
            done = _delete(request, step)
        if done is not None:
            return done
        status = 403 if getattr(request, "refused", False) else 200
    return render(
        request,
        "administration/limits.html",
        {
            "limits": AuthorityLimit.objects.select_related("branch").order_by("role", "branch__path"),
            "members": CommitteeMember.objects.select_related("user", "user__branch").order_by("user__username"),
            "own": User.objects.filter(role__in=STAFF_ROLES, approval_limit__isnull=False).order_by("username"),
            "limit_form": limit_form,
            "member_form": member_form,
            "own_form": own_form,
            "pending": _pending(request, "authority_limit", "committee_member", "approval_limit"),
        },
        status=status,
    )


def _text(value):
    return None if value is None else str(value)


def _delete(request, step):
    raw = request.POST.get("target", "")
    target_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    kind = "authority_limit" if step == "delete_limit" else "committee_member"
    try:
        change = config_services.config_change_propose(
            actor=request.user, kind=kind, operation=ConfigOperation.DELETE, target_id=target_id
        )
    except DomainError as exc:
        request.refused = report_domain_error(request, exc) == 403
        return None
    messages.success(request, _("Proposed: it takes effect when another administrator applies it."))
    return redirect("config-change-detail", pk=change.pk)


class DraftForm(forms.Form):
    config = forms.JSONField(
        label=gettext_lazy("Scorecard"),
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90, "spellcheck": "false"}),
        help_text=gettext_lazy("Weights, bands, grades and policy, as JSON."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


def compare_rows(published: dict, draft: dict | None) -> list[dict]:
    """The published version and the draft side by side, one row per weight, band or grade."""
    left, right = dict(flatten(published)), dict(flatten(draft or {}))
    keys = list(dict.fromkeys([*left, *right]))
    return [
        {"path": k, "published": left.get(k, "—"), "draft": right.get(k, "—"), "changed": left.get(k) != right.get(k)}
        for k in keys
    ]


@page("administration.view")
def scorecard(request):
    active = services.scorecard_active()
    draft = services.scorecard_draft()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    initial = {"config": (draft or active).config, "note": draft.note if draft else ""}
    form = DraftForm(request.POST if step == "save" else None, initial=initial)
    note = ProposalCommentForm(request.POST if step == "propose" else None)
    status = 200
    try:
        if step == "save" and form.is_valid():
            services.scorecard_draft_save(
                actor=request.user, config=form.cleaned_data["config"], note=form.cleaned_data["note"]
            )
            messages.success(request, _("Draft saved: compare it below, then propose it for publication."))
            return redirect("admin-scorecard")
        if step == "propose" and note.is_valid():
            change = services.scorecard_draft_propose(actor=request.user, comment=note.cleaned_data["comment"])
            messages.success(request, _("Proposed: the version is published when another administrator applies it."))
            return redirect("config-change-detail", pk=change.pk)
    except DomainError as exc:
        status = report_domain_error(request, exc, form)
    return render(
        request,
        "administration/scorecard.html",
        {
            "active": active,
            "draft": draft,
            "form": form,
            "note": note,
            "rows": compare_rows(active.config, draft.config if draft else None),
            "versions": Scorecard.objects.select_related("created_by").order_by("-version")[:20],
            "pending": _pending(request, "scorecard"),
            "config_text": json.dumps((draft or active).config, ensure_ascii=False, indent=2),
        },
        status=status,
    )
