"""Report screens: thin views over ``reporting.selectors``. Each names its template and
filters and builds its :class:`~reporting.pages.Report`: the selector's figures laid out as
tables (``reporting.tables``: the same tables give the CSV export) and as inline SVG charts
(``reporting.charts``); ``reporting.pages`` does the rest alike for every report."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import render
from django.utils.translation import gettext as _

from microloan.dbrouter import reads_replica
from microloan.permissions import page
from microloan.templatetags.microloan_tags import percent

from . import selectors
from .charts import column_chart, hbar_chart, money_text
from .pages import Filters, Report, full, report_page, same_figures
from .tables import labelled, par_columns, stock_columns, table, turnaround_columns

# Bar colours, from good (0) to bad (4).
BUCKET_TONES = {"current": 0, "1-30": 1, "31-60": 2, "61-90": 3, "91-180": 4, "180+": 4}
CLASS_TONES = {"normal": 0, "special_mention": 1, "substandard": 3, "doubtful": 4, "loss": 4}
STOCK = ("branch", "product", "officer")
RANGE = ("branch", "product", "date_from", "date_to")


@page("report.par")
@reads_replica
def report_index(request):
    return render(
        request, "reports/index.html", {**selectors.report_date(), "full": full(request.user), "report": "index"}
    )


def _bars(name: str, title: str, bars: list[tuple]) -> dict:
    """A bar chart ``chart-<name>`` of figures that are also in one of the page's tables."""
    return hbar_chart(chart_id=f"chart-{name}", title=title, desc=same_figures(), css=name, bars=bars)


def _share_bars(rows: list[dict], tones: dict[str, int], tone_key: str) -> list[tuple]:
    """Each row's outstanding principal as a bar, labelled with its share, coloured by ``tone_key``."""
    return [
        (r["label"], r["principal"], f"{money_text(r['principal'])} · {percent(r['share'])}", tones[r[tone_key]])
        for r in rows
    ]


# --- portfolio at risk -------------------------------------------------------------------


@page("report.par")
@reads_replica
def par_report(request):
    return report_page(request, "reports/par.html", fields=STOCK, build=_par)


def _par(f: Filters) -> Report:
    data = selectors.portfolio_at_risk(scope=f.scope, as_of=f.as_of)
    labelled(data["by_branch"], data["by_product"])
    total = data["total"]
    tables = [
        table("branches", _("By branch"), par_columns(("label", _("Branch"))), data["by_branch"], total),
        table("products", _("By product"), par_columns(("label", _("Product"))), data["by_product"], total),
        table(
            "buckets",
            _("Overdue buckets"),
            stock_columns(("label", _("Bucket")), share=True),
            data["buckets"],
            {
                "loans": total["loans"],
                "principal": total["principal"],
                "share": Decimal(1) if total["principal"] else None,
            },
        ),
    ]

    def charts():
        return [
            _bars(
                "buckets",
                _("Outstanding principal by overdue bucket"),
                _share_bars(data["buckets"], BUCKET_TONES, "bucket"),
            ),
            _bars(
                "par",
                _("Portfolio at risk"),
                [
                    (label, total[level] or 0, percent(total[level]), tone)
                    for level, label, tone in (("par1", "PAR1", 2), ("par30", "PAR30", 3), ("par90", "PAR90", 4))
                ],
            ),
        ]

    return Report(data, tables, f"par-{f.as_of or 'none'}", charts)


# --- classification and provisions ------------------------------------------------------


@page("report.view")
@reads_replica
def classification_report(request):
    return report_page(request, "reports/classification.html", fields=STOCK, build=_classification)


def _classification(f: Filters) -> Report:
    data = selectors.classification_provisions(scope=f.scope, as_of=f.as_of)
    rows = data["rows"]
    tables = [
        table(
            "classes",
            _("Classification and provisions"),
            [
                *stock_columns(("label", _("Class")), share=True),
                ("rate", _("Provision rate"), "percent"),
                ("required", _("Provision required"), "money"),
                ("held", _("Provision held"), "money"),
                ("shortfall", _("Shortfall"), "money"),
            ],
            rows,
            data["total"],
        )
    ]

    def charts():
        return [
            _bars(
                "classes",
                _("Outstanding principal by class"),
                _share_bars(rows, CLASS_TONES, "classification"),
            ),
            _bars(
                "provisions",
                _("Provision held by class"),
                [(r["label"], r["held"], money_text(r["held"]), CLASS_TONES[r["classification"]]) for r in rows],
            ),
        ]

    return Report(data, tables, f"classification-{f.as_of or 'none'}", charts)


