"""Report tables: what a page shows and what its CSV export writes are the same rows, and
every report lays its tables out with the one builder :func:`table` (columns given as
``(key, label, kind)``), the column groups two tables of a report share included."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


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

    def __post_init__(self):
        # Money to the cent whatever the database's sum returns (SQLite's sum of decimals
        # comes back as "943.600000000000").
        if self.kind == "money" and self.value is not None and not isinstance(self.value, str):
            object.__setattr__(self, "value", Decimal(str(self.value)).quantize(CENT, rounding=ROUND_HALF_UP))

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


ColumnSpec = Column | tuple[str, str] | tuple[str, str, str]


def table(name: str, title: str, columns: Iterable[ColumnSpec], rows: list[dict], total: dict | None = None) -> Table:
    """A report's table: ``rows`` (and the ``total`` row) under ``columns``, each a
    :class:`Column` or its ``(key, label[, kind])``."""
    return Table(name, title, [c if isinstance(c, Column) else Column(*c) for c in columns], rows, total)


def labelled(*row_lists: list[dict]) -> None:
    """Gives rows with a ``code`` and a ``name`` (a branch, a product) their ``label``."""
    for rows in row_lists:
        for row in rows:
            row["label"] = f"{row['code']} {row['name']}"


def stock_columns(first: ColumnSpec, *, share: bool = False) -> list[ColumnSpec]:
    """A group of loans: its ``first`` column, how many and their outstanding principal (and,
    with ``share``, its share of the whole)."""
    cols: list[ColumnSpec] = [first, ("loans", _("Loans"), "int"), ("principal", _("Outstanding principal"), "money")]
    return [*cols, ("share", _("Share"), "percent")] if share else cols


def par_columns(first: ColumnSpec) -> list[ColumnSpec]:
    """The portfolio at risk of a group of loans, after its ``first`` column."""
    cols = stock_columns(first)
    for level, label in (("par1", "PAR1"), ("par30", "PAR30"), ("par90", "PAR90")):
        cols += [
            (f"{level}_loans", _("%(par)s loans") % {"par": label}, "int"),
            (f"{level}_principal", _("%(par)s principal") % {"par": label}, "money"),
            (level, label, "percent"),
        ]
    return cols


def turnaround_columns(first: ColumnSpec) -> list[ColumnSpec]:
    """The decisions of a group of applications and their hours, after its ``first`` column."""
    return [
        first,
        ("decisions", _("Decisions"), "int"),
        ("approved", _("Approved"), "int"),
        ("rejected", _("Rejected"), "int"),
        ("returned", _("Returned"), "int"),
        ("median_hours", _("Median hours to decision"), "hours"),
        ("avg_hours", _("Average hours to decision"), "hours"),
        ("avg_queue_hours", _("Average hours in the approval queue"), "hours"),
        ("breaches", _("SLA breaches"), "int"),
        ("breach_share", _("Breach share"), "percent"),
    ]


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
