"""What every report page does around its figures: read the filters, answer a bad filter with
the form (400), hand the tables to the CSV export or render them with the charts. A report
view gives only its template, its filters and a ``build`` that turns the filters into a
:class:`Report` (``reporting.views``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.permissions import can

from . import selectors
from .forms import ReportFilterForm
from .selectors import ReportScope
from .tables import Table, csv_response


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


@dataclass
class Report:
    """A report's figures: ``data`` for the page, ``tables`` for the page and the CSV export
    (named ``<csv_name>-<table>.csv``) and ``charts``, drawn only for the page."""

    data: dict
    tables: list[Table]
    csv_name: str
    charts: Callable[[], list] = field(default=lambda: [])


def read_filters(request, *, fields: tuple[str, ...]) -> Filters:
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


def _query(request) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


def same_figures() -> str:
    """A chart's description: its figures are also in a table."""
    return _("The same figures are in the table below.")


def full(user) -> bool:
    """Sees every report (an officer sees the portfolio at risk only)."""
    return can(user, "report.view")


def _render(request, template: str, filters: Filters, context: dict, tables: list[Table], status: int = 200):
    return render(
        request,
        template,
        {
            **filters.context,
            **context,
            "tables": {t.name: t for t in tables},
            "query": _query(request),
            "full": full(request.user),
            "report": template.rsplit("/", 1)[-1].removesuffix(".html"),
        },
        status=status,
    )


def report_page(request, template: str, *, fields: tuple[str, ...], build: Callable[[Filters], Report]):
    """The page (or, with ``?format=csv[&table=<name>]``, one table as CSV) of one report."""
    f = read_filters(request, fields=fields)
    if not f.valid:  # the form with its errors, no figures
        return _render(request, template, f, {"data": None, "charts": []}, [], status=400)
    report = build(f)
    if request.GET.get("format") == "csv":
        return csv_response(report.tables, request.GET.get("table"), report.csv_name)
    return _render(request, template, f, {"data": report.data, "charts": report.charts()}, report.tables)
