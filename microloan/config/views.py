"""The configuration changes' pages: the list (filters; each pending change with the moves
the table allows the person), a change with its diff and its moves. A refused move (four
eyes, the proposer withdrawing alone) answers 403 with the reason, as the API does."""

import json
import re
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..administration.kinds import issued_passwords
from ..errors import DomainError, NotAllowed
from ..labels import code_label
from ..permissions import page
from ..policy import policy, policy_keys, policy_value
from ..web import report_domain_error
from . import registry, selectors, services
from .forms import ChangeFilterForm, DecideForm, PolicyChangeForm
from .models import ConfigOperation
from .overrides import current_overrides
from .policykind import plain


def _kinds():
    return sorted((name, str(k.label_text)) for name, k in registry.REGISTRY.items())


@page("config_change.view")
def change_list(request):
    form = ChangeFilterForm(request.GET or None, kinds=_kinds())
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.config_change_list(user=request.user, status=filters.get("status", ""), kind=filters.get("kind", ""))
    changes = Paginator(qs, 50).get_page(request.GET.get("page"))
    moves = selectors.config_change_moves(changes=changes.object_list, actor=request.user)
    labels = dict(_kinds())
    for c in changes.object_list:
        setattr(c, "moves", {t.action for t in moves.get(c.pk, [])})  # noqa: B010 - for the template
        setattr(c, "kind_label", labels.get(c.kind, c.kind))  # noqa: B010
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "config/change_list.html", {"page": changes, "form": form, "query": query})


_MONEY = re.compile(r"-?\d{4,}\.\d{2}")


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):  # a table keyed by codes (grades, buckets): the keys as words
        return "; ".join(f"{code_label(k)}: {_shown(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and _MONEY.fullmatch(value):  # money: grouped as everywhere else
        return number_format(Decimal(value), decimal_pos=2, force_grouping=True)
    return code_label(str(value))


def _nested(value) -> bool:
    return isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values())


def flatten(value, prefix: str = ""):
    """A nested value (a scorecard) as (path, text) rows: a list of records keyed by their
    ``name`` or ``grade``, a band list and any other leaf written compactly."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{prefix} · {k}" if prefix else str(k))
    elif (
        isinstance(value, list) and value and all(isinstance(x, dict) and ("name" in x or "grade" in x) for x in value)
    ):
        for item in value:
            name = str(item.get("name", item.get("grade")))
            rest = {k: v for k, v in item.items() if k not in ("name", "grade")}
            yield from flatten(rest, f"{prefix} · {name}" if prefix else name)
    else:
        yield prefix, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def diff_rows(change, kind=None) -> list[dict]:
    """Field by field (a nested value, such as a scorecard, path by path): as it was when
    proposed, as proposed, as the apply left it; the field's label and each value as the
    kind shows them (a rate as a percentage)."""
    before, proposed, after = dict(change.before), dict(change.payload), dict(change.after)
    for k in list(dict.fromkeys([*proposed, *before])):
        if _nested(proposed.get(k)) or _nested(before.get(k)):
            for side in (before, proposed, after):
                if k in side:
                    side.update({f"{k} · {p}": v for p, v in flatten(side.pop(k))})
    keys = list(dict.fromkeys([*proposed, *before, *after]))
    label = getattr(kind, "field_label", lambda k: k)
    show = getattr(kind, "display", None)

    def text(k, v):
        shown = show(k, v, change.payload or change.before) if show is not None else None
        return shown if shown is not None else _shown(v)

    return [
        {
            "field": k,
            "label": label(k),
            "before": text(k, before.get(k)),
            "proposed": text(k, proposed.get(k)) if k in proposed else "",
            "after": text(k, after.get(k)) if after else "",
            "changed": k in proposed and proposed.get(k) != before.get(k),
        }
        for k in keys
    ]


def _decide(request, change, form):
    """Runs the move; a redirect when done, None to show the page again (with the refusal)."""
    if not form.is_valid():
        return None
    step, reason = form.cleaned_data["step"], form.cleaned_data["reason"]
    moves = {
        "apply": lambda: services.config_change_apply(actor=request.user, change=change),
        "reject": lambda: services.config_change_reject(actor=request.user, change=change, reason=reason),
        "withdraw": lambda: services.config_change_withdraw(actor=request.user, change=change, reason=reason),
    }
    try:
        moves[step]()
    except NotAllowed as exc:
        report_domain_error(request, exc, form)
        request.refused = True
        return None
    except DomainError as exc:
        report_domain_error(request, exc, form)
        return None
    done = {
        "apply": _("Applied: the configuration has changed."),
        "reject": _("Rejected: nothing changes."),
        "withdraw": _("Withdrawn: nothing changes."),
    }
    messages.success(request, done[step])
    issued = issued_passwords(request.user)
    if issued:  # shown on this page once, never stored nor sent again
        request.issued_passwords = dict(issued)
        issued.clear()
        return None
    return redirect("config-change-detail", pk=change.pk)


@page("config_change.view")
def change_detail(request, pk):
    change = get_object_or_404(selectors.config_change_list(user=request.user), pk=pk)
    form = DecideForm(request.POST or None)
    if request.method == "POST":
        done = _decide(request, change, form)
        if done is not None:
            return done
        change.refresh_from_db()
    kind = registry.REGISTRY.get(change.kind)
    moves = {t.action for t in selectors.config_change_moves(changes=[change], actor=request.user)[change.pk]}
    return render(
        request,
        "config/change_detail.html",
        {
            "change": change,
            "kind_label": kind.label_text if kind else change.kind,
            "target_label": kind.label(change.target_id) if kind else change.target_id,
            "rows": diff_rows(change, kind),
            "moves": moves,
            "form": form,
            "issued": getattr(request, "issued_passwords", {}),
        },
        status=403 if getattr(request, "refused", False) else 200,
    )


@page("config_change.propose")
def policy_propose(request):
    """The policy's every key with its value now (the settings and the applied overrides), and
    the form proposing a new value for one of them (applied by another administrator)."""
    keys = policy_keys()
    form = PolicyChangeForm(request.POST or None, keys=keys)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.config_change_propose(
                actor=request.user,
                kind="policy",
                operation=ConfigOperation.UPDATE,
                payload=form.payload(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Proposed: the policy changes when another administrator applies it."))
            return redirect("config-change-detail", pk=change.pk)
    now = policy()
    overridden = {(s, k) for s, k, _v in current_overrides()}
    rows = [
        {"setting": s, "key": k, "value": _shown(plain(policy_value(now, s, k))), "overridden": (s, k) in overridden}
        for s, k in keys
    ]
    return render(request, "config/policy.html", {"form": form, "rows": rows})
