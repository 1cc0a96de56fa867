"""The reports' queries (reads only), one module per kind: what they share (``scope``), the
stock as of the close (``stock``), the flows over a range (``flows``), the approval
turnaround (``turnaround``). Plain selectors: each takes a ``ReportScope`` and returns dicts
of Decimals that the views show, chart and export; every figure is an aggregate computed by
the database, so a report costs the same few queries for ten loans or a hundred thousand."""

from .flows import disbursements_collections, officer_performance, periods
from .scope import (
    BUCKETS,
    DECISION_ACTIONS,
    PAR_LEVELS,
    PERIODS,
    ReportScope,
    hours,
    ratio,
    report_date,
)
from .stock import classification_provisions, portfolio_at_risk, portfolio_snapshot
from .turnaround import approval_turnaround, decision_events

__all__ = [
    "BUCKETS",
    "DECISION_ACTIONS",
    "PAR_LEVELS",
    "PERIODS",
    "ReportScope",
    "approval_turnaround",
    "classification_provisions",
    "decision_events",
    "disbursements_collections",
    "hours",
    "officer_performance",
    "periods",
    "portfolio_at_risk",
    "portfolio_snapshot",
    "ratio",
    "report_date",
]
