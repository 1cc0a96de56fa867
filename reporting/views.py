"""Report screens: thin views over ``reporting.selectors``. Each reads its filters, calls the
selector, lays the figures out as tables (the same tables give the CSV export) and as inline
SVG charts (``reporting.charts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.templatetags.microloan_tags import percent
from microloan.web import role_required

from . import selectors
from .charts import column_chart, hbar_chart, money_text
from .forms import ReportFilterForm
from .selectors import ReportScope
from .tables import Column, Table, csv_response

# Bar colours, from good (0) to bad (4).
BUCKET_TONES = {"current": 0, "1-30": 1, "31-60": 2, "61-90": 3, "91-180": 4, "180+": 4}
CLASS_TONES = {"normal": 0, "special_mention": 1, "substandard": 3, "doubtful": 4, "loss": 4}

# --- filters ----------------------------------------------------------------------------


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
        return {
            "form": self.form,
            "as_of": self.as_of,
            "close_running": self.close_running,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "period": self.period,
        }


def _filters(request, *, fields: tuple[str, ...]) -> Filters:
    """Reads the filters. A branch outside the user's tree is a 404, as for any object they
    cannot see; other bad input is shown on the form (the page answers 400)."""
    info = selectors.report_date()
    default_to = info["as_of"] or business_date()
    form = ReportFilterForm(
        request.GET or None,
        user=request.user,
        fields=fields,
        initial={"date_from": default_to.replace(day=1), "date_to": default_to, "period": "day"},
    )
    valid = form.is_valid() if form.is_bound else True
    if not valid and "branch" in form.errors:
        raise Http404("No such branch in your branch tree.")
    data = form.cleaned_data if form.is_bound and valid else {}
    scope = ReportScope(
        user=request.user, branch=data.get("branch"), product=data.get("product"), officer=data.get("officer")
    )
    date_to = data.get("date_to") or default_to
    date_from = data.get("date_from") or min(default_to.replace(day=1), date_to)
    return Filters(
        form=form,
        scope=scope,
        as_of=info["as_of"],
        close_running=info["close_running"],
        date_from=date_from,
        date_to=date_to,
        period=data.get("period") or "day",
        valid=valid,
    )


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _query(request) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


def _same_figures() -> str:
    return _("The same figures are in the table below.")


# --- the pages ---------------------------------------------------------------------------


def _full(user) -> bool:
    """Sees every report (an officer sees the portfolio at risk only)."""
    return user.role in selectors.REPORT_ROLES or user.is_superuser


def _report_name(template: str) -> str:
    return template.rsplit("/", 1)[-1].removesuffix(".html")


def _render(request, template: str, filters: Filters, context: dict, tables: list[Table]):
    return render(
        request,
        template,
        {
            **filters.context,
            **context,
            "tables": {t.name: t for t in tables},
            "query": _query(request),
            "full": _full(request.user),
            "report": _report_name(template),
        },
    )


def _invalid(request, template: str, filters: Filters):
    """Filters that cannot be read: the form with its errors, no figures (400)."""
    return render(
        request,
        template,
        {
            **filters.context,
            "data": None,
            "charts": [],
            "tables": {},
            "query": _query(request),
            "full": _full(request.user),
            "report": _report_name(template),
        },
        status=400,
    )


@role_required(*selectors.PAR_ROLES)
def report_index(request):
    return render(
        request, "reports/index.html", {**selectors.report_date(), "full": _full(request.user), "report": "index"}
    )


def _par_columns(first: Column) -> list[Column]:
    cols = [first, Column("loans", _("Loans"), "int"), Column("principal", _("Outstanding principal"), "money")]
    for level, label in (("par1", "PAR1"), ("par30", "PAR30"), ("par90", "PAR90")):
        cols += [
            Column(f"{level}_loans", _("%(par)s loans") % {"par": label}, "int"),
            Column(f"{level}_principal", _("%(par)s principal") % {"par": label}, "money"),
            Column(level, label, "percent"),
        ]
    return cols


@role_required(*selectors.PAR_ROLES)
def par_report(request):
    f = _filters(request, fields=("branch", "product", "officer"))
    if not f.valid:
        return _invalid(request, "reports/par.html", f)
    data = selectors.portfolio_at_risk(scope=f.scope, as_of=f.as_of)
    for row in data["by_branch"]:
        row["label"] = f"{row['code']} {row['name']}"
    for row in data["by_product"]:
        row["label"] = f"{row['code']} {row['name']}"
    tables = [
        Table("branches", _("By branch"), _par_columns(Column("label", _("Branch"))), data["by_branch"], data["total"]),
        Table(
            "products", _("By product"), _par_columns(Column("label", _("Product"))), data["by_product"], data["total"]
        ),
        Table(
            "buckets",
            _("Overdue buckets"),
            [
                Column("label", _("Bucket")),
                Column("loans", _("Loans"), "int"),
                Column("principal", _("Outstanding principal"), "money"),
                Column("share", _("Share"), "percent"),
            ],
            data["buckets"],
            {
                "loans": data["total"]["loans"],
                "principal": data["total"]["principal"],
                "share": Decimal(1) if data["total"]["principal"] else None,
            },
        ),
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"par-{f.as_of or 'none'}")
    total = data["total"]
    charts = [
        hbar_chart(
            chart_id="chart-buckets",
            title=_("Outstanding principal by overdue bucket"),
            desc=_same_figures(),
            css="buckets",
            bars=[
                (
                    b["label"],
                    b["principal"],
                    f"{money_text(b['principal'])} · {percent(b['share'])}",
                    BUCKET_TONES[b["bucket"]],
                )
                for b in data["buckets"]
            ],
        ),
        hbar_chart(
            chart_id="chart-par",
            title=_("Portfolio at risk"),
            desc=_same_figures(),
            css="par",
            bars=[
                (label, total[level] or 0, percent(total[level]), tone)
                for level, label, tone in (("par1", "PAR1", 2), ("par30", "PAR30", 3), ("par90", "PAR90", 4))
            ],
        ),
    ]
    return _render(request, "reports/par.html", f, {"data": data, "charts": charts}, tables)


@role_required(*selectors.REPORT_ROLES)
def classification_report(request):
    f = _filters(request, fields=("branch", "product", "officer"))
    if not f.valid:
        return _invalid(request, "reports/classification.html", f)
    data = selectors.classification_provisions(scope=f.scope, as_of=f.as_of)
    tables = [
        Table(
            "classes",
            _("Classification and provisions"),
            [
                Column("label", _("Class")),
                Column("loans", _("Loans"), "int"),
                Column("principal", _("Outstanding principal"), "money"),
                Column("share", _("Share"), "percent"),
                Column("rate", _("Provision rate"), "percent"),
                Column("required", _("Provision required"), "money"),
                Column("held", _("Provision held"), "money"),
                Column("shortfall", _("Shortfall"), "money"),
            ],
            data["rows"],
            data["total"],
        )
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"classification-{f.as_of or 'none'}")
    charts = [
        hbar_chart(
            chart_id="chart-classes",
            title=_("Outstanding principal by class"),
            desc=_same_figures(),
            css="classes",
            bars=[
                (
                    r["label"],
                    r["principal"],
                    f"{money_text(r['principal'])} · {percent(r['share'])}",
                    CLASS_TONES[r["classification"]],
                )
                for r in data["rows"]
            ],
        ),
        hbar_chart(
            chart_id="chart-provisions",
            title=_("Provision held by class"),
            desc=_same_figures(),
            css="provisions",
            bars=[
                (r["label"], r["held"], money_text(r["held"]), CLASS_TONES[r["classification"]]) for r in data["rows"]
            ],
        ),
    ]
    return _render(request, "reports/classification.html", f, {"data": data, "charts": charts}, tables)


@role_required(*selectors.REPORT_ROLES)
def flows_report(request):
    f = _filters(request, fields=("branch", "product", "officer", "date_from", "date_to", "period"))
    if not f.valid:
        return _invalid(request, "reports/flows.html", f)
    data = selectors.disbursements_collections(scope=f.scope, date_from=f.date_from, date_to=f.date_to, period=f.period)
    kind = "month" if data["period"] == "month" else "day"
    tables = [
        Table(
            "periods",
            _("Disbursements and collections"),
            [
                Column("period", _("Period"), kind),
                Column("loans", _("Loans disbursed"), "int"),
                Column("principal", _("Principal disbursed"), "money"),
                Column("paid_out", _("Paid out"), "money"),
                Column("fees", _("Upfront fees"), "money"),
                Column("repayments", _("Repayments posted"), "int"),
                Column("collected", _("Collected"), "money"),
                Column("collected_principal", _("Principal"), "money"),
                Column("interest", _("Interest"), "money"),
                Column("penalty", _("Penalty"), "money"),
                Column("fee", _("Fees"), "money"),
                Column("credit", _("Overpayment held"), "money"),
                Column("recoveries", _("Recoveries"), "int"),
                Column("recovered", _("Recovered"), "money"),
            ],
            data["rows"],
            data["total"],
        )
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"flows-{data['date_from']}-{data['date_to']}")
    fmt = "%Y-%m" if kind == "month" else "%m-%d"
    charts = [
        column_chart(
            chart_id="chart-flows",
            title=_("Disbursed and collected per period"),
            desc=_same_figures(),
            labels=[r["period"].strftime(fmt) for r in data["rows"]],
            series=[
                (_("Principal disbursed"), "disbursed", [r["principal"] for r in data["rows"]]),
                (_("Collected"), "collected", [r["collected"] for r in data["rows"]]),
            ],
        )
    ]
    return _render(request, "reports/flows.html", f, {"data": data, "charts": charts}, tables)


@role_required(*selectors.REPORT_ROLES)
def officers_report(request):
    f = _filters(request, fields=("branch", "product", "date_from", "date_to"))
    if not f.valid:
        return _invalid(request, "reports/officers.html", f)
    data = selectors.officer_performance(scope=f.scope, as_of=f.as_of, date_from=f.date_from, date_to=f.date_to)
    tables = [
        Table(
            "officers",
            _("Officer performance"),
            [
                Column("name", _("Loan officer")),
                Column("branch", _("Branch")),
                Column("disbursed_loans", _("Loans disbursed"), "int"),
                Column("disbursed", _("Principal disbursed"), "money"),
                Column("active_loans", _("Active loans"), "int"),
                Column("portfolio", _("Active portfolio"), "money"),
                Column("par30_principal", _("%(par)s principal") % {"par": "PAR30"}, "money"),
                Column("par30", "PAR30", "percent"),
                Column("repayments", _("Repayments posted"), "int"),
                Column("collected", _("Collected"), "money"),
            ],
            data["rows"],
            data["total"],
        )
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"officers-{f.date_from}-{f.date_to}")
    charts = [
        hbar_chart(
            chart_id="chart-officers",
            title=_("Active portfolio by loan officer"),
            desc=_same_figures(),
            css="officers",
            bars=[
                (r["name"], r["portfolio"], f"{money_text(r['portfolio'])} · PAR30 {percent(r['par30'])}")
                for r in data["rows"]
            ],
        )
    ]
    return _render(request, "reports/officers.html", f, {"data": data, "charts": charts}, tables)


def _turnaround_columns(first: list[Column]) -> list[Column]:
    return [
        *first,
        Column("decisions", _("Decisions"), "int"),
        Column("approved", _("Approved"), "int"),
        Column("rejected", _("Rejected"), "int"),
        Column("returned", _("Returned"), "int"),
        Column("median_hours", _("Median hours to decision"), "hours"),
        Column("avg_hours", _("Average hours to decision"), "hours"),
        Column("avg_queue_hours", _("Average hours in the approval queue"), "hours"),
        Column("breaches", _("SLA breaches"), "int"),
        Column("breach_share", _("Breach share"), "percent"),
    ]


@role_required(*selectors.REPORT_ROLES)
def turnaround_report(request):
    f = _filters(request, fields=("branch", "product", "date_from", "date_to"))
    if not f.valid:
        return _invalid(request, "reports/turnaround.html", f)
    data = selectors.approval_turnaround(scope=f.scope, date_from=f.date_from, date_to=f.date_to)
    for row in data["by_branch"]:
        row["label"] = f"{row['code']} {row['name']}"
    tables = [
        Table(
            "branches",
            _("By branch"),
            _turnaround_columns([Column("label", _("Branch"))]),
            data["by_branch"],
            data["total"],
        ),
        Table(
            "approvers",
            _("By approver"),
            _turnaround_columns([Column("name", _("Approver"))]),
            data["by_approver"],
            data["total"],
        ),
    ]
    if _wants_csv(request):
        return csv_response(tables, request.GET.get("table"), f"turnaround-{f.date_from}-{f.date_to}")
    charts = [
        hbar_chart(
            chart_id="chart-turnaround",
            title=_("Median hours from submission to decision, by approver"),
            desc=_same_figures(),
            css="turnaround",
            bars=[
                (
                    r["name"],
                    r["median_hours"] or 0,
                    "—" if r["median_hours"] is None else _("%(h)s h") % {"h": r["median_hours"]},
                )
                for r in data["by_approver"]
            ],
        )
    ]
    return _render(request, "reports/turnaround.html", f, {"data": data, "charts": charts}, tables)
