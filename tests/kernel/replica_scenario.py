"""Run by tests/kernel/test_dbrouter.py in a process of its own, with DATABASE_URL at a fresh
primary and DATABASE_REPLICA_URL at its streaming standby (tests/kernel/replica_cluster.py):
the pages that may be stale read the standby, the rest the primary, and with the standby's
replay paused (a lagging replica) the stale pages are stale and the rest still exact.

Prints one line per check; exits non-zero (an AssertionError) on the first that fails."""

import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.test")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402

from microloan.business_date import business_date_set  # noqa: E402
from microloan.dbrouter import read_alias, replica_reads  # noqa: E402
from microloan.models import Role  # noqa: E402
from servicing.models import Loan  # noqa: E402
from servicing.repayments import repayment_post  # noqa: E402
from tests.conftest import PINNED_NOW  # noqa: E402
from tests.kernel.factories import BranchFactory, UserFactory  # noqa: E402
from tests.servicing.factories import LoanFactory  # noqa: E402

DAY = date(2026, 11, 23)


def check(what: str, ok: bool, detail: object = "") -> None:
    print(("ok   " if ok else "FAIL ") + what + (f": {detail}" if detail != "" else ""), flush=True)
    assert ok, what


def replica_sql(sql: str):
    with connections["replica"].cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def primary_sql(sql: str):
    with connections["default"].cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def caught_up() -> None:
    """Waits until the standby has replayed everything the primary has written."""
    target = primary_sql("SELECT pg_current_wal_lsn()::text")
    for _ in range(300):
        if replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up in 15 s")


def list_count(client: Client) -> tuple[int, int, int]:
    """The loan list's count, and the queries the page made on the replica and the primary."""
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.get(reverse("loan-list"))
    assert response.status_code == 200, response.status_code
    return response.context["page"].paginator.count, len(on_replica), len(on_primary)


def par_principal(client: Client) -> Decimal:
    response = client.get(reverse("report-par"))
    assert response.status_code == 200, response.status_code
    return response.context["data"]["total"]["principal"]


def main() -> None:
    setup_test_environment()
    check("a replica is configured", "replica" in connections.settings)
    check("outside any view, reads are on the primary", read_alias() == "default")
    check("the standby is in recovery", replica_sql("SELECT pg_is_in_recovery()") is True)
    business_date_set(value=DAY)
    branch = BranchFactory(code="BR-R", name="Replica branch")
    officer = UserFactory(role=Role.OFFICER, branch=branch)
    collector = UserFactory(role=Role.COLLECTOR, branch=branch)
    first = LoanFactory(officer=officer, on=DAY)
    caught_up()
    client = Client()
    client.force_login(officer)
    count, on_replica, _ = list_count(client)
    check("the loan list reads the replica", count == 1 and on_replica > 0, f"{count} loans, {on_replica} queries")
    before = par_principal(client)

    # The replica lags: its replay is paused, the primary moves on.
    replica_sql("SELECT pg_wal_replay_pause()::text")
    for _ in range(100):
        if replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused":
            break
        time.sleep(0.05)
    check("the standby's replay is paused", replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused")
    second = LoanFactory(officer=officer, on=DAY)
    paid = repayment_post(actor=collector, loan=first, amount=Decimal("500.00"), paid_on=DAY, channel="cash")
    after_first = Loan.objects.get(pk=first.pk).outstanding_principal

    count, on_replica, _ = list_count(client)
    check("the loan list is stale (allowed): the second loan is not on it yet", count == 1, count)
    check("the portfolio-at-risk report is stale (allowed)", par_principal(client) == before, before)
    csv = client.get(reverse("report-par") + "?format=csv")
    check("its CSV export is read from the replica too", csv.status_code == 200)
    detail = client.get(reverse("loan-detail", args=[second.pk]))
    check("the new loan's page reads the primary", detail.status_code == 200, detail.status_code)
    with replica_reads():
        check("in a replica block, outside a transaction, reads are stale", Loan.objects.count() == 1)
        with transaction.atomic():
            check("in a transaction, reads are the primary's", Loan.objects.count() == 2)
            locked = Loan.objects.select_for_update().get(pk=first.pk)
            check("select_for_update reads the primary", locked.outstanding_principal == after_first)
        again = repayment_post(actor=collector, loan=first, amount=Decimal("300.00"), paid_on=DAY, channel="cash")
    fresh = Loan.objects.get(pk=first.pk)
    check(
        "a posting in a replica block still sees the primary (both payments applied)",
        paid.pk < again.pk and fresh.outstanding_principal < after_first,
        f"{after_first} -> {fresh.outstanding_principal}",
    )
    stale_principal = replica_sql(f"SELECT outstanding_principal FROM servicing_loan WHERE id = {first.pk}")
    check("the replica still has the figure from before both payments", stale_principal == first.outstanding_principal)

    replica_sql("SELECT pg_wal_replay_resume()::text")
    caught_up()
    count, _, _ = list_count(client)
    check("replay resumed: the loan list has both loans", count == 2, count)
    now = par_principal(client)
    with transaction.atomic():  # the primary's figure, through the same selector
        check("the report has caught up with the primary", now == par_principal(client), now)


if __name__ == "__main__":
    with time_machine.travel(PINNED_NOW, tick=True), translation.override("en"):
        main()
