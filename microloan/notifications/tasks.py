"""Celery tasks of the notification outbox. Names are explicit and stable: producers, beat
(microloan/celery.py) and queued messages refer to them, so they stay ``microloan.notifications.*``
whatever module holds the code."""

from celery import Task, shared_task

from .services import notification_deliver, notification_mark_failed, notifications_resend_pending


class DeliverTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries are spent (or the error was not worth retrying): give up on the row, so
        # resend_pending stops picking it and the failure is visible with its reason.
        notification_id = kwargs.get("notification_id", args[0] if args else None)
        if notification_id is not None:
            notification_mark_failed(notification_id=notification_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    base=DeliverTask,
    name="microloan.notifications.deliver",
    autoretry_for=(Exception,),
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    acks_late=True,
)
def deliver(self, notification_id: int) -> str:
    """Sends one outbox row; a failure is retried up to 5 times, backing off exponentially from
    30 s (jittered, at most 10 minutes apart)."""
    return notification_deliver(notification_id=notification_id)


@shared_task(name="microloan.notifications.resend_pending", ignore_result=True)
def resend_pending() -> int:
    """Beat, every five minutes: hands over the due rows the broker never got (it was down)
    or apparently lost, and the ones held back by the quiet hours once those end. Deliveries
    go to the queue this job came from."""
    return notifications_resend_pending()
