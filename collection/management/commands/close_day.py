"""``python manage.py close_day --date YYYY-MM-DD``: the daily close, synchronously, with a
progress line per chunk and a summary per date (skipped days before it are closed first)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from collection.close import ChunkResult, close_day
from microloan.business_date import business_date, business_date_set
from microloan.errors import InvalidInput

BAR = 30


def _bar(done: int, total: int) -> str:
    filled = BAR * done // max(total, 1)
    return "[" + "#" * filled + "." * (BAR - filled) + "]"


class Command(BaseCommand):
    help = "Runs the daily close (days past due, penalty, classification, provisions) for a business date."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="The business date to close (YYYY-MM-DD); default: the current business date.",
        )
        parser.add_argument("--chunk-size", type=int, default=None, help="Loans per chunk (COLLECTION setting).")
        parser.add_argument(
            "--workers", type=int, default=1, help="Chunks processed in parallel, each on its own database connection."
        )
        parser.add_argument(
            "--advance-business-date",
            action="store_true",
            help="Sandbox and benchmarks: first move the business date to --date.",
        )

    def handle(
        self, *args, date: date | None, chunk_size: int | None, workers: int, advance_business_date: bool, **options
    ):
        if advance_business_date:
            if date is None:
                raise CommandError("--advance-business-date needs --date.")
            business_date_set(value=date)
        target = date or business_date()
        started = time.perf_counter()
        try:
            results = close_day(
                business_date=target, chunk_size=chunk_size, workers=max(1, workers), progress=self._progress
            )
        except InvalidInput as exc:
            raise CommandError("; ".join(m for msgs in exc.errors.values() for m in msgs)) from None
        if not results:
            self.stdout.write(f"{target} is closed already: nothing to do, {time.perf_counter() - started:.2f} s")
            return
        for r in results:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Closed {r.business_date}: {r.loans} loans ({r.loans_overdue} overdue), "
                    f"penalty accrued {r.penalty_total:,.2f} on {r.penalty_loans} loans, "
                    f"provision delta {r.provision_delta:+,.2f} (charged {r.provision_increase:,.2f}, "
                    f"released {r.provision_release:,.2f}), {r.chunks_run}/{r.chunks_total} chunks run"
                    f"{' (resumed)' if r.resumed else ''}, {r.seconds:.2f} s"
                )
            )
        if len(results) > 1:
            self.stdout.write(f"{len(results)} days closed in {time.perf_counter() - started:.2f} s.")

    def _progress(self, c: ChunkResult, done: int, total: int) -> None:
        hi = "..." if c.hi_id >= 2**62 else str(c.hi_id)
        self.stdout.write(
            f"{c.business_date} {_bar(done, total)} {done}/{total} loans {c.lo_id}-{hi}: {c.loans} closed, "
            f"{c.loans_overdue} overdue, penalty {c.penalty_total:,.2f} ({c.penalty_loans}), "
            f"provision {c.provision_delta:+,.2f}, {c.seconds:.2f} s"
        )
        self.stdout.flush()
