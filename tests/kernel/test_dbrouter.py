"""The database router (microloan/dbrouter.py). Without a replica everything is the primary;
with one (a real PostgreSQL hot standby, tests/kernel/replica_cluster.py) the reports and
lists read from it, and writes and reads in a transaction stay on the primary."""

from django.db import transaction
from django.test import RequestFactory

from microloan import dbrouter
from microloan.dbrouter import ReplicaRouter, read_alias, reads_replica, replica_reads


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
