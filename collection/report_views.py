"""Report screens: thin views over ``collection.reports``. Each reads its filters, calls the
selector, lays the figures out as tables (the same tables give the CSV export) and as inline
SVG charts drawn here on the server: no chart library and no CDN, the app runs offline."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Product
from microloan.business_date import business_date
from microloan.models import Branch, Role, User
from microloan.scoping import branch_q
from microloan.templatetags.microloan_tags import percent
from microloan.web import role_required

from . import reports
from .reports import ReportScope

DAY_PERIOD_MAX_DAYS = 366
# Bar colours, from good (0) to bad (4).
BUCKET_TONES = {"current": 0, "1-30": 1, "31-60": 2, "61-90": 3, "91-180": 4, "180+": 4}
CLASS_TONES = {"normal": 0, "special_mention": 1, "substandard": 3, "doubtful": 4, "loss": 4}
RANGE_MAX_DAYS = 3660

# --- filters ----------------------------------------------------------------------------


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full = f"{obj.last_name}{obj.first_name}".strip()
        return f"{full} ({obj.username})" if full else obj.username


class ReportFilterForm(forms.Form):
    branch = forms.ModelChoiceField(label=gettext_lazy("Branch"), queryset=Branch.objects.none(), required=False,
                                    empty_label=gettext_lazy("All branches"))
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none(), required=False,
                                     empty_label=gettext_lazy("All products"))
    officer = OfficerChoice(label=gettext_lazy("Loan officer"), queryset=User.objects.none(), required=False,
                            empty_label=gettext_lazy("All officers"))
    date_from = forms.DateField(label=gettext_lazy("From date"), required=False, input_formats=["%Y-%m-%d"],
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=gettext_lazy("To date"), required=False, input_formats=["%Y-%m-%d"],
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period = forms.ChoiceField(label=gettext_lazy("Per"), required=False,
                               choices=[("day", gettext_lazy("Day")), ("month", gettext_lazy("Month"))])

    def __init__(self, data=None, *, user, fields: tuple[str, ...], initial=None):
        super().__init__(data, initial=initial)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "branch" in self.fields:
            if user.branch_id:
                branches = user.branch.subtree()
            else:
                branches = Branch.objects.all() if user.is_superuser else Branch.objects.none()
            self.fields["branch"].queryset = branches.order_by("path")
        if "product" in self.fields:
            self.fields["product"].queryset = Product.objects.order_by("code")
        if "officer" in self.fields:
            self.fields["officer"].queryset = (User.objects.filter(branch_q(user))
                                               .filter(Q(role=Role.OFFICER) | Q(loans__isnull=False))
                                               .distinct().order_by("username"))

    def clean(self):
        data = super().clean()
        if "date_from" not in self.fields:
            return data
        # A date left empty is its default, so one far-off date alone is checked as a range too.
        end = data.get("date_to") or self.initial.get("date_to")
        start = data.get("date_from") or self.initial.get("date_from")
        if start and end and not data.get("date_from"):
            start = min(start, end)
        for name in ("date_from", "date_to"):
            if data.get(name) and data[name].year >= 9999:
                # The flow reports step a day or a month past the end of the range.
                self.add_error(name, _("Choose a date before the year 9999."))
                return data
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (end - start).days >= RANGE_MAX_DAYS:
                self.add_error("date_from", _("At most %(n)d days.") % {"n": RANGE_MAX_DAYS})
            elif data.get("period") != "month" and (end - start).days >= DAY_PERIOD_MAX_DAYS:
                self.add_error("period", _("Per day covers at most %(n)d days; choose per month.")
                               % {"n": DAY_PERIOD_MAX_DAYS})
        return data


@dataclass
class Filters:
    form: ReportFilterForm
    scope: ReportScope
    as_of: date | None
    close_running: bool
    date_from: date | None = None
    date_to: date | None = None
    period: str = "day"
    valid: bool = True

    @property
    def context(self) -> dict:
        return {"form": self.form, "as_of": self.as_of, "close_running": self.close_running,
                "date_from": self.date_from, "date_to": self.date_to, "period": self.period}


def _filters(request, *, fields: tuple[str, ...]) -> Filters:
    """Reads the filters. A branch outside the user's tree is a 404, as for any object they
    cannot see; other bad input is shown on the form (the page answers 400)."""
    info = reports.report_date()
    default_to = info["as_of"] or business_date()
    form = ReportFilterForm(request.GET or None, user=request.user, fields=fields,
                            initial={"date_from": default_to.replace(day=1), "date_to": default_to, "period": "day"})
    valid = form.is_valid() if form.is_bound else True
    if not valid and "branch" in form.errors:
        raise Http404("No such branch in your branch tree.")
    data = form.cleaned_data if form.is_bound and valid else {}
    scope = ReportScope(user=request.user, branch=data.get("branch"), product=data.get("product"),
                        officer=data.get("officer"))
    date_to = data.get("date_to") or default_to
    date_from = data.get("date_from") or min(default_to.replace(day=1), date_to)
    return Filters(form=form, scope=scope, as_of=info["as_of"], close_running=info["close_running"],
                   date_from=date_from, date_to=date_to, period=data.get("period") or "day", valid=valid)


# --- tables, for the page and the CSV ----------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, percent, hours, day, month

    @property
    def num(self) -> bool:
        return self.kind not in ("text", "day", "month")


@dataclass(frozen=True)
class Cell:
    value: object
    kind: str

    @property
    def num(self) -> bool:
        return self.kind not in ("text", "day", "month")


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    total: dict | None = None
    empty: str = field(default_factory=lambda: _("Nothing to show for this selection."))

    @property
    def body(self) -> list[list[Cell]]:
        return [[Cell(row.get(c.key), c.kind) for c in self.columns] for row in self.rows]

    @property
    def foot(self) -> list[Cell] | None:
        if self.total is None:
            return None
        first, cells = self.columns[0].key, []
        for c in self.columns:
            if c.key == first:
                cells.append(Cell(_("Total"), "text"))
            else:  # a text column with no total stays blank; a figure with none shows "—"
                cells.append(Cell(self.total.get(c.key, None if c.num else ""), c.kind))
        return cells


def _csv_value(value, kind: str) -> str:
    """Plain numbers: no thousands separators, a point for decimals, percentages as 12.34."""
    if value is None:
        return ""
    if kind == "percent":
        return str((Decimal(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kind == "money":
        return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kind == "day":
        return value.isoformat()
    if kind == "month":
        return value.strftime("%Y-%m")
    return str(value)


def csv_response(tables: list[Table], name: str | None, filename: str) -> HttpResponse:
    """One table as CSV in UTF-8 with a byte-order mark, so Excel reads the Chinese right."""
    table = next((t for t in tables if t.name == name), None) if name else tables[0]
    if table is None:
        raise Http404("No such table in this report.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{table.name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([f"{c.label} (%)" if c.kind == "percent" else str(c.label) for c in table.columns])
    for row in [*table.body, *([table.foot] if table.foot else [])]:
        writer.writerow([_csv_value(cell.value, cell.kind) for cell in row])
    return response


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _query(request) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


# --- charts: inline SVG ------------------------------------------------------------------


def _money_text(value) -> str:
    return intcomma(Decimal(value or 0).quantize(Decimal("0.01")))


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _n(value: float) -> str:
    """An SVG coordinate: written here, so the template's number localisation never touches it."""
    return f"{value:.1f}"


