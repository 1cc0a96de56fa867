"""The daily close on Celery: one task per chunk, several workers in parallel.

``collection.close_business_day`` (beat, daily; the schedule is in microloan/celery.py) works
out the next date to close up to its target (default: the business date), plans that date's
run and sends a group of ``collection.close_chunk`` tasks, one per loan-id range. Each chunk
task closes its chunk and then tries to complete the run; the one that completes it sends
``close_business_day`` again when a skipped day is being caught up, so dates close in order.

Completion is decided in the database (the run's chunks are all done), not by a chord
callback: no result backend is needed, and a chunk redelivered after a worker died (acks are
late) or re-sent by the next day's beat finds its work done or does it, and completes the run.
Sub-tasks go to the queue the close came in on, so a close routed to its own queue stays there;
with ``chunk_queues`` (or the setting ``CLOSE_CHUNK_QUEUES``) the chunks are dealt round the
queues named instead, one per worker host, so several hosts share one close.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import group, shared_task
from django.conf import settings
from django.db import OperationalError

from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput

from .close import close_chunk_process, close_dates, close_run_finish, close_run_start
from .models import CloseChunk, CloseRun, CloseStatus

log = logging.getLogger(__name__)


def _queue(task) -> str | None:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or None


@shared_task(name="collection.close_business_day", bind=True)
def close_business_day(
    self, business_date: str | None = None, chunk_size: int | None = None, chunk_queues: list[str] | None = None
) -> dict:
    """Starts (or resumes) the close of the next date up to ``business_date`` (ISO; default the
    current business date). Returns what it sent; a date already closed sends nothing."""
    target = date.fromisoformat(business_date) if business_date else current_business_date()
    try:
        dates = close_dates(business_date=target)
        if not dates:
            return {"target": target.isoformat(), "closing": None, "chunks": 0}
        run = close_run_start(business_date=dates[0], chunk_size=chunk_size)
    except InvalidInput as exc:
        log.error("daily close for %s refused: %s", target, exc)
        return {"target": target.isoformat(), "refused": str(exc)}
    pending = list(run.chunks.exclude(status=CloseStatus.DONE).order_by("number").values_list("id", flat=True))
    queue = _queue(self)
    spread = list(chunk_queues or getattr(settings, "CLOSE_CHUNK_QUEUES", None) or [])
    if not pending:
        _finish_and_continue(run.pk, target, queue, spread)
    else:
        queues = spread or ([queue] if queue else [])
        group(
            close_chunk.s(chunk_id, target.isoformat(), spread).set(queue=queues[i % len(queues)])
            if queues
            else close_chunk.s(chunk_id, target.isoformat(), spread)
            for i, chunk_id in enumerate(pending)
        ).apply_async()
    return {"target": target.isoformat(), "closing": run.business_date.isoformat(), "chunks": len(pending)}


@shared_task(
    name="collection.close_chunk",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_chunk(self, chunk_id: int, target: str, chunk_queues: list[str] | None = None) -> dict:
    """Closes one chunk (nothing if it is done already), then completes the run if it was the
    last one. OperationalError (a lost connection, a deadlock victim) is retried: the chunk's
    transaction rolled back, so it runs again from the start."""
    result = close_chunk_process(chunk_id=chunk_id)
    run_id = CloseChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).get()
    _finish_and_continue(run_id, date.fromisoformat(target), _queue(self), chunk_queues or [])
    if result is None:
        return {"chunk": chunk_id, "done_already": True}
    return {
        "chunk": chunk_id,
        "business_date": result.business_date.isoformat(),
        "loans": result.loans,
        "penalty_total": str(result.penalty_total),
        "provision_delta": str(result.provision_delta),
    }


def _finish_and_continue(run_id: int, target: date, queue: str | None, spread: list[str]) -> None:
    if not close_run_finish(run_id=run_id):
        return
    closed, chunk_size = CloseRun.objects.filter(pk=run_id).values_list("business_date", "chunk_size").get()
    if closed < target:  # catching up: the next date starts only now that this one is closed
        options = {"queue": queue} if queue else {}
        close_business_day.apply_async(
            kwargs={"business_date": target.isoformat(), "chunk_size": chunk_size, "chunk_queues": spread or None},
            **options,
        )
