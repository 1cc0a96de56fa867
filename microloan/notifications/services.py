"""Writing to the outbox and moving its rows along: ``notification_enqueue`` /
``notifications_enqueue_many`` (in the event's transaction; the broker hears after the commit),
``notifications_publish`` (the hand-over to the broker), ``notification_deliver`` (once, locked,
out of the quiet hours), ``notifications_resend_pending`` (the beat's safety net) and
``notification_mark_read`` (the in-app inbox)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from ..pii import scrub
from .channels import NotificationDeliveryError, channel_send
from .models import Channel, Notification, NotificationStatus
from .quiet_hours import next_allowed_time
from .selectors import inbox_for, notifications_due

log = logging.getLogger(__name__)

# Rows per INSERT and per resend chunk: small enough that one statement stays well under the
# drivers' parameter limits and one chunk's row locks are held briefly.
INSERT_BATCH = 500
RESEND_BATCH = 500
# A resend run stops after this many chunks; the next run (five minutes later) goes on.
RESEND_MAX_CHUNKS = 40


# --- enqueueing ----------------------------------------------------------------------------


def _insert_ignoring_conflicts(objs: list[Notification]) -> list[int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the ids of the rows really inserted.

    ``bulk_create(ignore_conflicts=True)`` has the same effect but tells nobody which rows
    went in, and the caller needs those ids to hand them to the broker after the commit.
    """
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for i in range(0, len(objs), INSERT_BATCH):
            batch = objs[i : i + INSERT_BATCH]
            params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in batch for f in fields]
            cursor.execute(
                f"INSERT INTO {qn(Notification._meta.db_table)} ({columns}) VALUES "
                f"{', '.join([row_sql] * len(batch))} ON CONFLICT DO NOTHING RETURNING {qn('id')}",
                params,
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _build(
    *,
    channel,
    to_address="",
    user=None,
    user_id=None,
    language,
    subject="",
    body,
    kind,
    reference="",
    dedupe_key=None,
    not_before=None,
    tz_name="",
    now,
) -> Notification:
    if channel not in Channel.values:
        raise ValueError(f"unknown notification channel {channel!r}")
    if channel in (Channel.SMS, Channel.EMAIL) and not to_address:
        raise ValueError(f"a {channel} notification needs to_address")
    if channel == Channel.INAPP and user is None and user_id is None:
        raise ValueError("an in-app notification needs a user")
    if not_before is None:
        not_before = next_allowed_time(now, tz_name) if tz_name else now
    n = Notification(
        channel=channel,
        to_address=to_address or "",
        language=language,
        subject=subject or "",
        body=body,
        kind=kind,
        reference=reference or "",
        dedupe_key=dedupe_key or None,
        tz_name=tz_name or "",
        not_before=not_before,
        created_at=now,
        # Due now: it is handed to the broker right after the commit.
        enqueued_at=now if not_before <= now else None,
    )
    if user is not None:
        n.user = user
    elif user_id is not None:
        n.user_id = user_id
    return n


def notification_enqueue(
    *,
    channel: str,
    to_address: str = "",
    user=None,
    language: str,
    subject: str = "",
    body: str,
    kind: str,
    reference: str = "",
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    tz_name: str = "",
    now: datetime | None = None,
) -> Notification | None:
    """Writes one message to the outbox. Call it inside the transaction of the event that
    causes it: the row commits or rolls back with the event, and the broker hears of it only
    after the commit. A ``dedupe_key`` that already exists inserts nothing and returns None.

    ``tz_name`` (the recipient's time zone) keeps the message out of the quiet hours: with no
    explicit ``not_before`` it is held back until they end, and delivery checks them again.
    """
    now = now or timezone.now()
    n = _build(
        channel=channel,
        to_address=to_address,
        user=user,
        language=language,
        subject=subject,
        body=body,
        kind=kind,
        reference=reference,
        dedupe_key=dedupe_key,
        not_before=not_before,
        tz_name=tz_name,
        now=now,
    )
    ids = _insert_ignoring_conflicts([n])
    if not ids:
        return None
    n.pk = ids[0]
    n._state.adding = False
    if n.enqueued_at is not None:
        transaction.on_commit(partial(notifications_publish, ids), robust=True)
    return n


def notifications_enqueue_many(rows, *, now: datetime | None = None) -> int:
    """The set-based variant for jobs: ``rows`` are dicts of ``notification_enqueue``'s
    arguments (``user_id`` may stand for ``user``). Inserts in batches, skipping rows whose
    ``dedupe_key`` already exists, and returns how many were inserted. The ones due now go
    to the broker after the commit; the held-back ones wait for resend_pending."""
    now = now or timezone.now()
    objs = [_build(**row, now=now) for row in rows]
    if not objs:
        return 0
    due = {id(o) for o in objs if o.enqueued_at is not None}
    # RETURNING does not promise the input order, so the due rows are inserted separately.
    due_ids = _insert_ignoring_conflicts([o for o in objs if id(o) in due])
    later_ids = _insert_ignoring_conflicts([o for o in objs if id(o) not in due])
    if due_ids:
        transaction.on_commit(partial(notifications_publish, due_ids), robust=True)
    return len(due_ids) + len(later_ids)


def _current_queue() -> str | None:
    """The queue of the Celery task running now, if any: follow-up deliveries stay on the
    queue their job came from, so a worker pool dedicated to a queue (and the tests' private
    queues) delivers what its own jobs produced."""
    from celery import current_task

    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.called_directly:
        return None
    return (task.request.delivery_info or {}).get("routing_key") or None


def notifications_publish(ids: list[int], *, queue: str | None = None) -> int:
    """Hands notification ids to the broker, one ``deliver`` task each. Never raises: when
    the broker is down the rest are marked "not handed over" for resend_pending, and the
    event that caused them has committed all the same. Returns how many were published."""
    from .tasks import deliver  # the tasks module imports this one

    queue = queue or _current_queue()
    published = 0
    try:
        for nid in ids:
            # A short publish retry: a broker that is down should not stall the request that
            # committed the event; resend_pending is the real retry.
            deliver.apply_async(
                args=[nid],
                queue=queue,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
            )
            published += 1
    except Exception:
        log.warning(
            "Broker unavailable: %d notification(s) left pending for resend_pending",
            len(ids) - published,
            exc_info=True,
        )
        try:
            Notification.objects.filter(pk__in=ids[published:], status=NotificationStatus.PENDING).update(
                enqueued_at=None
            )
        except Exception:
            log.exception("Could not mark notifications as not handed over; resend_pending takes them later")
    return published


# --- delivery ----------------------------------------------------------------------------


class Outcome:
    SENT = "sent"
    ALREADY_DONE = "already_done"  # sent or failed before
    BUSY = "busy"  # another worker holds the row, or it no longer exists
    NOT_DUE = "not_due"  # not_before is still in the future
    DEFERRED = "deferred"  # came due inside the quiet hours: moved to their end
    FAILED = "failed"  # gave up after NOTIFY_MAX_ATTEMPTS


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 6))


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Sends one notification on its channel, at most once, and returns an ``Outcome``.

    The row stays locked while it is sent, so a second worker with the same id skips it
    instead of sending it again. A failure is recorded (``attempts``, ``last_error``) and
    committed, then raised as ``NotificationDeliveryError`` for the task to retry; after
    ``NOTIFY_MAX_ATTEMPTS`` the row is marked failed instead.
    """
    now = now or timezone.now()
    error: Exception | None = None
    with transaction.atomic():
        n = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if n is None:
            return Outcome.BUSY
        if n.status != NotificationStatus.PENDING:
            return Outcome.ALREADY_DONE
        if n.not_before > now:
            return Outcome.NOT_DUE
        if n.tz_name:
            opens = next_allowed_time(now, n.tz_name)
            if opens > now:
                n.not_before, n.enqueued_at = opens, None
                n.save(update_fields=["not_before", "enqueued_at"])
                return Outcome.DEFERRED
        n.attempts += 1
        try:
            channel_send(n)
        except Exception as exc:
            n.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if n.attempts >= max_attempts():
                n.status = NotificationStatus.FAILED
                # A gateway's error may quote the number it refused: masked (microloan/pii.py).
                log.error(
                    "Notification %s failed for good after %d attempts: %s", n.pk, n.attempts, scrub(n.last_error)
                )
            else:
                error = exc
            n.save(update_fields=["attempts", "last_error", "status"])
        else:
            n.status, n.sent_at = NotificationStatus.SENT, now
            n.save(update_fields=["attempts", "status", "sent_at"])
    if error is not None:
        # The task's retry logs this message: masked as the line above.
        raise NotificationDeliveryError(scrub(error)) from error
    return Outcome.FAILED if n.status == NotificationStatus.FAILED else Outcome.SENT


def notification_mark_failed(*, notification_id: int, error: str = "") -> bool:
    """The task's failure hook: gives up on a row still pending. Returns whether it did."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
            status=NotificationStatus.FAILED, last_error=(error or "gave up")[:2000]
        )
    )


