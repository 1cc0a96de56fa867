"""The daily close with real concurrency: two workers on one chunk, and the beat task run by a
real Celery worker on Redis, chunks in parallel, skipped days caught up. The data is committed
(transactional tests) so that the other connections and the worker process see it."""

import subprocess
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.db import connections

from collection.close import close_chunk_process, close_day, close_run_start
from collection.models import CloseRun, CloseStatus, PenaltyAccrual
from collection.tasks import close_business_day
from microloan.business_date import business_date_set
from microloan.ledger import JournalEntry, assert_ledger_balanced
from microloan.models import BusinessCalendar
from servicing.models import Loan
from tests.celery_support import worker_command, worker_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_on_one_chunk_close_it_once(portfolio):
    # given the run of Dec 24 planned in one chunk
    business_date_set(value=date(2026, 12, 24))
    run = close_run_start(business_date=date(2026, 12, 24))
    [chunk] = run.chunks.all()
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            results.append(close_chunk_process(chunk_id=chunk.pk))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    # when two workers take it at the same moment
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then one closed it and the other found it done
    assert not errors and sorted(r is None for r in results) == [False, True]
    assert PenaltyAccrual.objects.count() == 4
    assert JournalEntry.objects.filter(source_key__startswith="penalty:2026-12-24:").count() == 1
    assert_ledger_balanced()


def test_the_beat_task_closes_today_in_parallel_chunks_on_a_real_worker(portfolio):
    # given four loans, Dec 21 closed, and the business date Dec 24 (two days skipped)
    business_date_set(value=date(2026, 12, 21))
    close_day(business_date=date(2026, 12, 21))
    business_date_set(value=date(2026, 12, 24))
    # and a real worker pool (two processes) on a private queue of the test Redis, on this
    # test's database
    queue = f"close-{uuid.uuid4().hex[:8]}"
    log = tempfile.NamedTemporaryFile(prefix="close-worker-", suffix=".log", delete=False)
    worker = subprocess.Popen(
        worker_command(queue, "--concurrency=2", "--loglevel=WARNING"),
        cwd=ROOT,
        env=worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # when the beat's task is sent for today (one loan per chunk)
        close_business_day.apply_async(kwargs={"chunk_size": 1}, queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if CloseRun.objects.filter(business_date=date(2026, 12, 24), status=CloseStatus.DONE).exists():
                break
            time.sleep(0.5)
        else:
            pytest.fail("the close did not finish:\n" + Path(log.name).read_text())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # then Dec 22, 23 and 24 were closed in order, each in four chunks
    runs = list(
        CloseRun.objects.order_by("business_date").values_list("business_date", "status", "chunks_total", "finished_at")
    )
    assert [(d, s, n) for d, s, n, _ in runs] == [(date(2026, 12, 21), "done", 1)] + [
        (date(2026, 12, d), "done", 4) for d in (22, 23, 24)
    ]
    assert runs[1][3] < runs[2][3] < runs[3][3]
    assert BusinessCalendar.objects.get(pk=1).last_closed_date == date(2026, 12, 24)
    # and every loan is 4 days past due with the first day of penalty (0.39 each)
    assert set(Loan.objects.values_list("days_past_due", "penalty_outstanding", "business_date")) == {
        (4, PenaltyAccrual.objects.first().amount, date(2026, 12, 24))
    }
    assert PenaltyAccrual.objects.count() == 4
    assert_ledger_balanced()


def test_two_workers_on_separate_queues_share_one_close(portfolio):
    # given Dec 21 closed and the business date Dec 22
    business_date_set(value=date(2026, 12, 21))
    close_day(business_date=date(2026, 12, 21))
    business_date_set(value=date(2026, 12, 22))
    # and two worker processes (as on two hosts), each on a queue of its own
    tag = uuid.uuid4().hex[:8]
    queues = [f"close-a-{tag}", f"close-b-{tag}"]
    logs, workers = [], []
    for n, queue in enumerate(queues):
        log = tempfile.NamedTemporaryFile(prefix=f"close-worker-{n}-", suffix=".log", delete=False)
        logs.append(Path(log.name))
        workers.append(
            subprocess.Popen(
                worker_command(queue, "--concurrency=1", "--loglevel=INFO", f"--hostname=w{n}-{tag}@%h"),
                cwd=ROOT,
                env=worker_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        # when the close is sent to the first, its chunks (one loan each) dealt round both queues
        close_business_day.apply_async(kwargs={"chunk_size": 1, "chunk_queues": queues}, queue=queues[0])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if CloseRun.objects.filter(business_date=date(2026, 12, 22), status=CloseStatus.DONE).exists():
                break
            time.sleep(0.5)
        else:
            pytest.fail("the close did not finish:\n" + "\n".join(p.read_text() for p in logs))
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
    # then each worker closed chunks of the one run: two each
    done = [
        sum("collection.close_chunk[" in line and "succeeded" in line for line in p.read_text().splitlines())
        for p in logs
    ]
    assert done == [2, 2], done
    assert CloseRun.objects.get(business_date=date(2026, 12, 22)).chunks.filter(status=CloseStatus.DONE).count() == 4
    assert set(Loan.objects.values_list("business_date", flat=True)) == {date(2026, 12, 22)}
    assert BusinessCalendar.objects.get(pk=1).last_closed_date == date(2026, 12, 22)
    assert_ledger_balanced()