# --- disbursements and collections ------------------------------------------------------


@page("report.view")
@reads_replica
def flows_report(request):
    return report_page(request, "reports/flows.html", fields=(*STOCK, "date_from", "date_to", "period"), build=_flows)


def _flows(f: Filters) -> Report:
    data = selectors.disbursements_collections(scope=f.scope, date_from=f.date_from, date_to=f.date_to, period=f.period)
    kind = "month" if data["period"] == "month" else "day"
    rows = data["rows"]
    tables = [
        table(
            "periods",
            _("Disbursements and collections"),
            [
                ("period", _("Period"), kind),
                ("loans", _("Loans disbursed"), "int"),
                ("principal", _("Principal disbursed"), "money"),
                ("paid_out", _("Paid out"), "money"),
                ("fees", _("Upfront fees"), "money"),
                ("repayments", _("Repayments posted"), "int"),
                ("collected", _("Collected"), "money"),
                ("collected_principal", _("Principal"), "money"),
                ("interest", _("Interest"), "money"),
                ("penalty", _("Penalty"), "money"),
                ("fee", _("Fees"), "money"),
                ("credit", _("Overpayment held"), "money"),
                ("recoveries", _("Recoveries"), "int"),
                ("recovered", _("Recovered"), "money"),
            ],
            rows,
            data["total"],
        )
    ]

    def charts():
        fmt = "%Y-%m" if kind == "month" else "%m-%d"
        return [
            column_chart(
                chart_id="chart-flows",
                title=_("Disbursed and collected per period"),
                desc=same_figures(),
                labels=[r["period"].strftime(fmt) for r in rows],
                series=[
                    (_("Principal disbursed"), "disbursed", [r["principal"] for r in rows]),
                    (_("Collected"), "collected", [r["collected"] for r in rows]),
                ],
            )
        ]

    return Report(data, tables, f"flows-{data['date_from']}-{data['date_to']}", charts)


# --- officer performance ----------------------------------------------------------------


@page("report.view")
@reads_replica
def officers_report(request):
    return report_page(request, "reports/officers.html", fields=RANGE, build=_officers)


def _officers(f: Filters) -> Report:
    data = selectors.officer_performance(scope=f.scope, as_of=f.as_of, date_from=f.date_from, date_to=f.date_to)
    rows = data["rows"]
    tables = [
        table(
            "officers",
            _("Officer performance"),
            [
                ("name", _("Loan officer")),
                ("branch", _("Branch")),
                ("disbursed_loans", _("Loans disbursed"), "int"),
                ("disbursed", _("Principal disbursed"), "money"),
                ("active_loans", _("Active loans"), "int"),
                ("portfolio", _("Active portfolio"), "money"),
                ("par30_principal", _("%(par)s principal") % {"par": "PAR30"}, "money"),
                ("par30", "PAR30", "percent"),
                ("repayments", _("Repayments posted"), "int"),
                ("collected", _("Collected"), "money"),
            ],
            rows,
            data["total"],
        )
    ]

    def charts():
        return [
            _bars(
                "officers",
                _("Active portfolio by loan officer"),
                [
                    (r["name"], r["portfolio"], f"{money_text(r['portfolio'])} · PAR30 {percent(r['par30'])}")
                    for r in rows
                ],
            )
        ]

    return Report(data, tables, f"officers-{f.date_from}-{f.date_to}", charts)


# --- approval turnaround ----------------------------------------------------------------


@page("report.view")
@reads_replica
def turnaround_report(request):
    return report_page(request, "reports/turnaround.html", fields=RANGE, build=_turnaround)


def _turnaround(f: Filters) -> Report:
    data = selectors.approval_turnaround(scope=f.scope, date_from=f.date_from, date_to=f.date_to)
    labelled(data["by_branch"])
    tables = [
        table("branches", _("By branch"), turnaround_columns(("label", _("Branch"))), data["by_branch"], data["total"]),
        table(
            "approvers",
            _("By approver"),
            turnaround_columns(("name", _("Approver"))),
            data["by_approver"],
            data["total"],
        ),
    ]

    def charts():
        return [
            _bars(
                "turnaround",
                _("Median hours from submission to decision, by approver"),
                [
                    (
                        r["name"],
                        r["median_hours"] or 0,
                        "—" if r["median_hours"] is None else _("%(h)s h") % {"h": r["median_hours"]},
                    )
                    for r in data["by_approver"]
                ],
            )
        ]

    return Report(data, tables, f"turnaround-{f.date_from}-{f.date_to}", charts)
