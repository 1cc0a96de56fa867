"""Escalation ladder: the daily close's extension point for overdue notices, officer calls,
field visits, branch-manager and legal/write-off review.

The work itself lives in collection.services.escalation.
"""

from datetime import date


def escalation_step_hook(business_date: date, loan_ids: list[int], lo: int = 0, hi: int = 2**62) -> None:
    """Called by the daily close once per chunk, inside the chunk's transaction, after the
    chunk's loans have their days past due, bucket and class for ``business_date``.

    ``loan_ids``: the chunk's closable loans with days past due > 0, ascending; ``lo``..``hi``
    the chunk's loan-id range (for work on loans that are no longer overdue). Whatever this
    writes commits or rolls back with the chunk, and a chunk that is done is never run again,
    so a step taken here is taken once per loan and day; steps that must happen once per loan
    ever still need their own uniqueness (a re-closed chunk after a crash calls this again).
    """
    from .services.escalation import escalation_run

    escalation_run(business_date=business_date, loan_ids=loan_ids, lo=lo, hi=hi)
