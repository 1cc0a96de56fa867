"""The roll-up behind the trial balance: journal lines folded into day totals per account and
branch."""

from __future__ import annotations

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from .models import JournalEntry, JournalLine, LedgerDayTotal, LedgerRollup

ROLLUP_CHUNK = 100_000  # journal lines per roll-up step: one transaction of ~0.2 s holding back postings


def ledger_rollup(*, chunk: int = ROLLUP_CHUNK, lock_timeout_ms: int = 2000) -> int:
    """Adds the journal lines posted since the last roll-up to ``LedgerDayTotal`` (per account,
    branch and day; one
    INSERT ... SELECT ... GROUP BY per chunk of line ids) and moves the watermark; returns how
    many line ids it covered. Idempotent: a second call finds nothing new.

    Line ids are handed out when a line is inserted but become visible when its transaction
    commits, so a later id can be seen before an earlier one. To never step over a line
    still in flight, each step first takes a SHARE lock on the journal lines: it waits for
    the transactions writing lines to commit and holds new ones back for the step (a day of
    postings takes tens of milliseconds; a full ``chunk`` about 0.2 s). If a lock is not
    granted within ``lock_timeout_ms`` (another roll-up runs, or a long posting transaction
    such as a close chunk) the roll-up stops where it is and the next call goes on; the trial
    balance is right either way, only slower.
    """
    line_table = JournalLine._meta.db_table
    entry_table = JournalEntry._meta.db_table
    total_table = LedgerDayTotal._meta.db_table
    covered = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
                try:
                    with transaction.atomic():
                        # The watermark first (one roll-up at a time), then the journal.
                        mark, _created = LedgerRollup.objects.select_for_update().get_or_create(pk=1)
                        if connection.vendor == "postgresql":
                            cursor.execute(f"LOCK TABLE {line_table} IN SHARE MODE")
                except (OperationalError, IntegrityError):
                    # Lock timeout (another roll-up, or postings that take long), or a first
                    # watermark row created concurrently: the next call goes on from here.
                    return covered
                cursor.execute(f"SELECT MAX(id) FROM {line_table}")
                newest = cursor.fetchone()[0] or 0
                if newest <= mark.last_line_id:
                    return covered
                upto = min(newest, mark.last_line_id + chunk)
                # The entries of those lines, as literal bounds, so the join reads an index
                # range of the entries instead of hashing the whole table.
                # (OFFSET 0 keeps the planner on the id range: given MIN(entry_id) alone it walks
                # the entry_id index from the start of the journal.)
                fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
                cursor.execute(
                    f"SELECT MIN(entry_id), MAX(entry_id) FROM (SELECT entry_id FROM {line_table} "
                    f"WHERE id > %s AND id <= %s {fence}) AS fresh",
                    [mark.last_line_id, upto],
                )
                first_entry, last_entry = cursor.fetchone()
                # The unique key holds a nullable branch: PostgreSQL 15 keeps it NULLS NOT
                # DISTINCT; SQLite (the demo) has no such key, and there a second row for a day
                # only splits a sum the trial balance adds up anyway.
                merge = (
                    "ON CONFLICT (account_id, branch_id, business_date) DO UPDATE SET "
                    f"debit = {total_table}.debit + excluded.debit, credit = {total_table}.credit + excluded.credit"
                    if connection.vendor == "postgresql"
                    else ""
                )
                cursor.execute(
                    f"INSERT INTO {total_table} (account_id, branch_id, business_date, debit, credit) "
                    f"SELECT l.account_id, l.branch_id, e.business_date, SUM(l.debit), SUM(l.credit) "
                    f"FROM {line_table} l JOIN {entry_table} e ON e.id = l.entry_id "
                    f"WHERE l.id > %s AND l.id <= %s AND e.id >= %s AND e.id <= %s "
                    f"GROUP BY l.account_id, l.branch_id, e.business_date {merge}",
                    [mark.last_line_id, upto, first_entry or 0, last_entry or 0],
                )
                covered += upto - mark.last_line_id
                mark.last_line_id, mark.rolled_at = upto, timezone.now()
                mark.save(update_fields=["last_line_id", "rolled_at"])
