# Long module: a run's whole life (dates, plan, one chunk, completion, the synchronous close)
# reads in order in one place; the SQL is in close_sql.
"""The daily close (close of business) for a business date.

For each date: the run is planned as chunks of loan-id ranges; each chunk runs in one
transaction a few set-based statements (``close_sql``): lock the chunk's loans, accrue the
day's penalty interest, write each loan's business date, days past due, overdue amount,
penalty outstanding, bucket and class, add the penalty to the instalments and book it, bring
instalment statuses up to date, post the change in required provisions, call the escalation
hook; then the run completes and ``BusinessCalendar.last_closed_date`` moves to the date.

Idempotent per date: a chunk that is done is never run again (its row is claimed with an
UPDATE, so a second worker waits and then finds it done), and under that the penalty accrual,
provision change and journal source keys are unique per (date, loan) / (date, chunk). A close
that died midway resumes with the chunks not done. Dates are closed in order: closing D+3
after D first closes D+1 and D+2, because penalty accrues daily.

``close_day`` is the synchronous entry point (the ``close_day`` command); the Celery tasks in
``collection.tasks`` run the same chunks in parallel workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record, audit_record_many
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput
from microloan.ledger import Account, Acct, EntryKind, JournalEntry, ensure_chart, ledger_rollup
from microloan.lending.money import ZERO, money
from microloan.models import BusinessCalendar
from microloan.policy import CollectionPolicy, policy
from servicing.models import AccrualMove, AccrualMoveKind, AccrualStatus

from . import escalation
from .accrual_sql import accrual_params, accrual_sql
from .charges_sql import charges_close_step
from .close_sql import close_sql
from .models import CloseChunk, CloseRun, CloseStatus

log = logging.getLogger(__name__)

# The last chunk of a run reaches past every loan id, so loans disbursed while the run is
# planned, and closed loans beyond the last closable one, still belong to a chunk.
MAX_ID = 2**63 - 1


@dataclass
class ChunkResult:
    business_date: date
    number: int
    chunks_total: int
    lo_id: int
    hi_id: int
    loans: int = 0
    loans_overdue: int = 0
    penalty_loans: int = 0
    penalty_total: Decimal = ZERO
    provision_increase: Decimal = ZERO
    provision_release: Decimal = ZERO
    seconds: float = 0.0

    @property
    def provision_delta(self) -> Decimal:
        return self.provision_increase - self.provision_release


@dataclass
class DayResult:
    business_date: date
    chunks_total: int = 0
    chunks_run: int = 0
    loans: int = 0
    loans_overdue: int = 0
    penalty_loans: int = 0
    penalty_total: Decimal = ZERO
    provision_increase: Decimal = ZERO
    provision_release: Decimal = ZERO
    seconds: float = 0.0
    resumed: bool = False
    chunk_results: list[ChunkResult] = field(default_factory=list)

    @property
    def provision_delta(self) -> Decimal:
        return self.provision_increase - self.provision_release


Progress = Callable[[ChunkResult, int, int], None]


# --- the policy ------------------------------------------------------------------------------


def close_policy() -> CollectionPolicy:
    """The close's policy: class thresholds, provision rates, the penalty day basis and the
    chunk size, from the one typed policy module."""
    return policy().collection


# --- which dates ---------------------------------------------------------------------------


def _calendar() -> BusinessCalendar:
    cal, _created = BusinessCalendar.objects.get_or_create(pk=1)
    return cal


def close_dates(*, business_date: date) -> list[date]:
    """The dates a close up to ``business_date`` has to run, in order; [] when it is closed.

    Refuses (``InvalidInput`` on ``business_date``) a date after the system's business date,
    and a date before the last closed one. With nothing closed yet, an unfinished run is
    finished first; otherwise the close starts at ``business_date`` itself.
    """
    if not isinstance(business_date, date):
        raise InvalidInput({"business_date": [_("A business date is required.")]})
    today = current_business_date()
    if business_date > today:
        raise InvalidInput(
            {
                "business_date": [
                    _("%(d)s is after the business date %(today)s: a day is closed on or after it, never ahead.")
                    % {"d": business_date, "today": today}
                ]
            }
        )
    last = _calendar().last_closed_date
    if last is not None and business_date < last:
        raise InvalidInput(
            {
                "business_date": [
                    _("%(d)s is before the last closed date %(last)s: a closed day is never closed again.")
                    % {"d": business_date, "last": last}
                ]
            }
        )
    if last is not None:
        start = last + timedelta(days=1)
    else:
        unfinished = (
            CloseRun.objects.filter(status=CloseStatus.RUNNING, business_date__lte=business_date)
            .order_by("business_date")
            .values_list("business_date", flat=True)
            .first()
        )
        start = unfinished or business_date
    return [start + timedelta(days=n) for n in range((business_date - start).days + 1)]


# --- a run and its chunks ------------------------------------------------------------------


def close_run_start(*, business_date: date, chunk_size: int | None = None) -> CloseRun:
    """The run for ``business_date``, planned now if it does not exist yet (idempotent).

    It must be the next date to close (``close_dates`` says which); its chunks are planned once,
    in the same transaction as the run, so a run always has the chunks it started with.
    """
    dates = close_dates(business_date=business_date)
    if not dates:
        raise InvalidInput({"business_date": [_("%(d)s is closed already.") % {"d": business_date}]})
    if dates[0] != business_date:
        raise InvalidInput(
            {"business_date": [_("Close %(first)s first: days are closed in order.") % {"first": dates[0]}]}
        )
    size = int(chunk_size or close_policy().chunk_size)
    if size < 1:
        raise InvalidInput({"chunk_size": [_("At least one loan per chunk.")]})
    with transaction.atomic():
        run, created = CloseRun.objects.get_or_create(business_date=business_date, defaults={"chunk_size": size})
        if created:
            _plan_chunks(run)
    return run


def _plan_chunks(run: CloseRun) -> None:
    with connection.cursor() as cur:
        cur.execute(close_sql(connection.vendor).plan_chunks, {"size": run.chunk_size})
        groups = cur.fetchall()
    chunks, lo = [], 0
    for number, (_first, last, count) in enumerate(groups, start=1):
        hi = MAX_ID if number == len(groups) else last
        chunks.append(CloseChunk(run=run, number=number, lo_id=lo, hi_id=hi, planned_loans=count))
        lo = last + 1
    if not chunks:  # no closable loan: one chunk still releases closed loans' provisions
        chunks.append(CloseChunk(run=run, number=1, lo_id=0, hi_id=MAX_ID, planned_loans=0))
    CloseChunk.objects.bulk_create(chunks)
    run.chunks_total = len(chunks)
    run.save(update_fields=["chunks_total"])


# The accounts the close posts to, by the name of their bind parameter.
ACCOUNT_PARAMS = {
    "receivable": Acct.PENALTY_RECEIVABLE,
    "income": Acct.PENALTY_INCOME,
    "provision": Acct.LOAN_LOSS_PROVISION,
    "expense": Acct.PROVISION_EXPENSE,
    "penalty_receivable": Acct.PENALTY_RECEIVABLE,
    "penalty_income": Acct.PENALTY_INCOME,
    "interest_receivable": Acct.INTEREST_RECEIVABLE,
    "interest_income": Acct.INTEREST_INCOME,
    "memo_interest": Acct.MEMO_INTEREST_RECEIVABLE,
    "memo_penalty": Acct.MEMO_PENALTY_RECEIVABLE,
    "memo_contra": Acct.MEMO_CONTRA,
}


def _accounts() -> dict[str, int]:
    codes = set(ACCOUNT_PARAMS.values())
    ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    if len(ids) < len(codes):
        ensure_chart()
        ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    return {name: ids[code] for name, code in ACCOUNT_PARAMS.items()}


class _NothingToPost(Exception):
    """Rolls back the savepoint of a journal entry that got no lines."""


def _open_entry(
    cur, *, kind: str, key: str, business_date: date, memo: str, insert_sql: str, params: dict
) -> int | None:
    """Creates the step's journal entry and records the step's rows against it (``insert_sql``
    with ``%(entry)s``); returns the entry's id, or None when there is no row to record (and
    then no entry either) or the step was posted already (its source key exists)."""
    if JournalEntry.objects.filter(source_key=key).exists():
        return None
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                business_date=business_date,
                kind=kind,
                source_key=key,
                reference=f"close:{business_date.isoformat()}",
                memo=memo,
            )
            cur.execute(insert_sql, {**params, "entry": entry.pk})
            if not close_sql(connection.vendor).dialect.rows_written(cur):
                raise _NothingToPost
    except _NothingToPost:
        return None
    return entry.pk


def close_chunk_process(*, chunk_id: int) -> ChunkResult | None:
    """Closes one chunk in one transaction; ``None`` if it was done already (or is being done
    by another worker, which this one waits for)."""
    started = time.perf_counter()
    with transaction.atomic():
        # The claim: an UPDATE, not a read, so that a second worker on the same chunk blocks
        # here until the first commits and then sees it done (on SQLite it takes the write
        # lock up front, so two processes cannot both get past this line).
        claimed = (
            CloseChunk.objects.filter(pk=chunk_id)
            .exclude(status=CloseStatus.DONE)
            .update(attempts=F("attempts") + 1, started_at=timezone.now())
        )
        if not claimed:
            return None
        chunk = CloseChunk.objects.select_related("run").get(pk=chunk_id)
        run = chunk.run
        day = run.business_date
        sql = close_sql(connection.vendor)
        params = {
            "d": day,
            "lo": chunk.lo_id,
            "hi": chunk.hi_id,
            "entry": 0,
            **_accounts(),
            **sql.policy_params(close_policy()),
            **accrual_params(close_policy()),
        }
        result = ChunkResult(
            business_date=day, number=chunk.number, chunks_total=run.chunks_total, lo_id=chunk.lo_id, hi_id=chunk.hi_id
        )
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                # A chunk's statements are short index work; JIT compilation (which their cost
                # estimates trigger) takes longer than it saves: ~60 ms a statement.
                cur.execute("SET LOCAL jit = off")
            if sql.lock_loans:
                cur.execute(sql.lock_loans, params)
            # 1. The day's penalty, recorded per loan.
            penalty_entry = _open_entry(
                cur,
                kind=EntryKind.PENALTY,
                key=f"penalty:{day.isoformat()}:{chunk.key}",
                business_date=day,
                memo=f"Penalty interest {day.isoformat()}, loans {chunk.key}",
                insert_sql=sql.accrue_penalty,
                params=params,
            )
            # 1b. The day's charges (late, service and insurance fees: collection.charges_sql).
            charges_close_step(cur, open_entry=_open_entry, day=day, chunk_key=chunk.key, params=params)
            step = {**params, "entry": penalty_entry or 0}
            # 1b. The day's interest accrual: instalments, loans' sub-ledger, aggregated lines.
            _accrue_interest(cur, day=day, chunk=chunk, params=params)
            # 2. The loans' figures, the day's penalty included.
            cur.execute(sql.loan_figures, step)
            # The loans closed: stamped with the date, by the accrual (those earning interest
            # today) or by the figures (the rest with something outstanding).
            cur.execute(accrual_sql(connection.vendor).loans_closed, params)
            result.loans = int(cur.fetchone()[0])
            # 3. The instalments: the penalty onto the oldest overdue one, statuses; the books.
            if penalty_entry:
                cur.execute(sql.apply_penalty, step)
                cur.execute(sql.penalty_lines, step)
                cur.execute(sql.entry_totals, step)
                count, total = cur.fetchone()
                result.penalty_loans, result.penalty_total = int(count), _money(total)
            cur.execute(sql.refresh_status, params)
            # 3b. Non-accrual: loans past the threshold off balance, cured ones back on.
            _accrual_moves(cur, day=day, chunk=chunk, params=params)
            # 4. Provisions: the change in what each loan's class and principal require.
            provision_entry = _open_entry(
                cur,
                kind=EntryKind.PROVISION,
                key=f"provision:{day.isoformat()}:{chunk.key}",
                business_date=day,
                memo=f"Loan-loss provision {day.isoformat()}, loans {chunk.key}",
                insert_sql=sql.provision_changes,
                params=params,
            )
            if provision_entry:
                step = {**params, "entry": provision_entry}
                cur.execute(sql.provision_lines, step)
                cur.execute(sql.hold_provisions, step)
                cur.execute(sql.provision_totals, step)
                increase, release = cur.fetchone()
                result.provision_increase, result.provision_release = _money(increase), _money(release)
            # 5. Escalation, for the loans overdue now.
            cur.execute(sql.overdue_loans, params)
            overdue_ids = [row[0] for row in cur.fetchall()]
        result.loans_overdue = len(overdue_ids)
        escalation.escalation_step_hook(business_date=day, loan_ids=overdue_ids, lo=chunk.lo_id, hi=chunk.hi_id)
        result.seconds = time.perf_counter() - started
        CloseChunk.objects.filter(pk=chunk.pk).update(
            status=CloseStatus.DONE,
            finished_at=timezone.now(),
            seconds=result.seconds,
            loans=result.loans,
            loans_overdue=result.loans_overdue,
            penalty_loans=result.penalty_loans,
            penalty_total=result.penalty_total,
            provision_increase=result.provision_increase,
            provision_release=result.provision_release,
        )
    return result


def _accrue_interest(cur, *, day: date, chunk: CloseChunk, params: dict) -> None:
    first, *rest = accrual_sql(connection.vendor).accrue
    entry = _open_entry(
        cur,
        kind=EntryKind.ACCRUAL,
        key=f"accrual:{day.isoformat()}:{chunk.key}",
        business_date=day,
        memo=f"Interest accrual {day.isoformat()}, loans {chunk.key}",
        insert_sql=first,
        params=params,
    )
    for statement in rest if entry else ():
        cur.execute(statement, {**params, "entry": entry})


def _accrual_moves(cur, *, day: date, chunk: CloseChunk, params: dict) -> None:
    """Records the chunk's moves under a placeholder (the chunk, negated), books them in one
    entry when any amount moves (a move of nothing still changes the status), applies them to
    the loans and writes one audit row per move."""
    sql = accrual_sql(connection.vendor)
    step = {**params, "entry": -chunk.pk}
    cur.execute(sql.record_moves, step)
    cur.execute(sql.moves_done, step)
    moves = cur.fetchall()
    if not moves:
        return
    if any(on or off or penalty for _loan, _kind, on, off, penalty in moves):
        entry = JournalEntry.objects.create(
            business_date=day,
            kind=EntryKind.NON_ACCRUAL,
            source_key=f"non_accrual:{day.isoformat()}:{chunk.key}",
            reference=f"close:{day.isoformat()}",
            memo=f"Non-accrual moves {day.isoformat()}, loans {chunk.key}",
        )
        AccrualMove.objects.filter(entry=-chunk.pk).update(entry=entry.pk)
        step = {**params, "entry": entry.pk}
        cur.execute(sql.move_lines, step)
    cur.execute(sql.apply_moves, step)
    status = {AccrualMoveKind.NON_ACCRUAL: AccrualStatus.NON_ACCRUAL, AccrualMoveKind.ACCRUING: AccrualStatus.ACCRUING}
    audit_record_many(
        [
            {
                "entity": "loan",
                "entity_id": loan_id,
                "action": kind,
                "from_state": AccrualStatus.ACCRUING if kind == AccrualMoveKind.NON_ACCRUAL else "",
                "to_state": status.get(kind, ""),
                "data": {
                    "business_date": day.isoformat(),
                    "interest_on": str(_money(on)),
                    "interest_off": str(_money(off)),
                    "penalty": str(_money(penalty)),
                },
            }
            for loan_id, kind, on, off, penalty in moves
        ]
    )


def _money(value) -> Decimal:
    """A sum the database returned (a float on SQLite), as money."""
    return money(str(value or 0))


def close_run_finish(*, run_id: int) -> bool:
    """Completes the run once every chunk is done: totals, ``last_closed_date``, an audit row.
    True only for the call that completed it (chunks race to call this; one wins)."""
    with transaction.atomic():
        run = CloseRun.objects.select_for_update().get(pk=run_id)
        if run.status == CloseStatus.DONE or run.chunks.exclude(status=CloseStatus.DONE).exists():
            return False
        totals = run.chunks.aggregate(
            loans=Sum("loans"),
            loans_overdue=Sum("loans_overdue"),
            penalty_loans=Sum("penalty_loans"),
            penalty_total=Sum("penalty_total"),
            provision_increase=Sum("provision_increase"),
            provision_release=Sum("provision_release"),
        )
        for name, value in totals.items():
            setattr(run, name, value or 0)
        run.status, run.finished_at = CloseStatus.DONE, timezone.now()
        run.save()
        BusinessCalendar.objects.get_or_create(pk=1)
        cal = BusinessCalendar.objects.select_for_update().get(pk=1)
        if cal.last_closed_date is None or cal.last_closed_date < run.business_date:
            cal.last_closed_date = run.business_date
            cal.save(update_fields=["last_closed_date"])
        audit_record(
            actor=None,
            entity="close_run",
            entity_id=run.pk,
            action="close",
            from_state=CloseStatus.RUNNING,
            to_state=CloseStatus.DONE,
            data={
                "business_date": run.business_date.isoformat(),
                "loans": run.loans,
                "penalty_total": str(run.penalty_total),
                "provision_delta": str(run.provision_delta),
            },
        )
    # The day's postings are in: fold them into the ledger's day totals (trial balance). Best
    # effort: the run is already done, and the hourly roll-up catches up whatever this misses.
    try:
        ledger_rollup()
    except DatabaseError:
        log.warning(
            "ledger roll-up after the close of %s failed; the hourly job will catch up",
            run.business_date,
            exc_info=True,
        )
    return True


# --- the synchronous close -----------------------------------------------------------------


def close_day(
    *, business_date: date, chunk_size: int | None = None, workers: int = 1, progress: Progress | None = None
) -> list[DayResult]:
    """Closes every date up to and including ``business_date`` that is not closed yet, in
    order, and returns one result per date closed ([] if it was closed already).

    Refuses a date before the last closed one or after the business date (``InvalidInput``).
    ``workers`` > 1 processes a date's chunks in that many threads, each on its own database
    connection (for a big book on a machine with cores to spare; not inside a test
    transaction, which other connections cannot see). ``progress`` is called after each chunk
    with the chunk's result, the number of chunks done and the total.
    """
    results = []
    for day in close_dates(business_date=business_date):
        results.append(_close_one_day(day, chunk_size=chunk_size, workers=workers, progress=progress))
    return results


def _close_one_day(day: date, *, chunk_size: int | None, workers: int, progress: Progress | None) -> DayResult:
    started = time.perf_counter()
    run = close_run_start(business_date=day, chunk_size=chunk_size)
    pending = list(run.chunks.exclude(status=CloseStatus.DONE).order_by("number").values_list("id", flat=True))
    result = DayResult(business_date=day, chunks_total=run.chunks_total, resumed=len(pending) < run.chunks_total)
    done = run.chunks_total - len(pending)

    def record(chunk_result: ChunkResult | None) -> None:
        nonlocal done
        done += 1
        if chunk_result is None:
            return
        result.chunks_run += 1
        result.chunk_results.append(chunk_result)
        if progress:
            progress(chunk_result, done, run.chunks_total)

    if workers > 1 and len(pending) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for chunk_result in pool.map(_chunk_in_thread, pending):
                record(chunk_result)
    else:
        for chunk_id in pending:
            record(close_chunk_process(chunk_id=chunk_id))
    close_run_finish(run_id=run.pk)
    run.refresh_from_db()
    for name in ("loans", "loans_overdue", "penalty_loans", "penalty_total", "provision_increase", "provision_release"):
        setattr(result, name, getattr(run, name))
    result.seconds = time.perf_counter() - started
    log.info(
        "closed %s: %s loans, penalty %s, provision %+.2f in %.2fs",
        day,
        result.loans,
        result.penalty_total,
        result.provision_delta,
        result.seconds,
    )
    return result


def _chunk_in_thread(chunk_id: int) -> ChunkResult | None:
    try:
        return close_chunk_process(chunk_id=chunk_id)
    finally:
        connections.close_all()
