"""Underwriting's kinds of configuration (microloan.config.registry), registered from
``UnderwritingConfig.ready``: the authority limits per role and branch, the credit
committee's members, a staff member's own approval limit, and the scorecard (a proposal
publishes a new version when applied; versions are never edited)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microloan.config.registry import CREATE, DELETE, UPDATE, Kind, ModelFormKind, json_safe, register
from microloan.errors import InvalidInput
from microloan.models import STAFF_ROLES, User


class ScorecardKind(ModelFormKind):
    """A new version; ``before`` is the active one."""

    def current(self, target_id, payload=None):
        from .services import scorecard_active

        if target_id:
            return super().current(target_id)
        card = scorecard_active()
        return {"version": card.version, **self.snapshot(card)}

    def apply(self, *, operation, target_id, payload, actor):
        from .services import scorecard_publish

        form = self._form(operation=operation, obj=None, payload=payload)
        card = scorecard_publish(actor=actor, config=form.cleaned_data["config"], note=form.cleaned_data["note"])
        return card.pk

    def label(self, target_id):
        return super().label(target_id) if target_id else _("new scorecard version")


class ApprovalLimitKind(Kind):
    """``User.approval_limit``: the largest amount a staff member approves alone, above every
    authority limit of their role (empty: the role's limits apply)."""

    name = "approval_limit"
    label_text = gettext_lazy("approval limit")
    operations = frozenset({UPDATE})

    def _user(self, target_id, *, lock=False):
        qs = User.objects.filter(pk=target_id, role__in=STAFF_ROLES) if target_id else User.objects.none()
        user = (qs.select_for_update() if lock else qs).first()
        if user is None:
            raise InvalidInput({"target_id": [_("No such staff member.")]})
        return user

    def lock(self, target_id, payload=None):
        self._user(target_id, lock=True)

    def current(self, target_id, payload=None):
        user = User.objects.filter(pk=target_id).first() if target_id else None
        return json_safe({"approval_limit": user.approval_limit}) if user is not None else {}

    def clean(self, *, operation, target_id, payload):
        from .forms import ApprovalLimitForm

        self._user(target_id)
        unknown = sorted(set(payload) - {"approval_limit"})
        if unknown or "approval_limit" not in payload:
            raise InvalidInput(
                {k: [_("Not a field of this kind of configuration.")] for k in unknown}
                or {"approval_limit": [_("This field is required.")]}
            )
        form = ApprovalLimitForm(data={"approval_limit": payload["approval_limit"]})
        if not form.is_valid():
            raise InvalidInput(form.errors)
        return json_safe({"approval_limit": form.cleaned_data["approval_limit"]})

    def apply(self, *, operation, target_id, payload, actor):
        user = self._user(target_id, lock=True)
        value = self.clean(operation=operation, target_id=target_id, payload=payload)["approval_limit"]
        user.approval_limit = value
        user.save(update_fields=["approval_limit"])
        return user.pk

    def label(self, target_id):
        user = User.objects.filter(pk=target_id).first() if target_id else None
        return user.get_username() if user is not None else f"#{target_id}"


def register_kinds() -> None:
    from .forms import AuthorityLimitForm, CommitteeMemberForm, ScorecardForm

    register(
        ModelFormKind(name="authority_limit", label=gettext_lazy("authority limit"), form_class=AuthorityLimitForm)
    )
    register(
        ModelFormKind(
            name="committee_member",
            label=gettext_lazy("committee member"),
            form_class=CommitteeMemberForm,
            operations={CREATE, DELETE},
        )
    )
    register(
        ScorecardKind(name="scorecard", label=gettext_lazy("scorecard"), form_class=ScorecardForm, operations={CREATE})
    )
    register(ApprovalLimitKind())