def hbar_chart(*, chart_id: str, title: str, desc: str, bars: list[tuple], css: str = "") -> dict:
    """Horizontal bars, one per (label, value, text shown at the end of the bar[, tone]): the
    tone (0 good … 4 bad) colours the bar."""
    width, label_w, text_w, row_h, top = 720, 190, 210, 26, 6
    bar_max = width - label_w - text_w
    top_value = max((float(bar[1] or 0) for bar in bars), default=0) or 1.0
    items = []
    for i, (label, value, text, *tone) in enumerate(bars):
        w = max(0.0, float(value or 0)) / top_value * bar_max
        y = top + i * row_h
        items.append({"label": label, "text": text, "tone": f"tone-{tone[0]}" if tone else "", "w": _n(w),
                      "h": _n(row_h - 8), "by": _n(y + 4),
                      "ty": _n(y + row_h / 2 + 4), "tx": _n(label_w + w + 6)})
    return {"kind": "hbar", "id": chart_id, "title": title, "desc": desc, "width": width,
            "height": top * 2 + max(1, len(bars)) * row_h, "label_w": label_w, "label_x": label_w - 8,
            "bars": items, "css": css}


def column_chart(*, chart_id: str, title: str, desc: str, labels: list[str],
                 series: list[tuple[str, str, list]]) -> dict:
    """Columns per period, one per series (name, css class, values), side by side, over a value
    axis with five grid lines."""
    width, height, left, right, top, bottom = 760, 260, 90, 10, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((float(v or 0) for _n_, _c, values in series for v in values), default=0)
    axis_top = _nice_ceiling(peak)
    n = max(1, len(labels))
    group_w = plot_w / n
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    every = max(1, math.ceil(n / 12))
    columns = []
    for s, (name, css, values) in enumerate(series):
        for i, value in enumerate(values):
            h = float(value or 0) / axis_top * plot_h
            columns.append({"x": _n(left + i * group_w + group_w * 0.1 + s * bar_w), "w": _n(bar_w),
                            "y": _n(top + plot_h - h), "h": _n(h), "css": css,
                            "tip": f"{labels[i]} · {name}: {_money_text(value)}"})
    ticks = []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        ticks.append({"y": _n(y), "ty": _n(y + 4), "text": intcomma(_tick(axis_top * k / 4))})
    xlabels = [{"x": _n(left + i * group_w + group_w / 2), "text": label}
               for i, label in enumerate(labels) if i % every == 0]
    legend = [{"x": left + 8 + s * 200, "tx": left + 24 + s * 200, "name": name, "css": css}
              for s, (name, css, _v) in enumerate(series)]
    return {"kind": "columns", "id": chart_id, "title": title, "desc": desc, "width": width, "height": height,
            "left": left, "right_x": width - right, "tick_x": left - 6, "label_y": top + plot_h + 18,
            "columns": columns, "ticks": ticks, "xlabels": xlabels, "legend": legend, "css": "flows"}