# --- resending -----------------------------------------------------------------------------


def _publish_into(out: list[int], ids: list[int], queue: str | None) -> None:
    out.append(notifications_publish(ids, queue=queue))


def notifications_resend_pending(
    *,
    now: datetime | None = None,
    queue: str | None = None,
    chunk: int = RESEND_BATCH,
    max_chunks: int = RESEND_MAX_CHUNKS,
) -> int:
    """Hands the due pending rows to the broker again, in chunks; returns how many.

    Each chunk is claimed in its own transaction (rows locked with SKIP LOCKED and stamped
    ``enqueued_at``), so two runs at once never take the same row, and it is published after
    that commit.
    """
    now = now or timezone.now()
    total = 0
    for _chunk in range(max_chunks):
        with transaction.atomic():
            ids = list(
                notifications_due(now=now)
                .order_by("not_before", "id")
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)[:chunk]
            )
            if not ids:
                break
            Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
        total += len(ids)
        # At once after the claim's commit (or, inside a caller's transaction, after that one).
        published: list[int] = []
        transaction.on_commit(partial(_publish_into, published, ids, queue), robust=True)
        if (published and published[0] < len(ids)) or len(ids) < chunk:
            break  # the broker is down (the rest wait for the next run), or nothing is left
    return total


# --- in-app --------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int, now: datetime | None = None) -> Notification:
    """Marks one of ``user``'s own in-app notifications read (once; later calls keep the
    first time). Another user's notification does not exist for them."""
    n = inbox_for(user=user).get(pk=notification_id)
    if n.read_at is None:
        n.read_at = now or timezone.now()
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=n.read_at)
    return n


