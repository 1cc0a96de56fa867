"""What every report shares: who asks and for which part of the book (``ReportScope``), the
date stock reports are as of, and small helpers.

Reports: portfolio at risk, classification and provisions, disbursements and collections,
officer performance, approval turnaround. Plain selectors: each takes a ``ReportScope`` (who
asks and which part of the book) and returns dicts of Decimals that the views show, chart and
export. Every figure is an aggregate computed by the database (GROUP BY, conditional
``Sum``/``Count``); Python only adds up the groups (branches × buckets and the like), so a
report costs the same few queries for ten loans or a hundred thousand.

Stock figures (PAR, classes, provisions, active portfolios) are as of the latest closed business
date ``D``. The close stamps each open loan with its bucket and class for ``D`` and holds its
provision (``LoanProvision``); postings keep ``outstanding_principal`` and the provision in step
with the ledger as they happen, so after the close they may have moved on. The snapshot undoes,
per loan, what the journal lines dated after ``D`` changed, which gives the balances of 1131 and
1231 as of ``D``: the report of a day does not change when the next day's payments come in.

Days past due are read through the buckets, which only the close writes (a repayment refreshes
``days_past_due`` at once, not the bucket): PAR1 is one day or more past due, PAR30 more than 30
and PAR90 more than 90, the convention of the PAR ratios (CGAP, MIX) and of the buckets and
classes (over 90 days is substandard), so the ratios add up from the bucket table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Q,
)
from django.utils.translation import get_language

from applications.models import product_name
from collection.models import CloseRun, CloseStatus
from microloan.models import Branch, BusinessCalendar, User
from microloan.money import MoneyField
from microloan.scoping import branch_q
from servicing.models import Bucket

# Who reads which report is the permission table's ("report.view": everything; "report.par":
# the portfolio at risk, which loan officers read for their own branch).

BUCKETS = [b.value for b in Bucket]  # current, 1-30, 31-60, 61-90, 91-180, 180+
# The buckets at risk for each ratio: 1 day or more, more than 30 days, more than 90 days.
PAR_LEVELS = {"par1": BUCKETS[1:], "par30": BUCKETS[2:], "par90": BUCKETS[4:]}
PERIODS = ("day", "month")
DECISION_ACTIONS = ("approve", "reject", "return")

MONEY = MoneyField()
HOUR = Decimal(3600)


@dataclass(frozen=True)
class ReportScope:
    """Whose figures: the user's branch and its children (``branch_q``), narrowed to one branch
    subtree, a product and a loan officer where the report is asked for them."""

    user: Any
    branch: Branch | None = None
    product: Any = None
    officer: User | None = None

    def q(self, prefix: str = "") -> Q:
        """The scope for a model with ``branch``, ``product`` and ``officer`` (a loan, an
        application), or one reached through ``prefix`` (``"loan__"``)."""
        q = branch_q(self.user, f"{prefix}branch")
        if self.branch is not None:
            q &= Q(**{f"{prefix}branch__path__startswith": self.branch.path})
        if self.product is not None:
            q &= Q(**{f"{prefix}product": self.product})
        if self.officer is not None:
            q &= Q(**{f"{prefix}officer": self.officer})
        return q


def report_date() -> dict:
    """The date stock reports are as of (the last closed business date, None before the first
    close) and whether a later close is running (its loans would show the newer day)."""
    as_of = BusinessCalendar.objects.filter(pk=1).values_list("last_closed_date", flat=True).first()
    running = (
        as_of is not None and CloseRun.objects.filter(status=CloseStatus.RUNNING, business_date__gt=as_of).exists()
    )
    return {"as_of": as_of, "close_running": running}


def ratio(part, whole) -> Decimal | None:
    """``part / whole`` as a fraction (shown as a percentage), None when there is no whole."""
    if not whole:
        return None
    return Decimal(part or 0) / Decimal(whole)


def hours(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(str(value.total_seconds())) / HOUR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def display_name(row: dict, prefix: str) -> str:
    """A product's name in the active language, from a values() row (``applications.models.product_name``)."""
    name, english = row.get(f"{prefix}name") or "", row.get(f"{prefix}name_en") or ""
    return product_name(name=name, name_en=english, language=get_language())


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles the per-loan expressions of the snapshot queries for far longer
    than they run (1.5 s against 0.2 s a query at 100,000 loans): off for this transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
        yield
