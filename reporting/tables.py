"""Report tables: what a page shows and what its CSV export writes are the same rows."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _


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