# --- anonymisation -------------------------------------------------------------------------

ANONYMISED = "anonymised"


def notifications_anonymise(*, user_ids: Iterable[int] = (), addresses: Iterable[str] = ()) -> int:
    """Erases the messages of people being anonymised (PIPL): every row addressed to one of
    ``user_ids`` (in-app) or sent to one of ``addresses`` (their mobile or e-mail) loses its
    address, subject, body and error; a row still pending is given up (failed, "anonymised"),
    there being nobody to send it to. One UPDATE however many rows; the kernel knows only ids
    and addresses, never who they belong to. Returns the rows changed; a re-run changes none."""
    user_ids = list(user_ids)
    addresses = [a for a in addresses if a]
    match = Q(user_id__in=user_ids) | Q(to_address__in=addresses)
    personal = ~Q(to_address="") | ~Q(subject="") | ~Q(body="") | ~Q(last_error__in=["", ANONYMISED])
    return (
        Notification.objects.filter(match)
        .filter(personal | Q(status=NotificationStatus.PENDING))
        .update(
            to_address="",
            subject="",
            body="",
            last_error=Case(When(status=NotificationStatus.PENDING, then=Value(ANONYMISED)), default=Value("")),
            status=Case(
                When(status=NotificationStatus.PENDING, then=Value(NotificationStatus.FAILED)), default=F("status")
            ),
        )
    )
