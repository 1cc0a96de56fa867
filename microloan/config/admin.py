"""The Django admin proposes instead of saving: a model registered with ``ProposeInsteadAdmin``
(and ``config_kind``) turns every add, change and delete into a configuration change another
administrator applies (``/config/changes/<id>/``). Nothing is written to the model and the
admin's log records nothing: the proposal is the audit trail's."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ..errors import DomainError, InvalidInput
from . import services
from .registry import CREATE, DELETE, UPDATE, json_safe


def propose(request, *, kind: str, operation: str, target_id=None, payload=None) -> None:
    """Proposes the change for the admin's request and says so (or why not) in its messages."""
    try:
        change = services.config_change_propose(
            actor=request.user, kind=kind, operation=operation, target_id=target_id, payload=payload
        )
    except InvalidInput as exc:
        messages.error(request, "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items()))
        return
    except DomainError as exc:
        messages.error(request, str(exc))
        return
    request.config_change = change
    messages.success(
        request,
        _("Proposed as configuration change #%(n)d: nothing changes until another administrator applies it.")
        % {"n": change.pk},
    )


class ProposeInsteadAdmin:
    config_kind = ""

    def _propose(self, request, **kwargs) -> None:
        propose(request, kind=self.config_kind, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)  # it would say "deleted": delete one by one, proposing
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            payload = {f: form.cleaned_data.get(f) for f in form.changed_data}
            if not payload:
                messages.info(request, _("Nothing to change."))
                return
            self._propose(request, operation=UPDATE, target_id=obj.pk, payload=json_safe(payload))
        else:
            payload = {f: form.cleaned_data.get(f) for f in form.fields}
            self._propose(request, operation=CREATE, payload=json_safe(payload))

    def save_related(self, request, form, formsets, change):
        pass  # nothing was saved

    def delete_model(self, request, obj):
        self._propose(request, operation=DELETE, target_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    # Nothing was added, changed or deleted: the admin's log would say otherwise.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return None

    def _after(self, request):
        change = getattr(request, "config_change", None)
        if change is not None:
            return HttpResponseRedirect(reverse("config-change-detail", args=[change.pk]))
        opts = self.model._meta  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        return self._after(request)

    def response_change(self, request, obj):
        return self._after(request)

    def response_delete(self, request, obj_display, obj_id):
        return self._after(request)
