"""The database router (microloan/dbrouter.py). Without a replica everything is the primary;
with one (a real PostgreSQL hot standby, tests/kernel/replica_cluster.py) the reports and
lists read from it, and writes and reads in a transaction stay on the primary."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from django.test import RequestFactory

from microloan import dbrouter
from microloan.dbrouter import ReplicaRouter, read_alias, reads_replica, replica_reads

from . import replica_cluster


def test_without_a_replica_every_read_and_write_is_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert read_alias() == "default"
        assert router.db_for_read(None) == "default"
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "servicing") is True
    assert router.allow_migrate("replica", "servicing") is False


def test_the_router_is_installed():
    from django.conf import settings

    assert settings.DATABASE_ROUTERS == ["microloan.dbrouter.ReplicaRouter"]


def test_a_replica_view_reads_the_replica_on_get_only(monkeypatch, db):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    seen = []

    @reads_replica
    def view(request):
        seen.append(read_alias())
        with transaction.atomic():
            seen.append(read_alias())
        return None

    rf = RequestFactory()
    # The test runs in a transaction (the db fixture): everything is on the primary.
    view(rf.get("/"))
    assert seen == ["default", "default"]


def test_outside_a_transaction_a_replica_view_reads_the_replica(monkeypatch, transactional_db):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    seen = []

    @reads_replica
    def view(request):
        seen.append(read_alias())
        with transaction.atomic():
            seen.append(read_alias())
        return None

    rf = RequestFactory()
    view(rf.get("/"))
    view(rf.post("/"))
    assert seen == ["replica", "default", "default", "default"]
    assert read_alias() == "default"


@pytest.mark.skipif(replica_cluster.server_bin() is None, reason="no PostgreSQL server binaries (initdb) installed")
def test_a_real_streaming_replica_serves_the_stale_pages_and_a_lagging_one_changes_nothing_else(
    transactional_db,
):
    # The primary gets this session's migrated test database (a dump), the standby a base
    # backup of it; the scenario runs in its own process with both URLs (the router's settings
    # are read at start-up) on the pinned clock.
    from django.db import connection

    s = connection.settings_dict
    dump_from = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    with replica_cluster.primary_and_replica(dump_from) as cluster:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "microloan.settings.test",
            "DATABASE_URL": cluster.primary_url,
            "DATABASE_REPLICA_URL": cluster.replica_url,
        }
        done = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("replica_scenario.py"))],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    assert "FAIL" not in done.stdout
    assert done.stdout.count("ok ") >= 15, done.stdout
