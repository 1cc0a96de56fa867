"""The policy settings the administration screen shows, labelled and typed: rates as
percentages, amounts as money, days, times, a table per class. Each row proposes one key
(kind ``policy``: the policy's own reader validates it); every other key stays on the plain
settings page (``/config/policy/``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import DecimalFormField, IntegerFormField, PercentFormField, percent_text
from ..labels import code_label
from ..policy import CLASS_ORDER


@dataclass(frozen=True)
class Row:
    setting: str
    key: str
    label: object
    type: str  # percent, money, int, time, days_table, percent_table, class, basis

    @property
    def code(self) -> str:
        return f"{self.setting}:{self.key}"

    @property
    def slug(self) -> str:
        return self.code.replace(":", "-").replace(".", "-").lower()


GROUPS: list[tuple[object, list[Row]]] = [
    (
        _("Caps"),
        [
            Row("UNDERWRITING", "APR_CAP", _("APR cap (all-in annual cost)"), "percent"),
            Row("UNDERWRITING", "EXPOSURE_CAP", _("Exposure cap per borrower"), "money"),
        ],
    ),
    (
        _("Approval"),
        [
            Row("UNDERWRITING", "COMMITTEE_SIZE", _("Credit committee: approvers needed"), "int"),
            Row("UNDERWRITING", "APPROVAL_SLA_HOURS", _("Approval SLA (hours)"), "int"),
        ],
    ),
    (
        _("Conduct limits for contacting borrowers"),
        [
            Row("COLLECTION", "CONDUCT.CONTACT_START", _("No contact before"), "time"),
            Row("COLLECTION", "CONDUCT.CONTACT_END", _("No contact after"), "time"),
            Row("COLLECTION", "CONDUCT.MAX_CONNECTED_CALLS", _("Connected calls a day per borrower"), "int"),
            Row("COLLECTION", "CONDUCT.MAX_DIAL_ATTEMPTS", _("Dial attempts a day per borrower"), "int"),
        ],
    ),
    (
        _("Reminders"),
        [Row("SERVICING", "REMINDER_DAYS_BEFORE", _("Reminder before a due date (days)"), "int")],
    ),
    (
        _("Classification and provisions"),
        [
            Row("COLLECTION", "CLASSIFICATION_OVER_DAYS", _("Class applies over days past due"), "days_table"),
            Row("COLLECTION", "PROVISION_RATES", _("Provision rate per class"), "percent_table"),
            Row("COLLECTION", "NON_ACCRUAL_OVER_DAYS", _("Non-accrual over days past due"), "int"),
            Row("COLLECTION", "NON_ACCRUAL_CLASS", _("Non-accrual from the class"), "class"),
            Row("COLLECTION", "PENALTY_DAY_BASIS", _("Penalty interest day basis"), "basis"),
        ],
    ),
    (
        _("Retention"),
        [Row("PRIVACY", "RETENTION_DAYS", _("Keep a refused applicant's data (days)"), "int")],
    ),
]
ROWS = {row.code: row for _group, rows in GROUPS for row in rows}


def _classes(row: Row) -> tuple[str, ...]:
    return CLASS_ORDER[1:] if row.type == "days_table" else CLASS_ORDER


class RowForm(forms.Form):
    """One row's new value: a field ``value``, or a field per class for a table."""

    def __init__(self, *args, row: Row, **kwargs):
        kwargs["prefix"] = row.slug
        super().__init__(*args, **kwargs)
        self.row = row
        t = row.type
        if t == "percent":
            self.fields["value"] = PercentFormField(label=str(row.label), max_percent=100)
        elif t == "money":
            self.fields["value"] = DecimalFormField(label=str(row.label), max_digits=18, decimal_places=2, min_value=0)
        elif t == "int":
            self.fields["value"] = IntegerFormField(label=str(row.label), min_value=0, max_value=1_000_000)
        elif t == "time":
            self.fields["value"] = forms.TimeField(
                label=str(row.label), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )
        elif t == "class":
            self.fields["value"] = forms.ChoiceField(
                label=str(row.label), choices=[(c, code_label(c)) for c in CLASS_ORDER]
            )
        elif t == "basis":
            self.fields["value"] = forms.TypedChoiceField(
                label=str(row.label), choices=[(360, "360"), (365, "365")], coerce=int
            )
        else:
            for c in _classes(row):
                if t == "percent_table":
                    self.fields[c] = PercentFormField(label=code_label(c), max_percent=100)
                else:
                    self.fields[c] = IntegerFormField(label=code_label(c), min_value=0, max_value=100_000)
        self.fields["comment"] = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    @property
    def value_fields(self):
        return [self[name] for name in self.fields if name != "comment"]

    def payload(self) -> dict:
        data = self.cleaned_data
        if self.row.type in ("days_table", "percent_table"):
            value: object = {c: plain_value(data[c]) for c in _classes(self.row)}
        else:
            value = plain_value(data["value"])
        return {"setting": self.row.setting, "key": self.row.key, "value": value}


def plain_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return value


def initial_for(row: Row, value) -> dict:
    if row.type in ("days_table", "percent_table"):
        return {c: value.get(c) for c in _classes(row)}
    return {"value": value}


def shown(row: Row, value) -> str:
    """The value as the screen shows it: 24%, 200,000.00, 08:00, a class per line."""
    if row.type == "percent":
        return f"{percent_text(value)}%"
    if row.type == "money":
        return f"{Decimal(value):,.2f}"
    if row.type == "time":
        return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)[:5]
    if row.type == "class":
        return code_label(value)
    if row.type == "percent_table":
        return "; ".join(f"{code_label(c)} {percent_text(value[c])}%" for c in _classes(row))
    if row.type == "days_table":
        return "; ".join(f"{code_label(c)} > {value[c]}" for c in _classes(row))
    return str(value)