def _tick(value: float):
    return int(value) if float(value).is_integer() else round(value, 2)


def _same_figures() -> str:
    return _("The same figures are in the table below.")


# --- the pages ---------------------------------------------------------------------------


def _full(user) -> bool:
    """Sees every report (an officer sees the portfolio at risk only)."""
    return user.role in reports.REPORT_ROLES or user.is_superuser


def _report_name(template: str) -> str:
    return template.rsplit("/", 1)[-1].removesuffix(".html")


def _render(request, template: str, filters: Filters, context: dict, tables: list[Table]):
    return render(request, template, {**filters.context, **context, "tables": {t.name: t for t in tables},
                                      "query": _query(request), "full": _full(request.user),
                                      "report": _report_name(template)})


def _invalid(request, template: str, filters: Filters):
    """Filters that cannot be read: the form with its errors, no figures (400)."""
    return render(request, template, {**filters.context, "data": None, "charts": [], "tables": {},
                                      "query": _query(request), "full": _full(request.user),
                                      "report": _report_name(template)}, status=400)


@role_required(*reports.PAR_ROLES)
def report_index(request):
    return render(request, "reports/index.html", {**reports.report_date(), "full": _full(request.user),
                                                  "report": "index"})


def _par_columns(first: Column) -> list[Column]:
    cols = [first, Column("loans", _("Loans"), "int"), Column("principal", _("Outstanding principal"), "money")]
    for level, label in (("par1", "PAR1"), ("par30", "PAR30"), ("par90", "PAR90")):
        cols += [Column(f"{level}_loans", _("%(par)s loans") % {"par": label}, "int"),
                 Column(f"{level}_principal", _("%(par)s principal") % {"par": label}, "money"),
                 Column(level, label, "percent")]
    return cols


