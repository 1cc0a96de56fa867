"""Kernel tasks."""

from celery import shared_task
from django.utils import timezone

from .notifications import tasks as notifications_tasks  # noqa: F401 - autodiscovery looks for tasks.py only


@shared_task(name="microloan.heartbeat")
def heartbeat() -> str:
    """Proves a worker consumes from the broker (used by the Celery smoke test)."""
    return timezone.now().isoformat()


@shared_task(name="microloan.ledger_rollup")
def ledger_rollup() -> int:
    """Folds new journal lines into the ledger's day totals (also done after each close)."""
    from .ledger.rollup import ledger_rollup as rollup

    return rollup()
