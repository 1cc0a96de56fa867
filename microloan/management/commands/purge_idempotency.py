"""Deletes the Idempotency-Key records past their time to live (a day by default)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from microloan.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "Deletes idempotency records older than IDEMPOTENCY_TTL_HOURS (default 24)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=None,
            help="Time to live in hours (default: settings.IDEMPOTENCY_TTL_HOURS or 24).",
        )

    def handle(self, *args, **options):
        hours = options["hours"]
        if hours is None:
            hours = float(getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24))
        deleted = idempotency_purge(ttl_hours=hours)
        self.stdout.write(f"Idempotency records: {deleted} older than {hours:g} hours deleted.")