@role_required(*reports.PAR_ROLES)
def par_report(request):
    f = _filters(request, fields=("branch", "product", "officer"))
    if not f.valid:
        return _invalid(request, "reports/par.html", f)
    data = reports.portfolio_at_risk(scope=f.scope, as_of=f.as_of)
    for row in data["by_branch"]:
        row["label"] = f"{row['code']} {row['name']}"
    for row in data["by_product"]:
        row["label"] = f"{row['code']} {row['name']}"
    tables = [
        Table("branches", _("By branch"), _par_columns(Column("label", _("Branch"))), data["by_branch"],
              data["total"]),
        Table("products", _("By product"), _par_columns(Column("label", _("Product"))), data["by_product"],
              data["total"]),
        Table("buckets", _("Overdue buckets"), [
            Column("label", _("Bucket")), Column("loans", _("Loans"), "int"),
            Column("principal", _("Outstanding principal"), "money"), Column("share", _("Share"), "percent")],
            data["buckets"], {"loans": data["total"]["loans"], "principal": data["total"]["principal"],
                              "share": Decimal(1) if data["total"]["principal"] else None}),
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"par-{f.as_of or 'none'}")
    total = data["total"]
    charts = [
        hbar_chart(chart_id="chart-buckets", title=_("Outstanding principal by overdue bucket"),
                   desc=_same_figures(), css="buckets",
                   bars=[(b["label"], b["principal"], f"{_money_text(b['principal'])} · {percent(b['share'])}",
                          BUCKET_TONES[b["bucket"]]) for b in data["buckets"]]),
        hbar_chart(chart_id="chart-par", title=_("Portfolio at risk"), desc=_same_figures(), css="par",
                   bars=[(label, total[level] or 0, percent(total[level]), tone)
                         for level, label, tone in (("par1", "PAR1", 2), ("par30", "PAR30", 3),
                                                    ("par90", "PAR90", 4))]),
    ]
    return _render(request, "reports/par.html", f, {"data": data, "charts": charts}, tables)


@role_required(*reports.REPORT_ROLES)
def classification_report(request):
    f = _filters(request, fields=("branch", "product", "officer"))
    if not f.valid:
        return _invalid(request, "reports/classification.html", f)
    data = reports.classification_provisions(scope=f.scope, as_of=f.as_of)
    tables = [Table("classes", _("Classification and provisions"), [
        Column("label", _("Class")), Column("loans", _("Loans"), "int"),
        Column("principal", _("Outstanding principal"), "money"), Column("share", _("Share"), "percent"),
        Column("rate", _("Provision rate"), "percent"), Column("required", _("Provision required"), "money"),
        Column("held", _("Provision held"), "money"), Column("shortfall", _("Shortfall"), "money")],
        data["rows"], data["total"])]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"classification-{f.as_of or 'none'}")
    charts = [
        hbar_chart(chart_id="chart-classes", title=_("Outstanding principal by class"), desc=_same_figures(),
                   css="classes", bars=[(r["label"], r["principal"],
                                         f"{_money_text(r['principal'])} · {percent(r['share'])}",
                                         CLASS_TONES[r["classification"]]) for r in data["rows"]]),
        hbar_chart(chart_id="chart-provisions", title=_("Provision held by class"), desc=_same_figures(),
                   css="provisions", bars=[(r["label"], r["held"], _money_text(r["held"]),
                                            CLASS_TONES[r["classification"]]) for r in data["rows"]]),
    ]
    return _render(request, "reports/classification.html", f, {"data": data, "charts": charts}, tables)


@role_required(*reports.REPORT_ROLES)
def flows_report(request):
    f = _filters(request, fields=("branch", "product", "officer", "date_from", "date_to", "period"))
    if not f.valid:
        return _invalid(request, "reports/flows.html", f)
    data = reports.disbursements_collections(scope=f.scope, date_from=f.date_from, date_to=f.date_to,
                                             period=f.period)
    kind = "month" if data["period"] == "month" else "day"
    tables = [Table("periods", _("Disbursements and collections"), [
        Column("period", _("Period"), kind), Column("loans", _("Loans disbursed"), "int"),
        Column("principal", _("Principal disbursed"), "money"), Column("paid_out", _("Paid out"), "money"),
        Column("fees", _("Upfront fees"), "money"), Column("repayments", _("Repayments posted"), "int"),
        Column("collected", _("Collected"), "money"), Column("collected_principal", _("Principal"), "money"),
        Column("interest", _("Interest"), "money"), Column("penalty", _("Penalty"), "money"),
        Column("fee", _("Fees"), "money"), Column("credit", _("Overpayment held"), "money"),
        Column("recoveries", _("Recoveries"), "int"), Column("recovered", _("Recovered"), "money")],
        data["rows"], data["total"])]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"flows-{data['date_from']}-{data['date_to']}")
    fmt = "%Y-%m" if kind == "month" else "%m-%d"
    charts = [column_chart(
        chart_id="chart-flows", title=_("Disbursed and collected per period"), desc=_same_figures(),
        labels=[r["period"].strftime(fmt) for r in data["rows"]],
        series=[(_("Principal disbursed"), "disbursed", [r["principal"] for r in data["rows"]]),
                (_("Collected"), "collected", [r["collected"] for r in data["rows"]])])]
    return _render(request, "reports/flows.html", f, {"data": data, "charts": charts}, tables)


@role_required(*reports.REPORT_ROLES)
def officers_report(request):
    f = _filters(request, fields=("branch", "product", "date_from", "date_to"))
    if not f.valid:
        return _invalid(request, "reports/officers.html", f)
    data = reports.officer_performance(scope=f.scope, as_of=f.as_of, date_from=f.date_from, date_to=f.date_to)
    tables = [Table("officers", _("Officer performance"), [
        Column("name", _("Loan officer")), Column("branch", _("Branch")),
        Column("disbursed_loans", _("Loans disbursed"), "int"), Column("disbursed", _("Principal disbursed"), "money"),
        Column("active_loans", _("Active loans"), "int"), Column("portfolio", _("Active portfolio"), "money"),
        Column("par30_principal", _("%(par)s principal") % {"par": "PAR30"}, "money"),
        Column("par30", "PAR30", "percent"), Column("repayments", _("Repayments posted"), "int"),
        Column("collected", _("Collected"), "money")], data["rows"], data["total"])]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"officers-{f.date_from}-{f.date_to}")
    charts = [hbar_chart(chart_id="chart-officers", title=_("Active portfolio by loan officer"),
                         desc=_same_figures(), css="officers",
                         bars=[(r["name"], r["portfolio"],
                                f"{_money_text(r['portfolio'])} · PAR30 {percent(r['par30'])}") for r in data["rows"]])]
    return _render(request, "reports/officers.html", f, {"data": data, "charts": charts}, tables)


def _turnaround_columns(first: list[Column]) -> list[Column]:
    return [*first, Column("decisions", _("Decisions"), "int"), Column("approved", _("Approved"), "int"),
            Column("rejected", _("Rejected"), "int"), Column("returned", _("Returned"), "int"),
            Column("median_hours", _("Median hours to decision"), "hours"),
            Column("avg_hours", _("Average hours to decision"), "hours"),
            Column("avg_queue_hours", _("Average hours in the approval queue"), "hours"),
            Column("breaches", _("SLA breaches"), "int"), Column("breach_share", _("Breach share"), "percent")]


@role_required(*reports.REPORT_ROLES)
def turnaround_report(request):
    f = _filters(request, fields=("branch", "product", "date_from", "date_to"))
    if not f.valid:
        return _invalid(request, "reports/turnaround.html", f)
    data = reports.approval_turnaround(scope=f.scope, date_from=f.date_from, date_to=f.date_to)
    for row in data["by_branch"]:
        row["label"] = f"{row['code']} {row['name']}"
    tables = [
        Table("branches", _("By branch"), _turnaround_columns([Column("label", _("Branch"))]), data["by_branch"],
              data["total"]),
        Table("approvers", _("By approver"), _turnaround_columns([Column("name", _("Approver"))]),
              data["by_approver"], data["total"]),
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"turnaround-{f.date_from}-{f.date_to}")
    charts = [hbar_chart(chart_id="chart-turnaround", title=_("Median hours from submission to decision, by approver"),
                         desc=_same_figures(), css="turnaround",
                         bars=[(r["name"], r["median_hours"] or 0,
                                "—" if r["median_hours"] is None else _("%(h)s h") % {"h": r["median_hours"]})
                               for r in data["by_approver"]])]
    return _render(request, "reports/turnaround.html", f, {"data": data, "charts": charts}, tables)

